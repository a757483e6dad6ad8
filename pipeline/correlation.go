package pipeline

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"telltale/pipeline/correlate"
	"telltale/pipeline/extract"
	"telltale/pipeline/sink"
)

// correlate feeds one transaction's events to the identifier graph, in
// output order (it runs on the collector).
func (r *run) correlate(res *result) {
	fi := 0
	for pi := range res.payloads {
		p := &res.payloads[pi]
		for ei := range res.events {
			e := &res.events[ei]
			if e.PayloadIndex != p.PayloadIndex {
				continue
			}
			var ids []correlate.ID
			for ; fi < len(res.fields) && res.fields[fi].PayloadIndex == e.PayloadIndex && res.fields[fi].EventIndex == e.EventIndex; fi++ {
				ids = appendIdentifiers(ids, &res.fields[fi])
			}
			r.handles = r.graph.Event(r.handles[:0], e.UID, e.TS, e.Host, e.SDK, ids)
			r.spoolErr = cmpErr(r.spoolErr, r.spool.add(e, r.handles))
		}
		r.payloadN++
		r.graph.EndPayload(r.payloadN)
	}
}

// appendIdentifiers adds the identifier a field holds: its value when it has
// an id_kind other than url and search_query (content, not identity), or the
// parts of a packed string ("android_id=..##imei=..") tagged by their names.
func appendIdentifiers(ids []correlate.ID, f *sink.FieldRow) []correlate.ID {
	switch f.IDKind {
	case "", extract.KindURL, extract.KindSearchQuery:
		return ids
	case extract.KindPackedIDs:
		for seg := range strings.SplitSeq(f.Value, "##") {
			name, val, ok := strings.Cut(seg, "=")
			if !ok {
				continue
			}
			if k := extract.IDKind(strings.TrimSpace(name), strings.TrimSpace(val), "string"); k != "" && k != extract.KindURL && k != extract.KindSearchQuery {
				ids = append(ids, correlate.ID{Kind: k, Value: strings.TrimSpace(val)})
			}
		}
		return ids
	}
	return append(ids, correlate.ID{Kind: f.IDKind, Value: f.Value})
}

// writeCorrelation computes clusters and writes the identifiers, links and
// event_clusters tables, after every other row.
func (r *run) writeCorrelation() error {
	if r.spoolErr != nil {
		return r.spoolErr
	}
	res := r.graph.Finish()
	if err := r.spool.replay(func(row *sink.EventClusterRow, handles []int32) error {
		row.ClusterID = res.EventCluster(handles)
		r.rows.eventClusters++
		return r.out.EventCluster(row)
	}); err != nil {
		return err
	}
	for _, id := range res.Identifiers {
		r.rows.identifiers++
		if err := r.out.Identifier(&sink.IdentifierRow{
			Kind: id.Kind, Value: id.Value, FirstTS: id.FirstTS, LastTS: id.LastTS, Events: id.Events,
			Hosts: id.Hosts, SDKs: id.SDKs, ClusterID: id.ClusterID, ClusterSize: id.ClusterSize, Hub: id.Hub,
			LinkedIdentifiers: id.LinkedIdentifiers,
		}); err != nil {
			return err
		}
	}
	for _, l := range res.Links {
		r.rows.links++
		if err := r.out.Link(&sink.LinkRow{KindA: l.KindA, ValueA: l.ValueA, KindB: l.KindB, ValueB: l.ValueB,
			Level: l.Level, Events: l.Events, Payloads: l.Payloads, Conns: l.Conns}); err != nil {
			return err
		}
	}
	return nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// eventSpool keeps, for every event in output order, its key and its
// identifier handles until the clusters are known at the end of the run. It
// lives in a temporary file beside the dataset, so memory stays flat
// whatever the number of events.
type eventSpool struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
}

func newEventSpool(dir string) (*eventSpool, error) {
	f, err := os.CreateTemp(dir, ".event-clusters-*.spool")
	if err != nil {
		return nil, fmt.Errorf("pipeline: event spool: %w", err)
	}
	return &eventSpool{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

func (s *eventSpool) add(e *sink.EventRow, handles []int32) error {
	b := s.buf[:0]
	b = binary.AppendUvarint(b, uint64(len(e.UID)))
	b = append(b, e.UID...)
	b = binary.AppendVarint(b, int64(e.TransDepth))
	b = binary.AppendVarint(b, int64(e.PayloadIndex))
	b = binary.AppendVarint(b, int64(e.EventIndex))
	b = binary.AppendUvarint(b, uint64(len(handles)))
	for _, h := range handles {
		b = binary.AppendUvarint(b, uint64(h))
	}
	s.buf = b
	_, err := s.w.Write(b)
	return err
}

// replay reads the events back in order.
func (s *eventSpool) replay(fn func(*sink.EventClusterRow, []int32) error) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("pipeline: event spool: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("pipeline: event spool: %w", err)
	}
	br := bufio.NewReaderSize(s.f, 1<<16)
	var row sink.EventClusterRow
	var handles []int32
	for {
		n, err := binary.ReadUvarint(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		uid := make([]byte, n)
		if err == nil {
			_, err = io.ReadFull(br, uid)
		}
		var v [3]int64
		for i := range v {
			if err == nil {
				v[i], err = binary.ReadVarint(br)
			}
		}
		var k uint64
		if err == nil {
			k, err = binary.ReadUvarint(br)
		}
		handles = handles[:0]
		for ; err == nil && k > 0; k-- {
			var h uint64
			h, err = binary.ReadUvarint(br)
			handles = append(handles, int32(h))
		}
		if err != nil {
			return fmt.Errorf("pipeline: event spool: %w", err)
		}
		row = sink.EventClusterRow{UID: string(uid), TransDepth: int32(v[0]), PayloadIndex: int32(v[1]), EventIndex: int32(v[2])}
		if err := fn(&row, handles); err != nil {
			return err
		}
	}
}

// close removes the spool file.
func (s *eventSpool) close() {
	if s != nil {
		s.f.Close()
		os.Remove(s.f.Name())
	}
}
