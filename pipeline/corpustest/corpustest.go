// Package corpustest locates, for tests, the shared corpus of real-world
// captures that sits beside the checkout (../shared/corpus: captures/ and
// tshark's listings). CI has it; a user's clone may not, so tests that need
// it skip with a message saying where it was looked for.
package corpustest

import (
	"os"
	"path/filepath"
	"testing"
)

// Path joins elem to the corpus directory, ../shared/corpus beside the
// module root (found by walking up from the working directory to go.mod),
// whether or not it exists.
func Path(elem ...string) string {
	return filepath.Join(append([]string{moduleRoot(), "..", "shared", "corpus"}, elem...)...)
}

// Need returns Path(elem...) or, when that does not exist, skips t.
func Need(t testing.TB, elem ...string) string {
	t.Helper()
	p := Path(elem...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real-capture corpus not available at %s (it sits beside the checkout in CI): %v", p, err)
	}
	return p
}

// moduleRoot is the directory holding go.mod above the working directory
// (a test's package directory); the working directory if none is found.
func moduleRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}
