package inputs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Kind is a kind of input file, with its size limit.
type Kind struct {
	Name  string // what the file is, for messages: "manifest", "MAT occluder set", ...
	Limit int64  // largest accepted size in bytes
}

// The kinds of files occbench reads, and their size limits. The limits are far above any
// real file of the kind (the largest built-in manifest has 3 KB, the SDBE .mat sets a few
// MB, a pre-scaled occluder at 4096 x 4096 px is at most 64 MiB as an RGBA PNG) and far
// below what would exhaust a machine.
var (
	Manifest    = Kind{"manifest", 1 << 20}
	MAT         = Kind{"MAT occluder set", 256 << 20}
	OccluderPNG = Kind{"occluder PNG", 64 << 20}
	PackPNG     = Kind{"pattern pack PNG", 64 << 20}
	PackTable   = Kind{"pattern table", 64 << 20}
	SourceImage = Kind{"dataset image", 256 << 20}
	DatasetMAT  = Kind{"dataset MAT file", 256 << 20} // Oxford 102 labels, ILSVRC devkit meta
)

// MaxPixels is the most pixels an image may claim in its header (width x height) before
// it is decoded: 50 megapixels, about 200 MB as RGBA. It applies to every image occbench
// decodes: dataset images, occluder PNGs and pattern pack PNGs.
const MaxPixels = 50_000_000

// ReadFile reads a whole input file of the given kind: a regular file (symbolic links
// followed) of at most kind.Limit bytes. Errors name the file and say what is wrong in one
// line: "x.mat: file does not exist", "/dev/zero: not a regular file (a device)",
// "big.yaml: 36700160 bytes, more than the 1 MiB a manifest may have".
func ReadFile(path string, kind Kind) ([]byte, error) {
	// Stat before Open: opening a named pipe for reading blocks until a writer comes.
	st, err := os.Stat(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	if err := CheckRegular(path, st, kind); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil { // what was opened, in case the path changed
		return nil, fileError(path, err)
	}
	if err := CheckRegular(path, st, kind); err != nil {
		return nil, err
	}
	// The file may grow after Stat: read at most one byte past the limit.
	data, err := io.ReadAll(io.LimitReader(f, kind.Limit+1))
	if err != nil {
		return nil, fileError(path, err)
	}
	if int64(len(data)) > kind.Limit {
		return nil, fmt.Errorf("%s: more than the %s a %s may have", path, Size(kind.Limit), kind.Name)
	}
	return data, nil
}

// CheckRegular refuses what is not a regular file of at most kind.Limit bytes, from its
// FileInfo (as os.Stat gives it, links followed).
func CheckRegular(path string, st fs.FileInfo, kind Kind) error {
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file (%s); a %s must be a regular file", path, modeName(st.Mode()), kind.Name)
	}
	if st.Size() > kind.Limit {
		return fmt.Errorf("%s: %d bytes, more than the %s a %s may have", path, st.Size(), Size(kind.Limit), kind.Name)
	}
	return nil
}

func modeName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0, m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return m.Type().String()
}

func fileError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", path, fs.ErrNotExist) // "x: file does not exist"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: cannot read: %w", path, err)
}

// Size formats a byte count for messages: "512 bytes", "3.2 KiB", "35 MiB".
func Size(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return trim(float64(n)/(1<<10)) + " KiB"
	case n < 1<<30:
		return trim(float64(n)/(1<<20)) + " MiB"
	}
	return trim(float64(n)/(1<<30)) + " GiB"
}

func trim(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%.1f", f)
}
