package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/manifests"
)

func newManifestsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "manifests",
		Short: "List, show and validate manifests",
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the built-in manifests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			type row struct {
				Name        string `json:"name"`
				Layout      string `json:"layout"`
				Sets        int    `json:"sets"`
				Description string `json:"description"`
			}
			var rows []row
			for _, n := range manifests.Names() {
				m, err := manifests.Resolve(n)
				if err != nil {
					return err
				}
				rows = append(rows, row{m.Name, m.Source.Layout, len(m.Sets), m.Description})
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rows)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tLAYOUT\tSETS\tDESCRIPTION")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Name, r.Layout, r.Sets, r.Description)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	validate := &cobra.Command{
		Use:   "validate MANIFEST...",
		Short: "Check manifests strictly; print the first problem of each with file, line and field",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			failed := 0
			for _, a := range args {
				if _, err := manifests.Resolve(a); err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					failed++
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", a)
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d manifests invalid", failed, len(args))
			}
			return nil
		},
	}
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Print a built-in manifest's YAML, comments included (a starting point for your own)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := manifests.EmbeddedSource(args[0])
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(data)
			return err
		},
	}
	cmd.AddCommand(list, validate, show)
	return cmd
}
