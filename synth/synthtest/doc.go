// Package synthtest writes small shard sets for the tests of packages that read shards (the
// runners' loaders, the PyTorch launcher), so each does not repeat the synth pipeline.
package synthtest
