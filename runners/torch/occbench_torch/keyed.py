"""A bit-exact port of internal/keyed + Go's math/rand/v2 (PCG-DXSM source).

Every random choice of the Go runner (shuffle order, augmentation draws, DV draws) comes from
keyed.Rand(seed, parts...). Reproducing it here makes the two runners consume the same random
stream, so on the same initial weights they differ only by floating-point rounding.
Only the methods the runner uses are ported: Uint64, Float64, IntN, Perm.
"""
import hashlib
import struct

_M64 = (1 << 64) - 1
_M128 = (1 << 128) - 1
_MUL = (2549297995355413924 << 64) | 4865540595714422341
_INC = (6364136223846793005 << 64) | 1442695040888963407
_CHEAP = 0xDA942042E4DD58B5


class GoRand:
    """math/rand/v2.New(rand.NewPCG(hi, lo))."""

    __slots__ = ("state",)

    def __init__(self, seed1, seed2):
        self.state = ((seed1 & _M64) << 64) | (seed2 & _M64)

    def uint64(self):
        self.state = (self.state * _MUL + _INC) & _M128
        hi, lo = self.state >> 64, self.state & _M64
        hi ^= hi >> 32
        hi = (hi * _CHEAP) & _M64
        hi ^= hi >> 48
        return (hi * (lo | 1)) & _M64

    def _uint64n(self, n):
        if n & (n - 1) == 0:
            return self.uint64() & (n - 1)
        p = self.uint64() * n
        hi, lo = p >> 64, p & _M64
        if lo < n:
            thresh = ((1 << 64) - n) % n
            while lo < thresh:
                p = self.uint64() * n
                hi, lo = p >> 64, p & _M64
        return hi

    def intn(self, n):
        if n <= 0:
            raise ValueError("invalid argument to IntN")
        return self._uint64n(n)

    def float64(self):
        return (self.uint64() & ((1 << 53) - 1)) / float(1 << 53)

    def perm(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self._uint64n(i + 1)
            p[i], p[j] = p[j], p[i]
        return p


def rand(seed, *parts):
    """keyed.Rand(seed, parts...): SHA-256 of the seed and length-prefixed parts."""
    h = hashlib.sha256()
    h.update(struct.pack("<Q", seed & _M64))
    for p in parts:
        b = str(p).encode("utf-8")
        h.update(struct.pack("<Q", len(b)))
        h.update(b)
    d = h.digest()
    return GoRand(int.from_bytes(d[:8], "little"), int.from_bytes(d[8:16], "little"))
