package packet

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"telltale/pipeline/capture"
	"telltale/reassembly"
)

// TestCorpus decodes every frame of the shared corpus: no panics, and the
// skip-reason totals are logged (per link type too) for review.
func TestCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "captures")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not available (%v)", err)
	}
	paths, err := capture.Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := capture.Open(paths)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := NewDecoder()
	var seg reassembly.Segment
	reasons := map[SkipReason]int64{}
	perLink := map[string]int64{}
	apps := map[string]int64{}
	frames := 0
	for {
		f, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		frames++
		reason, ok := d.Decode(f.LinkType, f.Data, &seg)
		reasons[reason]++
		if !ok {
			perLink[fmt.Sprintf("linktype %d %v", f.LinkType, reason)]++
			continue
		}
		if !within(seg.Payload, f.Data) && len(seg.Payload) > 0 {
			t.Fatalf("%s frame %d: payload outside the frame", s.Files()[f.File].Name, f.Frame)
		}
		if seg.App != "" {
			apps[seg.App]++
		}
	}
	t.Logf("%d frames decoded", frames)
	for r := None; r <= Malformed; r++ {
		t.Logf("%-16s %d", r, reasons[r])
	}
	keys := make([]string, 0, len(perLink))
	for k := range perLink {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("  %s: %d", k, perLink[k])
	}
	if len(apps) > 0 {
		t.Logf("PCAPdroid apps: %v", apps)
	}
	if reasons[None] == 0 {
		t.Error("no TCP segment decoded from the corpus")
	}
}
