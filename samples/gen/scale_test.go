package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestScale reads -scale captures back with the independent pcap reader:
// n times the frames of phone-browser.pcap, repetition 0 byte-identical to
// the sample, valid checksums everywhere, time order, and n times the
// sample's TCP connections with no 4-tuple shared between repetitions.
func TestScale(t *testing.T) {
	s := phoneBrowser()
	base, err := readPcap(s.Files[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	flows := len(s.Truth.Flows) // 9 connections, by construction
	for _, n := range []int{1, 3} {
		var buf bytes.Buffer
		if err := writeScale(&buf, n); err != nil {
			t.Fatal(err)
		}
		frames, err := readPcap(buf.Bytes())
		if err != nil {
			t.Fatalf("scale %d: %v", n, err)
		}
		if len(frames) != n*len(base) {
			t.Fatalf("scale %d: %d frames, want %d", n, len(frames), n*len(base))
		}
		tuples := map[[2]string]int{} // {client, server} -> repetition
		for i, f := range frames {
			rep := i / len(base)
			if rep == 0 && (!bytes.Equal(f.Data, base[i].Data) || !f.Time.Equal(base[i].Time)) {
				t.Fatalf("scale %d: frame %d differs from phone-browser.pcap", n, i)
			}
			if i > 0 && f.Time.Before(frames[i-1].Time) {
				t.Fatalf("scale %d: frame %d at %v, before frame %d", n, i, f.Time, i-1)
			}
			ip, _, err := frameIP(f)
			if err != nil {
				t.Fatalf("scale %d: frame %d: %v", n, i, err)
			}
			seg, err := parseSegment(ip, true)
			if err != nil {
				t.Fatalf("scale %d: frame %d: %v", n, i, err)
			}
			key := [2]string{seg.src, seg.dst}
			if s.Packets[i%len(base)].Dir == S2C {
				key = [2]string{seg.dst, seg.src}
			}
			if r, ok := tuples[key]; ok && r != rep {
				t.Fatalf("scale %d: %v in repetitions %d and %d", n, key, r, rep)
			}
			tuples[key] = rep
		}
		if len(tuples) != n*flows {
			t.Errorf("scale %d: %d distinct 4-tuples, want %d", n, len(tuples), n*flows)
		}
	}
}

// TestScaleFile checks the file writer is deterministic and writes what
// writeScale does, and that out-of-range scales are refused.
func TestScaleFile(t *testing.T) {
	dir := t.TempDir()
	var want bytes.Buffer
	if err := writeScale(&want, 2); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.pcap", "b.pcap"} {
		p := filepath.Join(dir, name)
		if err := writeScaleFile(p, 2); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: %d bytes differ from writeScale's %d", name, len(got), want.Len())
		}
	}
	for _, n := range []int{0, -1, maxScale} {
		if err := writeScale(&bytes.Buffer{}, n); err == nil {
			t.Errorf("scale %d: no error", n)
		}
	}
}
