package pipeline

import (
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"sort"
	"strings"
	"sync/atomic"

	"telltale/pipeline/capture"
	"telltale/pipeline/correlate"
	"telltale/pipeline/dns"
	"telltale/pipeline/extract"
	"telltale/pipeline/geo"
	"telltale/pipeline/h1"
	"telltale/pipeline/h2"
	"telltale/pipeline/leak"
	"telltale/pipeline/packet"
	"telltale/pipeline/sink"
	"telltale/pipeline/tlshello"
	"telltale/pipeline/tlsrec"
	"telltale/reassembly"
)

// run holds the state of one pipeline run. Everything but the extraction
// workers lives on the goroutine that calls loop.
type run struct {
	cfg         Config
	set         *capture.Set
	out         *sink.Writer
	decoder     *packet.Decoder
	asm         *reassembly.Assembler
	h1cfg       h1.Config
	h1stats     h1.Stats
	h2cfg       h2.Config
	h2stats     h2.Stats
	h2cUpgrades int64 // HTTP/1.1 upgrade transactions completed by HTTP/2 stream 1
	tlsStats    tlsrec.Stats
	keys        *tlsrec.KeyLog // the key logs given and the capture's Decryption Secrets Blocks
	secrets     int64          // Decryption Secrets Blocks read
	dnsParse    dns.Parser
	dnsStats    dns.Stats
	resolver    *dns.Resolver
	geo         *geo.DB // nil without --geoip and --asn
	work        *ordered[item, result]
	ext         *extract.Extractor // immutable, shared by the workers
	known       *leak.Matcher      // nil without known values; immutable

	frames        int64
	interrupted   bool // the context was cancelled while reading
	txEmitted     int64
	eventsWritten atomic.Int64 // written by the collector, read for progress
	tcpSegments   int64
	dnsDatagrams  int64
	skipped       map[packet.SkipReason]int64
	notCaptures   []string

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
	flows, http, payloads, events, fields, leaks, repeats, identifiers, links, eventClusters, tls, dns int64
}

func newRun(cfg Config, set *capture.Set, out *sink.Writer) *run {
	r := &run{
		cfg:     cfg,
		set:     set,
		out:     out,
		decoder: packet.NewDecoder(),
		skipped: make(map[packet.SkipReason]int64),
		graph:   correlate.New(),
		h1cfg:   h1.Config{MaxBodyBytes: cfg.MaxBodyBytes, MaxHeaderBytes: cfg.Limits.MaxHeaderBytes, MaxHeaders: cfg.Limits.MaxHeaders, MaxDecodedBytes: cfg.Limits.MaxDecodedBytes},
		// HTTP/2 keeps a body per open stream: fewer streams and a smaller
		// encoded-body cap than HTTP/1's one-message-at-a-time 8 MiB bound
		// a connection's memory (256 x 2 MiB at worst).
		h2cfg: h2.Config{MaxBodyBytes: cfg.MaxBodyBytes, MaxEncodedBytes: max(2<<20, cfg.MaxBodyBytes), MaxStreams: 256,
			MaxHeaderListBytes: cfg.Limits.MaxHeaderBytes, MaxDecodedBytes: cfg.Limits.MaxDecodedBytes},
		keys: tlsrec.NewKeyLog(),
		// Enough names for a day of a household's lookups; the oldest go
		// first, so a long capture keeps the recent ones.
		resolver: dns.NewResolver(1 << 16),
	}
	r.dnsParse.Stats = &r.dnsStats
	r.asm = reassembly.New(cfg.Limits.reassembly(cfg), r)
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
	route       route
	app         appConn           // HTTP, over the stream itself or decrypted from TLS
	tls         *tlsrec.Conn      // route tlsRoute
	dns         *dns.StreamParser // route dnsRoute
	txs         int64
	host        string // Host (or :authority) of the first request
	dnsName     string // the name DNS resolved the server's address to just before the connection
}

// route is what a connection's bytes go to, decided by its first bytes.
type route uint8

const (
	undecided  route = iota
	plainRoute       // HTTP (or anything else) in clear
	tlsRoute         // TLS records; decrypted application data goes to app
	dnsRoute         // DNS over TCP
)

// NewStream implements reassembly.StreamFactory.
func (r *run) NewStream(info *reassembly.ConnInfo) reassembly.Stream {
	c := &conn{r: r, info: *info}
	c.communityID = packet.CommunityID(r.cfg.CommunityIDSeed, info.Client, info.Server, 6)
	c.uid = flowUID(c.communityID, info.FirstTime)
	c.app.c = c
	c.dnsName, _ = r.resolver.Lookup(info.Server.Addr().Unmap(), info.FirstTime)
	return c
}

func (c *conn) decide(b []byte) {
	switch {
	case tlsrec.Looks(b):
		c.route = tlsRoute
		c.tls = tlsrec.NewConn(tlsrec.Config{Keys: c.r.keys}, &c.app, &c.r.tlsStats)
		c.app.alpn = func() string { return c.tls.Info().ALPN }
	case (c.info.Server.Port() == 53 || c.info.Client.Port() == 53) && !startsLikeText(b):
		// DNS over TCP opens with a two-byte length, whose first byte is
		// below 'A' for any message under 16 KiB; HTTP on port 53 (seen in
		// the wild to pass firewalls) opens with a method.
		c.route = dnsRoute
		c.dns = dns.NewStreamParser(c.dnsMessage, &c.r.dnsStats)
	default:
		c.route = plainRoute
	}
}

func (c *conn) Data(dir reassembly.Dir, b []byte, at reassembly.Position) {
	if c.route == undecided {
		c.decide(b)
	}
	switch c.route {
	case tlsRoute:
		c.tls.Data(dir, b, at)
	case dnsRoute:
		c.dns.Data(dir, b, at)
	default:
		c.app.Data(dir, b, at)
	}
}

func (c *conn) Gap(dir reassembly.Dir, n int64, at reassembly.Position) {
	if c.route == undecided {
		c.route = plainRoute
	}
	switch c.route {
	case tlsRoute:
		c.tls.Gap(dir, n, at)
	case dnsRoute:
		c.dns.Gap(dir, n, at)
	default:
		c.app.Gap(dir, n, at)
	}
}

// Overlap implements reassembly.OverlapObserver, so the HTTP message that
// holds differing overlapping bytes is flagged. Overlaps in TLS ciphertext
// cannot be placed in the plaintext; the flow row keeps their evidence.
func (c *conn) Overlap(o reassembly.Overlap) {
	if c.route == plainRoute {
		c.app.Overlap(o)
	}
}

func (c *conn) End(s *reassembly.ConnSummary) {
	var tlsRow *sink.TLSRow
	switch c.route {
	case tlsRoute:
		c.tls.End()
	case dnsRoute:
		c.dns.End()
	}
	c.app.End(s)
	row := c.flowRow(s)
	if c.tls != nil {
		tlsRow = c.tlsRow(c.tls.Info())
	}
	// Without a handshake the roles came from ports; who sent the HTTP
	// requests (or the ClientHello) is better evidence of who the client is.
	if s.Roles == reassembly.RoleFromPorts {
		d, ok := c.app.requestDir()
		evidence := "http"
		if !ok && c.tls != nil && c.tls.Info().Hello != nil {
			d, ok, evidence = c.tls.Info().Client, true, "tls"
		}
		if ok {
			row.Roles = evidence
			if d == reassembly.ServerToClient {
				swapFlowSides(row)
			}
		}
	}
	c.nameServer(row)
	if g := c.r.geo; g != nil {
		if a, err := netip.ParseAddr(row.RespH); err == nil {
			var asn uint32
			row.RespCountry, asn, row.RespASOrg = g.Lookup(a)
			row.RespASN = int64(asn)
		}
	}
	c.r.submit(item{flow: row, tls: tlsRow})
}

// nameServer fills the flow's server name from, in order of trust, the
// HTTP Host (or :authority), the TLS SNI, and the DNS answer that resolved
// the server's address just before the connection began.
func (c *conn) nameServer(row *sink.FlowRow) {
	row.AppProto = c.app.proto(c.txs)
	if c.app.h2 != nil {
		for _, p := range c.app.h2.Problems() {
			row.Problems = append(row.Problems, "http2_"+p)
		}
	}
	if c.tls != nil {
		info := c.tls.Info()
		for _, p := range info.Problems.Names() {
			row.Problems = append(row.Problems, "tls_"+p)
		}
		row.TLS, row.Decrypted = true, info.Decrypted
		if row.AppProto == "" {
			row.AppProto = "tls"
		}
		if c.host == "" && info.Hello != nil && info.Hello.ServerName != "" {
			row.ServerName, row.ServerNameSource = info.Hello.ServerName, "sni"
		}
	}
	if c.dns != nil {
		row.AppProto = "dns"
	}
	if c.host != "" {
		row.ServerName, row.ServerNameSource = hostName(c.host), "http"
	}
	if row.ServerName == "" && c.dnsName != "" {
		row.ServerName, row.ServerNameSource = c.dnsName, "dns"
	}
}

// startsLikeText reports whether b opens with an upper-case letter, as an
// HTTP method does.
func startsLikeText(b []byte) bool { return len(b) > 0 && 'A' <= b[0] && b[0] <= 'Z' }

// hostName strips the port from a Host header value.
func hostName(h string) string {
	if hp, err := netip.ParseAddrPort(h); err == nil {
		return hp.Addr().String()
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[:i], ":") {
		return h[:i]
	}
	return strings.Trim(h, "[]")
}

// tlsRow turns a TLS connection's metadata into its tls table row. The
// originator is the side that sent the ClientHello.
func (c *conn) tlsRow(info *tlsrec.Info) *sink.TLSRow {
	client, server := c.info.Client, c.info.Server
	if info.Hello != nil && info.Client == reassembly.ServerToClient {
		client, server = server, client
	}
	cd, sd := info.Client, info.Client^1
	row := &sink.TLSRow{
		UID:                c.uid,
		TS:                 c.info.FirstTime,
		OrigH:              addrString(client.Addr()),
		OrigP:              client.Port(),
		RespH:              addrString(server.Addr()),
		RespP:              server.Port(),
		ALPN:               info.ALPN,
		Resumed:            info.Resumed,
		HelloRetry:         info.HelloRetry,
		Keys:               info.KeysFound,
		Decrypted:          info.Decrypted,
		OrigRecords:        info.Records[cd],
		RespRecords:        info.Records[sd],
		OrigAppBytes:       info.AppDataBytes[cd],
		RespAppBytes:       info.AppDataBytes[sd],
		OrigDecryptedBytes: info.DecryptedBytes[cd],
		RespDecryptedBytes: info.DecryptedBytes[sd],
		UndecryptedBytes:   info.UndecryptedBytes[0] + info.UndecryptedBytes[1],
		DecryptErrors:      info.DecryptErrors,
		Alerts:             info.Alerts,
		KeyUpdates:         info.KeyUpdates,
		Problems:           info.Problems.Names(),
		FirstFile:          c.r.fileName(c.info.FirstRef.File),
		FirstFrame:         int64(c.info.FirstRef.Frame),
	}
	if info.Server != nil {
		row.Version = tlshello.VersionName(info.Version)
		row.Cipher = tlshello.CipherSuiteName(info.CipherSuite)
	}
	if h := info.Hello; h != nil {
		row.ServerName = h.ServerName
		row.ALPNOffered = h.ALPN
		row.JA4 = h.JA4('t')
		row.JA3, row.JA3Hash = h.JA3()
		row.ClientRandom = hex.EncodeToString(h.Random[:])
	}
	return row
}

// dnsMessage receives the DNS messages of a DNS-over-TCP connection.
func (c *conn) dnsMessage(dir reassembly.Dir, m dns.Message, at reassembly.Position) {
	if !m.Response {
		return
	}
	c.r.resolver.Observe(at.Time, &m)
	client, server := c.info.Client, c.info.Server
	if dir == reassembly.ClientToServer { // the response came from the side labelled client
		client, server = server, client
	}
	c.r.submit(item{dns: dnsRow(&m, "tcp", c.uid, at.Time, client, server, c.r.fileName(at.Ref.File), int64(at.Ref.Frame))})
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
	c.r.txEmitted++
	if c.host == "" && tx.Request != nil {
		c.host = requestHost(tx.Request)
	}
	c.r.submit(item{conn: c, tx: tx, decrypted: c.route == tlsRoute})
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
	flow      *sink.FlowRow
	tls       *sink.TLSRow // with flow, for a connection that carried TLS
	dns       *sink.DNSRow
	conn      *conn
	tx        *h1.Transaction
	decrypted bool
}

// result is what one item becomes.
type result struct {
	flow     *sink.FlowRow
	tls      *sink.TLSRow
	dns      *sink.DNSRow
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
	if it.flow != nil || it.dns != nil {
		return result{flow: it.flow, tls: it.tls, dns: it.dns}
	}
	var res result
	res.http = httpRow(it.conn, it.tx)
	res.http.Decrypted = it.decrypted
	res.http.StreamID = it.tx.StreamID
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
	if res.dns != nil {
		r.rows.dns++
		return r.out.DNS(res.dns)
	}
	if res.flow != nil {
		r.rows.flows++
		r.connN++
		r.graph.EndConnection(res.flow.UID, r.connN)
		if res.tls != nil {
			r.rows.tls++
			if err := r.out.TLS(res.tls); err != nil {
				return err
			}
		}
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
		r.eventsWritten.Add(1)
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

// progress reports the run's position; f is the frame just read (nil at the
// end).
func (r *run) progress(f *capture.Frame, done bool) Progress {
	files := r.set.Files()
	p := Progress{Files: len(files), Packets: r.frames, Flows: r.asm.Stats().Conns, Transactions: r.txEmitted, Events: r.eventsWritten.Load(), Done: done}
	for i, fi := range files {
		p.BytesTotal += fi.Size
		switch {
		case done || f != nil && int(f.File) > i:
			p.BytesRead += fi.Size
		case f != nil && int(f.File) == i:
			p.FileIndex = i
			p.BytesRead += min(f.Offset, fi.Size)
		}
	}
	return p
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
