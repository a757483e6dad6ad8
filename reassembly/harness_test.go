package reassembly

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// The scenario harness feeds operations to an Assembler and records every
// Stream call as one line of text, so a test states the exact sequence of
// calls it expects. It also checks, for every scenario, the invariants any
// output must satisfy (see recorder.check).

var (
	cli = netip.MustParseAddrPort("10.0.0.1:40000")
	srv = netip.MustParseAddrPort("10.0.0.2:80")
)

// op is one step of a scenario: a segment, an Advance or a Close.
type op struct {
	seg     *Segment
	advance int64 // Advance(advance) when seg is nil and close is false
	close   bool
}

// cut sets the segment's WireLen to its payload length plus n: the snap
// length cut n bytes.
func (o op) cut(n int) op {
	o.seg.WireLen = len(o.seg.Payload) + n
	return o
}

// seg returns a segment op from src to dst. Time and Ref are filled in by
// run unless set with at.
func seg(src, dst netip.AddrPort, seq, ack uint32, f Flags, payload string) op {
	s := &Segment{Src: src, Dst: dst, Seq: seq, Ack: ack, Flags: f, AppUID: -1}
	if payload != "" {
		s.Payload = []byte(payload)
	}
	return op{seg: s}
}

func c2s(seq, ack uint32, f Flags, payload string) op { return seg(cli, srv, seq, ack, f, payload) }
func s2c(seq, ack uint32, f Flags, payload string) op { return seg(srv, cli, seq, ack, f, payload) }

// at sets the capture time (and, if ref is non-zero, the Ref) of a segment op.
func (o op) at(t int64, ref Ref) op {
	o.seg.Time = t
	if ref != (Ref{}) {
		o.seg.Ref = ref
	}
	return o
}

func advance(now int64) op { return op{advance: now} }

// handshake is client ISN 1000, server ISN 5000: client data starts at
// 1001, server data at 5001.
func handshake() []op {
	return []op{
		c2s(1000, 0, SYN, ""),
		s2c(5000, 1001, SYN|ACK, ""),
		c2s(1001, 5001, ACK, ""),
	}
}

func ops(parts ...any) []op {
	var out []op
	for _, p := range parts {
		switch p := p.(type) {
		case op:
			out = append(out, p)
		case []op:
			out = append(out, p...)
		default:
			panic(fmt.Sprintf("ops: %T", p))
		}
	}
	return out
}

// msec is the default capture time of frame n: n milliseconds.
const msec = int64(1e6)

type recorder struct {
	t       testing.TB
	lines   []string
	streams []*recStream
	times   map[Ref]int64 // capture time of every segment fed, by Ref
	copy    bool          // keep the delivered bytes (scenarios) or only count them (fuzz)
}

type recStream struct {
	r        *recorder
	id       int
	info     ConnInfo
	next     [2]int64 // end of the last Data or Gap
	data     [2]int64
	missed   [2]int64
	ended    bool
	summary  *ConnSummary
	contents [2][]byte // delivered bytes, gaps as '?'
	overlaps []Overlap // as told to Overlap
}

func newRecorder(t testing.TB) *recorder {
	return &recorder{t: t, times: make(map[Ref]int64), copy: true}
}

func (r *recorder) NewStream(info *ConnInfo) Stream {
	s := &recStream{r: r, id: len(r.streams), info: *info}
	r.streams = append(r.streams, s)
	var b strings.Builder
	fmt.Fprintf(&b, "%d:new c=%v s=%v %v", s.id, info.Client, info.Server, info.Roles)
	if info.Midstream {
		b.WriteString(" midstream")
	}
	r.lines = append(r.lines, b.String())
	return s
}

func fmtRef(ref Ref) string {
	if ref.File != 0 {
		return fmt.Sprintf("#%d:%d", ref.File, ref.Frame)
	}
	return fmt.Sprintf("#%d", ref.Frame)
}

func dirName(d Dir) string { return [...]string{"c2s", "s2c"}[d] }

// at checks a Position and returns its text.
func (s *recStream) at(what string, dir Dir, at Position) string {
	r := s.r
	if s.ended {
		r.t.Errorf("stream %d: %s after End", s.id, what)
	}
	if at.Offset != s.next[dir] {
		r.t.Errorf("stream %d %s: %s at offset %d, want %d (contiguous)", s.id, dirName(dir), what, at.Offset, s.next[dir])
	}
	if tm, ok := r.times[at.Ref]; !ok || tm != at.Time {
		r.t.Errorf("stream %d %s: %s Position{Time: %d, Ref: %v}: time of that frame is %d (known %v)", s.id, dirName(dir), what, at.Time, at.Ref, tm, ok)
	}
	return fmt.Sprintf("@%d %s", at.Offset, fmtRef(at.Ref))
}

func (s *recStream) Data(dir Dir, b []byte, at Position) {
	if len(b) == 0 {
		s.r.t.Errorf("stream %d: empty Data", s.id)
	}
	if s.r.copy {
		s.r.lines = append(s.r.lines, fmt.Sprintf("%d:data %s %s %s", s.id, dirName(dir), s.at("Data", dir, at), b))
		s.contents[dir] = append(s.contents[dir], b...)
	} else {
		s.at("Data", dir, at)
	}
	s.next[dir] += int64(len(b))
	s.data[dir] += int64(len(b))
}

func (s *recStream) Gap(dir Dir, n int64, at Position) {
	if n <= 0 {
		s.r.t.Errorf("stream %d: Gap of %d", s.id, n)
	}
	if s.r.copy {
		s.r.lines = append(s.r.lines, fmt.Sprintf("%d:gap %s %s n=%d", s.id, dirName(dir), s.at("Gap", dir, at), n))
		s.contents[dir] = append(s.contents[dir], strings.Repeat("?", int(min(n, 1<<20)))...)
	} else {
		s.at("Gap", dir, at)
	}
	s.next[dir] += n
	s.missed[dir] += n
}

// lostHash is the short form of an Overlap.LostSHA256 the scenarios name:
// the first 8 hex digits of the SHA-256 of the lost bytes.
func lostHash(lost string) string {
	h := sha256.Sum256([]byte(lost))
	return hex.EncodeToString(h[:4])
}

func (s *recStream) Overlap(o Overlap) {
	r := s.r
	if s.ended {
		r.t.Errorf("stream %d: Overlap after End", s.id)
	}
	if _, ok := r.times[o.Ref]; !ok {
		r.t.Errorf("stream %d: Overlap names frame %v, never fed", s.id, o.Ref)
	}
	if len(o.LostSHA256) != 64 || o.Len <= 0 {
		r.t.Errorf("stream %d: Overlap %+v: want a 64-digit hash and a positive length", s.id, o)
	}
	s.overlaps = append(s.overlaps, o)
	if r.copy {
		r.lines = append(r.lines, fmt.Sprintf("%d:overlap %s @%d n=%d lost=%s %s", s.id, dirName(o.Dir), o.Offset, o.Len, o.LostSHA256[:min(8, len(o.LostSHA256))], fmtRef(o.Ref)))
	}
}

func (s *recStream) End(sum *ConnSummary) {
	if s.ended {
		s.r.t.Errorf("stream %d: End twice", s.id)
	}
	s.ended = true
	s.summary = sum
	if s.r.copy {
		hs := ""
		if sum.Handshake {
			hs = " hs"
		}
		s.r.lines = append(s.r.lines, fmt.Sprintf("%d:end %v last=%s c2s%s s2c%s hist=%s%s", s.id, sum.End, fmtRef(sum.LastRef),
			fmtDirStats(sum.Dir[ClientToServer]), fmtDirStats(sum.Dir[ServerToClient]), sum.History, hs))
	}
}

func fmtDirStats(d DirStats) string {
	var f []string
	add := func(name string, v int64) {
		if v != 0 {
			f = append(f, fmt.Sprintf("%s=%d", name, v))
		}
	}
	add("pk", d.Packets)
	add("pay", d.PayloadBytes)
	add("del", d.DeliveredBytes)
	add("miss", d.MissedBytes)
	add("dup", d.DupBytes)
	add("diff", d.OverlapDiff)
	add("ooo", d.OutOfOrder)
	add("ign", d.IgnoredBytes)
	add("trunc", d.TruncatedBytes)
	add("rtx", d.Retransmits)
	return "{" + strings.Join(f, " ") + "}"
}

func fmtStats(s Stats) string {
	var f []string
	add := func(name string, v int64) {
		if v != 0 {
			f = append(f, fmt.Sprintf("%s=%d", name, v))
		}
	}
	add("seg", s.Segments)
	add("conns", s.Conns)
	add("del", s.DeliveredBytes)
	add("miss", s.MissedBytes)
	add("dup", s.DupBytes)
	add("diff", s.OverlapDiff)
	add("ooo", s.OutOfOrder)
	add("mid", s.Midstream)
	add("evicted", s.Evicted)
	add("timeouts", s.Timeouts)
	add("ignseg", s.IgnoredSegments)
	add("ign", s.IgnoredBytes)
	add("trunc", s.TruncatedBytes)
	add("rtx", s.Retransmits)
	return "stats " + strings.Join(f, " ")
}

// run feeds ops to a new Assembler, then Close, and returns the recorded
// lines followed by the Stats line.
func run(t testing.TB, cfg Config, r *recorder, ops []op) []string {
	a := New(cfg, r)
	frame := uint64(0)
	for _, o := range ops {
		switch {
		case o.seg != nil:
			frame++
			s := *o.seg
			if s.Ref == (Ref{}) {
				s.Ref = Ref{Frame: frame}
			}
			if s.Time == 0 {
				s.Time = int64(s.Ref.Frame) * msec
			}
			r.times[s.Ref] = s.Time
			// The assembler must not keep the payload: hand it a copy and
			// scribble over it afterwards.
			p := append([]byte(nil), s.Payload...)
			s.Payload = p
			a.Assemble(&s)
			for i := range p {
				p[i] = 0xCC
			}
		case o.close:
			a.Close()
		default:
			a.Advance(o.advance)
		}
	}
	a.Close()
	r.check(a.Stats())
	return append(r.lines, fmtStats(a.Stats()))
}

// check verifies what must hold for any input once the Assembler is closed:
// every stream ended; per direction, the summary's Delivered and Missed
// bytes equal what the Stream saw; every payload byte is delivered,
// duplicate or ignored; truncated bytes are missed bytes; the summary's
// overlap evidence is what Overlap was told, one per OverlapDiff; the
// history has each letter at most once per direction and the letters the
// counts call for; and the totals add up.
func (r *recorder) check(st Stats) {
	t := r.t
	var del, miss, dup, diff, ooo, ign, trunc, rtx int64
	for _, s := range r.streams {
		if !s.ended {
			t.Errorf("stream %d: never ended", s.id)
			continue
		}
		sum := s.summary
		var diffs int64
		for d := range 2 {
			ds := sum.Dir[d]
			if ds.DeliveredBytes != s.data[d] || ds.MissedBytes != s.missed[d] {
				t.Errorf("stream %d %s: summary delivered %d missed %d, stream saw %d and %d",
					s.id, dirName(Dir(d)), ds.DeliveredBytes, ds.MissedBytes, s.data[d], s.missed[d])
			}
			if ds.PayloadBytes != ds.DeliveredBytes+ds.DupBytes+ds.IgnoredBytes {
				t.Errorf("stream %d %s: payload %d != delivered %d + dup %d + ignored %d",
					s.id, dirName(Dir(d)), ds.PayloadBytes, ds.DeliveredBytes, ds.DupBytes, ds.IgnoredBytes)
			}
			if ds.TruncatedBytes > ds.MissedBytes || ds.Retransmits > ds.Packets {
				t.Errorf("stream %d %s: truncated %d > missed %d or retransmits %d > packets %d",
					s.id, dirName(Dir(d)), ds.TruncatedBytes, ds.MissedBytes, ds.Retransmits, ds.Packets)
			}
			r.checkHistory(s, Dir(d), ds)
			del += ds.DeliveredBytes
			miss += ds.MissedBytes
			dup += ds.DupBytes
			diff += ds.OverlapDiff
			ooo += ds.OutOfOrder
			ign += ds.IgnoredBytes
			trunc += ds.TruncatedBytes
			rtx += ds.Retransmits
			diffs += ds.OverlapDiff
		}
		if int64(len(s.overlaps)) != diffs {
			t.Errorf("stream %d: Overlap told %d times, OverlapDiff %d", s.id, len(s.overlaps), diffs)
		}
		if want := s.overlaps[:min(len(s.overlaps), MaxOverlapEvidence)]; !slices.Equal(sum.Overlaps, want) {
			t.Errorf("stream %d: summary Overlaps %+v, want the first %d told: %+v", s.id, sum.Overlaps, MaxOverlapEvidence, want)
		}
	}
	if int64(len(r.streams)) != st.Conns {
		t.Errorf("%d streams, Stats.Conns = %d", len(r.streams), st.Conns)
	}
	got := [...]int64{st.DeliveredBytes, st.MissedBytes, st.DupBytes, st.OverlapDiff, st.OutOfOrder, st.TruncatedBytes, st.Retransmits}
	want := [...]int64{del, miss, dup, diff, ooo, trunc, rtx}
	if got != want || st.IgnoredBytes < ign {
		t.Errorf("Stats %+v do not add up: per-connection sums del %d miss %d dup %d diff %d ooo %d ign %d trunc %d rtx %d",
			st, del, miss, dup, diff, ooo, ign, trunc, rtx)
	}
}

// checkHistory checks the history letters of direction d against its
// counts: each letter at most once, G exactly when bytes were missed, O
// when an overlap differed, T when a segment was a retransmission.
func (r *recorder) checkHistory(s *recStream, d Dir, ds DirStats) {
	letters := "SHADFRTGO"
	if d == ServerToClient {
		letters = "shadfrtgo"
	}
	h := s.summary.History
	for _, l := range letters {
		if strings.Count(h, string(l)) > 1 {
			r.t.Errorf("stream %d: history %q has %c twice", s.id, h, l)
		}
	}
	for _, c := range []struct {
		letter byte
		want   bool
	}{
		{letters[7], ds.MissedBytes > 0},
		{letters[8], ds.OverlapDiff > 0},
		{letters[6], ds.Retransmits > 0},
	} {
		if strings.IndexByte(h, c.letter) >= 0 != c.want {
			r.t.Errorf("stream %d %s: history %q: letter %c present %v, want %v (%s)",
				s.id, dirName(d), h, c.letter, !c.want, c.want, fmtDirStats(ds))
		}
	}
}
