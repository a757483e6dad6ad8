package h2

import (
	"reflect"
	"slices"
	"testing"

	"golang.org/x/net/http2"

	"telltale/reassembly"
)

// fuzzEvents decodes a fuzz input: records of a control byte (bit 0: the
// direction, bit 1: a gap instead of data), a length byte and that many
// bytes.
func fuzzEvents(b []byte) []event {
	var out []event
	for len(b) >= 2 {
		ctl, n := b[0], min(int(b[1]), len(b)-2)
		out = append(out, event{dir: reassembly.Dir(ctl & 1), gap: ctl&2 != 0, b: b[2 : 2+n]})
		b = b[2+n:]
	}
	return out
}

// fuzzEncode is fuzzEvents' inverse, for seeds.
func fuzzEncode(events []event) []byte {
	var out []byte
	for _, e := range events {
		for b := e.b; len(b) > 0; {
			n := min(len(b), 255)
			out = append(out, byte(e.dir), byte(n))
			out = append(out, b[:n]...)
			b = b[n:]
		}
	}
	return out
}

func fuzzSeeds() [][]event {
	get := []string{":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/"}
	var seeds [][]event
	c := exchange()
	c.headers(0, 1, false, append(get, "content-encoding", "gzip")...)
	c.data(0, 1, true, string(gzTrack))
	c.headers(1, 1, false, ":status", "103", "link", "</a>")
	c.headers(1, 1, false, ":status", "200", "content-encoding", "gzip")
	c.data(1, 1, false, string(gzOK))
	c.headers(1, 1, true, "x-sum", "1")
	seeds = append(seeds, c.events)

	c = exchange()
	c.headers(0, 1, true, get...)
	blk := c.block(1, get...)
	c.frames(1, func(fr *http2.Framer) {
		fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: blk, EndHeaders: true, PadLength: 3})
		fr.WriteRSTStream(2, http2.ErrCodeCancel)
		fr.WriteGoAway(1, 0, nil)
	})
	big := c.block(0, append(get, "x-big", string(make([]byte, 600)))...)
	c.frames(0, func(fr *http2.Framer) {
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: big[:100], Priority: http2.PriorityParam{Weight: 3}, PadLength: 2})
		fr.WriteContinuation(3, false, big[100:300])
		fr.WriteContinuation(3, true, big[300:])
	})
	c.frames(1, func(fr *http2.Framer) { fr.WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 100}) })
	c.headers(1, 3, true, ":status", "200")
	seeds = append(seeds, c.events)

	c = newConv(false)
	c.settings(1)
	c.headers(1, 1, true, ":status", "204")
	c.events = append(c.events, event{dir: 1, b: make([]byte, 5), gap: true})
	seeds = append(seeds, c.events)
	return seeds
}

// FuzzConn checks that no input panics, that any split gives the same
// result, and that the output is consistent.
func FuzzConn(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(fuzzEncode(s))
	}
	f.Add([]byte{0, 24, 'P', 'R', 'I'})
	cfg := Config{MaxBodyBytes: 64, MaxEncodedBytes: 128, MaxDecodedBytes: 256, MaxHeaderListBytes: 256, MaxStreams: 4}
	f.Fuzz(func(t *testing.T, in []byte) {
		events := fuzzEvents(in)
		r := run(cfg, events, nil)
		depths := map[int]bool{}
		for _, tx := range r.txs {
			if tx.Depth < 1 || depths[tx.Depth] || tx.Request == nil && tx.Response == nil && tx.Interim == nil {
				t.Fatalf("bad transaction %s", summary(tx))
			}
			depths[tx.Depth] = true
			for _, m := range append(tx.Interim, tx.Request, tx.Response) {
				if m != nil && (len(m.Body) > cfg.MaxBodyBytes || m.End.Offset < m.Start.Offset) {
					t.Fatalf("message body %d bytes, %d..%d", len(m.Body), m.Start.Offset, m.End.Offset)
				}
			}
		}
		if r.stats.Transactions != int64(len(r.txs)) || !slices.IsSorted(r.problems) {
			t.Fatalf("stats %+v problems %v", r.stats, r.problems)
		}
		b := run(cfg, events, byteSplit)
		if !reflect.DeepEqual(b.txs, r.txs) || b.stats != r.stats || !slices.Equal(b.problems, r.problems) {
			t.Fatalf("byte split differs:\n%v\n%v", summaries(b.txs), summaries(r.txs))
		}
	})
}
