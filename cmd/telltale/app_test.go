package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"telltale/pipeline/sink"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"telltale"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunWritesDataset(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	code, _, stderr := runCLI(t, "run", "--out", dir, "-q", "--workers", "3", "../../samples/phone-browser.pcap")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, f := range []string{"flows.parquet", "http.parquet", "payloads.parquet", "events.parquet", "fields.parquet", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Args    []string       `json:"args"`
		Options map[string]any `json:"options"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	wantArgs := []string{"run", "--out", dir, "-q", "--workers", "3", "../../samples/phone-browser.pcap"}
	if strings.Join(m.Args, " ") != strings.Join(wantArgs, " ") {
		t.Errorf("manifest args = %q, want %q", m.Args, wantArgs)
	}
	if m.Options["workers"] != float64(3) || m.Options["compression"] != "zstd" || m.Options["max_body_bytes"] != float64(1<<20) {
		t.Errorf("manifest options = %v", m.Options)
	}
	if !strings.Contains(stderr, "\n  events       64\n") || !strings.Contains(stderr, "telltale: complete: wrote "+dir) {
		t.Errorf("summary on stderr lacks the event count:\n%s", stderr)
	}
}

func TestRunUsageErrors(t *testing.T) {
	tmp := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no paths", []string{"run", "--out", tmp}, "no capture given"},
		{"flag after path", []string{"run", "--out", tmp, "../../samples/phone-browser.pcap", "--workers", "2"}, `flag "--workers" after a capture path`},
		{"missing file", []string{"run", "--out", tmp, "does-not-exist.pcap"}, "does-not-exist.pcap"},
		{"bad compression", []string{"run", "--out", tmp, "--compression", "lz4", "../../samples/phone-browser.pcap"}, `--compression "lz4"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, want failure")
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want it to mention %q", stderr, tc.want)
			}
		})
	}
}

// TestSchemaListsEveryColumn checks that `telltale schema` prints every
// table and column the sink writes.
func TestSchemaListsEveryColumn(t *testing.T) {
	code, stdout, stderr := runCLI(t, "schema")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	tables := sink.Schema()
	if len(tables) != 11 {
		t.Fatalf("sink.Schema() has %d tables, want 11", len(tables))
	}
	for _, tb := range tables {
		if !strings.Contains(stdout, tb.Name) {
			t.Errorf("schema output lacks table %s", tb.Name)
		}
		for _, c := range tb.Columns {
			if !strings.Contains(stdout, "  "+c.Name+" ") {
				t.Errorf("schema output lacks column %s.%s", tb.Name, c.Name)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "telltale "+version) {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

// TestRunKeylog decrypts the real HTTPS sample with its key log given by
// flag: the summary counts the HTTP/2 transactions and decrypted
// connections, and a missing key log file is a usage error naming it.
func TestRunKeylog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	code, _, stderr := runCLI(t, "run", "--out", dir, "--keylog", "../../samples/tls/https-go.keys", "../../samples/tls/https-go.pcap")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, line := range []string{"  HTTP         36 transactions\n", "  TLS          12 of 13 connections decrypted\n", "  payloads     36\n", "  warnings     none\n"} {
		if !strings.Contains(stderr, line) {
			t.Errorf("summary lacks %q:\n%s", line, stderr)
		}
	}
	code, _, stderr = runCLI(t, "run", "--out", dir, "--keylog", "no-such.keys", "../../samples/tls/https-go.pcap")
	if code == 0 || !strings.Contains(stderr, "no-such.keys") {
		t.Errorf("missing key log: exit %d, stderr %q", code, stderr)
	}
}
