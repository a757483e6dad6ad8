package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"telltale/pipeline/sink"
)

func schemaCommand() *cli.Command {
	return &cli.Command{
		Name:  "schema",
		Usage: "print every output table and column with its type and meaning",
		Action: func(c *cli.Context) error {
			tw := tabwriter.NewWriter(c.App.Writer, 2, 8, 2, ' ', 0)
			for i, t := range sink.Schema() {
				if i > 0 {
					fmt.Fprintln(tw)
				}
				fmt.Fprintf(tw, "%s\t\t%s\n", t.Name, t.Doc)
				for _, col := range t.Columns {
					fmt.Fprintf(tw, "  %s\t%s\t%s\n", col.Name, col.Type, col.Doc)
				}
			}
			return tw.Flush()
		},
	}
}
