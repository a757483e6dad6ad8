package pipeline

import (
	"strings"

	"telltale/pipeline/h1"
	"telltale/pipeline/h2"
	"telltale/reassembly"
)

// appConn parses the application bytes of one connection, cleartext or
// decrypted from TLS: HTTP/2 when the client opens with the connection
// preface (or TLS negotiated h2), HTTP/1.x otherwise, and HTTP/2 again after
// an HTTP/1.1 Upgrade to h2c. Both parsers emit h1.Transactions, so
// everything downstream treats the two versions alike.
type appConn struct {
	c       *conn
	h1      *h1.Conn
	h2      *h2.Conn
	decided bool
	// h2From is, per direction, the stream offset where HTTP/2 took over
	// from HTTP/1.x after an h2c upgrade (0 when it spoke HTTP/2 from the
	// start).
	h2From [2]int64
	// alpn tells the negotiated protocol, for TLS; nil for cleartext.
	alpn func() string
	// upgrade is the HTTP/1.1 transaction whose 101 switched to h2c: its
	// request is answered on HTTP/2 stream 1, so it is held back and
	// completed by that stream (the 101 becomes an interim response).
	upgrade *h1.Transaction
	// depthBase shifts HTTP/2 transaction depths past the HTTP/1.x ones
	// before an upgrade.
	depthBase int
}

func (a *appConn) decide(b []byte) {
	a.decided = true
	if h2.LooksLikePreface(b) || a.alpn != nil && a.alpn() == "h2" {
		a.h2 = h2.NewConn(a.c.r.h2cfg, a.h2Emit, &a.c.r.h2stats)
		return
	}
	a.h1 = h1.NewConn(a.c.r.h1cfg, a.h1Emit, &a.c.r.h1stats)
}

func (a *appConn) h1Emit(tx *h1.Transaction) {
	if tx.Flags&h1.FlagUpgrade != 0 && tx.Request != nil && tx.Response != nil && tx.Response.StatusCode == 101 &&
		strings.EqualFold(strings.TrimSpace(h1Header(tx.Response.Headers, "Upgrade")), "h2c") {
		a.upgrade = tx
		return
	}
	a.c.emit(tx)
}

func (a *appConn) h2Emit(tx *h1.Transaction) {
	tx.Depth += a.depthBase
	if u := a.upgrade; u != nil && tx.StreamID == 1 && tx.Request == u.Request {
		a.upgrade = nil
		a.c.r.h2cUpgrades++
		tx.Depth = u.Depth
		tx.Interim = append(append(u.Interim, u.Response), tx.Interim...)
	}
	a.c.emit(tx)
}

func h1Header(hs []h1.Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func (a *appConn) Data(dir reassembly.Dir, b []byte, at reassembly.Position) {
	if !a.decided {
		a.decide(b)
	}
	if a.h2 != nil {
		a.h2Data(dir, b, at)
		return
	}
	a.h1.Data(dir, b, at)
	if sw := a.h1.Switched(); sw != nil && strings.EqualFold(sw.Protocol, "h2c") {
		a.h2 = h2.NewConn(a.c.r.h2cfg, a.h2Emit, &a.c.r.h2stats)
		a.h2.Upgraded(sw.Request)
		if a.upgrade != nil {
			a.depthBase = a.upgrade.Depth - 1
		}
		a.h2From = sw.Offset
		a.h2Data(dir, b, at) // the rest of b may be HTTP/2 already
	}
}

// h2Data hands HTTP/2 the part of b at or after where HTTP/2 starts.
func (a *appConn) h2Data(dir reassembly.Dir, b []byte, at reassembly.Position) {
	if skip := a.h2From[dir] - at.Offset; skip > 0 {
		if skip >= int64(len(b)) {
			return
		}
		b = b[skip:]
		at.Offset += skip
	}
	a.h2.Data(dir, b, at)
}

func (a *appConn) Gap(dir reassembly.Dir, n int64, at reassembly.Position) {
	if !a.decided {
		a.decide(nil)
	}
	if a.h2 != nil {
		if at.Offset+n > a.h2From[dir] {
			a.h2.Gap(dir, n, at)
		}
		return
	}
	a.h1.Gap(dir, n, at)
}

func (a *appConn) Overlap(o reassembly.Overlap) {
	if a.h1 != nil && a.h2 == nil {
		a.h1.Overlap(o)
	}
}

func (a *appConn) End(s *reassembly.ConnSummary) {
	if a.h1 != nil {
		a.h1.End(s)
	}
	if a.h2 != nil {
		a.h2.End()
	}
	if u := a.upgrade; u != nil { // HTTP/2 never answered it
		a.upgrade = nil
		a.c.emit(u)
	}
}

// requestDir reports the direction HTTP requests came from, when the
// content told.
func (a *appConn) requestDir() (reassembly.Dir, bool) {
	if a.h2 != nil {
		if d, ok := a.h2.RequestDir(); ok {
			return d, true
		}
	}
	if a.h1 != nil {
		return a.h1.RequestDir()
	}
	return 0, false
}

// proto names what the connection carried, for flows.app_proto.
func (a *appConn) proto(txs int64) string {
	switch {
	case a.h2 != nil:
		return "http2"
	case a.h1 != nil && txs > 0:
		return "http1"
	}
	return ""
}
