package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"telltale/pipeline/corpustest"
)

// corpusDir is ../shared/corpus/captures beside the checkout; CI has it, a
// user's clone may not.
func corpusDir(t testing.TB) string {
	t.Helper()
	return corpustest.Need(t, "captures")
}

// TestCorpusRuns runs the whole pipeline on every real-world capture of the
// corpus, one run per file: no run may fail or panic on hostile or broken
// input, and every run's manifest must account for every packet.
func TestCorpusRuns(t *testing.T) {
	dir := corpusDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		entries = entries[:len(entries)/8]
	}
	var total struct{ packets, tx, payloads, events, missed, errors int64 }
	out := t.TempDir()
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		sum, err := Run(context.Background(), Config{Inputs: []string{path}, OutDir: filepath.Join(out, "ds"), Workers: 2})
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		t.Run(e.Name(), func(t *testing.T) { checkAccounting(t, sum) })
		c := counterMap(sum)
		total.packets += c["packets.read"]
		total.tx += c["http.transactions"]
		total.payloads += c["rows.payloads"]
		total.events += c["rows.events"]
		total.missed += c["tcp.missed_bytes"]
		total.errors += c["capture.errors"]
	}
	t.Logf("%d captures: %d packets, %d HTTP transactions, %d payloads, %d events, %d bytes missed, %d capture errors",
		len(entries), total.packets, total.tx, total.payloads, total.events, total.missed, total.errors)
}
