package keyed

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// Hash returns a 64-bit value determined by the seed and the ordered parts.
func Hash(seed uint64, parts ...string) uint64 {
	a, _ := sum(seed, parts)
	return a
}

// Rand returns a PCG generator keyed by the seed and the ordered parts. Two calls with the
// same arguments produce the same stream; any different part produces an unrelated one.
func Rand(seed uint64, parts ...string) *rand.Rand {
	a, b := sum(seed, parts)
	return rand.New(rand.NewPCG(a, b))
}

func sum(seed uint64, parts []string) (uint64, uint64) {
	h := sha256.New()
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], seed)
	h.Write(buf[:])
	for _, p := range parts {
		// Length-prefix each part so ("ab","c") and ("a","bc") differ.
		binary.LittleEndian.PutUint64(buf[:], uint64(len(p)))
		h.Write(buf[:])
		h.Write([]byte(p))
	}
	d := h.Sum(nil)
	return binary.LittleEndian.Uint64(d[:8]), binary.LittleEndian.Uint64(d[8:16])
}
