package h1

import (
	"reflect"
	"strings"
	"testing"

	"telltale/reassembly"
)

// fuzzEvents turns fuzz input into deliveries: two header bytes choose a
// seed and where the rest splits into the client and server streams; the
// seed then cuts both into interleaved deliveries. With seed bit 2, gaps
// fall in either direction: before any delivery (so also at the very start
// of a direction, and several in a row), and at the end; most are short,
// one in eight is longer than any body the input can declare.
func fuzzEvents(data []byte) (evs []ev, seed uint64) {
	if len(data) < 3 {
		return nil, 0
	}
	seed = uint64(data[0])<<8 | uint64(data[1]) | 1
	rest := data[2:]
	cut := int(seed>>4) % (len(rest) + 1)
	streams := [2][]byte{rest[:cut], rest[cut:]}
	x := seed
	next := func() uint64 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return x
	}
	gap := func(d int) ev {
		n := int64(next()%32) + 1
		if next()%8 == 0 {
			n = 1<<40 + n
		}
		return ev{dir: dirOf(d), gap: n}
	}
	for len(streams[0])+len(streams[1]) > 0 {
		d := int(next() % 2)
		if len(streams[d]) == 0 {
			d ^= 1
		}
		for seed&2 != 0 && next()%16 == 0 {
			evs = append(evs, gap(int(next()%2)))
		}
		k := min(len(streams[d]), int(next()%200)+1)
		evs = append(evs, ev{dir: dirOf(d), data: string(streams[d][:k])})
		streams[d] = streams[d][k:]
	}
	if seed&2 != 0 && next()%4 == 0 {
		evs = append(evs, gap(int(next()%2)))
	}
	return evs, seed
}

// checkRetained fails when a Conn holds more than its Config allows between
// calls: a cut line over MaxHeaderBytes, kept encoded body over
// MaxEncodedBytes, a body over MaxBodyBytes, more than MaxPending
// transactions, more overlap offsets than maxPendingOverlaps. The line buffer
// may have grown by append to at most twice its cap (plus a size class).
func checkRetained(t *testing.T, cfg Config) func(*Conn) {
	return func(c *Conn) {
		t.Helper()
		if len(c.fifo) > cfg.MaxPending {
			t.Fatalf("%d transactions queued, MaxPending %d", len(c.fifo), cfg.MaxPending)
		}
		for _, s := range c.fifo {
			for _, m := range []*Message{s.tx.Request, s.tx.Response} {
				if m != nil && len(m.Body) > cfg.MaxBodyBytes {
					t.Fatalf("queued message keeps a %d-byte body, MaxBodyBytes %d", len(m.Body), cfg.MaxBodyBytes)
				}
			}
		}
		for i := range c.half {
			h := &c.half[i]
			switch {
			case len(h.pending) > cfg.MaxHeaderBytes:
				t.Fatalf("dir %d: %d bytes of cut line kept, MaxHeaderBytes %d", i, len(h.pending), cfg.MaxHeaderBytes)
			case cap(h.pending) > 2*cfg.MaxHeaderBytes+512:
				t.Fatalf("dir %d: line buffer of cap %d, MaxHeaderBytes %d", i, cap(h.pending), cfg.MaxHeaderBytes)
			case len(h.wire) > cfg.MaxEncodedBytes:
				t.Fatalf("dir %d: %d encoded body bytes kept, MaxEncodedBytes %d", i, len(h.wire), cfg.MaxEncodedBytes)
			case h.cur != nil && len(h.cur.Body) > cfg.MaxBodyBytes:
				t.Fatalf("dir %d: body of %d bytes, MaxBodyBytes %d", i, len(h.cur.Body), cfg.MaxBodyBytes)
			case h.cur != nil && len(h.cur.Headers)+len(h.cur.Trailers) > cfg.MaxHeaders:
				t.Fatalf("dir %d: %d header fields, MaxHeaders %d", i, len(h.cur.Headers)+len(h.cur.Trailers), cfg.MaxHeaders)
			case len(h.overlaps) > maxPendingOverlaps:
				t.Fatalf("dir %d: %d overlap offsets kept", i, len(h.overlaps))
			case h.remain < 0:
				t.Fatalf("dir %d: %d body bytes remain", i, h.remain)
			}
		}
	}
}

func dirOf(i int) reassembly.Dir { return reassembly.Dir(i) }

// fuzzSeed lays out a client and a server stream as fuzz input.
func fuzzSeed(a, b string, flags byte) []byte {
	n := len(a) + len(b) + 1
	// Find a seed whose cut lands at len(a).
	for s := 0; s < 1<<16; s++ {
		seed := uint64(s) | 1
		if seed&2 != uint64(flags&2) {
			continue
		}
		if int(seed>>4)%n == len(a) {
			return append([]byte{byte(s >> 8), byte(s)}, a+b...)
		}
	}
	return append([]byte{0, 1}, a+b...)
}

func FuzzConn(f *testing.F) {
	for _, tt := range connTests {
		var a, b strings.Builder
		for _, e := range tt.evs {
			if e.dir == 0 {
				a.WriteString(e.data)
			} else {
				b.WriteString(e.data)
			}
		}
		f.Add(fuzzSeed(a.String(), b.String(), 0))
		f.Add(fuzzSeed(a.String(), b.String(), 2))
	}
	f.Add(fuzzSeed(post("gzip", gzipOf(f, plain)), ok("x"), 0))
	f.Add(fuzzSeed(post("gzip, br", brOf(f, gzipOf(f, plain))), ok("x"), 2))
	f.Add(fuzzSeed(postChunked("zstd", zstdOf(f, plain)), ok("x"), 0))
	f.Add(fuzzSeed(postChunked("deflate", flateOf(f, plain)), crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n"), 2))

	cfg := Config{MaxBodyBytes: 64, MaxHeaderBytes: 256, MaxDecodedBytes: 4096, MaxPending: 4, MaxEncodedBytes: 512, MaxHeaders: 6}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, seed := fuzzEvents(data)
		if evs == nil {
			return
		}
		want, wantSt := feed(cfg, evs, splits[0].f)
		got, gotSt := feedWith(cfg, evs, func(n int) []int { return random(n, seed+uint64(n)) }, checkRetained(t, cfg))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("split delivery differs from whole:\n%s\nwant:\n%s", dump(got, true), dump(want, true))
		}
		if gotSt != wantSt {
			t.Fatalf("split stats %+v, want %+v", gotSt, wantSt)
		}
		for _, tx := range want {
			for _, m := range []*Message{tx.Request, tx.Response} {
				// DecodedBodyLen of an unencoded body is its wire length,
				// gaps included; only decompression is capped.
				if m != nil && (len(m.Body) > cfg.MaxBodyBytes || m.ContentEncoding != "" && m.DecodedBodyLen > cfg.MaxDecodedBytes) {
					t.Fatalf("message over its caps: body %d, decoded %d", len(m.Body), m.DecodedBodyLen)
				}
			}
		}
	})
}
