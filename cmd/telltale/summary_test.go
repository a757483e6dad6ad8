package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"telltale/pipeline"
	"telltale/pipeline/capture"
	"telltale/pipeline/sink"
)

func summaryCounters(kv map[string]int64) []pipeline.Counter {
	var cs []pipeline.Counter
	for k, v := range kv {
		cs = append(cs, pipeline.Counter{Name: k, Value: v})
	}
	return cs // order does not matter to printRunSummary, which the shuffled map order checks
}

func TestPrintRunSummary(t *testing.T) {
	tests := []struct {
		name    string
		s       pipeline.Summary
		elapsed time.Duration
		want    string
	}{
		{
			name: "complete",
			s: pipeline.Summary{
				Status: pipeline.StatusComplete,
				Counters: summaryCounters(map[string]int64{
					"packets.read": 1_234_567, "packets.tcp": 1_200_000, "tcp.connections": 52_000,
					"http.transactions": 8_000, "http2.transactions": 350, "http2.h2c_upgrades": 50,
					"rows.http": 8_300, "tls.conns": 450, "tls.decrypted_conns": 120,
					"rows.payloads": 1_400, "rows.events": 310_400, "rows.identifiers": 2_200,
					"tcp.missed_bytes": 12_000, "capture.errors": 0, "http.parse_errors": 12,
					"tls.decrypt_errors": 1,
				}),
				Inputs: []capture.FileInfo{
					{Name: "a.pcap", Size: 1_000_000_000}, {Name: "b.pcap", Size: 800_000_000}, {Name: "c.pcap", Size: 300_000_000},
				},
				NotCaptures: []string{"README.txt"},
				Outputs: []sink.OutputFile{
					{Name: "flows.parquet", Rows: 52_000, Bytes: 5_000_000},
					{Name: "http.parquet", Rows: 8_300, Bytes: 9_000_000},
					{Name: "events.parquet", Rows: 310_400, Bytes: 21_000_000},
					{Name: "fields.parquet", Rows: 1, Bytes: 3_000_000},
					{Name: "notes.json", Bytes: 900_000_000}, // not a table: not counted
				},
			},
			elapsed: 84 * time.Second,
			want: `telltale: complete: wrote out in 1m24s (25 MB/s)
  inputs       3 files, 2.1 GB (1 file skipped: not captures)
  packets      1.2 M
  flows        52 k
  HTTP         8.3 k transactions
  TLS          120 of 450 connections decrypted
  payloads     1.4 k
  events       310 k
  identifiers  2.2 k
  gaps         12 KB missed
  warnings     12 HTTP parse errors, 1 TLS decrypt error
  output       38 MB in 4 tables, largest events (21 MB)
`,
		},
		{
			name: "interrupted, empty: no rate, no TLS line",
			s: pipeline.Summary{
				Status:   pipeline.StatusInterrupted,
				Counters: summaryCounters(map[string]int64{"packets.read": 0}),
				Inputs:   []capture.FileInfo{{Name: "a.pcap", Size: 512}},
				Outputs:  []sink.OutputFile{{Name: "flows.parquet", Bytes: 1_500}},
			},
			elapsed: 4200 * time.Millisecond,
			want: `telltale: interrupted: wrote out in 4.2s
  inputs       1 file, 512 B
  packets      0
  flows        0
  HTTP         0 transactions
  payloads     0
  events       0
  identifiers  0
  gaps         none
  warnings     none
  output       1.5 KB in 1 table
`,
		},
		{
			name: "damaged input, equal largest tables: the first wins",
			s: pipeline.Summary{
				Status: pipeline.StatusDamagedInput,
				Counters: summaryCounters(map[string]int64{
					"packets.read": 1, "tcp.connections": 1, "http.transactions": 1, "tls.conns": 1,
					"tls.decrypted_conns": 1, "rows.payloads": 1, "rows.events": 1, "rows.identifiers": 1,
					"tcp.missed_bytes": 1, "capture.errors": 1,
				}),
				Inputs: []capture.FileInfo{{Size: 2_000_000}, {Size: 0}},
				Outputs: []sink.OutputFile{
					{Name: "b.parquet", Bytes: 7_000}, {Name: "a.parquet", Bytes: 7_000},
				},
			},
			elapsed: 2 * time.Second,
			want: `telltale: damaged input: wrote out in 2.0s (1.0 MB/s)
  inputs       2 files, 2.0 MB
  packets      1
  flows        1
  HTTP         1 transaction
  TLS          1 of 1 connection decrypted
  payloads     1
  events       1
  identifiers  1
  gaps         1 B missed
  warnings     1 capture error
  output       14 KB in 2 tables, largest b (7.0 KB)
`,
		},
		{
			name: "zero elapsed: no rate",
			s: pipeline.Summary{
				Status: pipeline.StatusComplete,
				Inputs: []capture.FileInfo{{Size: 24}},
			},
			elapsed: 0,
			want: `telltale: complete: wrote out in 0.0s
  inputs       1 file, 24 B
  packets      0
  flows        0
  HTTP         0 transactions
  payloads     0
  events       0
  identifiers  0
  gaps         none
  warnings     none
  output       0 B in 0 tables
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printRunSummary(&b, "out", &tt.s, tt.elapsed)
			if got := b.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if n := strings.Count(b.String(), "\n"); n > 15 {
				t.Errorf("%d lines, want at most 15", n)
			}
		})
	}
}
