package verify_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"telltale/pipeline/sink"
	"telltale/pipeline/verify"
)

// dataset writes a small complete dataset (three flows rows, every other
// table empty) and returns its directory and manifest.
func dataset(t testing.TB) (string, *sink.Manifest) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ds")
	w, err := sink.Create(sink.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		r := sink.FlowRow{UID: "C" + strconv.Itoa(i), OrigH: "10.0.0.1", OrigP: uint16(40000 + i), RespH: "10.0.0.2", RespP: 80, AppUID: -1, TS: int64(i) * 1e9, TSEnd: int64(i)*1e9 + 5}
		if err := w.Flow(&r); err != nil {
			t.Fatal(err)
		}
	}
	outs, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	m := &sink.Manifest{Tool: "telltale", Version: "test", Args: []string{"run", "x.pcap"}, Outputs: outs}
	if err := sink.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func output(m *sink.Manifest, name string) sink.OutputFile {
	for _, o := range m.Outputs {
		if o.Name == name {
			return o
		}
	}
	panic("no output " + name)
}

// editManifest rewrites dir's manifest.json as generic JSON.
func editManifest(t *testing.T, dir string, edit func(map[string]any)) {
	t.Helper()
	p := filepath.Join(dir, sink.ManifestName)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	edit(v)
	if b, err = json.Marshal(v); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOutputs(t *testing.T) {
	flows := func(dir string) string { return filepath.Join(dir, "flows.parquet") }
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		// want builds the expected problems from the pristine manifest and
		// the damaged directory.
		want func(t *testing.T, dir string, m *sink.Manifest) []verify.Problem
	}{
		{"intact", nil, func(*testing.T, string, *sink.Manifest) []verify.Problem { return nil }},
		{"other files are not outputs", func(t *testing.T, dir string) {
			for _, n := range []string{"notes.txt", ".flows.parquet.tmp", "report.html", "mine.parquet"} {
				if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, func(*testing.T, string, *sink.Manifest) []verify.Problem { return nil }},
		{"byte flipped in a data page", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(flows(dir))
			b[4] ^= 0x40 // first byte after the leading magic: content, not footer
			os.WriteFile(flows(dir), b, 0o644)
		}, func(t *testing.T, dir string, m *sink.Manifest) []verify.Problem {
			return []verify.Problem{{Name: "flows.parquet", Kind: verify.HashDiffers, Want: output(m, "flows.parquet").SHA256, Got: fileSum(t, flows(dir))}}
		}},
		{"truncated by one byte", func(t *testing.T, dir string) {
			fi, _ := os.Stat(flows(dir))
			os.Truncate(flows(dir), fi.Size()-1)
		}, func(t *testing.T, dir string, m *sink.Manifest) []verify.Problem {
			o := output(m, "flows.parquet")
			return []verify.Problem{
				{Name: "flows.parquet", Kind: verify.SizeDiffers, Want: strconv.FormatInt(o.Bytes, 10), Got: strconv.FormatInt(o.Bytes-1, 10)},
				{Name: "flows.parquet", Kind: verify.HashDiffers, Want: o.SHA256, Got: fileSum(t, flows(dir))},
				{Name: "flows.parquet", Kind: verify.Unreadable, Got: "verify: not a Parquet file: no PAR1 magic at both ends"},
			}
		}},
		{"swapped for another table", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "dns.parquet"))
			os.WriteFile(flows(dir), b, 0o644)
		}, func(t *testing.T, dir string, m *sink.Manifest) []verify.Problem {
			o, d := output(m, "flows.parquet"), output(m, "dns.parquet")
			return []verify.Problem{
				{Name: "flows.parquet", Kind: verify.SizeDiffers, Want: strconv.FormatInt(o.Bytes, 10), Got: strconv.FormatInt(d.Bytes, 10)},
				{Name: "flows.parquet", Kind: verify.HashDiffers, Want: o.SHA256, Got: d.SHA256},
				{Name: "flows.parquet", Kind: verify.RowsDiffer, Want: "3", Got: "0"},
			}
		}},
		{"removed", func(t *testing.T, dir string) { os.Remove(flows(dir)) },
			func(*testing.T, string, *sink.Manifest) []verify.Problem {
				return []verify.Problem{{Name: "flows.parquet", Kind: verify.Missing}}
			}},
		{"a directory in its place", func(t *testing.T, dir string) {
			os.Remove(flows(dir))
			os.Mkdir(flows(dir), 0o755)
		}, func(*testing.T, string, *sink.Manifest) []verify.Problem {
			return []verify.Problem{{Name: "flows.parquet", Kind: verify.Unreadable, Got: "not a regular file"}}
		}},
		{"table not in the manifest", func(t *testing.T, dir string) {
			editManifest(t, dir, func(v map[string]any) {
				outs := v["outputs"].([]any)
				v["outputs"] = outs[1:] // dns.parquet sorts first
			})
		}, func(*testing.T, string, *sink.Manifest) []verify.Problem {
			return []verify.Problem{{Name: "dns.parquet", Kind: verify.Unlisted, Got: "present but not in manifest.json"}}
		}},
		{"manifest names a path", func(t *testing.T, dir string) {
			editManifest(t, dir, func(v map[string]any) {
				v["outputs"].([]any)[0].(map[string]any)["name"] = "../dns.parquet"
			})
		}, func(*testing.T, string, *sink.Manifest) []verify.Problem {
			return []verify.Problem{
				{Name: "../dns.parquet", Kind: verify.BadEntry, Got: "not a file name within the dataset"},
				{Name: "dns.parquet", Kind: verify.Unlisted, Got: "present but not in manifest.json"},
			}
		}},
		{"manifest rows wrong", func(t *testing.T, dir string) {
			editManifest(t, dir, func(v map[string]any) {
				for _, o := range v["outputs"].([]any) {
					if o := o.(map[string]any); o["name"] == "flows.parquet" {
						o["rows"] = 4
					}
				}
			})
		}, func(*testing.T, string, *sink.Manifest) []verify.Problem {
			return []verify.Problem{{Name: "flows.parquet", Kind: verify.RowsDiffer, Want: "4", Got: "3"}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, m := dataset(t)
			if tc.damage != nil {
				tc.damage(t, dir)
			}
			want := tc.want(t, dir, m)
			r, err := verify.Outputs(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Problems, want) {
				t.Errorf("problems:\n got %q\nwant %q", r.Problems, want)
			}
			if r.OK() != (len(want) == 0) {
				t.Errorf("OK() = %v with %d problems", r.OK(), len(want))
			}
		})
	}
}

func TestOutputsFound(t *testing.T) {
	dir, m := dataset(t)
	editManifest(t, dir, func(v map[string]any) { v["status"] = "interrupted" })
	r, err := verify.Outputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Found, m.Outputs) {
		t.Errorf("Found = %v, want the manifest's %v", r.Found, m.Outputs)
	}
	if len(r.Found) != len(sink.Schema()) {
		t.Errorf("%d outputs, want one per table (%d)", len(r.Found), len(sink.Schema()))
	}
	if r.Rows() != 3 || r.Status != "interrupted" || !r.OK() {
		t.Errorf("Rows() = %d, Status = %q, OK() = %v; want 3, interrupted, true", r.Rows(), r.Status, r.OK())
	}
}

func TestOutputsNotADataset(t *testing.T) {
	for _, tc := range []struct {
		name     string
		manifest string // "" means none
	}{
		{"no manifest", ""},
		{"not json", "{"},
		{"another tool", `{"tool": "other", "outputs": []}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.manifest != "" {
				os.WriteFile(filepath.Join(dir, sink.ManifestName), []byte(tc.manifest), 0o644)
			}
			if r, err := verify.Outputs(dir); err == nil {
				t.Errorf("Outputs = %+v, want an error", r)
			}
		})
	}
}

func TestInputs(t *testing.T) {
	dir := t.TempDir()
	content := []byte("capture bytes")
	sum := sha256.Sum256(content)
	hexSum := hex.EncodeToString(sum[:])
	other := sha256.Sum256([]byte("capture bytez"))
	longer := sha256.Sum256([]byte("capture bytes!"))
	tests := []struct {
		name   string
		write  []byte // nil: the file is absent
		sha256 string // as recorded
		want   func(path string) []verify.Problem
	}{
		{"unchanged", content, hexSum, func(string) []verify.Problem { return nil }},
		{"never reached: size only", content, "", func(string) []verify.Problem { return nil }},
		{"same size, other bytes", []byte("capture bytez"), hexSum, func(p string) []verify.Problem {
			return []verify.Problem{{Name: p, Kind: verify.HashDiffers, Want: hexSum, Got: hex.EncodeToString(other[:])}}
		}},
		{"grown", []byte("capture bytes!"), hexSum, func(p string) []verify.Problem {
			return []verify.Problem{
				{Name: p, Kind: verify.SizeDiffers, Want: "13", Got: "14"},
				{Name: p, Kind: verify.HashDiffers, Want: hexSum, Got: hex.EncodeToString(longer[:])},
			}
		}},
		{"gone", nil, hexSum, func(p string) []verify.Problem { return []verify.Problem{{Name: p, Kind: verify.Missing}} }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "in"+strconv.Itoa(i)+".pcap")
			if tc.write != nil {
				if err := os.WriteFile(p, tc.write, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m := &sink.Manifest{Inputs: []sink.Input{{Name: "in.pcap", Path: p, Size: int64(len(content)), SHA256: tc.sha256}}}
			if got, want := verify.Inputs(m), tc.want(p); !reflect.DeepEqual(got, want) {
				t.Errorf("Inputs:\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	a := sink.OutputFile{Name: "a.parquet", SHA256: "aa"}
	b := sink.OutputFile{Name: "b.parquet", SHA256: "bb"}
	b2 := sink.OutputFile{Name: "b.parquet", SHA256: "b2"}
	c := sink.OutputFile{Name: "c.parquet", SHA256: "cc"}
	tests := []struct {
		name      string
		want, got []sink.OutputFile
		problems  []verify.Problem
	}{
		{"identical", []sink.OutputFile{a, b}, []sink.OutputFile{b, a}, nil},
		{"one differs", []sink.OutputFile{a, b}, []sink.OutputFile{a, b2}, []verify.Problem{{Name: "b.parquet", Kind: verify.HashDiffers, Want: "bb", Got: "b2"}}},
		{"missing and extra", []sink.OutputFile{c, a}, []sink.OutputFile{b, a}, []verify.Problem{
			{Name: "b.parquet", Kind: verify.Unlisted, Got: "written by the rerun only"},
			{Name: "c.parquet", Kind: verify.Missing},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := verify.Diff(tc.want, tc.got); !reflect.DeepEqual(got, tc.problems) {
				t.Errorf("Diff:\n got %q\nwant %q", got, tc.problems)
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    verify.Problem
		want string
	}{
		{verify.Problem{Name: "flows.parquet", Kind: verify.RowsDiffer, Want: "4", Got: "3"}, "flows.parquet: rows is 3, manifest says 4"},
		{verify.Problem{Name: "flows.parquet", Kind: verify.Unreadable, Got: "not a regular file"}, "flows.parquet: unreadable: not a regular file"},
		{verify.Problem{Name: "x.pcap", Kind: verify.Missing}, "x.pcap: missing"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// FuzzOutputs puts arbitrary bytes where a table should be: verification
// must report, never panic or hang, and the table counts as matching
// exactly when it holds the original bytes. The table is dns.parquet,
// empty and some 600 bytes, because the fuzzer minimizes every input that
// finds new code, which for a 30 KB table takes most of a short run.
func FuzzOutputs(f *testing.F) {
	const table = "dns.parquet"
	src, _ := dataset(f)
	for _, n := range []string{table, "flows.parquet"} {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte("PAR1"), b[len(b)-8:]...))
		if n == table {
			f.Add(b)
			f.Add(b[:len(b)-1])
		}
	}
	f.Add([]byte("PAR1\xff\xff\xff\x7fPAR1"))
	f.Add([]byte{})
	want, err := os.ReadFile(filepath.Join(src, table))
	if err != nil {
		f.Fatal(err)
	}
	// One directory per fuzzing process, reused: a worker runs inputs one
	// at a time, and a fresh directory per input costs more than the check.
	dir := f.TempDir()
	m, err := os.ReadFile(filepath.Join(src, sink.ManifestName))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, sink.ManifestName), m, 0o644)
	}
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, table), b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := verify.Outputs(dir)
		if err != nil {
			t.Fatal(err)
		}
		// Only the table is present, so every other one is Missing; the
		// table itself is clean exactly when the bytes are the original's.
		clean := true
		for _, p := range r.Problems {
			if p.Name == table {
				clean = false
			}
		}
		if clean != (string(b) == string(want)) {
			t.Errorf("%s clean = %v for %d bytes (original %d)", table, clean, len(b), len(want))
		}
	})
}
