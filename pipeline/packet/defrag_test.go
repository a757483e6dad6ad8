package packet

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"telltale/reassembly"
)

// body is a 200-byte HTTP request body, so that a TCP segment carrying it
// (32-byte header + 200 = 232 bytes) splits into fragments of 64 bytes.
var (
	body     = bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?"), 4)[:200]
	bigTCP   = tcpHdr{sport: 40000, dport: 80, seq: 1000, ack: 2000, flags: 0x18, window: 502, opts: tsOpts, payload: body}
	wantBig  = with(wantReq, func(s *reassembly.Segment) { s.Payload = body })
	wantBig6 = with(wantReq6, func(s *reassembly.Segment) { s.Payload = body })
)

// frag4 is a raw IPv4 fragment of datagram id: piece at byte offset off.
func frag4(src, dst netip.Addr, id uint16, proto byte, off int, more bool, piece []byte) []byte {
	ff := uint16(off / 8)
	if more {
		ff |= 0x2000
	}
	b := ip4x(src, dst, proto, piece, ff, 0)
	binary.BigEndian.PutUint16(b[4:], id)
	return b
}

// frag6 is a raw IPv6 fragment: a fragment header (next header nh, offset
// off, M flag, id), then piece.
func frag6(src, dst netip.Addr, id uint32, nh byte, off int, more bool, piece []byte) []byte {
	h := []byte{nh, 0, 0, 0}
	o := uint16(off)
	if more {
		o |= 1
	}
	binary.BigEndian.PutUint16(h[2:], o)
	h = binary.BigEndian.AppendUint32(h, id)
	return ip6(src, dst, ipProtoFragment, concat(h, piece))
}

// split cuts b at the given offsets.
func split(b []byte, cuts ...int) [][]byte {
	var out [][]byte
	prev := 0
	for _, c := range append(cuts, len(b)) {
		out = append(out, b[prev:c])
		prev = c
	}
	return out
}

// v4frags fragments a datagram's payload at the cuts (multiples of 8).
func v4frags(id uint16, proto byte, payload []byte, cuts ...int) [][]byte {
	var out [][]byte
	off := 0
	pieces := split(payload, cuts...)
	for i, p := range pieces {
		out = append(out, frag4(cli4, srv4, id, proto, off, i < len(pieces)-1, p))
		off += len(p)
	}
	return out
}

func v6frags(id uint32, nh byte, payload []byte, cuts ...int) [][]byte {
	var out [][]byte
	off := 0
	pieces := split(payload, cuts...)
	for i, p := range pieces {
		out = append(out, frag6(cli6, srv6, id, nh, off, i < len(pieces)-1, p))
		off += len(p)
	}
	return out
}

// step is one frame of a fragment scenario and what Decode must say.
type step struct {
	frame  []byte
	t      time.Duration // capture time since the scenario's start
	reason SkipReason
}

func TestDefrag(t *testing.T) {
	f := v4frags(1, 6, bigTCP.bytes(), 64, 128, 192)
	f6 := v6frags(7, 6, bigTCP.bytes(), 64, 128, 192)
	// The third fragment's bytes changed: an overlap with different data.
	evil := bytes.Clone(bigTCP.bytes()[64:128])
	evil[10] ^= 0xff
	evilFrag := frag4(cli4, srv4, 1, 6, 64, true, evil)
	withEvil := bytes.Clone(bigTCP.bytes())
	copy(withEvil[64:], evil)
	evilBody := withEvil[32:]
	// A duplicate of bytes 32..96 straddling two fragments.
	straddle := frag4(cli4, srv4, 1, 6, 32, true, bigTCP.bytes()[32:96])
	// The fragmentable part starts with a destination options header.
	f6opts := v6frags(8, ipProtoDstOpts, concat(ext6(6), bigTCP.bytes()), 64, 128, 192)
	// A 6in4 tunnel whose outer packet was fragmented.
	f6in4 := v4frags(3, ipProtoIPv6, ip6(cli6, srv6, 6, bigTCP.bytes()), 128)
	other := ip4(cli4, srv4, 6, synTCP.bytes())
	sec := time.Second

	tests := []struct {
		name  string
		cfg   Config
		steps []step
		want  reassembly.Segment // from the last frame, when it gives one
		encap string
		stats Stats
	}{
		{"in order", Config{}, []step{{f[0], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {f[2], 0, FragmentHeld}, {f[3], 0, None}},
			wantBig, "", Stats{FragmentsHeld: 3, DatagramsReassembled: 1}},
		{"reverse order", Config{}, []step{{f[3], 0, FragmentHeld}, {f[2], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {f[0], 0, None}},
			wantBig, "", Stats{FragmentsHeld: 3, DatagramsReassembled: 1}},
		{"last first, hole filled last", Config{}, []step{{f[3], 0, FragmentHeld}, {f[0], 0, FragmentHeld}, {f[2], 0, FragmentHeld}, {f[1], 0, None}},
			wantBig, "", Stats{FragmentsHeld: 3, DatagramsReassembled: 1}},
		{"duplicate fragment", Config{}, []step{{f[0], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {f[2], 0, FragmentHeld}, {f[3], 0, None}},
			wantBig, "", Stats{FragmentsHeld: 4, DatagramsReassembled: 1, FragmentsOverlapping: 1}},
		{"overlap with the same data", Config{}, []step{{f[0], 0, FragmentHeld}, {f[2], 0, FragmentHeld}, {straddle, 0, FragmentHeld}, {f[3], 0, FragmentHeld}, {f[1], 0, None}},
			wantBig, "", Stats{FragmentsHeld: 4, DatagramsReassembled: 1, FragmentsOverlapping: 2}},
		{"overlap with different data: first wins", Config{}, []step{{f[0], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {evilFrag, 0, FragmentHeld}, {f[2], 0, FragmentHeld}, {f[3], 0, None}},
			wantBig, "", Stats{FragmentsHeld: 4, DatagramsReassembled: 1, FragmentsOverlapping: 1, FragmentsDropped: FragmentDrops{OverlapConflict: 1}}},
		{"overlap with different data: the first may be the odd one", Config{}, []step{{evilFrag, 0, FragmentHeld}, {f[0], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {f[2], 0, FragmentHeld}, {f[3], 0, None}},
			with(wantBig, func(s *reassembly.Segment) { s.Payload = evilBody }), "",
			Stats{FragmentsHeld: 4, DatagramsReassembled: 1, FragmentsOverlapping: 1, FragmentsDropped: FragmentDrops{OverlapConflict: 1}}},
		{"missing last fragment expires", Config{}, []step{{f[0], 0, FragmentHeld}, {f[1], sec, FragmentHeld}, {f[2], 2 * sec, FragmentHeld},
			{other, 30 * sec, None}, {other, 30*sec + 1, None}, {f[3], 31 * sec, FragmentHeld}},
			wantSyn, "", Stats{FragmentsHeld: 4, FragmentsDropped: FragmentDrops{Timeout: 3}, FragmentsPending: 1}},
		{"expiry after the configured timeout", Config{FragmentTimeout: 5 * sec}, []step{{f[0], 0, FragmentHeld}, {f[1], 5*sec + 1, FragmentHeld},
			{f[2], 5*sec + 2, FragmentHeld}, {f[3], 6 * sec, FragmentHeld}},
			reassembly.Segment{}, "", Stats{FragmentsHeld: 4, FragmentsDropped: FragmentDrops{Timeout: 1}, FragmentsPending: 3}},
		{"over the byte cap: the oldest datagram goes", Config{MaxFragmentBytes: 200}, []step{
			{frag4(cli4, srv4, 2, 6, 0, true, make([]byte, 64)), 0, FragmentHeld},
			{frag4(cli4, srv4, 2, 6, 64, true, make([]byte, 64)), 0, FragmentHeld},
			{f[0], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {f[2], 0, FragmentHeld}, {f[3], 0, IPFragment}},
			reassembly.Segment{}, "", Stats{FragmentsHeld: 5, FragmentsDropped: FragmentDrops{Limit: 2 + 4}}},
		{"one datagram over the byte cap", Config{MaxFragmentBytes: 100}, []step{{f[0], 0, FragmentHeld}, {f[3], 0, IPFragment}},
			reassembly.Segment{}, "", Stats{FragmentsHeld: 1, FragmentsDropped: FragmentDrops{Limit: 2}}},
		{"over the datagram cap", Config{MaxDatagrams: 2}, []step{
			{frag4(cli4, srv4, 2, 6, 0, true, make([]byte, 64)), 0, FragmentHeld},
			{frag4(cli4, srv4, 3, 6, 0, true, make([]byte, 64)), 0, FragmentHeld},
			{f[0], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {f[2], 0, FragmentHeld}, {f[3], 0, None}},
			wantBig, "", Stats{FragmentsHeld: 5, DatagramsReassembled: 1, FragmentsDropped: FragmentDrops{Limit: 1}, FragmentsPending: 1}},
		{"beyond 64 KiB", Config{}, []step{{frag4(cli4, srv4, 9, 6, 65528, false, make([]byte, 16)), 0, IPFragment}},
			reassembly.Segment{}, "", Stats{FragmentsDropped: FragmentDrops{Malformed: 1}}},
		{"non-final fragment not a multiple of 8", Config{}, []step{{frag4(cli4, srv4, 9, 6, 0, true, make([]byte, 60)), 0, IPFragment}},
			reassembly.Segment{}, "", Stats{FragmentsDropped: FragmentDrops{Malformed: 1}}},
		{"two different ends", Config{}, []step{{f[0], 0, FragmentHeld}, {f[3], 0, FragmentHeld},
			{frag4(cli4, srv4, 1, 6, 192, false, make([]byte, 48)), 0, IPFragment}, {f[1], 0, FragmentHeld}},
			reassembly.Segment{}, "", Stats{FragmentsHeld: 3, FragmentsDropped: FragmentDrops{Malformed: 3}, FragmentsPending: 1}},
		{"bytes beyond the end", Config{}, []step{{f[3], 0, FragmentHeld}, {frag4(cli4, srv4, 1, 6, 232, true, make([]byte, 8)), 0, IPFragment}},
			reassembly.Segment{}, "", Stats{FragmentsHeld: 1, FragmentsDropped: FragmentDrops{Malformed: 2}}},
		{"fragments of different datagrams do not mix", Config{}, []step{{f[0], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {f[2], 0, FragmentHeld},
			{frag4(cli4, srv4, 2, 6, 192, false, bigTCP.bytes()[192:]), 0, FragmentHeld},
			{frag4(cli4, srv4, 1, 17, 192, false, bigTCP.bytes()[192:]), 0, FragmentHeld},
			{frag4(srv4, cli4, 1, 6, 192, false, bigTCP.bytes()[192:]), 0, FragmentHeld}, {f[3], 0, None}},
			wantBig, "", Stats{FragmentsHeld: 6, DatagramsReassembled: 1, FragmentsPending: 3}},
		{"first fragment carries the tcp header: held all the same", Config{}, []step{{f[0], 0, FragmentHeld}, {f[1], 0, FragmentHeld},
			{f[2], 0, FragmentHeld}, {f[3], 0, None}}, wantBig, "", Stats{FragmentsHeld: 3, DatagramsReassembled: 1}},
		{"an empty last fragment gives the end", Config{}, []step{{f[0], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {f[2], 0, FragmentHeld},
			{frag4(cli4, srv4, 1, 6, 192, true, bigTCP.bytes()[192:]), 0, FragmentHeld}, {frag4(cli4, srv4, 1, 6, 232, false, nil), 0, None}},
			wantBig, "", Stats{FragmentsHeld: 4, DatagramsReassembled: 1}},
		{"an empty non-final fragment", Config{}, []step{{frag4(cli4, srv4, 1, 6, 64, true, nil), 0, IPFragment}},
			reassembly.Segment{}, "", Stats{FragmentsDropped: FragmentDrops{Malformed: 1}}},
		{"fragment cut by the capture", Config{}, []step{{f[1][:40], 0, Truncated}}, reassembly.Segment{}, "", Stats{}},
		{"ipv6 in order", Config{}, []step{{f6[0], 0, FragmentHeld}, {f6[1], 0, FragmentHeld}, {f6[2], 0, FragmentHeld}, {f6[3], 0, None}},
			wantBig6, "", Stats{FragmentsHeld: 3, DatagramsReassembled: 1}},
		{"ipv6 out of order: next header from the first fragment", Config{}, []step{{f6[2], 0, FragmentHeld}, {f6[3], 0, FragmentHeld},
			{f6[1], 0, FragmentHeld}, {f6[0], 0, None}}, wantBig6, "", Stats{FragmentsHeld: 3, DatagramsReassembled: 1}},
		{"ipv6 options after the fragment header", Config{}, []step{{f6opts[3], 0, FragmentHeld}, {f6opts[0], 0, FragmentHeld},
			{f6opts[1], 0, FragmentHeld}, {f6opts[2], 0, None}}, wantBig6, "", Stats{FragmentsHeld: 3, DatagramsReassembled: 1}},
		{"ipv6 and ipv4 ids do not mix", Config{}, []step{{f6[0], 0, FragmentHeld}, {f[1], 0, FragmentHeld}, {f6[1], 0, FragmentHeld},
			{f6[2], 0, FragmentHeld}, {f6[3], 0, None}}, wantBig6, "", Stats{FragmentsHeld: 4, DatagramsReassembled: 1, FragmentsPending: 1}},
		{"fragmented 6in4 tunnel", Config{}, []step{{f6in4[1], 0, FragmentHeld}, {f6in4[0], 0, None}},
			wantBig6, "ipip", Stats{FragmentsHeld: 1, DatagramsReassembled: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := New(tc.cfg)
			const t0 = int64(1_700_000_000_000_000_000)
			var seg reassembly.Segment
			for i, s := range tc.steps {
				seg = reassembly.Segment{Time: 77, Ref: reassembly.Ref{File: 3, Frame: 9}}
				reason, ok := d.DecodeAt(LinkTypeRaw, s.frame, t0+int64(s.t), &seg)
				if reason != s.reason || ok != (s.reason == None) {
					t.Fatalf("frame %d: DecodeAt = (%v, %v), want %v", i, reason, ok, s.reason)
				}
			}
			if last := tc.steps[len(tc.steps)-1]; last.reason == None {
				want := tc.want
				want.Encap = tc.encap
				var frame []byte
				if tc.want.Flags == reassembly.SYN { // not reassembled: a view into the frame
					frame = last.frame
				} else if within(seg.Payload, last.frame) {
					t.Errorf("reassembled payload points into the frame")
				}
				checkSegment(t, &seg, &want, frame)
			}
			if got := d.Stats(); got != tc.stats {
				t.Errorf("stats = %+v\nwant    %+v", got, tc.stats)
			}
			if err := d.frag.check(); err != "" {
				t.Error(err)
			}
		})
	}
}

// Decode, without a time, never expires fragments; Flush drops them.
func TestDefragNoTimeAndFlush(t *testing.T) {
	f := v4frags(1, 6, bigTCP.bytes(), 64)
	d := NewDecoder()
	var seg reassembly.Segment
	if r, _ := d.Decode(LinkTypeRaw, f[0], &seg); r != FragmentHeld {
		t.Fatalf("Decode = %v", r)
	}
	for range 100 {
		d.Decode(LinkTypeRaw, ip4(cli4, srv4, 6, synTCP.bytes()), &seg)
	}
	if s := d.Stats(); s.FragmentsPending != 1 {
		t.Fatalf("stats = %+v", s)
	}
	d.Flush()
	if s := d.Stats(); s != (Stats{FragmentsHeld: 1, FragmentsDropped: FragmentDrops{Timeout: 1}}) {
		t.Fatalf("after Flush: stats = %+v", s)
	}
	if r, _ := d.Decode(LinkTypeRaw, f[1], &seg); r != FragmentHeld {
		t.Fatalf("the last fragment after Flush: Decode = %v, want held", r)
	}
}

// The reassembled payload stays valid until the next call, then its buffer
// is reused.
func TestDefragBufferReuse(t *testing.T) {
	d := NewDecoder()
	var seg reassembly.Segment
	var first *byte
	for i := range 3 {
		tcp := bigTCP
		tcp.seq = uint32(i)
		f := v4frags(uint16(i), 6, tcp.bytes(), 96)
		d.Decode(LinkTypeRaw, f[0], &seg)
		if r, ok := d.Decode(LinkTypeRaw, f[1], &seg); !ok || seg.Seq != uint32(i) || !bytes.Equal(seg.Payload, body) {
			t.Fatalf("round %d: %v %+v", i, r, seg)
		}
		if i == 0 {
			first = &seg.Payload[0]
		} else if &seg.Payload[0] != first {
			t.Errorf("round %d: reassembly buffer not reused", i)
		}
	}
}

// check verifies the defragmenter's bookkeeping: list, map and totals
// agree. It returns a description of the first inconsistency, or "".
func (f *defrag) check() string {
	n, held, frags := 0, 0, int64(0)
	var prev *datagram
	for g := f.head; g != nil; g = g.next {
		if g.prev != prev {
			return "broken back link"
		}
		if f.pending[g.key] != g {
			return "list and map disagree"
		}
		if len(g.buf) != g.extent() {
			return "buffer longer than the bytes held"
		}
		for i, s := range g.spans {
			if s.a >= s.b || i > 0 && g.spans[i-1].b >= s.a {
				return "spans not sorted, disjoint and apart"
			}
		}
		n++
		held += len(g.buf)
		frags += g.frags
		prev = g
	}
	switch {
	case f.tail != prev:
		return "tail is not the last datagram"
	case n != f.count || n != len(f.pending):
		return "datagram count off"
	case held != f.held:
		return "held bytes off"
	case held > f.cfg.MaxFragmentBytes:
		return "over the byte cap"
	case n > f.cfg.MaxDatagrams:
		return "over the datagram cap"
	case frags != f.pendingFrags:
		return "pending fragments off"
	}
	return ""
}

// Reassembling a datagram whose fragments reuse the decoder's buffers
// allocates nothing once warm.
func TestDefragAllocs(t *testing.T) {
	d := NewDecoder()
	var seg reassembly.Segment
	f := v4frags(5, 6, bigTCP.bytes(), 64, 128)
	run := func() {
		for _, fr := range f {
			d.Decode(LinkTypeRaw, fr, &seg)
		}
	}
	run()
	if !bytes.Equal(seg.Payload, body) {
		t.Fatalf("payload = %q", seg.Payload)
	}
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("%v allocations per datagram, want 0", n)
	}
}

func TestStatsCounters(t *testing.T) {
	s := Stats{FragmentsHeld: 1, DatagramsReassembled: 2, FragmentsOverlapping: 3,
		FragmentsDropped: FragmentDrops{Timeout: 4, Limit: 5, OverlapConflict: 6, Malformed: 7}, FragmentsPending: 8}
	want := []Counter{
		{"ip.fragments_held", 1}, {"ip.datagrams_reassembled", 2}, {"ip.fragments_overlapping", 3},
		{"ip.fragments_dropped_timeout", 4}, {"ip.fragments_dropped_limit", 5},
		{"ip.fragments_dropped_overlap_conflict", 6}, {"ip.fragments_dropped_malformed", 7}, {"ip.fragments_pending", 8},
	}
	got := s.Counters()
	if len(got) != len(want) {
		t.Fatalf("Counters = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("counter %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestSpanInsert checks the held ranges and overlap reports of a datagram.
func TestSpanInsert(t *testing.T) {
	type ins struct {
		off  int
		data string
	}
	tests := []struct {
		name              string
		ins               []ins
		spans             []span
		buf               string
		overlap, conflict bool // of the last insert
	}{
		{"one", []ins{{0, "abcd"}}, []span{{0, 4}}, "abcd", false, false},
		{"adjacent merge", []ins{{0, "ab"}, {2, "cd"}}, []span{{0, 4}}, "abcd", false, false},
		{"gap", []ins{{0, "ab"}, {4, "ef"}}, []span{{0, 2}, {4, 6}}, "ab\x00\x00ef", false, false},
		{"fill gap", []ins{{0, "ab"}, {4, "ef"}, {2, "cd"}}, []span{{0, 6}}, "abcdef", false, false},
		{"cover two with new bytes around", []ins{{2, "c"}, {4, "e"}, {0, "abXdXfg"}}, []span{{0, 7}}, "abcdefg", true, true},
		{"same bytes", []ins{{0, "abcd"}, {1, "bc"}}, []span{{0, 4}}, "abcd", true, false},
		{"before", []ins{{4, "ef"}, {0, "ab"}}, []span{{0, 2}, {4, 6}}, "ab\x00\x00ef", false, false},
		{"overlap tail", []ins{{0, "abcd"}, {2, "Xdef"}}, []span{{0, 6}}, "abcdef", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &datagram{end: -1}
			var overlap, conflict bool
			for _, in := range tc.ins {
				if e := in.off + len(in.data); e > len(g.buf) {
					g.grow(e)
				}
				overlap, conflict = g.insert(in.off, []byte(in.data))
			}
			if string(g.buf) != tc.buf || overlap != tc.overlap || conflict != tc.conflict {
				t.Errorf("buf %q overlap %v conflict %v, want %q %v %v", g.buf, overlap, conflict, tc.buf, tc.overlap, tc.conflict)
			}
			if len(g.spans) != len(tc.spans) {
				t.Fatalf("spans %v, want %v", g.spans, tc.spans)
			}
			for i := range tc.spans {
				if g.spans[i] != tc.spans[i] {
					t.Errorf("spans %v, want %v", g.spans, tc.spans)
				}
			}
		})
	}
}
