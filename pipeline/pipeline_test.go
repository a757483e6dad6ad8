package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"telltale/pipeline/sink"
)

// TestDeterministicOutput runs the same inputs with different worker counts
// and twice each: every Parquet file must be byte-identical.
func TestDeterministicOutput(t *testing.T) {
	// sdk-zoo runs with its known values, so the leaks table is covered.
	// https-go covers TLS decryption, HTTP/2 and DNS.
	for _, sc := range []sampleCase{sampleCases[0], sampleCases[1], sampleCases[len(sampleCases)-1], httpsSamples[0]} {
		t.Run(sc.name, func(t *testing.T) {
			var want map[string]string
			for _, workers := range []int{1, 8, 1, 3} {
				_, sum := runSample(t, sc, workers)
				got := map[string]string{}
				for _, o := range sum.Outputs {
					got[o.Name] = o.SHA256
				}
				if len(got) != len(goldenTables) {
					t.Fatalf("workers=%d: %d outputs, want %d tables", workers, len(got), len(goldenTables))
				}
				if want == nil {
					want = got
					continue
				}
				for name, h := range want {
					if got[name] != h {
						t.Errorf("workers=%d: %s sha256 %s, want %s (first run)", workers, name, got[name], h)
					}
				}
			}
		})
	}
}

// counterMap indexes a run's counters by name.
func counterMap(s *Summary) map[string]int64 {
	m := map[string]int64{}
	for _, c := range s.Counters {
		m[c.Name] = c.Value
	}
	return m
}

// checkAccounting asserts the identities the manifest promises: every packet
// read is either a TCP segment or skipped for a named reason, every input's
// packets add up to the packets read, and every row count matches its file.
func checkAccounting(t *testing.T, s *Summary) {
	t.Helper()
	c := counterMap(s)
	var skipped int64
	for name, v := range c {
		if strings.HasPrefix(name, "packets.skipped.") {
			skipped += v
		}
	}
	if skipped != c["packets.skipped"] {
		t.Errorf("skip reasons add up to %d, packets.skipped = %d", skipped, c["packets.skipped"])
	}
	if c["packets.read"] != c["packets.tcp"]+c["packets.dns_datagrams"]+c["packets.skipped"] {
		t.Errorf("packets.read %d != packets.tcp %d + packets.dns_datagrams %d + packets.skipped %d", c["packets.read"], c["packets.tcp"], c["packets.dns_datagrams"], c["packets.skipped"])
	}
	if c["packets.tcp"] != c["tcp.segments"] {
		t.Errorf("packets.tcp %d != tcp.segments %d", c["packets.tcp"], c["tcp.segments"])
	}
	var perFile int64
	for _, in := range s.Inputs {
		perFile += in.Packets
	}
	if perFile != c["packets.read"] {
		t.Errorf("inputs hold %d packets, packets.read = %d", perFile, c["packets.read"])
	}
	for _, o := range s.Outputs {
		table := strings.TrimSuffix(o.Name, ".parquet")
		if o.Rows != c["rows."+table] {
			t.Errorf("%s has %d rows, rows.%s = %d", o.Name, o.Rows, table, c["rows."+table])
		}
	}
	if c["rows.flows"] != c["tcp.connections"] {
		t.Errorf("rows.flows %d != tcp.connections %d", c["rows.flows"], c["tcp.connections"])
	}
	// An h2c upgrade request is one row: its HTTP/1.1 transaction (with the
	// 101) is completed by HTTP/2 stream 1.
	if c["rows.http"] != c["http.transactions"]+c["http2.transactions"]-c["http2.h2c_upgrades"] {
		t.Errorf("rows.http %d != http.transactions %d + http2.transactions %d - http2.h2c_upgrades %d", c["rows.http"], c["http.transactions"], c["http2.transactions"], c["http2.h2c_upgrades"])
	}
	if c["rows.tls"] != c["tls.conns"] {
		t.Errorf("rows.tls %d != tls.conns %d", c["rows.tls"], c["tls.conns"])
	}
	if c["rows.dns"] != c["dns.responses"] {
		t.Errorf("rows.dns %d != dns.responses %d", c["rows.dns"], c["dns.responses"])
	}
}

// TestManifest checks the manifest written next to the tables: inputs with
// their hashes and packet counts, outputs, and counters that account for
// every packet.
func TestManifest(t *testing.T) {
	out, sum := runSample(t, sampleCases[0], 2)
	checkAccounting(t, sum)
	c := counterMap(sum)
	for name, want := range map[string]int64{
		"packets.read": 106, "packets.tcp": 106, "packets.skipped": 0, "tcp.connections": 9,
		"tcp.missed_bytes": 0, "http.transactions": 12, "rows.payloads": 7, "rows.events": 64,
	} {
		if c[name] != want {
			t.Errorf("%s = %d, want %d", name, c[name], want)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Tool    string
		Version string
		Inputs  []struct {
			Name, SHA256 string
			Packets      int64
			FirstTS      string `json:"first_ts"`
		}
		Outputs []struct {
			Name string
			Rows int64
		}
		Counters []struct {
			Name  string
			Value int64
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Tool != "telltale" || m.Version != "test" {
		t.Errorf("tool %q version %q", m.Tool, m.Version)
	}
	if len(m.Inputs) != 1 || m.Inputs[0].Name != "phone-browser.pcap" || m.Inputs[0].Packets != 106 || len(m.Inputs[0].SHA256) != 64 || m.Inputs[0].FirstTS == "" {
		t.Errorf("inputs = %+v", m.Inputs)
	}
	if len(m.Outputs) != len(goldenTables) || len(m.Counters) != len(sum.Counters) {
		t.Errorf("%d outputs, %d counters; want %d and %d", len(m.Outputs), len(m.Counters), len(goldenTables), len(sum.Counters))
	}
	for i := 1; i < len(m.Counters); i++ {
		if m.Counters[i-1].Name >= m.Counters[i].Name {
			t.Errorf("counters not sorted: %q before %q", m.Counters[i-1].Name, m.Counters[i].Name)
		}
	}
}

// TestTruncatedAndCorruptInputs cuts a capture in the middle of a packet
// and adds a file of garbage: the run goes on, names the file and offset of
// each problem, and still delivers everything before the cut.
func TestTruncatedAndCorruptInputs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(samplesDir, "phone-browser.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cut := len(data) * 2 / 3
	if err := os.WriteFile(filepath.Join(dir, "cut.pcap"), data[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	// A pcap header followed by a record claiming 200 MB.
	bad := append([]byte{}, data[:24]...)
	bad = append(bad, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c, 0, 0, 0, 0x0c)
	if err := os.WriteFile(filepath.Join(dir, "bad.pcap"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	// A file that is not a capture, found in the directory: listed, not read.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("captured at the hotspot\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	sum, err := Run(context.Background(), Config{Inputs: []string{dir}, OutDir: out, Workers: 2})
	if err != nil {
		t.Fatalf("Run: %v (bad input must be counted, not fatal)", err)
	}
	checkAccounting(t, sum)
	c := counterMap(sum)
	if c["capture.errors"] < 2 {
		t.Errorf("capture.errors = %d, want at least 2 (one per damaged file)", c["capture.errors"])
	}
	if c["packets.read"] == 0 || c["packets.read"] >= 106 {
		t.Errorf("packets.read = %d, want the packets before the cut (0 < n < 106)", c["packets.read"])
	}
	found := map[string]bool{}
	for _, in := range sum.Inputs {
		for _, e := range in.Errors {
			if strings.Contains(e, in.Name) && strings.Contains(e, "offset") {
				found[in.Name] = true
			}
		}
	}
	if !found["cut.pcap"] || !found["bad.pcap"] {
		t.Errorf("errors naming file and offset: %v; inputs: %+v", found, sum.Inputs)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
		t.Errorf("no manifest after a run with bad inputs: %v", err)
	}
	if len(sum.NotCaptures) != 1 || filepath.Base(sum.NotCaptures[0]) != "notes.txt" || c["capture.not_capture_files"] != 1 {
		t.Errorf("not-capture files = %q (counter %d), want notes.txt listed and counted", sum.NotCaptures, c["capture.not_capture_files"])
	}
}

// TestMissingInputFails checks that a path that does not exist stops the
// run before anything is written, with an error naming it.
func TestMissingInputFails(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	_, err := Run(context.Background(), Config{Inputs: []string{"no/such/capture.pcap"}, OutDir: out})
	if err == nil || !strings.Contains(err.Error(), "no/such/capture.pcap") {
		t.Fatalf("Run = %v, want an error naming the missing path", err)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err == nil {
		t.Error("manifest written for a failed run")
	}
}

// TestSwapFlowSides checks the role flip used when only the HTTP content
// tells who the client was: every per-side column moves, history letters
// change case.
func TestSwapFlowSides(t *testing.T) {
	r := sink.FlowRow{
		OrigH: "10.0.0.2", OrigP: 80, RespH: "10.0.0.1", RespP: 40000,
		OrigPkts: 1, RespPkts: 2, OrigBytes: 3, RespBytes: 4, OrigMissedBytes: 5, RespMissedBytes: 6,
		OrigDupBytes: 7, RespDupBytes: 8, OrigSeenBytes: 9, RespSeenBytes: 10, OrigTruncatedBytes: 11, RespTruncatedBytes: 12,
		OrigOutOfOrder: 13, RespOutOfOrder: 14, OrigRetransmits: 15, RespRetransmits: 16, OrigOverlapDiff: 17, RespOverlapDiff: 18,
		Overlaps: []sink.Overlap{{Dir: "orig"}, {Dir: "resp"}},
		History:  "DdAaFfG",
	}
	swapFlowSides(&r)
	want := sink.FlowRow{
		OrigH: "10.0.0.1", OrigP: 40000, RespH: "10.0.0.2", RespP: 80,
		OrigPkts: 2, RespPkts: 1, OrigBytes: 4, RespBytes: 3, OrigMissedBytes: 6, RespMissedBytes: 5,
		OrigDupBytes: 8, RespDupBytes: 7, OrigSeenBytes: 10, RespSeenBytes: 9, OrigTruncatedBytes: 12, RespTruncatedBytes: 11,
		OrigOutOfOrder: 14, RespOutOfOrder: 13, OrigRetransmits: 16, RespRetransmits: 15, OrigOverlapDiff: 18, RespOverlapDiff: 17,
		Overlaps: []sink.Overlap{{Dir: "resp"}, {Dir: "orig"}},
		History:  "dDaAfFg",
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("swapFlowSides:\n got %+v\nwant %+v", r, want)
	}
}
