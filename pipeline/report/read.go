package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// batchRows is the number of rows decoded at a time: what bounds the
// memory a scan needs, whatever the size of the table.
const batchRows = 4096

// errNoTable marks a table file that is absent from the dataset.
var errNoTable = errors.New("table not in the dataset")

// tablePath is the file of a table in the dataset directory.
func tablePath(dir, table string) string { return filepath.Join(dir, table+".parquet") }

// numRows returns the row count of a table from its footer alone.
func numRows(dir, table string) (int64, error) {
	path := tablePath(dir, table)
	r, err := openParquet(path)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return r.NumRows(), nil
}

func openParquet(path string) (*file.Reader, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("report: %s: %w", path, errNoTable)
	}
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	return r, nil
}

// Getters of one batch's column; ok is false for null.
type (
	getStr = func(i int) (string, bool)
	getInt = func(i int) (int64, bool)
)

// column names a top-level column of a scan and binds its getter to each
// batch, so that a reader states each column once: its name, its type and
// the variable its getter lives in.
type column struct {
	name string
	bind func(b *batch) error
}

// colStr binds a string column (see batch.strCol) to *dst.
func colStr(name string, dst *getStr) column {
	return column{name, func(b *batch) (err error) { *dst, err = b.strCol(name); return err }}
}

// colInt binds an integer column (see batch.intCol) to *dst.
func colInt(name string, dst *getInt) column {
	return column{name, func(b *batch) (err error) { *dst, err = b.intCol(name); return err }}
}

// colTS binds a timestamp column in Unix nanoseconds (see batch.tsCol).
func colTS(name string, dst *getInt) column {
	return column{name, func(b *batch) (err error) { *dst, err = b.tsCol(name); return err }}
}

// colBool binds a boolean column (see batch.boolCol) to *dst.
func colBool(name string, dst *func(i int) (bool, bool)) column {
	return column{name, func(b *batch) (err error) { *dst, err = b.boolCol(name); return err }}
}

// colStrList binds a list<string> column (see batch.listStrCol) to *dst.
func colStrList(name string, dst *func(i int) []string) column {
	return column{name, func(b *batch) (err error) { *dst, err = b.listStrCol(name); return err }}
}

// scan streams the given top-level columns of a table, one batch at a time,
// to fn; before each call it binds every column's getter to the batch, in
// order, failing on the first one of the wrong type. Only the requested
// columns are decoded.
func scan(ctx context.Context, dir, table string, columns []column, fn func(b *batch) error) error {
	cols := make([]string, len(columns))
	for i, c := range columns {
		cols[i] = c.name
	}
	path := tablePath(dir, table)
	pr, err := openParquet(path)
	if err != nil {
		return err
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: batchRows}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	// GetRecordReader wants leaf column indices; a list column has its
	// leaf below the top-level name.
	want := make(map[string]bool, len(cols))
	for _, c := range cols {
		want[c] = true
	}
	sc := pr.MetaData().Schema
	var leaves []int
	found := map[string]bool{}
	for i := 0; i < sc.NumColumns(); i++ {
		top := sc.Column(i).ColumnPath()[0]
		if want[top] {
			leaves = append(leaves, i)
			found[top] = true
		}
	}
	for _, c := range cols {
		if !found[c] {
			return fmt.Errorf("report: %s: no column %q", path, c)
		}
	}
	rr, err := fr.GetRecordReader(ctx, leaves, nil)
	if err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	defer rr.Release()
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := &batch{path: path, rec: rr.Record()}
		for _, c := range columns {
			if err := c.bind(b); err != nil {
				return err
			}
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	// This version of pqarrow reports the end of the rows as io.EOF.
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	return nil
}

// batch is one record batch of a scan with typed column accessors. The
// accessors fail, naming the file, when a column has an unexpected type.
type batch struct {
	path string
	rec  arrow.Record
}

func (b *batch) rows() int { return int(b.rec.NumRows()) }

func (b *batch) col(name string) (arrow.Array, error) {
	idx := b.rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("report: %s: no column %q", b.path, name)
	}
	return b.rec.Column(idx[0]), nil
}

func (b *batch) typeErr(name string, a arrow.Array) error {
	return fmt.Errorf("report: %s: column %q has type %s", b.path, name, a.DataType())
}

// strCol returns a getter of a string column; ok is false for null. The
// string aliases the batch: clone it to keep it.
func (b *batch) strCol(name string) (func(i int) (string, bool), error) {
	a, err := b.col(name)
	if err != nil {
		return nil, err
	}
	s, ok := a.(*array.String)
	if !ok {
		return nil, b.typeErr(name, a)
	}
	return func(i int) (string, bool) {
		if s.IsNull(i) {
			return "", false
		}
		return s.Value(i), true
	}, nil
}

// intCol returns a getter of an integer or timestamp column (timestamps in
// their stored unit); ok is false for null.
func (b *batch) intCol(name string) (func(i int) (int64, bool), error) {
	a, err := b.col(name)
	if err != nil {
		return nil, err
	}
	switch c := a.(type) {
	case *array.Int64:
		return func(i int) (int64, bool) { return c.Value(i), c.IsValid(i) }, nil
	case *array.Int32:
		return func(i int) (int64, bool) { return int64(c.Value(i)), c.IsValid(i) }, nil
	case *array.Timestamp:
		return func(i int) (int64, bool) { return int64(c.Value(i)), c.IsValid(i) }, nil
	}
	return nil, b.typeErr(name, a)
}

// tsCol returns a getter of a timestamp column in Unix nanoseconds.
func (b *batch) tsCol(name string) (func(i int) (int64, bool), error) {
	a, err := b.col(name)
	if err != nil {
		return nil, err
	}
	c, ok := a.(*array.Timestamp)
	if !ok {
		return nil, b.typeErr(name, a)
	}
	mul := int64(1)
	switch c.DataType().(*arrow.TimestampType).Unit {
	case arrow.Second:
		mul = 1e9
	case arrow.Millisecond:
		mul = 1e6
	case arrow.Microsecond:
		mul = 1e3
	}
	return func(i int) (int64, bool) { return int64(c.Value(i)) * mul, c.IsValid(i) }, nil
}

func (b *batch) boolCol(name string) (func(i int) (bool, bool), error) {
	a, err := b.col(name)
	if err != nil {
		return nil, err
	}
	c, ok := a.(*array.Boolean)
	if !ok {
		return nil, b.typeErr(name, a)
	}
	return func(i int) (bool, bool) { return c.Value(i), c.IsValid(i) }, nil
}

// listStrCol returns a getter of a list<string> column; the strings alias
// the batch.
func (b *batch) listStrCol(name string) (func(i int) []string, error) {
	a, err := b.col(name)
	if err != nil {
		return nil, err
	}
	l, ok := a.(*array.List)
	if !ok {
		return nil, b.typeErr(name, a)
	}
	vals, ok := l.ListValues().(*array.String)
	if !ok {
		return nil, b.typeErr(name, a)
	}
	return func(i int) []string {
		if l.IsNull(i) {
			return nil
		}
		beg, end := l.ValueOffsets(i)
		out := make([]string, 0, end-beg)
		for j := beg; j < end; j++ {
			out = append(out, vals.Value(int(j)))
		}
		return out
	}, nil
}
