package keyed

import "testing"

func TestRandIsKeyed(t *testing.T) {
	a := Rand(7, "caltech101", "trn").Uint64()
	if b := Rand(7, "caltech101", "trn").Uint64(); a != b {
		t.Fatalf("same key gave %d and %d", a, b)
	}
	if c := Rand(8, "caltech101", "trn").Uint64(); c == a {
		t.Fatal("another seed gave the same stream")
	}
	if Hash(1, "ab", "c") == Hash(1, "a", "bc") {
		t.Fatal("part boundaries are not part of the key")
	}
}
