package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"telltale/pipeline/verify"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check a dataset against its manifest.json (and, with --rerun, reproduce it)",
		ArgsUsage: "DIR",
		Description: "Re-hashes every output listed in DIR/manifest.json (SHA-256, size, and rows from the Parquet footer)\n" +
			"and reports any table file in DIR the manifest does not list. Prints OK or each mismatch.\n" +
			"With --rerun it then checks the recorded inputs (path, size, SHA-256), runs the recorded command\n" +
			"again into a temporary directory ($TMPDIR) and compares every output's SHA-256 with the manifest's.\n" +
			"Relative input paths are resolved against the working directory, so run it where the original\n" +
			"run was started. Exit status: 0 all match; 5 something differs; 1 DIR is not a readable\n" +
			"dataset or the rerun failed; 2 usage (including --rerun of an interrupted dataset).",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "rerun", Usage: "check the inputs and run the pipeline again, comparing outputs byte for byte"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cli.Exit("verify: want exactly one dataset directory (telltale verify [--rerun] DIR)", exitUsage)
			}
			dir := c.Args().First()
			w := c.App.Writer
			rep, err := verify.Outputs(dir)
			if err != nil {
				return cli.Exit(err.Error(), exitFailure)
			}
			for _, p := range rep.Problems {
				fmt.Fprintf(w, "MISMATCH %s\n", p)
			}
			if !rep.OK() {
				return cli.Exit(fmt.Sprintf("verify: %s: %d mismatches with %s", dir, len(rep.Problems), "manifest.json"), exitMismatch)
			}
			fmt.Fprintf(w, "OK %s: %d outputs, %d rows match manifest.json (status %s)\n", dir, len(rep.Found), rep.Rows(), statusText(rep.Status))
			if !c.Bool("rerun") {
				return nil
			}
			return rerun(c, rep)
		},
	}
}

func statusText(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}

// rerun checks the recorded inputs, runs the recorded command into a
// temporary directory and compares its outputs with the manifest's.
func rerun(c *cli.Context, rep *verify.Report) error {
	w := c.App.Writer
	if rep.Status == "interrupted" {
		return cli.Exit("verify: --rerun: the dataset was interrupted, so a rerun would read further than it did and cannot reproduce it", exitUsage)
	}
	if probs := verify.Inputs(rep.Manifest); len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintf(w, "CHANGED INPUT %s\n", p)
		}
		return cli.Exit(fmt.Sprintf("verify: --rerun: %d inputs differ from the manifest; not rerunning", len(probs)), exitMismatch)
	}
	fmt.Fprintf(w, "inputs OK: %d files unchanged\n", len(rep.Manifest.Inputs))

	tmp, err := os.MkdirTemp("", "telltale-verify-")
	if err != nil {
		return cli.Exit("verify: --rerun: "+err.Error(), exitFailure)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "dataset")
	args, err := rerunArgs(rep.Manifest.Args, out)
	if err != nil {
		return cli.Exit("verify: --rerun: "+err.Error(), exitFailure)
	}
	// The rerun's own log is noise unless it fails.
	var log bytes.Buffer
	code := run(c.Context, append([]string{"telltale"}, args...), io.Discard, &log)
	if code != 0 && code != exitDamaged {
		c.App.ErrWriter.Write(log.Bytes())
		return cli.Exit(fmt.Sprintf("verify: --rerun: telltale %s exited with %d", strings.Join(args, " "), code), exitFailure)
	}
	again, err := verify.Outputs(out)
	if err != nil {
		return cli.Exit("verify: --rerun: "+err.Error(), exitFailure)
	}
	probs := verify.Diff(rep.Manifest.Outputs, again.Found)
	if again.Status != rep.Status {
		probs = append(probs, verify.Problem{Name: "manifest.json", Kind: "status", Want: statusText(rep.Status), Got: statusText(again.Status)})
	}
	if len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintf(w, "DIFFERS %s\n", p)
		}
		return cli.Exit(fmt.Sprintf("verify: --rerun: %d differences from the recorded outputs", len(probs)), exitMismatch)
	}
	fmt.Fprintf(w, "reproduced byte-identical: %d outputs\n", len(again.Found))
	return nil
}

// rerunArgs turns a manifest's recorded command line (without the program
// name, e.g. ["run", "--out", "x", "a.pcap"]) into the same command writing
// to out: every --out/-o (and --cpuprofile) is dropped and one --out out
// goes first. Which
// flags take a value is read from the run command's own definitions, so a
// path is never mistaken for a flag's value.
func rerunArgs(recorded []string, out string) ([]string, error) {
	if len(recorded) == 0 || recorded[0] != "run" {
		return nil, fmt.Errorf("recorded command %q is not a telltale run", recorded)
	}
	var runCmd *cli.Command
	for _, cmd := range newApp(io.Discard, io.Discard, nil).Commands {
		if cmd.Name == "run" {
			runCmd = cmd
		}
	}
	// --cpuprofile is dropped as well: the rerun must not overwrite the
	// original run's profile.
	drop := map[string]bool{}
	takesValue := map[string]bool{}
	for _, f := range runCmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
			drop[n] = f.Names()[0] == "out" || f.Names()[0] == "cpuprofile"
		}
	}
	args := []string{"run", "--out", out}
	rest := recorded[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			args = append(args, rest[i:]...) // the paths
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		withValue := !hasValue && takesValue[name] && i+1 < len(rest)
		if !drop[name] {
			args = append(args, a)
			if withValue {
				args = append(args, rest[i+1])
			}
		}
		if withValue {
			i++
		}
	}
	return args, nil
}
