package sink

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"

	"telltale/pipeline/sink/sinktest"
)

// TestRowGroups checks that batches are cut by row count and by buffered
// bytes, and nothing else.
func TestRowGroups(t *testing.T) {
	long := strings.Repeat("v", 490)
	tests := []struct {
		name  string
		opts  Options
		rows  int
		value string
		want  []int64
	}{
		{"by rows", Options{RowGroupRows: 3}, 7, "x", []int64{3, 3, 1}},
		{"exact multiple", Options{RowGroupRows: 3}, 6, "x", []int64{3, 3}},
		{"one group", Options{}, 1000, "x", []int64{1000}},
		// A row is a bit over 500 bytes (490 + uid, path, type, ints), so
		// the second row of a batch crosses 1000 bytes and cuts it.
		{"by bytes", Options{MaxRowGroupBytes: 1000}, 5, long, []int64{2, 2, 1}},
		{"rows before bytes", Options{MaxRowGroupBytes: 1000, RowGroupRows: 1}, 3, long, []int64{1, 1, 1}},
		{"no rows", Options{}, 0, "x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, dir := newWriter(t, tt.opts)
			for range tt.rows {
				must(t, w.Field(&FieldRow{UID: "C1", Path: "p", Value: tt.value, JSONType: "string"}))
			}
			_, err := w.Close()
			must(t, err)
			groups, _ := chunkEncodings(t, filepath.Join(dir, "fields.parquet"))
			if !slices.Equal(groups, tt.want) {
				t.Errorf("row groups = %v, want %v", groups, tt.want)
			}
		})
	}
}

var tableFiles = []string{"dns.parquet", "event_clusters.parquet", "events.parquet", "fields.parquet", "flows.parquet", "http.parquet", "identifiers.parquet", "leaks.parquet", "links.parquet", "payloads.parquet", "tls.parquet"}

func TestTempNamesUntilClose(t *testing.T) {
	w, dir := newWriter(t, Options{})
	must(t, w.Flow(&FlowRow{UID: "C1"}))
	want := []string{".dns.parquet.tmp", ".event_clusters.parquet.tmp", ".events.parquet.tmp", ".fields.parquet.tmp", ".flows.parquet.tmp", ".http.parquet.tmp", ".identifiers.parquet.tmp", ".leaks.parquet.tmp", ".links.parquet.tmp", ".payloads.parquet.tmp", ".tls.parquet.tmp"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("before Close: %q, want %q", got, want)
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, tableFiles) {
		t.Fatalf("after Close: %q, want %q", got, tableFiles)
	}
	// Tables without rows are still valid, empty Parquet files.
	got := sinktest.Query(t, `SELECT (SELECT count(*) FROM read_parquet($1)), (SELECT count(*) FROM read_parquet($2))`,
		filepath.Join(dir, "flows.parquet"), filepath.Join(dir, "http.parquet"))
	if want := [][]string{{"1", "0"}}; !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("row counts (flows, http) = %q, want %q", got, want)
	}
	if _, err := w.Close(); !errors.Is(err, errClosed) {
		t.Errorf("second Close: %v, want %v", err, errClosed)
	}
	if err := w.Flow(&FlowRow{}); !errors.Is(err, errClosed) {
		t.Errorf("Flow after Close: %v, want %v", err, errClosed)
	}
	// A caller whose manifest fails aborts: the published tables go.
	w.Abort()
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("after Close+Abort: %q, want empty", got)
	}
}

func TestAbort(t *testing.T) {
	w, dir := newWriter(t, Options{RowGroupRows: 2})
	for range 5 {
		must(t, w.HTTP(&HTTPRow{UID: "C1", Flags: []string{"x"}, RequestHeaders: []Header{{"a", "b"}}}))
	}
	w.Abort()
	w.Abort()
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("after Abort: %q, want empty", got)
	}
	if _, err := w.Close(); err == nil {
		t.Error("Close after Abort succeeded")
	}
}

// TestCloseFailsAtomically blocks one final name with a directory so its
// rename fails after an earlier table was already renamed.
func TestCloseFailsAtomically(t *testing.T) {
	w, dir := newWriter(t, Options{})
	must(t, w.Flow(&FlowRow{UID: "C1"}))
	must(t, os.MkdirAll(filepath.Join(dir, "http.parquet", "blocker"), 0o755))
	if _, err := w.Close(); err == nil {
		t.Fatal("Close succeeded with http.parquet blocked")
	}
	if got, want := dirNames(t, dir), []string{"http.parquet"}; !slices.Equal(got, want) {
		t.Errorf("after failed Close: %q, want only the blocker %q", got, want)
	}
}

func TestValueTooLarge(t *testing.T) {
	w, dir := newWriter(t, Options{maxValueBytes: 8})
	must(t, w.Field(&FieldRow{UID: "C1", Value: "12345678"}))
	err := w.Field(&FieldRow{UID: "C1", Value: "123456789"})
	var tl *ValueTooLargeError
	if !errors.As(err, &tl) || tl.Column != "fields.value" || tl.Limit != 8 {
		t.Fatalf("Field with 9-byte value: %v, want ValueTooLargeError for fields.value", err)
	}
	if err2 := w.Field(&FieldRow{UID: "C1"}); err2 != err {
		t.Errorf("next Field: %v, want the first error again", err2)
	}
	if _, err := w.Close(); !errors.As(err, &tl) {
		t.Errorf("Close: %v, want the ValueTooLargeError", err)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("after failed Close: %q, want empty", got)
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, ManifestName), []byte("{}\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644))
	w, _ := newWriter(t, Options{Dir: dir})
	if _, err := os.Stat(filepath.Join(dir, ManifestName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old manifest still there after Create (stat: %v)", err)
	}
	w.Abort()
	if got, want := dirNames(t, dir), []string{"notes.txt"}; !slices.Equal(got, want) {
		t.Errorf("after Abort: %q, want %q", got, want)
	}

	// A temp name that cannot be opened fails Create after the earlier
	// tables were opened; their temp files go again.
	must(t, os.Mkdir(filepath.Join(dir, ".payloads.parquet.tmp"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, ".payloads.parquet.tmp", "x"), nil, 0o644))
	if w, err := Create(Options{Dir: dir}); err == nil {
		w.Abort()
		t.Error("Create succeeded with a blocked temp name")
	}
	if got, want := dirNames(t, dir), []string{".payloads.parquet.tmp", "notes.txt"}; !slices.Equal(got, want) {
		t.Errorf("after failed Create: %q, want %q", got, want)
	}

	for _, opts := range []Options{{Dir: dir, Compression: "gzip"}, {}, {Dir: dir, MaxRowGroupBytes: 2 << 30}} {
		if w, err := Create(opts); err == nil {
			w.Abort()
			t.Errorf("Create(%+v) succeeded", opts)
		}
	}
}

func TestFloorDiv(t *testing.T) {
	for _, tt := range []struct{ a, want int64 }{{0, 0}, {999, 0}, {1000, 1}, {1999, 1}, {-1, -1}, {-1000, -1}, {-1001, -2}} {
		if got := floorDiv(tt.a, 1000); got != tt.want {
			t.Errorf("floorDiv(%d, 1000) = %d, want %d", tt.a, got, tt.want)
		}
	}
}

// TestSchemaDocs checks that the docs and the Arrow schemas describe the
// same columns, and that every column is documented.
func TestSchemaDocs(t *testing.T) {
	schemas := map[string][]string{}
	for _, s := range []struct {
		name   string
		fields []string
	}{
		{flowsDef.name, fieldNames(flowsDef.arrowSchema().Fields())},
		{httpDef.name, fieldNames(httpDef.arrowSchema().Fields())},
		{payloadsDef.name, fieldNames(payloadsDef.arrowSchema().Fields())},
		{eventsDef.name, fieldNames(eventsDef.arrowSchema().Fields())},
		{fieldsDef.name, fieldNames(fieldsDef.arrowSchema().Fields())},
		{leaksDef.name, fieldNames(leaksDef.arrowSchema().Fields())},
		{identifiersDef.name, fieldNames(identifiersDef.arrowSchema().Fields())},
		{linksDef.name, fieldNames(linksDef.arrowSchema().Fields())},
		{eventClustersDef.name, fieldNames(eventClustersDef.arrowSchema().Fields())},
		{tlsDef.name, fieldNames(tlsDef.arrowSchema().Fields())},
		{dnsDef.name, fieldNames(dnsDef.arrowSchema().Fields())},
	} {
		schemas[s.name] = s.fields
	}
	var tables []string
	for _, td := range Schema() {
		tables = append(tables, td.Name)
		if td.Doc == "" {
			t.Errorf("table %s has no doc", td.Name)
		}
		var cols []string
		for _, c := range td.Columns {
			cols = append(cols, c.Name)
			if c.Doc == "" || c.Type == "" {
				t.Errorf("%s.%s: empty doc or type", td.Name, c.Name)
			}
		}
		if !slices.Equal(cols, schemas[td.Name]) {
			t.Errorf("%s: documented columns %q, Arrow fields %q", td.Name, cols, schemas[td.Name])
		}
		if s := slices.Clone(cols); len(slices.Compact(slices.Sorted(slices.Values(s)))) != len(cols) {
			t.Errorf("%s: duplicate column names in %q", td.Name, cols)
		}
	}
	if want := []string{"flows", "http", "payloads", "events", "fields", "leaks", "identifiers", "links", "event_clusters", "tls", "dns"}; !slices.Equal(tables, want) {
		t.Errorf("tables %q, want %q", tables, want)
	}
}

func fieldNames(fs []arrow.Field) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}
