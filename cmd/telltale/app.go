package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"
)

// Exit codes, documented in `telltale --help` (exitCodesText) and the README.
const (
	exitOK          = 0
	exitFailure     = 1 // nothing (new) written
	exitUsage       = 2 // bad flags or arguments, or an output directory that is not a dataset
	exitDamaged     = 3 // dataset complete and valid; some input damaged
	exitInterrupted = 4 // dataset complete and valid; reading stopped by SIGINT/SIGTERM
	exitMismatch    = 5 // telltale verify: an output or input differs from the manifest
)

const exitCodesText = `EXIT STATUS:
   0  complete: every input read to its end, dataset written (manifest status "complete")
   1  failure: nothing new written (no readable input, output not writable, a bad --keylog, --geoip or --asn file)
   2  usage: bad flags or arguments, or --out is a non-empty directory that is not a telltale dataset (give --force)
   3  damaged input: the dataset is complete and valid, but some input was truncated, corrupt or unreadable;
      the rest was read (manifest status "damaged_input"; the problems are in manifest.json inputs[].errors)
   4  interrupted: SIGINT or SIGTERM stopped reading; what was read is written as a complete, valid dataset
      (manifest status "interrupted"); a second signal kills at once
   5  telltale verify: an output or an input differs from the manifest, or a rerun was not byte-identical
   A run writes into a staging directory beside --out and swaps it in at the end: killed at any point, it
   leaves the previous dataset or the new one, never a mix, and never a half-written file under a final name.`

// version is the tool version recorded in every manifest; release builds set
// it with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// run is the whole CLI, callable from tests: it never exits the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr, args)
	if err := app.RunContext(ctx, args); err != nil {
		fmt.Fprintf(stderr, "telltale: %v\n", err)
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		return 1
	}
	return 0
}

func newApp(stdout, stderr io.Writer, args []string) *cli.App {
	return &cli.App{
		Name:                      "telltale",
		Usage:                     "show what a device's software sends home, from packet captures",
		Version:                   version,
		CustomAppHelpTemplate:     cli.AppHelpTemplate + "\n" + exitCodesText + "\n",
		Writer:                    stdout,
		ErrWriter:                 stderr,
		DisableSliceFlagSeparator: true,
		// Errors are printed once by run; urfave must not exit or print.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands:       []*cli.Command{runCommand(stderr, args), verifyCommand(), schemaCommand(), profilesCommand(), reportCommand(), publishCommand(), versionCommand()},
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			_, err := fmt.Fprintf(c.App.Writer, "telltale %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

// checkFlagOrder rejects flags placed after the first capture path: urfave/cli
// would silently treat them as paths (urfave/cli#1177).
func checkFlagOrder(args []string) error {
	for _, a := range args {
		if strings.HasPrefix(a, "-") && a != "-" {
			return fmt.Errorf("flag %q after a capture path: put flags before the paths (telltale run [flags] PATH...)", a)
		}
	}
	return nil
}

func newLogger(w io.Writer, quiet bool) *slog.Logger {
	level := slog.LevelInfo
	if quiet {
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
