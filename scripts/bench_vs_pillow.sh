#!/usr/bin/env bash
# Pillow vs occbench's Go render path, side by side in one run, per core (one process /
# one goroutine, GOMAXPROCS=1), on the same real photographs: decode a 300-500 px JPEG,
# resize to 224x224 (bilinear), paste an occluder (10% / 20% ratio), encode JPEG quality 90.
#
# Needs: Debian python3-pil python3-skimage lomiri-wallpapers (photos), Go; for the
# libjpeg-turbo codec also libturbojpeg0-dev (skipped when it does not build).
#
#   scripts/bench_vs_pillow.sh [PHOTOS=120] [ROUNDS=2]
#
# Rows printed (images/s = output images per second on one core):
#   P=2  : 2 patterns per photo (a 10% and a 20% center occluder)
#   P=24 : 24 patterns per photo (the manifests' grid: 3 occluders x 2 ratios x 4 positions)
#   pillow straightforward: every output image decoded and resized from scratch
#   pillow shared: one decode + resize per photo, pasted onto copies (what the engine does)
#   go: standard-library codecs (the default, byte-identical everywhere)
#   turbo: libjpeg-turbo through cgo (bench synth --codec turbo, build tag turbojpeg)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-120}
ROUNDS=${2:-2}
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
srcs=()
for d in /usr/share/wallpapers /usr/share/backgrounds "$($PY -c 'import os, skimage; print(os.path.dirname(skimage.__file__))' 2>/dev/null)/data"; do
  [ -d "$d" ] && srcs+=("$d")
done
[ ${#srcs[@]} -gt 0 ] || { echo "no photographs: apt-get install -y python3-skimage python3-pil lomiri-wallpapers" >&2; exit 1; }
$PY scripts/perf/make_photos.py "$tmp/photos" "$N" "${srcs[@]}" 2>/dev/null
go build -o "$tmp/perf-go" ./scripts/perf
turbo=""
if go build -tags turbojpeg -o "$tmp/perf-turbo" ./scripts/perf 2>/dev/null; then turbo=1; else echo "(libjpeg-turbo codec does not build here: apt-get install libturbojpeg0-dev)" >&2; fi
rate() { $PY -c 'import json,sys; print("%.1f" % json.loads(sys.stdin.read().strip().splitlines()[-1])["images_per_sec"])'; }
echo "photos: $N from ${srcs[*]}; $(nproc) cores, measured on 1"
printf '%-4s %-28s %10s\n' P engine images/s
for P in 2 24; do
  "$tmp/perf-go" -patterns $P -occluders "$tmp/occ$P"
  r=$ROUNDS; [ $P = 24 ] && r=1
  ps=$($PY scripts/perf/pillow_bench.py "$tmp/photos" "$tmp/occ$P" $r straightforward | rate)
  psh=$($PY scripts/perf/pillow_bench.py "$tmp/photos" "$tmp/occ$P" $r shared | rate)
  g=$(GOMAXPROCS=1 "$tmp/perf-go" -patterns $P -rounds $r "$tmp/photos" | rate)
  printf '%-4s %-28s %10s\n' $P "pillow straightforward" "$ps" $P "pillow shared decode" "$psh" $P "occbench go" "$g"
  printf '%-4s %-28s %10s   (x%.2f straightforward, x%.2f shared)\n' $P "  ratio go/pillow" "" "$(echo "$g / $ps" | bc -l)" "$(echo "$g / $psh" | bc -l)"
  if [ -n "$turbo" ]; then
    t=$(GOMAXPROCS=1 "$tmp/perf-turbo" -codec turbo -patterns $P -rounds $r "$tmp/photos" | rate)
    printf '%-4s %-28s %10s   (x%.2f straightforward, x%.2f shared)\n' $P "occbench turbo" "$t" "$(echo "$t / $ps" | bc -l)" "$(echo "$t / $psh" | bc -l)"
  fi
done
