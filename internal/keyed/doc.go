// Package keyed derives every random choice of occbench from the manifest seed and stable
// names through a keyed hash (DESIGN.md decision 3), so results never depend on goroutine
// scheduling, map order or how work is split across machines.
package keyed
