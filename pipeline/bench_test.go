package pipeline

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkRunVsReference times a whole run on a capture and reports it as a
// ratio to reference tools run on the same file in the same process, since
// absolute times on shared machines mean little:
//
//	x-tcpdump: telltale time / `tcpdump -r FILE -w /dev/null` time
//	x-tshark:  telltale time / tshark HTTP field extraction time
//
// Set TELLTALE_BENCH_FILES to a list of captures (separated by the OS list
// separator) to measure other files; the default is the shipped sample and
// the largest HTTP capture of ../shared/corpus when present.
func BenchmarkRunVsReference(b *testing.B) {
	for _, file := range benchFiles(b) {
		st, err := os.Stat(file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(file), func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			out := b.TempDir()
			start := time.Now()
			n := 0
			for b.Loop() {
				if _, err := Run(context.Background(), Config{Inputs: []string{file}, OutDir: out, Workers: 2}); err != nil {
					b.Fatal(err)
				}
				n++
			}
			per := time.Since(start) / time.Duration(n)
			if ref, ok := timeCommand(b, "tcpdump", "-r", file, "-w", "/dev/null"); ok {
				b.ReportMetric(float64(per)/float64(ref), "x-tcpdump")
			}
			if ref, ok := timeCommand(b, "tshark", "-n", "-r", file, "-T", "fields", "-e", "frame.number",
				"-e", "http.request.method", "-e", "http.host", "-e", "http.request.uri", "-e", "http.response.code"); ok {
				b.ReportMetric(float64(per)/float64(ref), "x-tshark")
			}
		})
	}
}

// timeCommand runs a reference tool a few times and returns its mean time.
func timeCommand(b *testing.B, name string, args ...string) (time.Duration, bool) {
	if _, err := exec.LookPath(name); err != nil {
		b.Logf("%s not installed: no ratio against it", name)
		return 0, false
	}
	const runs = 3
	start := time.Now()
	for range runs {
		cmd := exec.Command(name, args...)
		if err := cmd.Run(); err != nil {
			b.Logf("%s: %v: no ratio against it", name, err)
			return 0, false
		}
	}
	return time.Since(start) / runs, true
}

func benchFiles(b *testing.B) []string {
	if env := os.Getenv("TELLTALE_BENCH_FILES"); env != "" {
		return filepath.SplitList(env)
	}
	files := []string{filepath.Join("..", "samples", "phone-browser.pcap")}
	if big := filepath.Join("..", "..", "shared", "corpus", "captures", "pcap2har_out-of-order.pcap"); fileExists(big) {
		files = append(files, big)
	}
	return files
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
