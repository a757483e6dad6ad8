package pipeline

import (
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"net/netip"
	"sort"
	"strings"

	"telltale/pipeline/capture"
	"telltale/pipeline/correlate"
	"telltale/pipeline/extract"
	"telltale/pipeline/h1"
	"telltale/pipeline/leak"
	"telltale/pipeline/packet"
	"telltale/pipeline/sink"
	"telltale/reassembly"
)

// run holds the state of one pipeline run. Everything but the extraction
// workers lives on the goroutine that calls loop.
type run struct {
	cfg     Config
	set     *capture.Set
	out     *sink.Writer
	decoder *packet.Decoder
	asm     *reassembly.Assembler
	h1cfg   h1.Config
	h1stats h1.Stats
	work    *ordered[item, result]
	ext     *extract.Extractor // immutable, shared by the workers
	known   *leak.Matcher      // nil without known values; immutable

	frames      int64
	tcpSegments int64
	skipped     map[packet.SkipReason]int64
	notCaptures []string

	// Written by the collector only, read after work.close.
	rows     rowCounts
	extStats extract.Stats
	repeats  repeatSet
	graph    *correlate.Graph
	payloadN int64
	connN    int64
	spool    *eventSpool
	spoolErr error
	handles  []int32
}

type rowCounts struct {
	flows, http, payloads, events, fields, leaks, repeats, identifiers, links, eventClusters int64
}

func newRun(cfg Config, set *capture.Set, out *sink.Writer) *run {
	r := &run{
		cfg:     cfg,
		set:     set,
		out:     out,
		decoder: packet.NewDecoder(),
		skipped: make(map[packet.SkipReason]int64),
		graph:   correlate.New(),
		h1cfg:   h1.Config{MaxBodyBytes: cfg.MaxBodyBytes},
	}
	r.asm = reassembly.New(reassembly.Config{IdleTimeout: cfg.IdleTimeout}, r)
	workers := cfg.Workers
	r.work = newOrdered(workers, 4*max(workers, 1), r.process, r.write)
	return r
}

// conn is one TCP connection as the pipeline sees it. Its identity fields are
// fixed when it starts and only read afterwards, also by workers.
type conn struct {
	r           *run
	info        reassembly.ConnInfo
	uid         string
	communityID string
	parser      *h1.Conn
	txs         int64
}

// NewStream implements reassembly.StreamFactory.
func (r *run) NewStream(info *reassembly.ConnInfo) reassembly.Stream {
	c := &conn{r: r, info: *info}
	c.communityID = packet.CommunityID(r.cfg.CommunityIDSeed, info.Client, info.Server, 6)
	c.uid = flowUID(c.communityID, info.FirstTime)
	c.parser = h1.NewConn(r.h1cfg, c.emit, &r.h1stats)
	return c
}

func (c *conn) Data(dir reassembly.Dir, b []byte, at reassembly.Position) { c.parser.Data(dir, b, at) }
func (c *conn) Gap(dir reassembly.Dir, n int64, at reassembly.Position)   { c.parser.Gap(dir, n, at) }

// Overlap implements reassembly.OverlapObserver, so the HTTP message that
// holds differing overlapping bytes is flagged.
func (c *conn) Overlap(o reassembly.Overlap) { c.parser.Overlap(o) }

func (c *conn) End(s *reassembly.ConnSummary) {
	c.parser.End(s)
	row := c.flowRow(s)
	// Without a handshake the roles came from ports; who sent the HTTP
	// requests is better evidence of who the client is.
	if s.Roles == reassembly.RoleFromPorts {
		if d, ok := c.parser.RequestDir(); ok {
			row.Roles = "http"
			if d == reassembly.ServerToClient {
				swapFlowSides(row)
			}
		}
	}
	c.r.submit(item{flow: row})
}

// swapFlowSides exchanges the originator and responder columns of a row.
func swapFlowSides(r *sink.FlowRow) {
	r.OrigH, r.RespH = r.RespH, r.OrigH
	r.OrigP, r.RespP = r.RespP, r.OrigP
	r.OrigPkts, r.RespPkts = r.RespPkts, r.OrigPkts
	r.OrigBytes, r.RespBytes = r.RespBytes, r.OrigBytes
	r.OrigMissedBytes, r.RespMissedBytes = r.RespMissedBytes, r.OrigMissedBytes
	r.OrigDupBytes, r.RespDupBytes = r.RespDupBytes, r.OrigDupBytes
	r.OrigSeenBytes, r.RespSeenBytes = r.RespSeenBytes, r.OrigSeenBytes
	r.OrigTruncatedBytes, r.RespTruncatedBytes = r.RespTruncatedBytes, r.OrigTruncatedBytes
	r.OrigOutOfOrder, r.RespOutOfOrder = r.RespOutOfOrder, r.OrigOutOfOrder
	r.OrigRetransmits, r.RespRetransmits = r.RespRetransmits, r.OrigRetransmits
	r.OrigOverlapDiff, r.RespOverlapDiff = r.RespOverlapDiff, r.OrigOverlapDiff
	for i := range r.Overlaps {
		if r.Overlaps[i].Dir == "orig" {
			r.Overlaps[i].Dir = "resp"
		} else {
			r.Overlaps[i].Dir = "orig"
		}
	}
	r.History = swapCase(r.History)
}

// swapCase turns a history's client letters into server letters and back.
func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

func (c *conn) emit(tx *h1.Transaction) {
	c.txs++
	c.r.submit(item{conn: c, tx: tx})
}

func (r *run) submit(it item) {
	// An error here comes from the sink; loop sees it through work.failed
	// and stops reading.
	_ = r.work.submit(it)
}

// flowUID derives a connection's uid from its Community ID and the capture
// time of its first segment: stable across runs, worker counts and machines,
// and distinct for a 4-tuple reused later in the capture.
func flowUID(communityID string, firstTime int64) string {
	h := sha1.New()
	h.Write([]byte(communityID))
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(firstTime))
	h.Write(ts[:])
	sum := h.Sum(nil)
	return "C" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10]))
}

// item is one unit of ordered output: a finished flow, or a transaction whose
// rows (and telemetry) are still to be derived.
type item struct {
	flow *sink.FlowRow
	conn *conn
	tx   *h1.Transaction
}

// result is what one item becomes.
type result struct {
	flow     *sink.FlowRow
	http     *sink.HTTPRow
	payloads []sink.PayloadRow
	events   []sink.EventRow
	fields   []sink.FieldRow
	leaks    []sink.LeakRow
	stats    extract.Stats
}

// process turns an item into rows. It runs on the workers: it may only read
// the item and the run's immutable configuration.
func (r *run) process(it item) result {
	if it.flow != nil {
		return result{flow: it.flow}
	}
	var res result
	res.http = httpRow(it.conn, it.tx)
	if req := it.tx.Request; req != nil {
		er := extractRequest(req, res.http.Host)
		payloads := r.ext.Extract(er, extractResponse(it.tx.Response), &res.stats)
		telemetryRows(&res, payloads)
		if r.known != nil {
			leakRows(r.known, &res, it.tx, payloads)
		}
	}
	return res
}

// write hands one result to the sink; it runs on the collector, in item order.
func (r *run) write(res result) error {
	if res.flow != nil {
		r.rows.flows++
		r.connN++
		r.graph.EndConnection(res.flow.UID, r.connN)
		return r.out.Flow(res.flow)
	}
	r.correlate(&res)
	r.extStats.Add(&res.stats)
	r.rows.http++
	if err := r.out.HTTP(res.http); err != nil {
		return err
	}
	for i := range res.payloads {
		r.rows.payloads++
		if err := r.out.Payload(&res.payloads[i]); err != nil {
			return err
		}
	}
	for i := range res.events {
		r.rows.events++
		if ev := &res.events[i]; ev.TrackID != "" && r.repeats.seen(ev) {
			ev.Repeat = true
			r.rows.repeats++
		}
		if err := r.out.Event(&res.events[i]); err != nil {
			return err
		}
	}
	for i := range res.fields {
		r.rows.fields++
		if err := r.out.Field(&res.fields[i]); err != nil {
			return err
		}
	}
	for i := range res.leaks {
		r.rows.leaks++
		if err := r.out.Leak(&res.leaks[i]); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) fileName(i int32) string {
	files := r.set.Files()
	if i < 0 || int(i) >= len(files) {
		return ""
	}
	return files[i].Name
}

func (c *conn) flowRow(s *reassembly.ConnSummary) *sink.FlowRow {
	cs, sc := s.Dir[reassembly.ClientToServer], s.Dir[reassembly.ServerToClient]
	return &sink.FlowRow{
		UID:                c.uid,
		CommunityID:        c.communityID,
		TS:                 s.FirstTime,
		TSEnd:              s.LastTime,
		OrigH:              addrString(s.Client.Addr()),
		OrigP:              s.Client.Port(),
		RespH:              addrString(s.Server.Addr()),
		RespP:              s.Server.Port(),
		App:                s.App,
		AppUID:             s.AppUID,
		OrigPkts:           cs.Packets,
		RespPkts:           sc.Packets,
		OrigBytes:          cs.DeliveredBytes,
		RespBytes:          sc.DeliveredBytes,
		OrigMissedBytes:    cs.MissedBytes,
		RespMissedBytes:    sc.MissedBytes,
		MissedBytes:        cs.MissedBytes + sc.MissedBytes,
		OrigDupBytes:       cs.DupBytes,
		RespDupBytes:       sc.DupBytes,
		OrigSeenBytes:      cs.PayloadBytes,
		RespSeenBytes:      sc.PayloadBytes,
		OrigTruncatedBytes: cs.TruncatedBytes,
		RespTruncatedBytes: sc.TruncatedBytes,
		OrigOutOfOrder:     cs.OutOfOrder,
		RespOutOfOrder:     sc.OutOfOrder,
		OrigRetransmits:    cs.Retransmits,
		RespRetransmits:    sc.Retransmits,
		OrigOverlapDiff:    cs.OverlapDiff,
		RespOverlapDiff:    sc.OverlapDiff,
		Overlaps:           c.overlapRows(s.Overlaps),
		End:                s.End.String(),
		Midstream:          s.Midstream,
		Handshake:          s.Handshake,
		History:            s.History,
		Roles:              s.Roles.String(),
		Encap:              s.Encap,
		HTTPTransactions:   c.txs,
		FirstFile:          c.r.fileName(s.FirstRef.File),
		FirstFrame:         int64(s.FirstRef.Frame),
		LastFile:           c.r.fileName(s.LastRef.File),
		LastFrame:          int64(s.LastRef.Frame),
	}
}

func (c *conn) overlapRows(os []reassembly.Overlap) []sink.Overlap {
	out := make([]sink.Overlap, 0, len(os))
	for _, o := range os {
		dir := "orig"
		if o.Dir == reassembly.ServerToClient {
			dir = "resp"
		}
		out = append(out, sink.Overlap{
			Dir: dir, Offset: o.Offset, Len: int64(o.Len), LostSHA256: o.LostSHA256,
			File: c.r.fileName(o.Ref.File), Frame: int64(o.Ref.Frame),
		})
	}
	return out
}

func addrString(a netip.Addr) string { return a.Unmap().String() }

// sortedSkips lists skip reasons in a fixed order for the manifest.
func sortedSkips(m map[packet.SkipReason]int64) []Counter {
	out := make([]Counter, 0, len(m))
	for k, v := range m {
		out = append(out, Counter{Name: "packets.skipped." + k.String(), Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
