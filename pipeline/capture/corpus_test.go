package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"telltale/pipeline/corpustest"
)

// corpusDir returns /work/shared/corpus as seen from the repository, or
// skips the test.
func corpusDir(t testing.TB) string {
	t.Helper()
	corpustest.Need(t, "captures")
	return corpustest.Path()
}

// referencePackets reads the packets column of reference.tsv, for the rows
// where it is a number.
func referencePackets(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "reference.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	col := -1
	out := make(map[string]int64)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if col < 0 {
			for i, h := range fields {
				if h == "packets" {
					col = i
				}
			}
			if col < 0 {
				t.Fatal("reference.tsv has no packets column")
			}
			continue
		}
		if len(fields) <= col {
			continue
		}
		if n, err := strconv.ParseInt(fields[col], 10, 64); err == nil {
			out[fields[0]] = n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// knownCountDifferences are corpus files where our frame count differs from
// the reference on purpose, with the reason.
var knownCountDifferences = map[string]string{}

func TestCorpusCounts(t *testing.T) {
	dir := corpusDir(t)
	want := referencePackets(t, dir)
	paths, err := Expand([]string{filepath.Join(dir, "captures")})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no captures found")
	}
	s, err := Open(paths)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for {
		_, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	t.Logf("files %d frames %d bad %d errors %d", st.Files, st.Frames, st.BadFiles, st.Errors)
	checked := 0
	for _, fi := range s.Files() {
		for _, e := range fi.Errors {
			t.Logf("%s", e)
		}
		n, ok := want[fi.Name]
		if !ok {
			t.Logf("%s: %d frames (no numeric reference)", fi.Name, fi.Packets)
			continue
		}
		checked++
		if fi.Packets != n {
			if why, ok := knownCountDifferences[fi.Name]; ok {
				t.Logf("%s: %d frames, reference %d: accepted: %s", fi.Name, fi.Packets, n, why)
				continue
			}
			t.Errorf("%s: %d frames, reference.tsv says %d", fi.Name, fi.Packets, n)
		}
	}
	t.Logf("compared %d files with reference.tsv", checked)
}

// pcapgoFrames reads a file with gopacket's pcapgo readers, the independent
// implementation the hand-written readers are compared with. ok is false
// when pcapgo cannot read the whole file (it is stricter, and panics on
// some damaged files).
func pcapgoFrames(path string) (frames []Frame, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var next func() ([]byte, gopacket.CaptureInfo, uint16, error)
	if len(raw) >= 4 && binary.LittleEndian.Uint32(raw) == ngSHB {
		r, err := pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return nil, false
		}
		next = func() ([]byte, gopacket.CaptureInfo, uint16, error) {
			d, ci, err := r.ReadPacketData()
			var lt uint16
			if err == nil {
				lt = uint16(ci.AncillaryData[0].(layers.LinkType))
			}
			return d, ci, lt, err
		}
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, false
		}
		r.SetSnaplen(maxCaplen)
		next = func() ([]byte, gopacket.CaptureInfo, uint16, error) {
			d, ci, err := r.ReadPacketData()
			return d, ci, uint16(r.LinkType()), err
		}
	}
	for {
		d, ci, lt, err := next()
		if err == io.EOF {
			return frames, true
		}
		if err != nil {
			return nil, false
		}
		var ts int64
		if !ci.Timestamp.IsZero() { // simple packet blocks have no time
			ts = ci.Timestamp.UnixNano()
		}
		frames = append(frames, Frame{Data: d, OrigLen: ci.Length, Time: ts, LinkType: lt})
	}
}

// TestCorpusAgainstPcapgo compares every frame (bytes, time, link type,
// length) with pcapgo's on the corpus files pcapgo reads without error.
// gopacket v1.1.19's layers.LinkType is a uint8, so pcapgo truncates link
// types above 255 (SLL2 276 reads as 20): only the low byte is compared.
func TestCorpusAgainstPcapgo(t *testing.T) {
	dir := corpusDir(t)
	paths, err := Expand([]string{filepath.Join(dir, "captures")})
	if err != nil {
		t.Fatal(err)
	}
	compared, frames := 0, 0
	for _, p := range paths {
		want, ok := pcapgoFrames(p)
		if !ok {
			t.Logf("%s: pcapgo cannot read it; not compared", filepath.Base(p))
			continue
		}
		got := readAll(t, p)
		compared++
		frames += len(got)
		if len(got) != len(want) {
			t.Errorf("%s: %d frames, pcapgo %d", filepath.Base(p), len(got), len(want))
			continue
		}
		for i := range got {
			g, w := got[i], want[i]
			if !bytes.Equal(g.Data, w.Data) || g.OrigLen != w.OrigLen || g.Time != w.Time || uint8(g.LinkType) != uint8(w.LinkType) {
				t.Errorf("%s frame %d: got len %d/%d time %d lt %d, pcapgo len %d/%d time %d lt %d (data equal %v)",
					filepath.Base(p), i+1, len(g.Data), g.OrigLen, g.Time, g.LinkType,
					len(w.Data), w.OrigLen, w.Time, w.LinkType, bytes.Equal(g.Data, w.Data))
				break
			}
		}
	}
	t.Logf("compared %d files, %d frames with pcapgo", compared, frames)
}
