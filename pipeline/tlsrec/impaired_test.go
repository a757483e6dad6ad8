package tlsrec

import (
	"bytes"
	"crypto/tls"
	"testing"

	"telltale/reassembly"
)

// TestMidstream: a capture that starts inside both directions finds the
// record boundaries again and reports metadata only.
func TestMidstream(t *testing.T) {
	ccfg, scfg := goPair(tls.VersionTLS12)
	s := runGo(t, ccfg, scfg, testExchanges())
	var cut []chunk
	skip := [2]int{3000, 600} // inside the server's first big record, inside the client's first request
	for _, c := range s.chunks {
		b := c.b
		k := min(skip[c.dir], len(b))
		skip[c.dir] -= k
		if len(b) > k {
			cut = append(cut, chunk{c.dir, b[k:]})
		}
	}
	col, conn, st := play(t, cut, mustKeyLog(t, s.keylog), nil)
	in := conn.Info()
	if in.Problems != FlagMidstream|FlagNoKeys || in.Hello != nil || in.Server != nil || len(col.data[0])+len(col.data[1]) != 0 {
		t.Errorf("problems %v info %+v", in.Problems.Names(), *in)
	}
	if in.Records[0] == 0 || in.Records[1] == 0 || st.Resyncs != 2 || in.UndecryptedBytes[1] == 0 {
		t.Errorf("records %v resyncs %d", in.Records, st.Resyncs)
	}
}

// TestTruncatedAndBadRecord: a direction cut inside a record is flagged
// truncated; a direction whose bytes stop being TLS stops being parsed.
func TestTruncatedAndBadRecord(t *testing.T) {
	ccfg, scfg := goPair(tls.VersionTLS13)
	s := runGo(t, ccfg, scfg, testExchanges())
	keys := mustKeyLog(t, s.keylog)
	srv := streamOf(s.chunks, reassembly.ServerToClient)
	cli := streamOf(s.chunks, reassembly.ClientToServer)

	// Truncated: everything of the client, the server cut 3 bytes short.
	st := &Stats{}
	c := NewConn(Config{Keys: keys}, nil, st)
	feedCausal(c, s.chunks, len(srv)-3)
	c.End()
	if p := c.Info().Problems; p != FlagTruncated || st.Truncated != 1 {
		t.Errorf("truncated: %v", p.Names())
	}

	// Bad record: garbage after the client's stream.
	col := &collector{t: t}
	c = NewConn(Config{Keys: keys}, col, st)
	feedCausal(c, s.chunks, len(srv))
	c.Data(reassembly.ClientToServer, []byte("GET / HTTP/1.1\r\n\r\n"), reassembly.Position{Offset: int64(len(cli))})
	c.Data(reassembly.ClientToServer, []byte("more"), reassembly.Position{Offset: int64(len(cli)) + 18})
	c.End()
	in := c.Info()
	if in.Problems != FlagBadRecord || in.SkippedBytes[0] != 22 || !bytes.Equal(col.data[0], s.sent[0]) || !bytes.Equal(col.data[1], s.sent[1]) {
		t.Errorf("bad record: %v skipped %v", in.Problems.Names(), in.SkippedBytes)
	}
}

// feedCausal feeds the recorded chunks, the server direction only up to
// limit bytes.
func feedCausal(c *Conn, chunks []chunk, limit int) {
	var off [2]int
	for _, ch := range chunks {
		b := ch.b
		if ch.dir == reassembly.ServerToClient {
			b = b[:max(0, min(len(b), limit-off[1]))]
		}
		if len(b) > 0 {
			c.Data(ch.dir, b, reassembly.Position{Offset: int64(off[ch.dir])})
		}
		off[ch.dir] += len(b)
	}
}
