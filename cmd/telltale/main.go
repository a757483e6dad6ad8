// Command telltale shows what a device's software really sends home: it reads
// packet captures and writes the HTTP traffic and the telemetry hidden in it
// (Base64, gzip and JSON batches such as Sensors Analytics uploads) as a
// Parquet dataset for analysis in pandas, polars or DuckDB.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() { os.Exit(cliMain()) }

// cliMain is the whole program with the process's arguments and streams,
// returning the exit code; tests re-execute their own binary into it.
//
// The first SIGINT or SIGTERM cancels the run, which stops reading and
// writes what it has as a complete dataset marked interrupted; after it the
// default handling is back, so a second signal kills at once (the output
// is written under temporary names until complete, so that leaves no
// half-written file behind).
func cliMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	return code
}
