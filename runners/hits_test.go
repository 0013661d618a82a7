package runners

import "testing"

func TestHitsRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 45000} {
		in := make([]bool, n)
		for i := range in {
			in[i] = (i*7919)%3 == 0
		}
		s := EncodeHits(in)
		out, err := DecodeHits(s, n)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		for i := range in {
			if in[i] != out[i] {
				t.Fatalf("n=%d: bit %d differs", n, i)
			}
		}
	}
}

func TestHitsLayout(t *testing.T) {
	// images 0 and 9 correct: byte 0 = 0b00000001, byte 1 = 0b00000010.
	in := make([]bool, 10)
	in[0], in[9] = true, true
	if got, want := EncodeHits(in), "AQI="; got != want {
		t.Fatalf("EncodeHits = %q, want %q", got, want)
	}
}

func TestHitsRefused(t *testing.T) {
	s := EncodeHits(make([]bool, 10))
	if _, err := DecodeHits(s, 20); err == nil {
		t.Fatal("wrong image count accepted")
	}
	if _, err := DecodeHits("AQQ=", 10); err == nil { // bit 10 set: padding
		t.Fatal("set padding bits accepted")
	}
	if _, err := DecodeHits("!!", 8); err == nil {
		t.Fatal("bad base64 accepted")
	}
}
