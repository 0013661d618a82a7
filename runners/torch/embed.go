package torch

import "embed"

// Files holds occbench_torch/*.py.
//
//go:embed occbench_torch/*.py
var Files embed.FS

// PackageDir is the package folder inside Files.
const PackageDir = "occbench_torch"
