package synth

// RowBytes estimates the encoded size of one shard row of a size x size image: a JPEG of a
// natural image at quality 90 takes about 0.3 bytes a pixel-channel, a PNG about 1.5. The
// shard sizing and the disk estimate of `bench doctor` share it.
func RowBytes(size int, encode string) int64 {
	per := int64(size) * int64(size) * 3 / 2 // PNG of a natural image
	if encode == "jpeg" || encode == "jpg" {
		per = int64(size) * int64(size) * 3 / 10
	}
	return max(per, 1)
}
