package h1

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"telltale/reassembly"
)

// ev is one delivery to a Conn: bytes in one direction, or a gap.
type ev struct {
	dir  reassembly.Dir
	data string
	gap  int64
}

func c2s(s string) ev            { return ev{dir: reassembly.ClientToServer, data: s} }
func s2c(s string) ev            { return ev{dir: reassembly.ServerToClient, data: s} }
func gapC2S(n int64) ev          { return ev{dir: reassembly.ClientToServer, gap: n} }
func gapS2C(n int64) ev          { return ev{dir: reassembly.ServerToClient, gap: n} }
func crlf(s string) string       { return strings.ReplaceAll(s, "\n", "\r\n") }
func c2sCRLF(s string) ev        { return c2s(crlf(s)) }
func s2cCRLF(s string) ev        { return s2c(crlf(s)) }
func frame(i int) reassembly.Ref { return reassembly.Ref{File: 0, Frame: uint64(i + 1)} }

// A split cuts a delivery of n bytes into pushes.
type split struct {
	name string
	f    func(n int) []int
}

var splits = []split{
	{"whole", func(n int) []int { return []int{n} }},
	{"bytes", func(n int) []int { return fixed(n, 0, 1) }},
	{"pairs-even", func(n int) []int { return fixed(n, 0, 2) }},
	{"pairs-odd", func(n int) []int { return fixed(n, 1, 2) }},
	{"random", func(n int) []int { return random(n, uint64(n)*2654435761+1) }},
}

// fixed cuts n into a first push of first bytes (if > 0) and then pushes of size.
func fixed(n, first, size int) []int {
	var out []int
	if first > 0 && n > first {
		out = append(out, first)
		n -= first
	}
	for n > 0 {
		k := min(n, size)
		out = append(out, k)
		n -= k
	}
	return out
}

// random cuts n into pushes of 1..64 bytes chosen by a xorshift generator.
func random(n int, seed uint64) []int {
	var out []int
	x := seed | 1
	for n > 0 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		k := min(n, int(x%64)+1)
		out = append(out, k)
		n -= k
	}
	return out
}

// feed plays evs into a new Conn, cutting every delivery with sp. The pushed
// buffer is overwritten after every call, which catches kept slices. Event i
// carries Time (i+1)*1000 and frame i+1.
func feed(cfg Config, evs []ev, sp func(int) []int) ([]*Transaction, Stats) {
	return feedWith(cfg, evs, sp, nil)
}

// feedWith is feed with check called on the Conn after every Data and Gap
// call (and after End), so tests can look at what it holds in between.
func feedWith(cfg Config, evs []ev, sp func(int) []int, check func(*Conn)) ([]*Transaction, Stats) {
	var st Stats
	var out []*Transaction
	c := NewConn(cfg, func(tx *Transaction) { out = append(out, tx) }, &st)
	var off [2]int64
	var buf []byte
	for i, e := range evs {
		at := reassembly.Position{Offset: off[e.dir], Time: int64(i+1) * 1000, Ref: frame(i)}
		if e.gap > 0 {
			c.Gap(e.dir, e.gap, at)
			off[e.dir] += e.gap
			if check != nil {
				check(c)
			}
			continue
		}
		data := []byte(e.data)
		for _, n := range sp(len(data)) {
			buf = append(buf[:0], data[:n]...)
			at.Offset = off[e.dir]
			c.Data(e.dir, buf, at)
			if check != nil {
				check(c)
			}
			for j := range buf {
				buf[j] = 0xAA
			}
			data = data[n:]
			off[e.dir] += int64(n)
		}
	}
	c.End(&reassembly.ConnSummary{})
	if check != nil {
		check(c)
	}
	return out, st
}

// feedAll plays evs with every split, checks that they all agree, and
// returns the result of the whole deliveries.
func feedAll(t *testing.T, cfg Config, evs []ev) ([]*Transaction, Stats) {
	t.Helper()
	want, wantSt := feed(cfg, evs, splits[0].f)
	for _, sp := range splits[1:] {
		got, gotSt := feed(cfg, evs, sp.f)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("split %s: transactions differ from whole delivery:\n%s\nwant:\n%s", sp.name, dump(got, true), dump(want, true))
		}
		if gotSt != wantSt {
			t.Errorf("split %s: stats %+v, want %+v", sp.name, gotSt, wantSt)
		}
	}
	return want, wantSt
}

func dirName(d reassembly.Dir) string {
	if d == reassembly.ClientToServer {
		return "c2s"
	}
	return "s2c"
}

// dump renders transactions as text for exact comparison. pos adds message
// positions as offset@frame.
func dump(txs []*Transaction, pos bool) string {
	var b strings.Builder
	for _, tx := range txs {
		fmt.Fprintf(&b, "tx %d %v\n", tx.Depth, tx.Flags.Names())
		if tx.Request != nil {
			dumpMsg(&b, "req", tx.Request, pos)
		}
		for _, m := range tx.Interim {
			dumpMsg(&b, "interim", m, pos)
		}
		if tx.Response != nil {
			dumpMsg(&b, "resp", tx.Response, pos)
		}
	}
	return b.String()
}

func dumpMsg(b *strings.Builder, kind string, m *Message, pos bool) {
	if m.Method != "" || m.StatusCode == 0 {
		fmt.Fprintf(b, "  %s %s %q %q %q %v\n", kind, dirName(m.Dir), m.Method, m.URI, m.Version, m.Flags.Names())
	} else {
		fmt.Fprintf(b, "  %s %s %q %d %q %v\n", kind, dirName(m.Dir), m.Version, m.StatusCode, m.Reason, m.Flags.Names())
	}
	for _, h := range m.Headers {
		fmt.Fprintf(b, "    %s: %q\n", h.Name, h.Value)
	}
	for _, h := range m.Trailers {
		fmt.Fprintf(b, "    trailer %s: %q\n", h.Name, h.Value)
	}
	body := fmt.Sprintf("%q", m.Body)
	if len(m.Body) > 48 {
		body = fmt.Sprintf("<%d bytes> %q...", len(m.Body), m.Body[:16])
	}
	fmt.Fprintf(b, "    body %s wire=%d decoded=%d missing=%d", body, m.WireBodyLen, m.DecodedBodyLen, m.MissingBytes)
	if m.ContentEncoding != "" {
		fmt.Fprintf(b, " enc=%q", m.ContentEncoding)
	}
	if m.Chunked {
		b.WriteString(" chunked")
	}
	b.WriteByte('\n')
	if pos {
		fmt.Fprintf(b, "    at %d@%d..%d@%d\n", m.Start.Offset, m.Start.Ref.Frame, m.End.Offset, m.End.Ref.Frame)
	}
}

// nonZero lists the counters that are not zero, as name=value lines.
func nonZero(st *Stats) string {
	var b strings.Builder
	for _, c := range st.Counters() {
		if c.Value != 0 {
			fmt.Fprintf(&b, "%s=%d\n", c.Name, c.Value)
		}
	}
	return b.String()
}
