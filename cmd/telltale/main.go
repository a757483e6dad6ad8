// Command telltale shows what a device's software really sends home: it reads
// packet captures and writes the HTTP traffic and the telemetry hidden in it
// (Base64, gzip and JSON batches such as Sensors Analytics uploads) as a
// Parquet dataset for analysis in pandas, polars or DuckDB.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
