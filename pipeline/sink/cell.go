package sink

import (
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// maxValueBytes caps one string or binary value. Arrow offsets are int32, so
// a batch must stay well below 2 GiB; with batches flushed at MaxRowGroupBytes
// this cap keeps every column of a batch below that and every dictionary far
// below dictPageLimit. Upstream limits (body caps, decode caps) are much
// smaller, so hitting it means a bug, and it fails the writer.
const maxValueBytes = 256 << 20

// FlagUTF8Repaired is added to the flags column of http and payloads rows in
// which some string held invalid UTF-8 and was repaired.
const FlagUTF8Repaired = "utf8_repaired"

// rowState is shared by the cells of one table: per-row and per-batch
// accounting, and the first error.
type rowState struct {
	bytes    int64 // approximate bytes buffered in the current batch
	repaired int   // values repaired in the current row
	total    int64 // values repaired since Create
	maxValue int   // maxValueBytes, lowered by tests
	err      error
}

// cell appends one column's value of the current row.
type cell struct {
	b   array.Builder
	st  *rowState
	col string
}

// valid returns s as valid UTF-8 and accounts for its size. Invalid sequences
// become U+FFFD because DuckDB (and Arrow's own validation) reject invalid
// UTF-8 in string columns; raw bytes belong in BINARY columns.
func (c *cell) valid(s string) string {
	if len(s) > c.st.maxValue {
		c.tooBig()
		return ""
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		c.st.repaired++
		c.st.total++
	}
	c.st.bytes += int64(len(s)) + 4
	return s
}

func (c *cell) tooBig() {
	if c.st.err == nil {
		c.st.err = &ValueTooLargeError{Column: c.col, Limit: c.st.maxValue}
	}
}

func (c *cell) str(s string) { c.b.(*array.StringBuilder).Append(c.valid(s)) }

// optStr writes "" as null.
func (c *cell) optStr(s string) {
	if s == "" {
		c.b.AppendNull()
		return
	}
	c.str(s)
}

// strIf writes s (even "") when ok, and null otherwise.
func (c *cell) strIf(s string, ok bool) {
	if !ok {
		c.b.AppendNull()
		return
	}
	c.str(s)
}

func (c *cell) bin(b []byte) {
	if len(b) == 0 {
		c.b.AppendNull()
		return
	}
	if len(b) > c.st.maxValue {
		c.tooBig()
		c.b.AppendNull()
		return
	}
	c.st.bytes += int64(len(b)) + 4
	c.b.(*array.BinaryBuilder).Append(b) // copies
}

func (c *cell) i32(v int32) {
	c.st.bytes += 4
	c.b.(*array.Int32Builder).Append(v)
}

func (c *cell) optI32(v int32, ok bool) {
	if !ok {
		c.b.AppendNull()
		return
	}
	c.i32(v)
}

func (c *cell) i64(v int64) {
	c.st.bytes += 8
	c.b.(*array.Int64Builder).Append(v)
}

func (c *cell) optI64(v int64, ok bool) {
	if !ok {
		c.b.AppendNull()
		return
	}
	c.i64(v)
}

func (c *cell) optBool(v, ok bool) {
	if !ok {
		c.b.AppendNull()
		return
	}
	c.boolean(v)
}

func (c *cell) optF64(v float64, ok bool) {
	if !ok {
		c.b.AppendNull()
		return
	}
	c.st.bytes += 8
	c.b.(*array.Float64Builder).Append(v)
}

func (c *cell) boolean(v bool) {
	c.st.bytes++
	c.b.(*array.BooleanBuilder).Append(v)
}

// ts writes Unix nanoseconds as microseconds, rounding toward minus infinity
// so that a time never moves forward past the packet it came from.
func (c *cell) ts(ns int64) {
	c.st.bytes += 8
	c.b.(*array.TimestampBuilder).Append(arrow.Timestamp(floorDiv(ns, 1000)))
}

func (c *cell) optTS(ns int64, ok bool) {
	if !ok {
		c.b.AppendNull()
		return
	}
	c.ts(ns)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// strList writes a list<string>; nil and empty both give an empty list.
func (c *cell) strList(ss []string) {
	lb := c.b.(*array.ListBuilder)
	lb.Append(true)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for _, s := range ss {
		vb.Append(c.valid(s))
	}
	c.st.bytes += 4
}

// flagList is strList plus FlagUTF8Repaired when an earlier cell of the row
// was repaired; the table fills flag columns last so that it knows.
func (c *cell) flagList(ss []string) {
	c.strList(ss)
	if c.st.repaired > 0 {
		c.b.(*array.ListBuilder).ValueBuilder().(*array.StringBuilder).Append(FlagUTF8Repaired)
		c.st.bytes += int64(len(FlagUTF8Repaired)) + 4
	}
}

func (c *cell) headers(hs []Header) {
	lb := c.b.(*array.ListBuilder)
	lb.Append(true)
	sb := lb.ValueBuilder().(*array.StructBuilder)
	names := sb.FieldBuilder(0).(*array.StringBuilder)
	values := sb.FieldBuilder(1).(*array.StringBuilder)
	for _, h := range hs {
		sb.Append(true)
		names.Append(c.valid(h.Name))
		values.Append(c.valid(h.Value))
	}
	c.st.bytes += 4
}

func (c *cell) overlaps(os []Overlap) {
	lb := c.b.(*array.ListBuilder)
	lb.Append(true)
	sb := lb.ValueBuilder().(*array.StructBuilder)
	dir := sb.FieldBuilder(0).(*array.StringBuilder)
	off := sb.FieldBuilder(1).(*array.Int64Builder)
	n := sb.FieldBuilder(2).(*array.Int64Builder)
	hash := sb.FieldBuilder(3).(*array.StringBuilder)
	file := sb.FieldBuilder(4).(*array.StringBuilder)
	frame := sb.FieldBuilder(5).(*array.Int64Builder)
	for _, o := range os {
		sb.Append(true)
		dir.Append(c.valid(o.Dir))
		off.Append(o.Offset)
		n.Append(o.Len)
		hash.Append(c.valid(o.LostSHA256))
		file.Append(c.valid(o.File))
		frame.Append(o.Frame)
		c.st.bytes += int64(len(o.Dir)+len(o.LostSHA256)+len(o.File)) + 24
	}
	c.st.bytes += 4
}

func (c *cell) answers(as []DNSAnswer) {
	lb := c.b.(*array.ListBuilder)
	lb.Append(true)
	sb := lb.ValueBuilder().(*array.StructBuilder)
	name := sb.FieldBuilder(0).(*array.StringBuilder)
	typ := sb.FieldBuilder(1).(*array.StringBuilder)
	ttl := sb.FieldBuilder(2).(*array.Int64Builder)
	data := sb.FieldBuilder(3).(*array.StringBuilder)
	for _, a := range as {
		sb.Append(true)
		name.Append(c.valid(a.Name))
		typ.Append(c.valid(a.Type))
		ttl.Append(a.TTL)
		data.Append(c.valid(a.Data))
		c.st.bytes += 8
	}
	c.st.bytes += 4
}
