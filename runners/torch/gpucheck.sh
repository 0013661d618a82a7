#!/bin/sh
# GPU check of the PyTorch runner: Table 2's mini profile on the GPU (needs Go for the demo
# data) and a throughput benchmark (resnet50 224x224 bf16: train, eval, occluded eval with
# on-device compositing). No network access needed: random weights, builtin data.
# Usage: runners/torch/gpucheck.sh   (from anywhere; PYTHON overrides the interpreter)
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=${PYTHON:-python3}
if ! "$py" -c 'import torch' 2>/dev/null; then
	echo "gpucheck: torch is not installed for $py (apt-get install python3-torch, or pip install torch torchvision)"; exit 2
fi
if ! "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
	echo "gpucheck: no CUDA device visible to torch $("$py" -c 'import torch; print(torch.__version__)') ($py): nothing to check on this machine"; exit 2
fi
"$py" -c 'import torch; print("gpucheck:", torch.cuda.get_device_name(0), "| torch", torch.__version__, "| cuda", torch.version.cuda, "| devices", torch.cuda.device_count())'
status=0
echo; echo "== unit tests (CPU) =="
(cd "$here" && "$py" -m unittest discover -s tests -t . 2>&1 | tail -3) || status=1
echo; echo "== mini Table 2 on the GPU (demo data, PyTorch runner) =="
if command -v go >/dev/null 2>&1; then
	(cd "$repo" && OCCBENCH_MINI_DEVICE=cuda go test ./runners/torchrun -run 'TestMiniTable2$' -count=1 -v 2>&1 | grep -v '^=== ' | tail -8) || status=1
else
	echo "skipped: no Go toolchain on PATH (the demo data is rendered by the Go code)"
fi
echo; echo "== throughput =="
(cd "$here" && PYTHONPATH="$here" "$py" gpucheck.py) || status=1
exit $status
