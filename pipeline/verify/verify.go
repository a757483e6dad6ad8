// Package verify checks a telltale dataset against its manifest.json.
//
// It promises that Outputs reads every byte of every table the manifest
// lists (SHA-256 and size) and the row count from each file's Parquet
// footer, and that it also looks at every file in the directory whose name
// is one a run writes but which the manifest does not list, so a table left
// over from another run or copied in by hand is reported rather than
// silently trusted. Inputs does the same for the capture files the
// manifest records, which is what a rerun needs before its outputs can be
// expected to match. Nothing here writes to the dataset.
//
// Problems are reported in a fixed order (manifest order, then directory
// order by name), so two verifications of the same directory print the
// same text.
package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/parquet/file"

	"telltale/pipeline/sink"
)

// Kind says how a file differs from what the manifest records.
type Kind string

// The kinds of Problem.
const (
	Missing     Kind = "missing"    // listed, but no such file
	SizeDiffers Kind = "size"       // byte count differs
	HashDiffers Kind = "sha256"     // content differs
	RowsDiffer  Kind = "rows"       // the Parquet footer counts other rows
	Unreadable  Kind = "unreadable" // cannot be read, is not a regular file, or has no valid Parquet footer
	Unlisted    Kind = "unlisted"   // named like an output, but the manifest does not list it
	BadEntry    Kind = "bad entry"  // the manifest entry itself is unusable (a path, a duplicate)
)

// Problem is one difference between a file and its manifest entry.
type Problem struct {
	Name string // output file name within the dataset, or an input's recorded path
	Kind Kind
	Want string // what the manifest records ("" when it records nothing)
	Got  string // what was found, or the error
}

func (p Problem) String() string {
	switch {
	case p.Want != "" && p.Got != "":
		return fmt.Sprintf("%s: %s is %s, manifest says %s", p.Name, p.Kind, p.Got, p.Want)
	case p.Got != "":
		return fmt.Sprintf("%s: %s: %s", p.Name, p.Kind, p.Got)
	default:
		return fmt.Sprintf("%s: %s", p.Name, p.Kind)
	}
}

// Report is the result of verifying a dataset's outputs.
type Report struct {
	Dir      string
	Manifest *sink.Manifest
	// Status is the manifest's "status" ("complete", "damaged_input",
	// "interrupted"); "" for manifests written before it existed.
	Status string
	// Found has one entry per output the manifest lists, in manifest
	// order, with what is on disk: Rows is -1 and SHA256 "" when the
	// file could not be read.
	Found    []sink.OutputFile
	Problems []Problem
}

// OK reports whether every output matched and nothing unlisted was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Rows is the total row count of the outputs found.
func (r *Report) Rows() int64 {
	var n int64
	for _, f := range r.Found {
		if f.Rows > 0 {
			n += f.Rows
		}
	}
	return n
}

// ReadManifest reads dir/manifest.json and returns it with its status. An
// error means dir is not a readable telltale dataset: no manifest, not
// JSON, or not written by telltale.
func ReadManifest(dir string) (*sink.Manifest, string, error) {
	b, err := os.ReadFile(filepath.Join(dir, sink.ManifestName))
	if err != nil {
		return nil, "", fmt.Errorf("verify: %w", err)
	}
	var m sink.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, "", fmt.Errorf("verify: %s: %w", filepath.Join(dir, sink.ManifestName), err)
	}
	if m.Tool != "telltale" {
		return nil, "", fmt.Errorf("verify: %s: tool is %q, not telltale", filepath.Join(dir, sink.ManifestName), m.Tool)
	}
	// Status is read on its own so that this package does not depend on
	// the manifest struct having the field.
	var st struct {
		Status string `json:"status"`
	}
	json.Unmarshal(b, &st) // cannot fail where the full decode succeeded
	return &m, st.Status, nil
}

// Outputs verifies the dataset in dir: every output listed in its manifest
// must exist as a regular file with the recorded size, SHA-256 and Parquet
// row count, and no file named like a table may be present unlisted. The
// error is for a directory that cannot be verified at all (see
// ReadManifest); differences are Problems in the Report.
func Outputs(dir string) (*Report, error) {
	m, status, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Dir: dir, Manifest: m, Status: status}
	listed := make(map[string]bool, len(m.Outputs))
	for _, o := range m.Outputs {
		if !plainName(o.Name) {
			r.Problems = append(r.Problems, Problem{Name: o.Name, Kind: BadEntry, Got: "not a file name within the dataset"})
			r.Found = append(r.Found, sink.OutputFile{Name: o.Name, Rows: -1, Bytes: -1})
			continue
		}
		if listed[o.Name] {
			r.Problems = append(r.Problems, Problem{Name: o.Name, Kind: BadEntry, Got: "listed twice"})
		}
		listed[o.Name] = true
		got, probs := checkOutput(dir, o)
		r.Found = append(r.Found, got)
		r.Problems = append(r.Problems, probs...)
	}

	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	names := tableNames()
	for _, e := range entries {
		if names[e.Name()] && !listed[e.Name()] {
			r.Problems = append(r.Problems, Problem{Name: e.Name(), Kind: Unlisted, Got: "present but not in " + sink.ManifestName})
		}
	}
	return r, nil
}

// tableNames is the set of file names a run writes as tables.
func tableNames() map[string]bool {
	s := map[string]bool{}
	for _, td := range sink.Schema() {
		s[td.Name+".parquet"] = true
	}
	return s
}

// plainName rejects manifest entries that would make verification read
// outside the dataset directory.
func plainName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, `/\`) && filepath.Base(name) == name
}

// checkOutput hashes one listed output and reads its footer.
func checkOutput(dir string, want sink.OutputFile) (sink.OutputFile, []Problem) {
	got := sink.OutputFile{Name: want.Name, Rows: -1, Bytes: -1}
	f, err := os.Open(filepath.Join(dir, want.Name))
	if errors.Is(err, fs.ErrNotExist) {
		return got, []Problem{{Name: want.Name, Kind: Missing}}
	}
	if err != nil {
		return got, []Problem{{Name: want.Name, Kind: Unreadable, Got: err.Error()}}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return got, []Problem{{Name: want.Name, Kind: Unreadable, Got: err.Error()}}
	}
	if !fi.Mode().IsRegular() {
		return got, []Problem{{Name: want.Name, Kind: Unreadable, Got: "not a regular file"}}
	}
	sum, n, err := hashFile(f)
	if err != nil {
		return got, []Problem{{Name: want.Name, Kind: Unreadable, Got: err.Error()}}
	}
	got.Bytes, got.SHA256 = n, sum

	var probs []Problem
	if n != want.Bytes {
		probs = append(probs, Problem{Name: want.Name, Kind: SizeDiffers, Want: strconv.FormatInt(want.Bytes, 10), Got: strconv.FormatInt(n, 10)})
	}
	if sum != want.SHA256 {
		probs = append(probs, Problem{Name: want.Name, Kind: HashDiffers, Want: want.SHA256, Got: sum})
	}
	rows, err := footerRows(f)
	if err != nil {
		return got, append(probs, Problem{Name: want.Name, Kind: Unreadable, Got: err.Error()})
	}
	got.Rows = rows
	if rows != want.Rows {
		probs = append(probs, Problem{Name: want.Name, Kind: RowsDiffer, Want: strconv.FormatInt(want.Rows, 10), Got: strconv.FormatInt(rows, 10)})
	}
	return got, probs
}

// hashFile returns the hex SHA-256 and length of f's contents.
func hashFile(f *os.File) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", n, fmt.Errorf("verify: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// parquetMagic opens and closes every Parquet file.
var parquetMagic = []byte("PAR1")

// footerRows reads the row count from f's Parquet footer. The magic bytes
// are checked first: the Parquet reader trusts the footer length it finds,
// and a file cut short should be reported, not guessed at.
func footerRows(f *os.File) (n int64, err error) {
	var head, tail [4]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return 0, fmt.Errorf("verify: not a Parquet file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("verify: %w", err)
	}
	if fi.Size() < 12 {
		return 0, errors.New("verify: not a Parquet file: too short")
	}
	if _, err := f.ReadAt(tail[:], fi.Size()-4); err != nil {
		return 0, fmt.Errorf("verify: %w", err)
	}
	if !bytes.Equal(head[:], parquetMagic) || !bytes.Equal(tail[:], parquetMagic) {
		return 0, errors.New("verify: not a Parquet file: no PAR1 magic at both ends")
	}
	// The footer decoder can panic on hostile metadata; a damaged file must
	// be a Problem, not a crash of the verifier.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("verify: corrupt Parquet footer: %v", p)
		}
	}()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("verify: %w", err)
	}
	pr, err := file.NewParquetReader(f)
	if err != nil {
		return 0, fmt.Errorf("verify: corrupt Parquet footer: %w", err)
	}
	return pr.NumRows(), nil
}

// Inputs checks the capture files a manifest records, at their recorded
// paths (relative ones against the working directory): each must exist
// with the recorded size and, when one was recorded, SHA-256. A file the
// run never reached has no recorded SHA-256 and is checked by size only.
func Inputs(m *sink.Manifest) []Problem {
	var probs []Problem
	for _, in := range m.Inputs {
		f, err := os.Open(in.Path)
		if errors.Is(err, fs.ErrNotExist) {
			probs = append(probs, Problem{Name: in.Path, Kind: Missing})
			continue
		}
		if err != nil {
			probs = append(probs, Problem{Name: in.Path, Kind: Unreadable, Got: err.Error()})
			continue
		}
		sum, n, err := hashFile(f)
		f.Close()
		if err != nil {
			probs = append(probs, Problem{Name: in.Path, Kind: Unreadable, Got: err.Error()})
			continue
		}
		if n != in.Size {
			probs = append(probs, Problem{Name: in.Path, Kind: SizeDiffers, Want: strconv.FormatInt(in.Size, 10), Got: strconv.FormatInt(n, 10)})
		}
		if in.SHA256 != "" && sum != in.SHA256 {
			probs = append(probs, Problem{Name: in.Path, Kind: HashDiffers, Want: in.SHA256, Got: sum})
		}
	}
	return probs
}

// Diff compares the outputs of two runs by name and SHA-256: a table in
// want that got lacks is Missing, one whose content differs is
// HashDiffers, and one only in got is Unlisted. Problems are sorted by
// name.
func Diff(want, got []sink.OutputFile) []Problem {
	g := make(map[string]sink.OutputFile, len(got))
	for _, o := range got {
		g[o.Name] = o
	}
	w := make(map[string]bool, len(want))
	var probs []Problem
	for _, o := range want {
		w[o.Name] = true
		h, ok := g[o.Name]
		switch {
		case !ok:
			probs = append(probs, Problem{Name: o.Name, Kind: Missing})
		case h.SHA256 != o.SHA256:
			probs = append(probs, Problem{Name: o.Name, Kind: HashDiffers, Want: o.SHA256, Got: h.SHA256})
		}
	}
	for _, o := range got {
		if !w[o.Name] {
			probs = append(probs, Problem{Name: o.Name, Kind: Unlisted, Got: "written by the rerun only"})
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Name < probs[j].Name })
	return probs
}
