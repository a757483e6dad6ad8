package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"telltale/pipeline/leak"
	"telltale/pipeline/sink"
)

// ManifestName is the name of the manifest Publish writes into OutDir.
const ManifestName = "publish.json"

// Options configures Publish.
type Options struct {
	Dir       string           // dataset directory written by telltale run (holds manifest.json)
	OutDir    string           // directory of the published copy; created if missing; not Dir
	Key       *Key             // secret of the pseudonyms
	Version   string           // telltale version, recorded in publish.json
	Allocator memory.Allocator // nil means memory.DefaultAllocator
}

// Manifest is publish.json. It lets a reviewer who holds the key and the
// captures check a publication: telltale run gives the dataset whose
// manifest and files have the Source hashes, and telltale publish with the
// same key (same KeyFingerprint) and rules gives files with the Outputs
// hashes. Field order is the JSON key order.
type Manifest struct {
	Tool           string            `json:"tool"` // "telltale publish"
	Version        string            `json:"version"`
	RulesVersion   int               `json:"rules_version"`
	Pseudonyms     string            `json:"pseudonyms"`      // how pseudonyms are made
	KeyFingerprint string            `json:"key_fingerprint"` // Key.Fingerprint
	Source         Source            `json:"source"`
	Outputs        []sink.OutputFile `json:"outputs"` // published tables, sorted by name
}

// Source identifies the dataset that was published.
type Source struct {
	ManifestSHA256 string            `json:"manifest_sha256"` // of its manifest.json as stored
	Version        string            `json:"version"`         // telltale version that wrote it
	SchemaVersion  int               `json:"schema_version"`
	Inputs         []SourceInput     `json:"inputs"`  // the captures read
	Outputs        []sink.OutputFile `json:"outputs"` // its tables, as its manifest lists them
}

// SourceInput is one capture file of the source dataset. Its path is left
// out: paths tend to name people.
type SourceInput struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// pseudonymScheme is Manifest.Pseudonyms.
const pseudonymScheme = PseudonymPrefix + " + first 16 hex digits of HMAC-SHA256(key, value)"

// Publish writes the published copy of the dataset in opts.Dir to
// opts.OutDir: one file per table of the source manifest, then publish.json.
// It first checks every table against the hashes of the source manifest.
// Tables are written under temp names and renamed once all are done;
// publish.json is removed first and written last, so it only ever describes
// the files beside it.
func Publish(ctx context.Context, opts Options) (*Manifest, error) {
	if opts.Key == nil {
		return nil, errors.New("publish: no key")
	}
	if opts.Dir == "" || opts.OutDir == "" {
		return nil, errors.New("publish: dataset and output directories are both needed")
	}
	mem := opts.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}

	raw, err := os.ReadFile(filepath.Join(opts.Dir, sink.ManifestName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("publish: %s holds no %s: not a finished telltale dataset", opts.Dir, sink.ManifestName)
	} else if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	var src sink.Manifest
	if err := json.Unmarshal(raw, &src); err != nil {
		return nil, fmt.Errorf("publish: %s: %w", sink.ManifestName, err)
	}
	if len(src.Outputs) == 0 {
		return nil, fmt.Errorf("publish: %s lists no tables", filepath.Join(opts.Dir, sink.ManifestName))
	}
	tables := make([]string, len(src.Outputs))
	for i, o := range src.Outputs {
		t, ok := strings.CutSuffix(o.Name, ".parquet")
		if !ok || t == "" || filepath.Base(o.Name) != o.Name || strings.HasPrefix(o.Name, ".") {
			return nil, fmt.Errorf("publish: %s lists an odd table file %q", sink.ManifestName, o.Name)
		}
		if _, ok := tableRules[t]; !ok {
			return nil, fmt.Errorf("publish: no rules for table %q (rules version %d): update telltale", t, RulesVersion)
		}
		tables[i] = t
	}
	if err := checkOutDir(opts.Dir, opts.OutDir); err != nil {
		return nil, err
	}
	for _, o := range src.Outputs {
		if err := checkFile(filepath.Join(opts.Dir, o.Name), o); err != nil {
			return nil, err
		}
	}

	plans := make([][]colPlan, len(tables))
	for i, t := range tables {
		ts, err := openSource(filepath.Join(opts.Dir, src.Outputs[i].Name), mem)
		if err != nil {
			return nil, err
		}
		plans[i], err = planTable(t, ts.schema, tableRules)
		ts.Close()
		if err != nil {
			return nil, err
		}
	}

	ps := newPseudonymizer(opts.Key)
	sc, err := collect(ctx, opts.Dir, tables, ps, mem)
	if err != nil {
		return nil, err
	}

	mpath := filepath.Join(opts.OutDir, ManifestName)
	if err := os.Remove(mpath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("publish: removing old %s: %w", ManifestName, err)
	}
	var tmps []string
	defer func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}()
	outs := make([]sink.OutputFile, 0, len(tables))
	for i := range tables {
		tmp := filepath.Join(opts.OutDir, "."+src.Outputs[i].Name+".tmp")
		tmps = append(tmps, tmp)
		plan := plans[i]
		o, err := copyTable(ctx, filepath.Join(opts.Dir, src.Outputs[i].Name), tmp, func(*arrow.Schema) (transform, error) {
			return func(rec arrow.Record, out *arrow.Schema) (arrow.Record, error) {
				return sc.apply(plan, rec, out, mem)
			}, nil
		}, true, mem)
		if err != nil {
			return nil, err
		}
		o.Name = src.Outputs[i].Name
		outs = append(outs, o)
	}
	for i, tmp := range tmps {
		if err := os.Rename(tmp, filepath.Join(opts.OutDir, src.Outputs[i].Name)); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
	}
	tmps = nil
	if err := sink.SyncDir(opts.OutDir); err != nil {
		return nil, err
	}
	sort.Slice(outs, func(i, j int) bool { return outs[i].Name < outs[j].Name })

	sum := sha256.Sum256(raw)
	m := &Manifest{
		Tool:           "telltale publish",
		Version:        opts.Version,
		RulesVersion:   RulesVersion,
		Pseudonyms:     pseudonymScheme,
		KeyFingerprint: opts.Key.Fingerprint(),
		Source: Source{
			ManifestSHA256: hex.EncodeToString(sum[:]),
			Version:        src.Version,
			SchemaVersion:  src.SchemaVersion,
			Inputs:         make([]SourceInput, len(src.Inputs)),
			Outputs:        append([]sink.OutputFile{}, src.Outputs...),
		},
		Outputs: outs,
	}
	for i, in := range src.Inputs {
		m.Source.Inputs[i] = SourceInput{Name: in.Name, SHA256: in.SHA256}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	if err := sink.WriteFileAtomic(opts.OutDir, ManifestName, buf.Bytes()); err != nil {
		return nil, err
	}
	return m, nil
}

// checkOutDir creates out and refuses the dataset directory itself or
// another unpublished dataset, which publishing would mix with its copy.
func checkOutDir(dir, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	di, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	oi, err := os.Stat(out)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if os.SameFile(di, oi) {
		return fmt.Errorf("publish: output directory %s is the dataset itself", out)
	}
	if _, err := os.Stat(filepath.Join(out, sink.ManifestName)); err == nil {
		return fmt.Errorf("publish: output directory %s holds a %s: it is a dataset, not a place for a published copy", out, sink.ManifestName)
	}
	return nil
}

// checkFile compares a table file with its manifest entry.
func checkFile(path string, want sink.OutputFile) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 || n != want.Bytes {
		return fmt.Errorf("publish: %s does not match %s (sha256 %s, want %s): changed since telltale run wrote it", path, sink.ManifestName, got, want.SHA256)
	}
	return nil
}

// collectCols names, per table, the columns whose values go into the
// dictionary of the text rule.
var collectCols = map[string][]string{
	"identifiers": {"value"},
	"links":       {"value_a", "value_b"},
	"fields":      {"value", "id_kind"},
	"events":      {"distinct_id", "login_id", "anonymous_id", "user_id", "device_id"},
	"leaks":       {"kind", "value"},
	"flows":       {"orig_h"},
	"http":        {"orig_h"},
	"tls":         {"orig_h"},
	"dns":         {"orig_h"},
}

// collect reads the identifier columns of every table and builds the
// scrubber: the client addresses and the dictionary of the text rule.
func collect(ctx context.Context, dir string, tables []string, ps *pseudonymizer, mem memory.Allocator) (*scrubber, error) {
	ids := map[string]struct{}{}
	clients := map[string]struct{}{}
	knownSet := map[leak.Known]struct{}{}
	add := func(set map[string]struct{}, a *array.String, j int) {
		if a != nil && !a.IsNull(j) && a.Value(j) != "" {
			set[strings.Clone(a.Value(j))] = struct{}{}
		}
	}
	for _, t := range tables {
		names, ok := collectCols[t]
		if !ok {
			continue
		}
		err := readColumns(ctx, filepath.Join(dir, t+".parquet"), names, mem, func(cols []*array.String, n int) {
			for j := 0; j < n; j++ {
				switch t {
				case "fields":
					if cols[1] != nil && !cols[1].IsNull(j) {
						add(ids, cols[0], j)
					}
				case "leaks":
					if cols[0] != nil && cols[1] != nil && !cols[1].IsNull(j) {
						knownSet[leak.Known{Kind: strings.Clone(cols[0].Value(j)), Value: strings.Clone(cols[1].Value(j))}] = struct{}{}
					}
					add(ids, cols[1], j)
				case "flows", "http", "tls", "dns":
					add(clients, cols[0], j)
					add(ids, cols[0], j)
				default:
					for _, c := range cols {
						add(ids, c, j)
					}
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}

	values := make([]string, 0, len(ids))
	for v := range ids {
		if len(v) >= minDictLen {
			values = append(values, v)
		}
	}
	slices.Sort(values)
	entries := make([]entry, 0, len(values))
	for _, v := range values {
		entries = append(entries, entry{v, ps.of(v)})
	}
	known := make([]leak.Known, 0, len(knownSet))
	for k := range knownSet {
		known = append(known, k)
	}
	slices.SortFunc(known, func(a, b leak.Known) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	if len(known) > 0 {
		m := leak.NewMatcher(known)
		for i, k := range m.Known() {
			p := ps.of(k.Value)
			for _, d := range m.Disguises(i) {
				if len(d.Pattern) >= minDictLen {
					entries = append(entries, entry{d.Pattern, disguised(d.Name, p)})
				}
			}
		}
	}
	s := &scrubber{ps: ps, clients: clients}
	if len(entries) > 0 {
		s.d = newDict(entries)
	}
	return s, nil
}

// disguised is the replacement of a disguise of a known value whose
// pseudonym is p: the disguise's name applied to p, as in md5(p:…) or
// sha1(lower(p:…)). It shows which value a hash or encoding hides while it
// differs from every pseudonym, so it joins with nothing it did not join
// with before.
func disguised(name, p string) string {
	switch {
	case name == "plain":
		return p
	case strings.HasSuffix(name, ")"):
		if i := strings.IndexByte(name, '('); i > 0 {
			return name[:len(name)-1] + "(" + p + "))"
		}
	}
	return name + "(" + p + ")"
}

// readColumns calls fn with the named string columns of each row group of
// the table at path (nil for a column the table lacks).
func readColumns(ctx context.Context, path string, names []string, mem memory.Allocator, fn func(cols []*array.String, n int)) error {
	ts, err := openSource(path, mem)
	if err != nil {
		return err
	}
	defer ts.Close()
	var leaves []int
	for _, name := range names {
		if i := ts.leafIndex(name); i >= 0 {
			leaves = append(leaves, i)
		}
	}
	if len(leaves) == 0 {
		return nil
	}
	cols := make([]*array.String, len(names))
	for g := 0; g < ts.numRowGroups(); g++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := ts.readRowGroup(ctx, g, leaves, mem)
		if err != nil {
			return err
		}
		for i, name := range names {
			cols[i] = nil
			if idx := rec.Schema().FieldIndices(name); len(idx) == 1 {
				a, ok := rec.Column(idx[0]).(*array.String)
				if !ok {
					rec.Release()
					return fmt.Errorf("publish: %s: column %s is not a string column", path, name)
				}
				cols[i] = a
			}
		}
		fn(cols, int(rec.NumRows()))
		rec.Release()
	}
	return nil
}
