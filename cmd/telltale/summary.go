package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"telltale/pipeline"
)

// printRunSummary writes the end-of-run figures a user looks at first, in
// at most a dozen aligned lines; every counter is in dir/manifest.json.
// elapsed is the run's wall time, measured by the caller.
func printRunSummary(w io.Writer, dir string, s *pipeline.Summary, elapsed time.Duration) {
	c := make(map[string]int64, len(s.Counters))
	for _, x := range s.Counters {
		c[x.Name] = x.Value
	}
	var inBytes int64
	for _, f := range s.Inputs {
		inBytes += f.Size
	}

	head := fmt.Sprintf("telltale: %s: wrote %s in %s", runStatusText(s.Status), dir, unitDuration(elapsed))
	// After an interrupt not every input byte was read, so a rate over
	// the input sizes would be wrong.
	if s.Status != pipeline.StatusInterrupted {
		if r := rateText(inBytes, elapsed, ""); r != "" {
			head += " (" + r + ")"
		}
	}
	fmt.Fprintln(w, head)

	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-12s %s\n", label, fmt.Sprintf(format, args...))
	}
	in := plural(int64(len(s.Inputs)), "file", "files") + ", " + unitBytes(float64(inBytes))
	if n := len(s.NotCaptures); n > 0 {
		in += fmt.Sprintf(" (%s skipped: not captures)", plural(int64(n), "file", "files"))
	}
	line("inputs", "%s", in)
	line("packets", "%s", unitCount(c["packets.read"]))
	line("flows", "%s", unitCount(c["tcp.connections"]))
	// An h2c upgrade request is counted by both parsers but is one
	// transaction (one http row).
	line("HTTP", "%s", plural(c["http.transactions"]+c["http2.transactions"]-c["http2.h2c_upgrades"], "transaction", "transactions"))
	if n := c["tls.conns"]; n > 0 {
		line("TLS", "%s of %s decrypted", unitCount(c["tls.decrypted_conns"]), plural(n, "connection", "connections"))
	}
	line("payloads", "%s", unitCount(c["rows.payloads"]))
	line("events", "%s", unitCount(c["rows.events"]))
	line("identifiers", "%s", unitCount(c["rows.identifiers"]))
	if n := c["tcp.missed_bytes"]; n > 0 {
		line("gaps", "%s missed", unitBytes(float64(n)))
	} else {
		line("gaps", "none")
	}
	var warn []string
	for _, x := range []struct{ counter, one, many string }{
		{"capture.errors", "capture error", "capture errors"},
		{"http.parse_errors", "HTTP parse error", "HTTP parse errors"},
		{"tls.decrypt_errors", "TLS decrypt error", "TLS decrypt errors"},
	} {
		if n := c[x.counter]; n > 0 {
			warn = append(warn, plural(n, x.one, x.many))
		}
	}
	if len(warn) == 0 {
		warn = []string{"none"}
	}
	line("warnings", "%s", strings.Join(warn, ", "))

	var outBytes, tables int64
	var largest string
	var largestBytes int64 = -1
	for _, o := range s.Outputs {
		if !strings.HasSuffix(o.Name, ".parquet") {
			continue
		}
		tables++
		outBytes += o.Bytes
		if o.Bytes > largestBytes { // the first of equals, in Outputs order
			largest, largestBytes = strings.TrimSuffix(o.Name, ".parquet"), o.Bytes
		}
	}
	out := unitBytes(float64(outBytes)) + " in " + plural(tables, "table", "tables")
	if tables > 1 {
		out += fmt.Sprintf(", largest %s (%s)", largest, unitBytes(float64(largestBytes)))
	}
	line("output", "%s", out)
}

// runStatusText spells a pipeline status for people.
func runStatusText(status string) string {
	switch status {
	case pipeline.StatusComplete:
		return "complete"
	case pipeline.StatusDamagedInput:
		return "damaged input"
	case pipeline.StatusInterrupted:
		return "interrupted"
	}
	return status
}

// plural renders n in human units with the matching noun: "1 file",
// "12 files", "1.2 k files".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return unitCount(n) + " " + many
}
