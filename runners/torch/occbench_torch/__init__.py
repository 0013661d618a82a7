"""occbench PyTorch runner: the GPU engine of DESIGN.md decision 5.

It reads the same run spec (runners/SPEC.md, version 1) as the Go runner and writes the same
result JSON (version 2: counts with per-image hits; provenance.runner = "pytorch"). Entry point: ``python3 -m occbench_torch SPEC.json
--out DIR [--device cpu|cuda] [--offline] [--data CACHE]``; under ``torchrun`` it trains with
DistributedDataParallel.
"""

__version__ = "1"
SPEC_VERSION = 1
RESULT_VERSION = 2
