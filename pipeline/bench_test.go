package pipeline

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"telltale/pipeline/corpustest"
)

// BenchmarkRunVsReference times a whole run on a capture and reports it as a
// ratio to reference tools run on the same file in the same process, since
// absolute times on shared machines mean little:
//
//	x-tcpdump: telltale time / `tcpdump -r FILE -w /dev/null` time
//	x-tshark:  telltale time / `tshark -n -r FILE -T fields -e http.request.method
//	           -e http.host -e http.request.uri` time (output discarded)
//
// The default files are the shipped sample and, when ../shared is present,
// pcap2har_out-of-order.pcap from its corpus, so the default run takes a few
// seconds. Environment:
//
//	TELLTALE_BENCH_FILES    captures to measure instead, separated by the OS
//	                        list separator (relative paths are relative to
//	                        pipeline/, so prefer absolute ones)
//	TELLTALE_BENCH_WORKERS  Config.Workers of the measured runs; default 2
//
// A reference tool that stops with an error on a truncated last record (it
// has read every whole packet by then, as telltale has) still counts; any
// other failure drops that ratio.
func BenchmarkRunVsReference(b *testing.B) {
	workers := 2
	if env := os.Getenv("TELLTALE_BENCH_WORKERS"); env != "" {
		n, err := strconv.Atoi(env)
		if err != nil || n < 0 {
			b.Fatalf("TELLTALE_BENCH_WORKERS=%q: want a count", env)
		}
		workers = n
	}
	for _, file := range benchFiles(b) {
		st, err := os.Stat(file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(file), func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			out := b.TempDir()
			cfg := Config{Inputs: []string{file}, OutDir: out, Workers: workers}
			for b.Loop() {
				if _, err := Run(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			if ref, ok := timeCommand(b, "tcpdump", "-r", file, "-w", "/dev/null"); ok {
				b.ReportMetric(float64(per)/float64(ref), "x-tcpdump")
			}
			if ref, ok := timeCommand(b, "tshark", "-n", "-r", file, "-T", "fields",
				"-e", "http.request.method", "-e", "http.host", "-e", "http.request.uri"); ok {
				b.ReportMetric(float64(per)/float64(ref), "x-tshark")
			}
		})
	}
}

// truncationMessages are what the reference tools print when a capture ends
// inside a record; they exit non-zero after reading every whole packet.
var truncationMessages = []string{
	"truncated dump file",     // tcpdump (libpcap)
	"cut short in the middle", // tshark (wiretap)
}

// timeCommand runs a reference tool and returns its mean time: at least
// once, then again until a second has passed or it has run three times,
// so a large capture is not read many times over.
func timeCommand(b *testing.B, name string, args ...string) (time.Duration, bool) {
	if _, err := exec.LookPath(name); err != nil {
		b.Logf("%s not installed: no ratio against it", name)
		return 0, false
	}
	const maxRuns, enough = 3, time.Second
	var total time.Duration
	runs := 0
	for runs < maxRuns && (runs == 0 || total < enough) {
		var stderr bytes.Buffer
		cmd := exec.Command(name, args...)
		cmd.Stderr = &stderr // stdout stays nil: discarded
		start := time.Now()
		err := cmd.Run()
		total += time.Since(start)
		runs++
		if err != nil {
			var exit *exec.ExitError
			if !errors.As(err, &exit) || !truncated(stderr.String()) {
				b.Logf("%s: %v: %s: no ratio against it", name, err, strings.TrimSpace(stderr.String()))
				return 0, false
			}
		}
	}
	return total / time.Duration(runs), true
}

func truncated(stderr string) bool {
	for _, m := range truncationMessages {
		if strings.Contains(stderr, m) {
			return true
		}
	}
	return false
}

func benchFiles(b *testing.B) []string {
	if env := os.Getenv("TELLTALE_BENCH_FILES"); env != "" {
		return filepath.SplitList(env)
	}
	files := []string{filepath.Join("..", "samples", "phone-browser.pcap")}
	if big := corpustest.Path("captures", "pcap2har_out-of-order.pcap"); fileExists(big) {
		files = append(files, big)
	} else {
		b.Logf("%s absent: benchmarking the shipped sample only", big)
	}
	return files
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
