package capture

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// readAll reads one file with a fresh Set and returns copies of its frames.
func readAll(t testing.TB, path string) []Frame {
	t.Helper()
	s, err := Open([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out []Frame
	for {
		f, err := s.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		c := *f
		c.Data = bytes.Clone(f.Data)
		out = append(out, c)
	}
}

// writeFile writes b to a file named name in a temporary directory.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := dir + "/" + name
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
