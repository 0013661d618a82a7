// Package sharddata loads what a run spec trains and evaluates on from a synthesized shard
// set: the training split, the Iop pairs (clean Iop images x the spec's Iop patterns,
// composited in memory from the pattern pack), the clean test split and the pack.
package sharddata
