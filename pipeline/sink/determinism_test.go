package sink

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// fieldRows rows of the fields table and httpRows of the http table: enough
// for several full row groups in fields and one in http.
const (
	fieldRows = 200_000
	httpRows  = 70_000
)

// distinct is a high-cardinality string: 200k of them overflow a default
// (1 MiB) dictionary page within one 64Ki-row row group.
func distinct(i int) string { return fmt.Sprintf("/collect?id=%08d&r=%08x", i, uint32(i)*2654435761) }

func writeBig(t *testing.T) (string, []OutputFile) {
	t.Helper()
	w, dir := newWriter(t, Options{})
	for i := range httpRows {
		must(t, w.HTTP(&HTTPRow{
			UID: fmt.Sprintf("C%07d", i/3), TransDepth: int32(i%3 + 1), TS: t0 + int64(i)*1e6, TSEnd: t0 + int64(i)*1e6 + 5,
			OrigH: "10.0.0.1", OrigP: uint16(i), RespH: "10.0.0.2", RespP: 80,
			// method is a dictionary column; a distinct value per row shows
			// that even a dictionary column never falls back.
			Method: "M" + distinct(i), URI: distinct(i), Path: "/collect", Query: distinct(i)[9:],
			Host: "h", Version: "1.1", Flags: []string{"a", "b"}[:i%3],
			RequestHeaders: []Header{{"X-N", distinct(i)}},
			RequestBody:    []byte(distinct(i)),
		}))
	}
	for i := range fieldRows {
		// json_type is a dictionary column; value is not.
		must(t, w.Field(&FieldRow{UID: "C", Path: "p", Value: distinct(i), JSONType: "T" + distinct(i)}))
	}
	outs, err := w.Close()
	must(t, err)
	return dir, outs
}

// TestDeterministicBytes writes the same rows twice and requires identical
// files. The nondeterminism it guards against shows only some of the time,
// so it also checks the invariant that rules it out: no column chunk has
// more than one data-page encoding (which is what a dictionary fallback
// leaves behind).
func TestDeterministicBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 2 x 270k rows")
	}
	dirA, a := writeBig(t)
	_, b := writeBig(t)
	if !slices.Equal(a, b) {
		t.Fatalf("outputs differ between identical runs:\n%v\n%v", a, b)
	}
	for _, tt := range []struct {
		name   string
		groups []int64
	}{
		{"http.parquet", []int64{65536, httpRows - 65536}},
		{"fields.parquet", []int64{65536, 65536, 65536, fieldRows - 3*65536}},
	} {
		groups, mixed := chunkEncodings(t, filepath.Join(dirA, tt.name))
		if !slices.Equal(groups, tt.groups) {
			t.Errorf("%s: row groups %v, want %v", tt.name, groups, tt.groups)
		}
		if len(mixed) > 0 {
			t.Errorf("%s: column chunks with several data encodings: %v", tt.name, mixed)
		}
	}
}

// TestFallbackControl shows the test data is strong enough: the same
// strings in a column with pqarrow's default dictionary settings do fall
// back, leaving two data encodings in a chunk.
func TestFallbackControl(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{{Name: "uri", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewStringBuilder(mem)
	for i := range 65536 {
		b.Append(distinct(i))
	}
	col := b.NewArray()
	b.Release()
	rec := array.NewRecord(sc, []arrow.Array{col}, int64(col.Len()))
	col.Release()
	defer rec.Release()

	path := filepath.Join(t.TempDir(), "control.parquet")
	f, err := os.Create(path)
	must(t, err)
	fw, err := pqarrow.NewFileWriter(sc, f, parquet.NewWriterProperties(parquet.WithAllocator(mem), parquet.WithDictionaryDefault(true)), pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	must(t, err)
	must(t, fw.Write(rec))
	must(t, fw.Close()) // closes f too
	if _, mixed := chunkEncodings(t, path); len(mixed) != 1 {
		t.Errorf("control file: %d chunks with several data encodings, want 1 (the data no longer triggers a fallback?)", len(mixed))
	}
}

// chunkEncodings returns the row counts of the row groups of a Parquet file
// and the column chunks ("rowgroup/column") with more than one data-page
// encoding.
func chunkEncodings(t *testing.T, path string) (groups []int64, mixed []string) {
	t.Helper()
	r, err := file.OpenParquetFile(path, false)
	must(t, err)
	defer r.Close()
	md := r.MetaData()
	for g := range r.NumRowGroups() {
		rg := md.RowGroup(g)
		groups = append(groups, rg.NumRows())
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			must(t, err)
			n := 0
			for _, st := range cc.EncodingStats() {
				if st.PageType.String() == "DATA_PAGE" {
					n++
				}
			}
			if n > 1 {
				mixed = append(mixed, fmt.Sprintf("%d/%s", g, cc.PathInSchema()))
			}
		}
	}
	return groups, mixed
}
