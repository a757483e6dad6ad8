package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/klauspost/compress/gzip"
)

// Expand turns files and directories into the list of capture files to
// read. Directories are walked recursively and keep only the files that
// start with a pcap or pcapng magic number, looking inside gzip files; the
// extension does not matter. Files named explicitly are kept whatever they
// hold, so that Open reports the ones that are not captures rather than
// silently dropping them. The result is sorted and without duplicates (two
// spellings of one path count once). A path that does not exist is an error.
func Expand(paths []string) ([]string, error) {
	files, _, err := Walk(paths)
	return files, err
}

// Walk is Expand that also returns, sorted, the files found in directories
// that were left out because they are not captures, so a caller can report
// them instead of dropping them silently.
func Walk(paths []string) (files, others []string, err error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("capture: %w", err)
		}
		if !st.IsDir() {
			out = append(out, filepath.Clean(p))
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			if !d.Type().IsRegular() {
				// Symbolic links to files are followed; to directories
				// they are not (WalkDir does not follow them either).
				st, err := os.Stat(path)
				if err != nil || !st.Mode().IsRegular() {
					return nil
				}
			}
			if isCapture(path) {
				out = append(out, filepath.Clean(path))
			} else {
				others = append(others, filepath.Clean(path))
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("capture: %w", err)
		}
	}
	sort.Strings(others)
	others = slices.Compact(others)
	sort.Strings(out)
	seen := make(map[string]bool, len(out))
	kept := out[:0]
	for _, p := range out {
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		kept = append(kept, p)
	}
	return kept, others, nil
}

// isCapture reports whether a file starts with a capture magic number, after
// gunzipping it if it is gzip. A file that cannot be read is kept (true), so
// that Open reports why.
func isCapture(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return true
	}
	defer f.Close()
	var m [4]byte
	if _, err := io.ReadFull(f, m[:]); err != nil {
		return false
	}
	if m[0] == 0x1f && m[1] == 0x8b {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return false
		}
		gz, err := gzip.NewReader(f)
		if err != nil {
			return false
		}
		if _, err := io.ReadFull(gz, m[:]); err != nil {
			return false
		}
	}
	magic := binary.LittleEndian.Uint32(m[:])
	return magic == ngSHB || pcapMagic(magic) != pcapNone
}
