package main

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=..."; "dev" otherwise.
var version = "dev"

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "bench",
		Short: "Occluded-image datasets and the paper's benchmarks, from declarative manifests",
		Long: `bench turns YAML manifests into occluded image datasets and reproduces the tables of
"Deep feature augmentation for occluded image classification".

A MANIFEST argument is the name of a built-in manifest (see "bench manifests list") or the
path of a manifest file of your own. A flag given on the command line overrides the manifest
(--strict=false over source.corrupt: fail, --root over source.root); then come the
environment (OCCBENCH_ROOT_<NAME>), the manifest, and the built-in defaults.

Exit status: 0 success; 1 an error (the message names the file, field or flag), or a
regression found by "bench compare"; 2 "bench compare" on unusable input; 3 "bench
shards show" on an incomplete shard set; 130 interrupted by Ctrl-C (SIGINT) and 143 by
SIGTERM (bench synth then prints the --resume command that continues it).`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newManifestsCmd(), newPatternsCmd(), newSplitsCmd(), newRunCmd(), newListCmd(), newCompareCmd(), newSynthCmd(), newShardsCmd(), newRenderCmd(), newTrainCmd(), newEvalCmd(), newDoctorCmd())
	return root
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
