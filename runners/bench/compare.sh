#!/bin/sh
# Training throughput of resnet-mini, batch 32, at 32x32 and 64x64: the Go runner (gorgonia,
# pure-Go BLAS and, when libopenblas-dev is installed, OpenBLAS through cgo) beside PyTorch on
# the CPU with 2 threads. Prints img/s, the Go/PyTorch ratio and peak memory.
#   runners/bench/compare.sh            (from the repository root)
# Needs: Go; /usr/bin/python3 with torch (Debian python3-torch python3-numpy).
set -eu
cd "$(dirname "$0")/../.."
PY=${PYTHON:-/usr/bin/python3}
export OPENBLAS_NUM_THREADS=2 GOMAXPROCS=2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$PY" runners/bench/resnet_mini.py 32 64 > "$tmp/torch.txt"

gobench() { # $1 = label, rest = go test flags
	label=$1; shift
	go test "$@" -run '^$' -bench 'BenchmarkTrainResNetMini' -benchtime 3x ./runners/gonn/ |
		awk -v l="$label" '/^BenchmarkTrainResNetMini/ {
			split($1, a, "/"); side = a[2]; sub(/x.*/, "", side)
			for (i = 1; i <= NF; i++) { if ($(i+1) == "img/s") ips = $i; if ($(i+1) == "peakRSS_MiB") rss = $i }
			print l, side, ips, rss }'
}
gobench go-purego > "$tmp/go.txt"
if [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] || ldconfig -p 2>/dev/null | grep -q libopenblas; then
	gobench go-openblas -tags openblas >> "$tmp/go.txt"
fi

printf '%-12s %6s %10s %10s %8s %14s\n' runner side img/s pytorch ratio peakRSS_MiB
awk 'NR == FNR { t[$2] = $3; trss[$2] = $4; next }
	{ printf "%-12s %6s %10.1f %10.1f %7.3fx %14s\n", $1, $2, $3, t[$2], $3 / t[$2], $4 }
	END { for (s in t) printf "%-12s %6s %10.1f %10s %8s %14s\n", "pytorch", s, t[s], "", "", trss[s] }' \
	"$tmp/torch.txt" "$tmp/go.txt"
