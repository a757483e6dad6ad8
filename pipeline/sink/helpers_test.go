package sink

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
)

// newWriter creates a Writer on a fresh directory with a checked allocator
// that must be empty again when the test ends.
func newWriter(t *testing.T, opts Options) (*Writer, string) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	if opts.Dir == "" {
		opts.Dir = filepath.Join(t.TempDir(), "out")
	}
	opts.Allocator = mem
	w, err := Create(opts)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return w, opts.Dir
}

// dirNames lists the entries of dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkFileHash compares an OutputFile with the file on disk.
func checkFileHash(t *testing.T, path string, o OutputFile) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != o.SHA256 || int64(len(b)) != o.Bytes {
		t.Errorf("%s: file has %d bytes, sha256 %s; OutputFile says %d, %s", path, len(b), got, o.Bytes, o.SHA256)
	}
}
