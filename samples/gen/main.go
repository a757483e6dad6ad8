// Command gen writes the synthetic sample captures under samples/ and their
// ground-truth files:
//
//	go run ./samples/gen -out samples
//
// Everything is derived from fixed seeds and fixed timestamps, so every run
// writes byte-identical files (for a given Go version: the gzip and PNG
// encoders' output is part of the bytes). See samples/README.md for what
// each sample contains.
//
// With -scale N it writes only a benchmark capture instead: N repetitions of
// phone-browser.pcap in one classic pcap, each repetition with its own
// client address and later timestamps (see writeScale), streamed to the file
// named by -scale-out:
//
//	go run ./samples/gen -scale 1600 -scale-out /tmp/scale-50m.pcap
//
// Such files are for benchmarks and are not committed.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"telltale/samples/internal/truth"
)

func main() {
	out := flag.String("out", "samples", "directory to write the samples into")
	scale := flag.Int("scale", 0, "write only a benchmark capture: `N` repetitions of phone-browser.pcap")
	scaleOut := flag.String("scale-out", "", "the benchmark capture to write with -scale")
	flag.Parse()
	var err error
	switch {
	case *scale != 0 && *scaleOut == "":
		err = errors.New("-scale needs -scale-out FILE")
	case *scale == 0 && *scaleOut != "":
		err = errors.New("-scale-out needs -scale N")
	case *scale != 0:
		err = writeScaleFile(*scaleOut, *scale)
	default:
		err = generate(*out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// generate writes every sample and its truth file under dir.
func generate(dir string) error {
	for _, s := range Samples() {
		files := append([]OutFile(nil), s.Files...)
		var tj bytes.Buffer
		if err := truth.Write(&tj, s.Truth); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		files = append(files, OutFile{s.TruthPath, tj.Bytes()})
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
