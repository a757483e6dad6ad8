package sink

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// tableFile is what the Writer needs from a table whatever its row type.
type tableFile interface {
	finish() (OutputFile, error) // flush, write the footer, fsync, close
	discard()                    // release everything, close and remove the temp file
	paths() (tmp, final string)
	stats() (rowGroups, repaired int64)
	name() string
}

// table buffers rows of one type in a RecordBuilder and writes each full
// batch as one row group.
type table[R any] struct {
	def   *tableDef[R]
	opts  *Options
	rb    *array.RecordBuilder
	cells []cell
	order []int // column fill order: flag columns last
	st    rowState

	rows      int   // rows in the current batch
	total     int64 // rows written or buffered since Create
	rowGroups int64

	out      *HashedFile
	fw       *pqarrow.FileWriter
	tmp, dst string
	closed   bool

	// Row groups are encoded, compressed and written on a goroutine of the
	// table's own, so that Arrow's page encoding overlaps the filling of
	// the next batch; at most one finished batch waits. The file's bytes
	// are the same: batches are written in order by one goroutine.
	batches chan arrow.Record
	written chan struct{} // closed when the goroutine has written every batch
	mu      sync.Mutex
	werr    error // first error of the writing goroutine
}

func (t *table[R]) writeBatches() {
	defer close(t.written)
	for rec := range t.batches {
		var err error
		if t.writeErr() == nil {
			err = t.fw.Write(rec)
			if err == nil {
				err = t.out.Err()
			}
		}
		rec.Release()
		if err != nil {
			t.mu.Lock()
			if t.werr == nil {
				t.werr = err
			}
			t.mu.Unlock()
		}
	}
}

func (t *table[R]) writeErr() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.werr
}

// stopWriting waits until every batch handed over is written.
func (t *table[R]) stopWriting() {
	if t.batches != nil {
		close(t.batches)
		<-t.written
		t.batches = nil
	}
}

func newTable[R any](def *tableDef[R], opts *Options) (_ *table[R], err error) {
	t := &table[R]{
		def:  def,
		opts: opts,
		tmp:  filepath.Join(opts.Dir, "."+def.name+".parquet.tmp"),
		dst:  filepath.Join(opts.Dir, def.name+".parquet"),
	}
	t.st.maxValue = opts.maxValueBytes
	sc := def.arrowSchema()
	t.rb = array.NewRecordBuilder(opts.Allocator, sc)
	t.cells = make([]cell, len(def.cols))
	for i, c := range def.cols {
		t.cells[i] = cell{b: t.rb.Field(i), st: &t.st, col: def.name + "." + c.name}
		if !c.flags {
			t.order = append(t.order, i)
		}
	}
	for i, c := range def.cols {
		if c.flags {
			t.order = append(t.order, i)
		}
	}
	defer func() {
		if err != nil {
			t.discard()
		}
	}()

	if t.out, err = CreateHashedFile(t.tmp); err != nil {
		return nil, fmt.Errorf("sink: %w", err)
	}
	t.fw, err = pqarrow.NewFileWriter(sc, t.out, writerProperties(def, opts), pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(opts.Allocator)))
	if err != nil {
		return nil, fmt.Errorf("sink: %s: %w", def.name, err)
	}
	return t, nil
}

// dictPageLimit is the dictionary page size limit. pqarrow falls back from
// dictionary to PLAIN encoding once a column chunk's dictionary reaches the
// limit, and a chunk with two data encodings gets its footer encoding stats
// in Go map order, which differs from run to run (style-anchors 7b). The
// limit is therefore set above any dictionary a batch can build: a batch is
// cut at MaxRowGroupBytes (at most 1 GiB, enforced by Create) plus one row
// whose values are each below maxValueBytes, so no chunk ever falls back.
const dictPageLimit = 1<<31 - 1

// writerProperties spells out every setting that shapes the bytes, so a
// library upgrade with new defaults cannot silently change the output.
func writerProperties[R any](def *tableDef[R], opts *Options) *parquet.WriterProperties {
	props := []parquet.WriterProperty{
		parquet.WithAllocator(opts.Allocator),
		parquet.WithCreatedBy(CreatedBy),
		parquet.WithVersion(parquet.V2_6),
		parquet.WithDataPageVersion(parquet.DataPageV1),
		parquet.WithMaxRowGroupLength(int64(opts.RowGroupRows)),
		parquet.WithDataPageSize(1 << 20),
		parquet.WithBatchSize(1024),
		parquet.WithCompression(opts.codec),
		parquet.WithStats(true),
		parquet.WithMaxStatsSize(4096),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryPageSizeLimit(dictPageLimit),
	}
	for _, c := range def.cols {
		if c.dict {
			props = append(props, parquet.WithDictionaryFor(c.name, true))
		}
		if c.nostats {
			props = append(props, parquet.WithStatsFor(c.name, false))
		}
	}
	return parquet.NewWriterProperties(props...)
}

// add appends one row and writes the batch when it is full. Every column
// gets exactly one value, so the builders always stay aligned.
func (t *table[R]) add(r *R) error {
	if t.st.err != nil {
		return t.st.err
	}
	if t.closed {
		return errClosed
	}
	t.st.repaired = 0
	for _, i := range t.order {
		t.def.cols[i].put(&t.cells[i], r)
	}
	t.rows++
	t.total++
	if t.st.err != nil {
		return t.st.err
	}
	if t.rows >= t.opts.RowGroupRows || t.st.bytes >= t.opts.MaxRowGroupBytes {
		return t.flush()
	}
	return nil
}

// flush writes the buffered rows as one row group. Write (not
// WriteBuffered) starts a row group per call, and a batch never exceeds
// MaxRowGroupLength, so batch boundaries are row-group boundaries and depend
// on the rows alone.
func (t *table[R]) flush() error {
	if t.st.err != nil {
		return t.st.err
	}
	if t.rows == 0 {
		return nil
	}
	if t.batches == nil {
		t.batches = make(chan arrow.Record, 1)
		t.written = make(chan struct{})
		go t.writeBatches()
	}
	t.batches <- t.rb.NewRecord()
	t.rows = 0
	t.st.bytes = 0
	t.rowGroups++
	if err := t.writeErr(); err != nil && t.st.err == nil {
		t.st.err = fmt.Errorf("sink: writing %s: %w", t.def.name, err)
	}
	return t.st.err
}

func (t *table[R]) finish() (OutputFile, error) {
	err := t.flush()
	t.stopWriting()
	if err != nil {
		return OutputFile{}, err
	}
	if err := t.writeErr(); err != nil {
		if t.st.err == nil {
			t.st.err = fmt.Errorf("sink: writing %s: %w", t.def.name, err)
		}
		return OutputFile{}, t.st.err
	}
	t.closed = true
	err = t.fw.Close()
	if err == nil {
		err = t.out.Finish()
	}
	if err != nil {
		if t.st.err == nil {
			t.st.err = fmt.Errorf("sink: closing %s: %w", t.def.name, err)
		}
		return OutputFile{}, t.st.err
	}
	t.rb.Release()
	t.rb = nil
	return OutputFile{
		Name:   t.def.name + ".parquet",
		Rows:   t.total,
		Bytes:  t.out.Size(),
		SHA256: t.out.SHA256(),
	}, nil
}

// discard gives back all memory and removes the temp file. Closing the
// pqarrow writer is what frees its buffers; its footer goes nowhere.
func (t *table[R]) discard() {
	t.stopWriting()
	t.closed = true
	if t.out != nil {
		t.out.Abandon()
	}
	if t.fw != nil {
		t.fw.Close()
		t.fw = nil
	}
	if t.rb != nil {
		t.rb.Release()
		t.rb = nil
	}
	os.Remove(t.tmp)
}

func (t *table[R]) paths() (string, string) { return t.tmp, t.dst }
func (t *table[R]) stats() (int64, int64)   { return t.rowGroups, t.st.total }
func (t *table[R]) name() string            { return t.def.name }
