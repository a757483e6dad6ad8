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
		Writer:                    stdout,
		ErrWriter:                 stderr,
		DisableSliceFlagSeparator: true,
		// Errors are printed once by run; urfave must not exit or print.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands:       []*cli.Command{runCommand(stderr, args), schemaCommand(), profilesCommand(), reportCommand(), publishCommand(), versionCommand()},
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
