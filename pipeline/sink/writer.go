// Package sink writes telltale's dataset: five Parquet tables (flows, http,
// payloads, events, fields) and a manifest.json that marks the run complete.
//
// It promises:
//
//   - Determinism. The same rows in the same order give byte-identical
//     files: row groups are cut by row count and buffered bytes only, every
//     writer setting that shapes the bytes is set explicitly, created_by is
//     the constant CreatedBy, and nothing reads a clock. Dictionary encoding
//     is on only for small closed sets (method, version, end_reason, roles,
//     location, sdk, event_type, json_type) with a page limit no batch can
//     reach, because a dictionary that falls back to PLAIN makes pqarrow
//     write footer statistics in Go map order.
//   - Bounded memory. Rows are copied into Arrow builders and written as a
//     row group once a table holds Options.RowGroupRows rows or about
//     Options.MaxRowGroupBytes bytes.
//   - Atomic output. Tables are written to hidden temp names (".flows.parquet.tmp")
//     and renamed only when every table closed cleanly; Create removes an
//     old manifest.json first, and the caller writes the new one last, so a
//     manifest always describes the tables beside it.
//   - Readable strings. String columns are UTF-8: invalid sequences are
//     replaced with U+FFFD (DuckDB rejects invalid UTF-8), counted, and
//     flagged with FlagUTF8Repaired in the flags column of http and payloads
//     rows. Raw request bodies go in a BINARY column untouched.
//
// Times are Unix nanoseconds in rows and TIMESTAMP(MICROS, UTC) in files.
// A Writer is not safe for concurrent use.
package sink

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/compress"
)

// CreatedBy is the created_by string of every file. It has no library
// version in it, so that files only change when telltale's output does.
const CreatedBy = "telltale"

// Defaults of Options.
const (
	DefaultRowGroupRows     = 64 * 1024
	DefaultMaxRowGroupBytes = 64 << 20
)

// Options configures a Writer. Zero values mean the documented defaults.
type Options struct {
	Dir              string           // dataset directory; created if missing
	Compression      string           // "zstd" (default) or "snappy"
	RowGroupRows     int              // rows per row group; default DefaultRowGroupRows
	MaxRowGroupBytes int64            // a row group is cut early once its buffered values reach this; default DefaultMaxRowGroupBytes, at most 1 GiB
	Allocator        memory.Allocator // nil means memory.DefaultAllocator

	codec         compress.Compression
	maxValueBytes int // 0 means maxValueBytes; tests lower it
}

// OutputFile describes one finished table file.
type OutputFile struct {
	Name   string `json:"name"` // file name within the dataset directory
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"` // lower-case hex
}

// Counter is one named figure of the sink.
type Counter struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// ValueTooLargeError reports a single value beyond what a row group can hold.
// Upstream caps make it unreachable; it fails the Writer.
type ValueTooLargeError struct {
	Column string // table.column
	Limit  int
}

func (e *ValueTooLargeError) Error() string {
	return fmt.Sprintf("sink: value of %s exceeds %d bytes", e.Column, e.Limit)
}

var errClosed = errors.New("sink: writer closed")

// Writer writes the five tables. Create it, add rows, then Close (or Abort).
type Writer struct {
	opts       Options
	flows      *table[FlowRow]
	http       *table[HTTPRow]
	payloads   *table[PayloadRow]
	events     *table[EventRow]
	fields     *table[FieldRow]
	leaks      *table[LeakRow]
	ids        *table[IdentifierRow]
	links      *table[LinkRow]
	evClusters *table[EventClusterRow]
	tls        *table[TLSRow]
	dns        *table[DNSRow]
	all        []tableFile
	done       bool     // Close or Abort was called
	published  []string // final names renamed into place by Close
}

// Create opens a Writer on opts.Dir, creating the directory if needed. It
// removes an existing manifest.json first, so that a run that fails later
// never leaves a manifest vouching for tables it did not write.
func Create(opts Options) (*Writer, error) {
	if opts.Dir == "" {
		return nil, errors.New("sink: no output directory")
	}
	switch opts.Compression {
	case "", "zstd":
		opts.Compression, opts.codec = "zstd", compress.Codecs.Zstd
	case "snappy":
		opts.codec = compress.Codecs.Snappy
	default:
		return nil, fmt.Errorf("sink: unknown compression %q (want zstd or snappy)", opts.Compression)
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.MaxRowGroupBytes <= 0 {
		opts.MaxRowGroupBytes = DefaultMaxRowGroupBytes
	}
	if opts.MaxRowGroupBytes > 1<<30 {
		return nil, fmt.Errorf("sink: MaxRowGroupBytes %d above 1 GiB", opts.MaxRowGroupBytes)
	}
	if opts.maxValueBytes <= 0 {
		opts.maxValueBytes = maxValueBytes
	}
	if opts.Allocator == nil {
		opts.Allocator = memory.DefaultAllocator
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("sink: %w", err)
	}
	if err := os.Remove(manifestPath(opts.Dir)); err == nil {
		if err := SyncDir(opts.Dir); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("sink: removing old manifest: %w", err)
	}

	w := &Writer{opts: opts}
	for _, open := range []func() error{
		func() (err error) { w.flows, err = openTable(w, &flowsDef); return err },
		func() (err error) { w.http, err = openTable(w, &httpDef); return err },
		func() (err error) { w.payloads, err = openTable(w, &payloadsDef); return err },
		func() (err error) { w.events, err = openTable(w, &eventsDef); return err },
		func() (err error) { w.fields, err = openTable(w, &fieldsDef); return err },
		func() (err error) { w.leaks, err = openTable(w, &leaksDef); return err },
		func() (err error) { w.ids, err = openTable(w, &identifiersDef); return err },
		func() (err error) { w.links, err = openTable(w, &linksDef); return err },
		func() (err error) { w.evClusters, err = openTable(w, &eventClustersDef); return err },
		func() (err error) { w.tls, err = openTable(w, &tlsDef); return err },
		func() (err error) { w.dns, err = openTable(w, &dnsDef); return err },
	} {
		if err := open(); err != nil {
			w.Abort()
			return nil, err
		}
	}
	return w, nil
}

func openTable[R any](w *Writer, def *tableDef[R]) (*table[R], error) {
	t, err := newTable(def, &w.opts)
	if err == nil {
		w.all = append(w.all, t)
	}
	return t, err
}

// Flow adds a row to the flows table. Like all the row methods it copies
// the row. Errors are sticky: once a table failed, every later call for it
// returns the same error, and so does Close.
func (w *Writer) Flow(r *FlowRow) error { return w.flows.add(r) }

// HTTP adds a row to the http table.
func (w *Writer) HTTP(r *HTTPRow) error { return w.http.add(r) }

// Payload adds a row to the payloads table.
func (w *Writer) Payload(r *PayloadRow) error { return w.payloads.add(r) }

// Event adds a row to the events table.
func (w *Writer) Event(r *EventRow) error { return w.events.add(r) }

// Field adds a row to the fields table.
func (w *Writer) Field(r *FieldRow) error { return w.fields.add(r) }

// Leak adds a row to the leaks table.
func (w *Writer) Leak(r *LeakRow) error { return w.leaks.add(r) }

// Identifier adds a row to the identifiers table.
func (w *Writer) Identifier(r *IdentifierRow) error { return w.ids.add(r) }

// Link adds a row to the links table.
func (w *Writer) Link(r *LinkRow) error { return w.links.add(r) }

// EventCluster adds a row to the event_clusters table.
func (w *Writer) EventCluster(r *EventClusterRow) error { return w.evClusters.add(r) }

// TLS adds a row to the tls table.
func (w *Writer) TLS(r *TLSRow) error { return w.tls.add(r) }

// DNS adds a row to the dns table.
func (w *Writer) DNS(r *DNSRow) error { return w.dns.add(r) }

// Close writes what is buffered, closes and fsyncs every file, renames them
// to their final names and fsyncs the directory. It returns one OutputFile
// per table, sorted by name. If anything fails, no table is left under its
// final name.
func (w *Writer) Close() ([]OutputFile, error) {
	if w.done {
		return nil, errClosed
	}
	w.done = true
	outs := make([]OutputFile, 0, len(w.all))
	for _, t := range w.all {
		o, err := t.finish()
		if err != nil {
			w.discardAll()
			return nil, err
		}
		outs = append(outs, o)
	}
	for _, t := range w.all {
		tmp, dst := t.paths()
		if err := os.Rename(tmp, dst); err != nil {
			w.unpublish()
			w.discardAll()
			return nil, fmt.Errorf("sink: %w", err)
		}
		w.published = append(w.published, dst)
	}
	if err := SyncDir(w.opts.Dir); err != nil {
		w.unpublish()
		return nil, err
	}
	sort.Slice(outs, func(i, j int) bool { return outs[i].Name < outs[j].Name })
	return outs, nil
}

// Abort gives up: it frees all buffers and removes the temp files. After a
// successful Close it removes the tables Close published, so a caller whose
// manifest could not be written leaves no dataset behind. It may be called
// more than once.
func (w *Writer) Abort() {
	w.done = true
	w.unpublish()
	w.discardAll()
}

func (w *Writer) discardAll() {
	for _, t := range w.all {
		t.discard()
	}
}

func (w *Writer) unpublish() {
	for _, p := range w.published {
		os.Remove(p)
	}
	if len(w.published) > 0 {
		SyncDir(w.opts.Dir)
	}
	w.published = nil
}

// Counters reports, per table, the row groups written and the string values
// whose invalid UTF-8 was repaired, sorted by name.
func (w *Writer) Counters() []Counter {
	out := make([]Counter, 0, 2*len(w.all))
	for _, t := range w.all {
		groups, repaired := t.stats()
		out = append(out,
			Counter{Name: "sink." + t.name() + ".row_groups", Value: groups},
			Counter{Name: "sink." + t.name() + ".utf8_repaired", Value: repaired},
		)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
