package pipeline

import (
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
			r.graph.Event(e.UID, e.TS, e.Host, e.SDK, ids)
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

// writeCorrelation computes clusters and writes the identifiers and links
// tables, after every other row.
func (r *run) writeCorrelation() error {
	res := r.graph.Finish()
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
