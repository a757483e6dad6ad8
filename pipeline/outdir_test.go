package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

var datasetFiles = []string{"dns.parquet", "event_clusters.parquet", "events.parquet", "fields.parquet", "flows.parquet", "http.parquet",
	"identifiers.parquet", "leaks.parquet", "links.parquet", "manifest.json", "payloads.parquet", "tls.parquet"}

// TestOutputDirectory checks how a run treats its output directory: a
// directory that is not a dataset is refused unless forced, and then its
// other files are kept; a rerun replaces the dataset and keeps what is not
// its own (a report); the staging directory of a dead run is removed and
// this run's leaves nothing behind.
func TestOutputDirectory(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	in := []string{filepath.Join(samplesDir, "phone-browser.pcap")}
	run := func(force bool) (*Summary, error) {
		return Run(context.Background(), Config{Inputs: in, OutDir: out, Force: force})
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(false); !errors.Is(err, ErrNotDataset) {
		t.Fatalf("non-dataset directory: err = %v, want ErrNotDataset", err)
	}
	if got := dirNames(t, out); !slices.Equal(got, []string{"notes.txt"}) {
		t.Fatalf("refused run touched the directory: %q", got)
	}
	sum, err := run(true)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != StatusComplete {
		t.Errorf("status %q", sum.Status)
	}
	want := append(slices.Clone(datasetFiles), "notes.txt")
	slices.Sort(want)
	if got := dirNames(t, out); !slices.Equal(got, want) {
		t.Errorf("forced run: %q, want %q", got, want)
	}

	// A stale staging directory of a process that no longer exists, killed
	// between the swap and moving the researcher's files back: they return.
	stale := stagingPrefix(out) + "999999999"
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"lost.txt", "flows.parquet"} {
		if err := os.WriteFile(filepath.Join(stale, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(stagingPrefix(out)+"999999998.old", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "report.html"), []byte("<html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(false); err != nil {
		t.Fatalf("rerun into a dataset: %v", err)
	}
	want = append(slices.Clone(datasetFiles), "lost.txt", "notes.txt", "report.html")
	slices.Sort(want)
	if got := dirNames(t, out); !slices.Equal(got, want) {
		t.Errorf("rerun: %q, want %q", got, want)
	}
	if got := dirNames(t, parent); !slices.Equal(got, []string{"out"}) {
		t.Errorf("parent holds %q after the runs, want only out", got)
	}
}

// TestRunStatus checks the status of a run: damaged input (a file cut in
// the middle of a record) and an interrupted run (the context cancelled)
// both give a complete dataset with the status in the manifest.
func TestRunStatus(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(samplesDir, "phone-browser.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(cut, b[:20000], 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	sum, err := Run(context.Background(), Config{Inputs: []string{cut}, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != StatusDamagedInput || !sum.Inputs[0].Truncated || counterMap(sum)["packets.read"] != 78 {
		t.Errorf("cut file: status %q, truncated %v, packets %d", sum.Status, sum.Inputs[0].Truncated, counterMap(sum)["packets.read"])
	}
	checkAccounting(t, sum)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum, err = Run(ctx, Config{Inputs: []string{filepath.Join(samplesDir, "phone-browser.pcap")}, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != StatusInterrupted || counterMap(sum)["packets.read"] != 0 || len(sum.Outputs) != len(goldenTables) {
		t.Errorf("cancelled: status %q, %d packets, %d outputs", sum.Status, counterMap(sum)["packets.read"], len(sum.Outputs))
	}
	m, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil || !strings.Contains(string(m), `"status": "interrupted"`) {
		t.Errorf("manifest: %v\n%s", err, m)
	}
}
