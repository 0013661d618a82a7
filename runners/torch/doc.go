// Package torch embeds the PyTorch runner's Python package (occbench_torch/*.py) so the Go
// launcher (runners/torchrun) can extract it to a cache folder and run it from any working
// directory. The Python code itself is documented in occbench_torch/__init__.py.
package torch
