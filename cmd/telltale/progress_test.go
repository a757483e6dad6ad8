package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"telltale/pipeline"
)

// step is one progress call at a clock offset from the start.
type step struct {
	at time.Duration
	pr pipeline.Progress
}

// play feeds steps to a newProgress callback whose clock reads the step's
// time, and returns what it wrote.
func play(t *testing.T, terminal, quiet bool, steps []step) string {
	t.Helper()
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var now time.Time
	var out bytes.Buffer
	f := newProgress(&out, terminal, quiet, func() time.Time { return now })
	if f == nil {
		t.Fatal("newProgress returned nil")
	}
	for _, s := range steps {
		now = base.Add(s.at)
		f(s.pr)
	}
	return out.String()
}

func TestProgressLog(t *testing.T) {
	const total = 2_100_000_000
	at := func(read int64) pipeline.Progress {
		return pipeline.Progress{BytesRead: read, BytesTotal: total, Files: 3, FileIndex: 1,
			Packets: 1_234_567, Flows: 52_000, Transactions: 9_000, Events: 310_400}
	}
	tests := []struct {
		name  string
		steps []step
		want  string
	}{
		{
			name: "long run: a line every 10s, then one at Done",
			steps: []step{
				{0, at(0)},
				{5 * time.Second, at(190_000_000)},
				{10 * time.Second, at(380_000_000)}, // 10s since start: a line
				{15 * time.Second, at(570_000_000)}, // 5s since the last: none
				{19999 * time.Millisecond, at(700_000_000)},
				{20 * time.Second, at(760_000_000)}, // a line
				{25 * time.Second, pipeline.Progress{BytesRead: total, BytesTotal: total, Done: true}},
				{40 * time.Second, at(total)}, // after Done: ignored
			},
			want: "telltale: 380 MB of 2.1 GB (18%), 38 MB/s, ETA 45s, 1.2 M packets, 52 k flows, 310 k events, file 2 of 3\n" +
				"telltale: 760 MB of 2.1 GB (36%), 38 MB/s, ETA 35s, 1.2 M packets, 52 k flows, 310 k events, file 2 of 3\n" +
				"telltale: read 2.1 GB in 25s, 84 MB/s; writing the tables\n",
		},
		{
			name: "short run: nothing",
			steps: []step{
				{0, at(0)},
				{3 * time.Second, at(1_000_000)},
				{9999 * time.Millisecond, pipeline.Progress{BytesRead: total, BytesTotal: total, Done: true}},
			},
			want: "",
		},
		{
			name: "unknown total, one file, read beyond the estimate",
			steps: []step{
				{0, pipeline.Progress{Files: 1}},
				{10 * time.Second, pipeline.Progress{BytesRead: 5_000, Files: 1, Packets: 940, Flows: 3, Events: 1}},
				{20 * time.Second, pipeline.Progress{BytesRead: 3_000, BytesTotal: 2_000, Files: 1}},
			},
			want: "telltale: 5.0 KB, 500 B/s, 940 packets, 3 flows, 1 events\n" +
				"telltale: 2.0 KB of 2.0 KB (100%), 100 B/s, ETA 0.0s, 0 packets, 0 flows, 0 events\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := play(t, false, false, tt.steps); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestProgressBar(t *testing.T) {
	const total = 1_000_000_000
	at := func(read, flows, events int64) pipeline.Progress {
		return pipeline.Progress{BytesRead: read, BytesTotal: total, Files: 1, Packets: 1, Flows: flows, Events: events}
	}
	tests := []struct {
		name  string
		steps []step
		want  string
	}{
		{
			name: "redraws at most every 200ms, cleared at Done",
			steps: []step{
				{0, at(0, 0, 0)},
				{100 * time.Millisecond, at(5_000_000, 1, 0)},
				{200 * time.Millisecond, at(10_000_000, 12, 0)}, // draw
				{300 * time.Millisecond, at(20_000_000, 12, 0)}, // 100ms since: none
				{399 * time.Millisecond, at(30_000_000, 12, 0)}, // 199ms since: none
				{400 * time.Millisecond, at(480_000_000, 1_500, 999)},
				{500 * time.Millisecond, pipeline.Progress{BytesRead: total, BytesTotal: total, Done: true}},
				{900 * time.Millisecond, at(total, 0, 0)}, // after Done: ignored
			},
			want: "\r  1% [>           ] 10 MB/1.0 GB 50 MB/s ETA 20s 12 flows 0 events\x1b[K" +
				"\r 48% [=====>      ] 480 MB/1.0 GB 1.2 GB/s ETA 0.4s 1.5 k flows 999 events\x1b[K" +
				"\r\x1b[K" +
				"telltale: read 1.0 GB in 0.5s, 2.0 GB/s; writing the tables\n",
		},
		{
			name: "full and unknown total",
			steps: []step{
				{0, at(0, 0, 0)},
				{10 * time.Second, at(total, 2, 3)},
				{11 * time.Second, pipeline.Progress{BytesRead: 2_500}},
			},
			want: "\r100% [============] 1.0 GB/1.0 GB 100 MB/s ETA 0.0s 2 flows 3 events\x1b[K" +
				"\r2.5 KB 227 B/s 0 flows 0 events\x1b[K",
		},
		{
			name: "run shorter than one interval: nothing, not even a clear",
			steps: []step{
				{0, at(0, 0, 0)},
				{150 * time.Millisecond, at(total/2, 0, 0)},
				{190 * time.Millisecond, pipeline.Progress{BytesRead: total, BytesTotal: total, Done: true}},
			},
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := play(t, true, false, tt.steps); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestProgressQuiet(t *testing.T) {
	steps := []step{
		{0, pipeline.Progress{BytesTotal: 100}},
		{time.Minute, pipeline.Progress{BytesRead: 50, BytesTotal: 100}},
		{2 * time.Minute, pipeline.Progress{BytesRead: 100, BytesTotal: 100, Done: true}},
	}
	for _, terminal := range []bool{false, true} {
		if got := play(t, terminal, true, steps); got != "" {
			t.Errorf("quiet, terminal=%v: wrote %q", terminal, got)
		}
		// The same steps do write without quiet, so the check above can fail.
		if got := play(t, terminal, false, steps); got == "" {
			t.Errorf("not quiet, terminal=%v: wrote nothing", terminal)
		}
	}
}

// TestProgressBarWidth checks that the widest plausible bar still fits an
// 80-column terminal: a wrapped line would defeat the \r redraw.
func TestProgressBarWidth(t *testing.T) {
	p := &progress{bar: true}
	pr := pipeline.Progress{BytesRead: 999_000_000_000, BytesTotal: 999_400_000_000, Flows: 999_000_000, Events: 999_000_000}
	line := p.barLine(pr, 3*time.Second+500*time.Millisecond)
	if len(line) >= 80 {
		t.Errorf("bar line is %d columns: %q", len(line), line)
	}
	pr.BytesRead = 1_000_000 // ETA of 982742 hours: left out
	line = p.barLine(pr, 59*time.Minute)
	if len(line) >= 80 || strings.Contains(line, "ETA") {
		t.Errorf("bar line is %d columns: %q", len(line), line)
	}
	pr.BytesRead = 9_900_000_000 // ETA 989.5/9.9 hours = 99h57m
	line = p.barLine(pr, time.Hour)
	if len(line) >= 80 || !strings.Contains(line, "ETA 99h57m") {
		t.Errorf("bar line is %d columns: %q", len(line), line)
	}
}

func TestUnits(t *testing.T) {
	bytesTests := []struct {
		v    float64
		want string
	}{
		{0, "0 B"}, {999, "999 B"}, {999.6, "1000 B"}, {1000, "1.0 KB"}, {9_949, "9.9 KB"},
		{10_000, "10 KB"}, {412_000_000, "412 MB"}, {999_499_999, "999 MB"}, {999_500_000, "1.0 GB"},
		{2_100_000_000, "2.1 GB"}, {1e18, "1000 PB"},
	}
	for _, tt := range bytesTests {
		if got := unitBytes(tt.v); got != tt.want {
			t.Errorf("unitBytes(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	countTests := []struct {
		n    int64
		want string
	}{
		{0, "0"}, {940, "940"}, {999, "999"}, {1000, "1.0 k"}, {1_249, "1.2 k"}, {52_000, "52 k"},
		{999_499, "999 k"}, {999_500, "1.0 M"}, {1_234_567, "1.2 M"}, {7_000_000_000_000_000, "7000 T"},
	}
	for _, tt := range countTests {
		if got := unitCount(tt.n); got != tt.want {
			t.Errorf("unitCount(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	durTests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0.0s"}, {0, "0.0s"}, {4200 * time.Millisecond, "4.2s"}, {9949 * time.Millisecond, "9.9s"},
		{9950 * time.Millisecond, "10s"}, {44 * time.Second, "44s"}, {59499 * time.Millisecond, "59s"},
		{59500 * time.Millisecond, "1m00s"}, {185 * time.Second, "3m05s"}, {3599 * time.Second, "59m59s"},
		{3600 * time.Second, "1h00m"}, {3659 * time.Second, "1h01m"}, {7620 * time.Second, "2h07m"},
	}
	for _, tt := range durTests {
		if got := unitDuration(tt.d); got != tt.want {
			t.Errorf("unitDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	if isTerminal(&bytes.Buffer{}) {
		t.Error("isTerminal(*bytes.Buffer) = true")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("isTerminal(regular file) = true")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		t.Setenv("TERM", "xterm")
		if !isTerminal(tty) {
			t.Error("isTerminal(/dev/tty) = false with TERM=xterm")
		}
		t.Setenv("TERM", "dumb")
		if isTerminal(tty) {
			t.Error("isTerminal(/dev/tty) = true with TERM=dumb")
		}
	}
}
