package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"telltale/pipeline/sink"
)

// metaRules is the key-value metadata key that marks a published file.
const metaRules = "telltale.publish_rules"

// colPlan is what happens to one column of a table.
type colPlan struct {
	rule                   rule
	idKind, jsonType, path int // columns read by fieldRule
}

// isText reports whether values of t can hold text (strings, bytes, and
// anything nested, which may hold either).
func isText(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256,
		arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.DURATION:
		return false
	}
	return true
}

func isStringList(t arrow.DataType) bool {
	l, ok := t.(*arrow.ListType)
	return ok && l.Elem().ID() == arrow.STRING
}

func isHeaderList(t arrow.DataType) bool {
	l, ok := t.(*arrow.ListType)
	if !ok {
		return false
	}
	st, ok := l.Elem().(*arrow.StructType)
	return ok && st.NumFields() == 2 &&
		st.Field(0).Name == "name" && st.Field(0).Type.ID() == arrow.STRING &&
		st.Field(1).Name == "value" && st.Field(1).Type.ID() == arrow.STRING
}

// planTable matches a table's columns with rules and checks that each rule
// fits its column's type.
func planTable(table string, sc *arrow.Schema, rules map[string]map[string]rule) ([]colPlan, error) {
	tr, ok := rules[table]
	if !ok {
		return nil, fmt.Errorf("publish: no rules for table %q (rules version %d): update telltale", table, RulesVersion)
	}
	plan := make([]colPlan, sc.NumFields())
	for i, f := range sc.Fields() {
		r, ok := tr[f.Name]
		if !ok {
			if isText(f.Type) {
				return nil, fmt.Errorf("publish: no rule for column %s.%s (rules version %d): update telltale", table, f.Name, RulesVersion)
			}
			r = keep
		}
		var fits bool
		switch r {
		case keep:
			fits = true
		case drop:
			fits = f.Nullable
		case text:
			fits = f.Type.ID() == arrow.STRING || isStringList(f.Type)
		case headerRule:
			fits = isHeaderList(f.Type)
		default:
			fits = f.Type.ID() == arrow.STRING
		}
		if !fits {
			return nil, fmt.Errorf("publish: rule %s does not fit column %s.%s of type %s", r, table, f.Name, f.Type)
		}
		plan[i] = colPlan{rule: r, idKind: -1, jsonType: -1, path: -1}
		if r == fieldRule {
			for _, dep := range []struct {
				name string
				idx  *int
			}{{"id_kind", &plan[i].idKind}, {"json_type", &plan[i].jsonType}, {"path", &plan[i].path}} {
				idx := sc.FieldIndices(dep.name)
				if len(idx) != 1 || sc.Field(idx[0]).Type.ID() != arrow.STRING {
					return nil, fmt.Errorf("publish: column %s.%s needs a string column %s", table, f.Name, dep.name)
				}
				*dep.idx = idx[0]
			}
		}
	}
	return plan, nil
}

// Writer settings copied from pipeline/sink (writer.go, table.go), so that a
// published file is written exactly as telltale run writes its tables.
const (
	dataPageSize  = 1 << 20
	writeBatch    = 1024
	maxStatsSize  = 4096
	dictPageLimit = 1<<31 - 1
)

// writerProperties spells out every setting that shapes the bytes. The
// per-column settings (compression, dictionary, statistics) are read from
// the source file's column chunks, so they follow whatever the sink chose
// for each column.
func writerProperties(md *metadata.FileMetaData, maxRows int64, mem memory.Allocator) (*parquet.WriterProperties, error) {
	props := []parquet.WriterProperty{
		parquet.WithAllocator(mem),
		parquet.WithCreatedBy(sink.CreatedBy),
		parquet.WithVersion(parquet.V2_6),
		parquet.WithDataPageVersion(parquet.DataPageV1),
		parquet.WithMaxRowGroupLength(maxRows),
		parquet.WithDataPageSize(dataPageSize),
		parquet.WithBatchSize(writeBatch),
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithStats(true),
		parquet.WithMaxStatsSize(maxStatsSize),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryPageSizeLimit(dictPageLimit),
	}
	if len(md.RowGroups) == 0 {
		// No column chunk to write: the footer alone does not depend on them.
		return parquet.NewWriterProperties(props...), nil
	}
	for c := 0; c < md.Schema.NumColumns(); c++ {
		path := md.Schema.Column(c).ColumnPath().String()
		dict := false
		for g := 0; g < len(md.RowGroups); g++ {
			cc, err := md.RowGroup(g).ColumnChunk(c)
			if err != nil {
				return nil, fmt.Errorf("publish: %w", err)
			}
			dict = dict || cc.HasDictionaryPage()
		}
		cc, err := md.RowGroup(0).ColumnChunk(c)
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		stats, err := cc.StatsSet()
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		props = append(props,
			parquet.WithCompressionFor(path, cc.Compression()),
			parquet.WithDictionaryFor(path, dict),
			parquet.WithStatsFor(path, stats),
		)
	}
	return parquet.NewWriterProperties(props...), nil
}

// tableSource is an open source table.
type tableSource struct {
	rdr     *file.Reader
	fr      *pqarrow.FileReader
	schema  *arrow.Schema
	maxRows int64
}

func openSource(path string, mem memory.Allocator) (*tableSource, error) {
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("publish: %s: %w", path, err)
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		rdr.Close()
		return nil, fmt.Errorf("publish: %s: %w", path, err)
	}
	sc, err := fr.Schema()
	if err != nil {
		rdr.Close()
		return nil, fmt.Errorf("publish: %s: %w", path, err)
	}
	t := &tableSource{rdr: rdr, fr: fr, schema: sc, maxRows: 1}
	for g := 0; g < rdr.NumRowGroups(); g++ {
		t.maxRows = max(t.maxRows, rdr.MetaData().RowGroup(g).NumRows())
	}
	// One batch is one whole row group, so one row group in gives one
	// record out and one row group written.
	fr.Props.BatchSize = t.maxRows
	return t, nil
}

func (t *tableSource) Close() error { return t.rdr.Close() }

func (t *tableSource) numRowGroups() int { return t.rdr.NumRowGroups() }

// readRowGroup reads row group g, restricted to the leaf columns cols (nil
// for all), as one record.
func (t *tableSource) readRowGroup(ctx context.Context, g int, cols []int, mem memory.Allocator) (arrow.Record, error) {
	rr, err := t.fr.GetRecordReader(ctx, cols, []int{g})
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	defer rr.Release()
	var recs []arrow.Record
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for rr.Next() {
		r := rr.Record()
		r.Retain()
		recs = append(recs, r)
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("publish: reading row group %d: %w", g, err)
	}
	switch len(recs) {
	case 0:
		rb := array.NewRecordBuilder(mem, rr.Schema())
		defer rb.Release()
		return rb.NewRecord(), nil
	case 1:
		recs[0].Retain()
		return recs[0], nil
	}
	// More than one batch (not seen from the sink's files): glue them.
	sc := recs[0].Schema()
	cols2 := make([]arrow.Array, sc.NumFields())
	defer func() {
		for _, c := range cols2 {
			if c != nil {
				c.Release()
			}
		}
	}()
	var n int64
	for _, r := range recs {
		n += r.NumRows()
	}
	for i := range cols2 {
		parts := make([]arrow.Array, len(recs))
		for j, r := range recs {
			parts[j] = r.Column(i)
		}
		if cols2[i], err = array.Concatenate(parts, mem); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
	}
	return array.NewRecord(sc, cols2, n), nil
}

// leafIndex is the leaf column index of a top-level primitive column, or -1.
func (t *tableSource) leafIndex(name string) int {
	return t.rdr.MetaData().Schema.ColumnIndexByName(name)
}

// transform maps one record of the source table to its published form.
type transform func(rec arrow.Record, sc *arrow.Schema) (arrow.Record, error)

// copyTable writes the table at src to dst (a temp name), record by record,
// through tr. mark adds the metaRules key-value pair.
func copyTable(ctx context.Context, src, dst string, tr func(*arrow.Schema) (transform, error), mark bool, mem memory.Allocator) (_ sink.OutputFile, err error) {
	ts, err := openSource(src, mem)
	if err != nil {
		return sink.OutputFile{}, err
	}
	defer ts.Close()
	f, err := tr(ts.schema)
	if err != nil {
		return sink.OutputFile{}, err
	}
	// pqarrow leaves the file's key-value metadata out of the Arrow schema
	// it reads; the writer takes it from the schema, so it is put back.
	var keys, vals []string
	for _, kv := range ts.rdr.MetaData().KeyValueMetadata() {
		if kv.Key != "ARROW:schema" {
			keys, vals = append(keys, kv.Key), append(vals, kv.GetValue())
		}
	}
	if mark {
		keys, vals = append(keys, metaRules), append(vals, strconv.Itoa(RulesVersion))
	}
	md := arrow.NewMetadata(keys, vals)
	sc := arrow.NewSchema(ts.schema.Fields(), &md)
	props, err := writerProperties(ts.rdr.MetaData(), ts.maxRows, mem)
	if err != nil {
		return sink.OutputFile{}, err
	}
	out, err := sink.CreateHashedFile(dst)
	if err != nil {
		return sink.OutputFile{}, fmt.Errorf("publish: %w", err)
	}
	defer func() {
		if err != nil {
			out.Abandon()
			os.Remove(dst)
		}
	}()
	fw, err := pqarrow.NewFileWriter(sc, out, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		return sink.OutputFile{}, fmt.Errorf("publish: %s: %w", dst, err)
	}
	var rows int64
	for g := 0; g < ts.numRowGroups(); g++ {
		if err := ctx.Err(); err != nil {
			fw.Close()
			return sink.OutputFile{}, err
		}
		in, err := ts.readRowGroup(ctx, g, nil, mem)
		if err != nil {
			fw.Close()
			return sink.OutputFile{}, err
		}
		rec, err := f(in, sc)
		in.Release()
		if err != nil {
			fw.Close()
			return sink.OutputFile{}, err
		}
		rows += rec.NumRows()
		err = fw.Write(rec)
		rec.Release()
		if err == nil {
			err = out.Err()
		}
		if err != nil {
			fw.Close()
			return sink.OutputFile{}, fmt.Errorf("publish: writing %s: %w", dst, err)
		}
	}
	if err := fw.Close(); err != nil {
		return sink.OutputFile{}, fmt.Errorf("publish: closing %s: %w", dst, err)
	}
	if err := out.Finish(); err != nil {
		return sink.OutputFile{}, fmt.Errorf("publish: closing %s: %w", dst, err)
	}
	return sink.OutputFile{Name: filepath.Base(dst), Rows: rows, Bytes: out.Size(), SHA256: out.SHA256()}, nil
}

// apply builds the published record from a source record by the plan.
func (s *scrubber) apply(plan []colPlan, rec arrow.Record, sc *arrow.Schema, mem memory.Allocator) (arrow.Record, error) {
	n := int(rec.NumRows())
	cols := make([]arrow.Array, len(plan))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, p := range plan {
		in := rec.Column(i)
		switch p.rule {
		case keep:
			in.Retain()
			cols[i] = in
		case drop:
			cols[i] = array.MakeArrayOfNull(mem, in.DataType(), n)
		case headerRule:
			cols[i] = s.headerList(in.(*array.List), mem)
		case text:
			if l, ok := in.(*array.List); ok {
				cols[i] = mapStringList(l, s.text, mem)
			} else {
				cols[i] = mapStrings(in.(*array.String), s.text, mem)
			}
		case pseud:
			cols[i] = mapStrings(in.(*array.String), s.pseud, mem)
		case server:
			cols[i] = mapStrings(in.(*array.String), s.server, mem)
		case pathRule:
			cols[i] = mapStrings(in.(*array.String), s.path, mem)
		case queryRule:
			cols[i] = mapStrings(in.(*array.String), s.query, mem)
		case uriRule:
			cols[i] = mapStrings(in.(*array.String), s.uri, mem)
		case fieldRule:
			cols[i] = s.fieldValues(in.(*array.String), rec.Column(p.idKind).(*array.String),
				rec.Column(p.jsonType).(*array.String), rec.Column(p.path).(*array.String), mem)
		default:
			return nil, fmt.Errorf("publish: unknown rule %d", p.rule)
		}
	}
	return array.NewRecord(sc, cols, int64(n)), nil
}

func mapStrings(in *array.String, f func(string) string, mem memory.Allocator) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(in.Len())
	for j := 0; j < in.Len(); j++ {
		if in.IsNull(j) {
			b.AppendNull()
			continue
		}
		b.Append(f(in.Value(j)))
	}
	return b.NewArray()
}

func mapStringList(in *array.List, f func(string) string, mem memory.Allocator) arrow.Array {
	lb := array.NewBuilder(mem, in.DataType()).(*array.ListBuilder)
	defer lb.Release()
	vb := lb.ValueBuilder().(*array.StringBuilder)
	vals := in.ListValues().(*array.String)
	for j := 0; j < in.Len(); j++ {
		if in.IsNull(j) {
			lb.AppendNull()
			continue
		}
		lb.Append(true)
		start, end := in.ValueOffsets(j)
		for k := int(start); k < int(end); k++ {
			if vals.IsNull(k) {
				vb.AppendNull()
			} else {
				vb.Append(f(vals.Value(k)))
			}
		}
	}
	return lb.NewArray()
}

func (s *scrubber) headerList(in *array.List, mem memory.Allocator) arrow.Array {
	lb := array.NewBuilder(mem, in.DataType()).(*array.ListBuilder)
	defer lb.Release()
	sb := lb.ValueBuilder().(*array.StructBuilder)
	nb := sb.FieldBuilder(0).(*array.StringBuilder)
	vb := sb.FieldBuilder(1).(*array.StringBuilder)
	st := in.ListValues().(*array.Struct)
	names := st.Field(0).(*array.String)
	vals := st.Field(1).(*array.String)
	for j := 0; j < in.Len(); j++ {
		if in.IsNull(j) {
			lb.AppendNull()
			continue
		}
		lb.Append(true)
		start, end := in.ValueOffsets(j)
		for k := int(start); k < int(end); k++ {
			if st.IsNull(k) {
				sb.AppendNull()
				continue
			}
			sb.Append(true)
			name := ""
			if names.IsNull(k) {
				nb.AppendNull()
			} else {
				name = names.Value(k)
				nb.Append(s.text(name))
			}
			if vals.IsNull(k) {
				vb.AppendNull()
			} else {
				vb.Append(s.header(strings.ToLower(name), vals.Value(k)))
			}
		}
	}
	return lb.NewArray()
}

func (s *scrubber) fieldValues(in, idKind, jsonType, path *array.String, mem memory.Allocator) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(in.Len())
	for j := 0; j < in.Len(); j++ {
		if in.IsNull(j) {
			b.AppendNull()
			continue
		}
		b.Append(s.fieldValue(in.Value(j), !idKind.IsNull(j), jsonType.Value(j), path.Value(j)))
	}
	return b.NewArray()
}
