// Package torchrun launches the PyTorch runner (runners/torch, the GPU engine of DESIGN.md
// decision 5) from Go: it checks what it can before Python starts (interpreter, torch,
// CUDA, spec version, weights file), extracts the embedded Python package to a cache folder,
// writes the tensor cache the Python side reads (from the shards with synth/shards, or from
// in-memory splits), runs `python3 -m occbench_torch` (or torchrun for several GPUs),
// streams its JSON-lines progress and returns the result it wrote.
package torchrun
