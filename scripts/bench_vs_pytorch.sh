#!/bin/sh
# Training throughput of resnet-mini, batch 32, at 32x32 and 64x64: the Go runner (gorgonia
# with the engine's fused ops; pure-Go BLAS and, when libopenblas-dev is installed, OpenBLAS
# through cgo) beside PyTorch on the CPU with 2 threads, all in one run. Prints img/s, each Go
# build's ratio to PyTorch and each run's peak resident memory (every size and runner runs
# in its own process, so the peaks do not mix).
#   scripts/bench_vs_pytorch.sh            (from the repository root)
#   BENCHTIME=5s SIZES="32 64" scripts/bench_vs_pytorch.sh
# Needs: Go; /usr/bin/python3 with torch (Debian python3-torch python3-numpy). The numbers
# mean something only on an otherwise idle machine: the load average is printed first.
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
SIZES=${SIZES:-32 64}
BENCHTIME=${BENCHTIME:-5s}
export GOMAXPROCS=${GOMAXPROCS:-2}
# The Go ops split every batch over GOMAXPROCS goroutines, each calling a single-threaded
# sgemm (blas_openblas.go sets OpenBLAS to 1 thread); PyTorch uses 2 threads itself.
export OPENBLAS_NUM_THREADS=1
# OpenBLAS 0.3.21 (Debian 12) runs its AVX-512 "Cooperlake" kernels on AMD Zen 4, which
# measured 15-25% slower on the convolutions' sgemm shapes here than its AVX2 "Haswell"
# kernels (runners/gonn gemm_shapes_test.go). OpenBLAS reads OPENBLAS_CORETYPE when the
# library loads, so it is set for the Go+OpenBLAS runs only (`bench train` users can set it
# the same way); set OPENBLAS_CORETYPE yourself to override, or to "auto" for the default.
CORETYPE=${OPENBLAS_CORETYPE:-}
if [ -z "$CORETYPE" ] && grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then
	CORETYPE=Haswell
fi
[ "$CORETYPE" = auto ] && CORETYPE=
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)  cpus: $(nproc) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)  OPENBLAS_CORETYPE=${CORETYPE:-auto}"

haveblas=0
if [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] || ldconfig -p 2>/dev/null | grep -q libopenblas; then
	haveblas=1
fi
# Build the test binaries once, outside the timed runs.
go test -c -o "$tmp/gonn.pure" ./runners/gonn/
if [ $haveblas = 1 ]; then go test -tags openblas -c -o "$tmp/gonn.blas" ./runners/gonn/; fi

gobench() { # $1 = label, $2 = binary, $3 = side
	"$2" -test.run '^$' -test.bench "BenchmarkTrainResNetMini/${3}x${3}\$" -test.benchtime "$BENCHTIME" |
		awk -v l="$1" -v s="$3" '/^BenchmarkTrainResNetMini/ {
			for (i = 1; i <= NF; i++) {
				if ($(i+1) == "img/s") ips = $i
				if ($(i+1) == "peakRSS_MiB") rss = $i
				if ($(i+1) == "cpu_ms/img") cpu = $i
			}
			print l, s, ips, rss, cpu }'
}
for s in $SIZES; do
	OMP_NUM_THREADS=2 "$PY" scripts/resnet_mini.py "$s" >> "$tmp/all.txt"
	OMP_NUM_THREADS=1 TORCH_THREADS=1 "$PY" scripts/resnet_mini.py "$s" | sed 's/^pytorch/pytorch-1t/' >> "$tmp/all.txt"
	gobench go-purego "$tmp/gonn.pure" "$s" >> "$tmp/all.txt"
	if [ $haveblas = 1 ]; then
		if [ -n "$CORETYPE" ]; then
			OPENBLAS_CORETYPE=$CORETYPE gobench go-openblas "$tmp/gonn.blas" "$s" >> "$tmp/all.txt"
		else
			(unset OPENBLAS_CORETYPE; gobench go-openblas "$tmp/gonn.blas" "$s" >> "$tmp/all.txt")
		fi
	fi
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# img/s is what counts (wall clock, batch 32, forward + backward + SGD step); cpu ms/img is
# the CPU time of all threads per image. On a busy machine the 2-thread PyTorch run collapses
# (OpenMP threads wait on each other), so a second table compares CPU time per image with
# PyTorch on 1 thread: "cpu ratio" = PyTorch-1-thread ms / Go ms (> 1: Go does the work in
# less CPU time), which a shared machine distorts far less.
printf '%5s  %-28s  %-38s  %-38s\n' side "pytorch img/s (RSS, cpu/img)" "go pure img/s ratio (RSS, cpu/img)" "go+openblas img/s ratio (RSS, cpu/img)"
awk '{ v[$1 " " $2] = $3; r[$1 " " $2] = $4; c[$1 " " $2] = $5; if (!($2 in seen)) { seen[$2] = 1; order[n++] = $2 } }
	END {
		split("go-purego go-openblas", runners, " ")
		for (i = 0; i < n; i++) {
			s = order[i]; t = v["pytorch " s]
			line = sprintf("%5s  %8.1f (%4.0f MiB, %5.2f ms)  ", s, t, r["pytorch " s], c["pytorch " s])
			for (j = 1; j <= 2; j++) {
				k = runners[j] " " s
				if (k in v) line = line sprintf("  %8.1f %6.3fx (%4.0f MiB, %5.2f ms)", v[k], v[k] / t, r[k], c[k])
				else line = line sprintf("  %-38s", "n/a")
			}
			print line
		}
		printf "\n%5s  %-28s  %-24s  %-24s\n", "side", "pytorch 1 thread img/s (cpu)", "go pure cpu ratio", "go+openblas cpu ratio"
		for (i = 0; i < n; i++) {
			s = order[i]; k1 = "pytorch-1t " s
			line = sprintf("%5s  %8.1f (%5.2f ms/img)        ", s, v[k1], c[k1])
			for (j = 1; j <= 2; j++) {
				k = runners[j] " " s
				if (k in v && c[k] > 0) line = line sprintf("  %6.3fx                 ", c[k1] / c[k])
				else line = line sprintf("  %-24s", "n/a")
			}
			print line
		}
	}' "$tmp/all.txt"
