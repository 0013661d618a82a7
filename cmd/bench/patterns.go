package main

import (
	"bytes"
	"fmt"
	"image/png"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
)

// loadPack expands a manifest's patterns, with an optional occluder folder override.
func loadPack(ref, occluderDir string) (*patterns.Pack, error) {
	m, err := manifests.Resolve(ref)
	if err != nil {
		return nil, err
	}
	return patterns.FromManifest(m, occluderDir)
}

func newPatternsCmd() *cobra.Command {
	var occDir, out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "patterns MANIFEST",
		Short: "Expand a manifest's occlusion grid into its pattern table",
		Long: `Expand a manifest's occlusion grid (occluder x ratio x position) into the pattern table:
id, occluder, grid row/column, ratio, achieved ratio, position, scale, x, y and size.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPack(args[0], occDir)
			if err != nil {
				return err
			}
			if asJSON {
				data, err := p.Table.JSON()
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			return p.Table.WriteText(cmd.OutOrStdout())
		},
	}
	cmd.PersistentFlags().StringVar(&occDir, "occluders", "", "use the RGBA PNGs of this folder instead of the manifest's occluders")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the table as JSON")

	pack := &cobra.Command{
		Use:   "pack MANIFEST --out DIR",
		Short: "Write the pattern pack: pre-scaled occluder PNGs plus patterns.json",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPack(args[0], occDir)
			if err != nil {
				return err
			}
			if err := p.Write(out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d patterns and %d occluder images to %s\n", len(p.Patterns), len(p.Images), out)
			return nil
		},
	}
	pack.Flags().StringVar(&out, "out", "", "output folder (required)")
	pack.MarkFlagRequired("out")

	var sheet string
	preview := &cobra.Command{
		Use:   "preview MANIFEST --out sheet.png",
		Short: "Render a contact sheet: every pattern on a neutral image, labelled",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPack(args[0], occDir)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, p.Sheet(nil)); err != nil {
				return err
			}
			if err := atomicfile.Write(sheet, buf.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote a contact sheet of %d patterns to %s\n", len(p.Patterns), sheet)
			return nil
		},
	}
	preview.Flags().StringVar(&sheet, "out", "", "PNG file to write (required)")
	preview.MarkFlagRequired("out")
	cmd.AddCommand(pack, preview)
	return cmd
}
