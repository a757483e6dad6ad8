package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"telltale/pipeline/report"
)

// reportFileName is the HTML report's file name inside the dataset directory.
const reportFileName = "report.html"

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "summarise a dataset in the terminal and as one HTML page",
		ArgsUsage: "DIR  (a dataset directory written by telltale run)",
		Description: "Reads the dataset's Parquet tables and prints a summary: captures, destinations that received\n" +
			"telemetry, identifier kinds per destination, identifier clusters (devices and people) and hubs,\n" +
			"and examples of visited URLs, searches and incognito events. Writes the same as a self-contained\n" +
			"HTML page with plots (inline CSS and SVG, nothing fetched) to DIR/" + reportFileName + " or --out.\n" +
			"The same dataset always gives the same bytes.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "HTML `FILE` (default DIR/" + reportFileName + ")"},
		},
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			for _, a := range args {
				if strings.HasPrefix(a, "-") && a != "-" {
					return cli.Exit(fmt.Sprintf("report: flag %q after the directory: put flags first (telltale report [--out FILE] DIR)", a), 2)
				}
			}
			if len(args) != 1 {
				return cli.Exit("report: want one dataset directory (telltale report [--out FILE] DIR)", 2)
			}
			dir := args[0]
			out := c.String("out")
			if out == "" {
				out = filepath.Join(dir, reportFileName)
			}
			r, err := report.Load(c.Context, dir)
			if err != nil {
				return err
			}
			if err := writeReportAtomic(out, r.WriteHTML); err != nil {
				return err
			}
			if err := r.WriteText(c.App.Writer); err != nil {
				return err
			}
			fmt.Fprintf(c.App.ErrWriter, "telltale: wrote %s\n", out)
			return nil
		},
	}
}

// writeReportAtomic writes a file through a temporary file in the same directory
// and a rename, so that a failed write never leaves half a report.
func writeReportAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
