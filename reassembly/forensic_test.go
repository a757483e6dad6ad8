package reassembly

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func TestTruncated(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "cut in order: the captured bytes, then a gap, then the next segment",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hel").cut(2), // #4: 5 bytes on the wire, 3 captured
				c2s(1006, 5001, ACK, "world"),      // #5
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hel",
				"0:gap c2s @3 #4 n=2",
				"0:data c2s @5 #5 world",
				"0:end eof last=#5 c2s{pk=4 pay=8 del=8 miss=2 trunc=2} s2c{pk=1} hist=ShADG hs",
				"stats seg=5 conns=1 del=8 miss=2 trunc=2",
			},
		},
		{
			name: "cut out of order: the missing run waits in the queue at its offset",
			ops: ops(handshake(),
				c2s(1006, 5001, ACK, "wo").cut(3), // #4: offsets 5..9, 7..9 cut
				c2s(1011, 5001, ACK, "!"),         // #5
				c2s(1001, 5001, ACK, "hello"),     // #6
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #6 hello",
				"0:data c2s @5 #4 wo",
				"0:gap c2s @7 #4 n=3",
				"0:data c2s @10 #5 !",
				"0:end eof last=#6 c2s{pk=5 pay=8 del=8 miss=3 ooo=2 trunc=3} s2c{pk=1} hist=ShADG hs",
				"stats seg=6 conns=1 del=8 miss=3 ooo=2 trunc=3",
			},
		},
		{
			name: "captured bytes replace a queued missing run, whole or in part",
			ops: ops(handshake(),
				c2s(1006, 5001, ACK, "wo").cut(3), // #4: 7..9 missing
				c2s(1009, 5001, ACK, "l"),         // #5: fills offset 8 only
				c2s(1011, 5001, ACK, "ab").cut(4), // #6: 12..15 missing
				c2s(1011, 5001, ACK, "abcdef"),    // #7: full copy: 2 duplicates, fills 12..15
				c2s(1001, 5001, ACK, "hello"),     // #8
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #8 hello",
				"0:data c2s @5 #4 wo",
				"0:gap c2s @7 #4 n=1",
				"0:data c2s @8 #5 l",
				"0:gap c2s @9 #4 n=1",
				"0:data c2s @10 #6 ab",
				"0:data c2s @12 #7 cdef",
				"0:end eof last=#8 c2s{pk=7 pay=16 del=14 miss=2 dup=2 ooo=4 trunc=2} s2c{pk=1} hist=ShADG hs",
				"stats seg=8 conns=1 del=14 miss=2 dup=2 ooo=4 trunc=2",
			},
		},
		{
			name: "a gap already announced is final: the full copy later is a retransmission",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hel").cut(2), // #4
				c2s(1001, 5001, ACK, "hello"),      // #5
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hel",
				"0:gap c2s @3 #4 n=2",
				"0:end eof last=#5 c2s{pk=4 pay=8 del=3 miss=2 dup=5 trunc=2 rtx=1} s2c{pk=1} hist=ShADGT hs",
				"stats seg=5 conns=1 del=3 miss=2 dup=5 trunc=2 rtx=1",
			},
		},
		{
			name: "headers only (snap length 54): every segment is a gap and the FIN still ends it",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "").cut(5),         // #4
				c2s(1006, 5001, ACK|PSH, "").cut(5),     // #5
				s2c(5001, 1011, ACK, "").cut(3),         // #6
				c2s(1011, 5004, FIN|ACK, ""),            // #7
				s2c(5004, 1012, FIN|ACK|PSH, "").cut(2), // #8: data and FIN
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:gap c2s @0 #4 n=5",
				"0:gap c2s @5 #5 n=5",
				"0:gap s2c @0 #6 n=3",
				"0:gap s2c @3 #8 n=2",
				"0:end fin last=#8 c2s{pk=5 miss=10 trunc=10} s2c{pk=3 miss=5 trunc=5} hist=ShADGdgFf hs",
				"stats seg=8 conns=1 miss=15 trunc=15",
			},
		},
		{
			name: "cut while the start is unknown: held with the held data",
			ops: ops(
				c2s(3005, 7000, ACK, "fg").cut(3), // #1: offsets 5..9, 7..9 cut
				c2s(3000, 7000, ACK, "abcde"),     // #2
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 ports midstream",
				"0:data c2s @0 #2 abcde",
				"0:data c2s @5 #1 fg",
				"0:gap c2s @7 #1 n=3",
				"0:end eof last=#2 c2s{pk=2 pay=7 del=7 miss=3 trunc=3} s2c{} hist=DG",
				"stats seg=2 conns=1 del=7 miss=3 mid=1 trunc=3",
			},
		},
		{
			name: "missing bytes past the FIN are not part of the stream",
			ops: ops(handshake(),
				c2s(1006, 5001, FIN|ACK, ""),      // #4: FIN at offset 5
				c2s(1001, 5001, ACK, "he").cut(6), // #5: 2..7 cut, 5..7 after the FIN
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #5 he",
				"0:gap c2s @2 #5 n=3",
				"0:end fin last=#5 c2s{pk=4 pay=2 del=2 miss=3 trunc=3} s2c{pk=1} hist=ShAFDG hs",
				"stats seg=5 conns=1 del=2 miss=3 trunc=3",
			},
		},
		{
			name: "WireLen 0 or below the captured length cuts nothing",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"),         // #4: WireLen 0
				c2s(1006, 5001, ACK, "world").cut(-3), // #5: WireLen 2 < 5
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:data c2s @5 #5 world",
				"0:end eof last=#5 c2s{pk=4 pay=10 del=10} s2c{pk=1} hist=ShAD hs",
				"stats seg=5 conns=1 del=10",
			},
		},
	})
}

func TestHistory(t *testing.T) {
	a80 := netip.MustParseAddrPort("10.0.0.1:80")
	b50k := netip.MustParseAddrPort("10.0.0.2:50000")
	runScenarios(t, []scenario{
		{
			// By ports alone 10.0.0.1:80 would be the server ("d"); the
			// SYN it sends afterwards makes it the client, and the letters
			// recorded before are cased by the final roles.
			name: "a late SYN flips the roles: earlier letters follow them",
			ops: ops(
				seg(a80, b50k, 1001, 0, PSH, "hi"),    // #1: held
				seg(a80, b50k, 1000, 0, SYN, ""),      // #2
				seg(b50k, a80, 7000, 1003, ACK, "yo"), // #3: no SYN+ACK from it: no handshake
			),
			want: []string{
				"0:new c=10.0.0.1:80 s=10.0.0.2:50000 syn",
				"0:data c2s @0 #1 hi",
				"0:data s2c @0 #3 yo",
				"0:end eof last=#3 c2s{pk=2 pay=2 del=2} s2c{pk=1 pay=2 del=2} hist=DSd",
				"stats seg=3 conns=1 del=4",
			},
		},
		{
			name: "each letter once per direction, in order of first occurrence",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "ab"),   // #4 D
				c2s(1001, 5001, ACK, "ab"),   // #5 T
				c2s(1001, 5001, ACK, "ab"),   // #6 T again
				s2c(5001, 1003, ACK, ""),     // #7 a
				s2c(5001, 1003, ACK, "cd"),   // #8 d
				s2c(5001, 1003, ACK, "CD"),   // #9 t, then o
				s2c(5003, 1003, ACK, ""),     // #10 a again
				c2s(1003, 5003, FIN|ACK, ""), // #11 F
				c2s(1003, 5003, FIN|ACK, ""), // #12 F again
				s2c(5003, 1004, RST|ACK, ""), // #13 r
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 ab",
				"0:data s2c @0 #8 cd",
				"0:overlap s2c @0 n=2 lost=" + lostHash("CD") + " #9",
				"0:end rst last=#13 c2s{pk=7 pay=6 del=2 dup=4 rtx=2} s2c{pk=6 pay=4 del=2 dup=2 diff=1 rtx=1} hist=ShADTadtoFr hs",
				"stats seg=13 conns=1 del=4 dup=6 diff=1 rtx=3",
			},
		},
		{
			name: "SYN and SYN+ACK from the same side are no handshake",
			ops: ops(
				c2s(1000, 0, SYN, ""),      // #1
				c2s(1000, 0, SYN|ACK, ""),  // #2
				c2s(1001, 0, ACK|PSH, "x"), // #3
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #3 x",
				"0:end eof last=#3 c2s{pk=3 pay=1 del=1} s2c{} hist=SHD",
				"stats seg=3 conns=1 del=1",
			},
		},
	})
}

func TestOverlapEvidence(t *testing.T) {
	runScenarios(t, []scenario{
		{
			// The span runs from the first byte that lost to an earlier
			// copy to the last: "LO" against delivered "lo", "12345"
			// kept, "AGA" against queued "aga".
			name: "one segment over delivered and queued bytes: one overlap, its whole span",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"),      // #4
				c2s(1011, 5001, ACK, "again"),      // #5: queued at 10
				c2s(1004, 5001, ACK, "LO12345AGA"), // #6: offsets 3..12
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:overlap c2s @3 n=10 lost=" + lostHash("LO12345AGA") + " #6",
				"0:data c2s @5 #6 12345",
				"0:data c2s @10 #5 again",
				"0:end eof last=#6 c2s{pk=5 pay=20 del=15 dup=5 diff=1 ooo=1} s2c{pk=1} hist=ShADO hs",
				"stats seg=6 conns=1 del=15 dup=5 diff=1 ooo=1",
			},
		},
		{
			// Found while the start is unknown: the offset is provisional
			// (relative to #1) until the ACK settles the start at 3000.
			name: "overlap among held bytes is told once the start is known, before any Data",
			ops: ops(
				c2s(3005, 7000, ACK, "world"), // #1: held
				c2s(3005, 7000, ACK, "WORLD"), // #2: differs
				c2s(3000, 7000, ACK, "hello"), // #3
				s2c(7000, 3010, ACK, ""),      // #4: the start is 3000
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 ports midstream",
				"0:overlap c2s @5 n=5 lost=" + lostHash("WORLD") + " #2",
				"0:data c2s @0 #3 hello",
				"0:data c2s @5 #1 world",
				"0:end eof last=#4 c2s{pk=3 pay=15 del=10 dup=5 diff=1 rtx=1} s2c{pk=1} hist=DTOa",
				"stats seg=4 conns=1 del=10 dup=5 diff=1 mid=1 rtx=1",
			},
		},
	})
}

// summaryStream keeps the summary and implements neither OverlapObserver
// nor anything else beyond Stream.
type summaryStream struct{ sums []*ConnSummary }

func (s *summaryStream) NewStream(*ConnInfo) Stream { return s }
func (s *summaryStream) Data(Dir, []byte, Position) {}
func (s *summaryStream) Gap(Dir, int64, Position)   {}
func (s *summaryStream) End(sum *ConnSummary)       { s.sums = append(s.sums, sum) }

// TestOverlapEvidenceBounded sends 20 retransmissions with other bytes:
// OverlapDiff counts 20, the Stream is told 20 times, the summary keeps the
// first MaxOverlapEvidence; a Stream without Overlap gets the same summary.
func TestOverlapEvidenceBounded(t *testing.T) {
	in := ops(handshake(), c2s(1001, 5001, ACK, "0123456789"))
	for i := range 20 {
		in = append(in, c2s(1001+uint32(i%5), 5001, ACK, fmt.Sprintf("%c%c", 'A'+i, 'a'+i)))
	}
	r := newRecorder(t)
	run(t, Config{}, r, in)
	sum := r.streams[0].summary
	if got := sum.Dir[ClientToServer].OverlapDiff; got != 20 || len(r.streams[0].overlaps) != 20 || len(sum.Overlaps) != MaxOverlapEvidence {
		t.Fatalf("OverlapDiff %d, told %d, kept %d; want 20, 20, %d", got, len(r.streams[0].overlaps), len(sum.Overlaps), MaxOverlapEvidence)
	}
	for i, o := range sum.Overlaps {
		lost := fmt.Sprintf("%c%c", 'A'+i, 'a'+i)
		h := sha256.Sum256([]byte(lost))
		want := Overlap{Dir: ClientToServer, Offset: int64(i % 5), Len: 2, LostSHA256: hex.EncodeToString(h[:]), Ref: Ref{Frame: uint64(5 + i)}}
		if o != want {
			t.Errorf("Overlaps[%d] = %+v, want %+v", i, o, want)
		}
	}

	plain := &summaryStream{}
	a := New(Config{}, plain)
	for i, o := range in {
		s := *o.seg
		s.Ref = Ref{Frame: uint64(i + 1)}
		a.Assemble(&s)
	}
	a.Close()
	if len(plain.sums) != 1 || !equalOverlaps(plain.sums[0].Overlaps, sum.Overlaps) {
		t.Errorf("without OverlapObserver: summaries %d, overlaps differ from the observed run", len(plain.sums))
	}
}

func equalOverlaps(a, b []Overlap) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEncapFromFirstSegment(t *testing.T) {
	first := c2s(1000, 0, SYN, "")
	first.seg.Encap = "vlan>gre>ipv4"
	second := c2s(1001, 0, ACK, "x")
	second.seg.Encap = "vlan"
	r := newRecorder(t)
	run(t, Config{}, r, ops(first, second))
	if got := r.streams[0].info.Encap; got != "vlan>gre>ipv4" {
		t.Errorf("Encap %q, want the first segment's %q", got, "vlan>gre>ipv4")
	}
	if got := r.streams[0].summary.Encap; got != "vlan>gre>ipv4" {
		t.Errorf("summary Encap %q", got)
	}
}

// TestPermutations delivers a five-segment stream in every one of the 120
// orders, with a handshake and without one (the start then comes from the
// lowest held byte), and checks the exact bytes and counts each time. One
// segment overlaps its predecessor by two equal bytes, so each order also
// counts exactly two duplicate bytes; in the third variant one segment is cut
// by the snap length and its last three bytes must come out as a gap.
func TestPermutations(t *testing.T) {
	const stream = "GET / HTTP/1.1\r\nHost: x\r\n\r\n" // 27 bytes
	type piece struct{ off, n, cut int }
	cuts := [][]piece{
		{{0, 6, 0}, {6, 5, 0}, {9, 8, 0}, {17, 4, 0}, {21, 6, 0}}, // 9..10 sent twice
		{{0, 6, 0}, {6, 5, 0}, {9, 8, 0}, {17, 4, 0}, {21, 6, 0}},
		{{0, 6, 0}, {6, 5, 0}, {11, 6, 3}, {17, 4, 0}, {21, 6, 0}}, // 14..16 cut
	}
	perm := []int{0, 1, 2, 3, 4}
	var perms [][]int
	var gen func(k int)
	gen = func(k int) {
		if k == len(perm) {
			perms = append(perms, append([]int(nil), perm...))
			return
		}
		for i := k; i < len(perm); i++ {
			perm[k], perm[i] = perm[i], perm[k]
			gen(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	gen(0)
	if len(perms) != 120 {
		t.Fatalf("%d permutations", len(perms))
	}
	for variant, pieces := range cuts {
		handshake := variant != 1
		want, wantTrunc := stream, int64(0)
		if variant == 2 {
			want, wantTrunc = stream[:14]+"???"+stream[17:], 3
		}
		for _, p := range perms {
			var in []op
			if handshake {
				in = ops(c2s(999, 0, SYN, ""), s2c(4999, 1000, SYN|ACK, ""))
			}
			for _, i := range p {
				pc := pieces[i]
				o := c2s(1000+uint32(pc.off), 5000, ACK|PSH, stream[pc.off:pc.off+pc.n-pc.cut])
				if pc.cut > 0 {
					o = o.cut(pc.cut)
				}
				in = append(in, o)
			}
			r := newRecorder(t)
			run(t, Config{}, r, in)
			if len(r.streams) != 1 {
				t.Fatalf("variant %d order %v: %d streams", variant, p, len(r.streams))
			}
			s := r.streams[0]
			ds := s.summary.Dir[ClientToServer]
			if got := string(s.contents[ClientToServer]); got != want || ds.TruncatedBytes != wantTrunc || ds.MissedBytes != wantTrunc {
				t.Fatalf("variant %d order %v: got %q (trunc %d, missed %d), want %q (trunc %d)",
					variant, p, got, ds.TruncatedBytes, ds.MissedBytes, want, wantTrunc)
			}
			wantDup := int64(2)
			if variant == 2 {
				wantDup = 0
			}
			if ds.DupBytes != wantDup || ds.Retransmits != 0 || ds.OverlapDiff != 0 {
				t.Fatalf("variant %d order %v: dup %d retransmits %d diff %d, want %d 0 0", variant, p, ds.DupBytes, ds.Retransmits, ds.OverlapDiff, wantDup)
			}
			if strings.Contains(s.summary.History, "T") || s.summary.Handshake != handshake {
				t.Fatalf("variant %d order %v: history %q handshake %v", variant, p, s.summary.History, s.summary.Handshake)
			}
		}
	}
}

func TestOverlapBeforeAnyDelivery(t *testing.T) {
	runScenarios(t, []scenario{
		{
			// Both copies are queued behind a hole that is never filled:
			// the overlap is told right after NewStream, before the Gap.
			name: "overlap among queued bytes of a connection that delivers only at its end",
			ops: ops(handshake(),
				c2s(1006, 5001, ACK, "world"), // #4: queued
				c2s(1006, 5001, ACK, "wOrld"), // #5: differs
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:overlap c2s @5 n=5 lost=" + lostHash("wOrld") + " #5",
				"0:gap c2s @0 #4 n=5",
				"0:data c2s @5 #4 world",
				"0:end eof last=#5 c2s{pk=4 pay=10 del=5 miss=5 dup=5 diff=1 ooo=1 rtx=1} s2c{pk=1} hist=ShADTOG hs",
				"stats seg=5 conns=1 del=5 miss=5 dup=5 diff=1 ooo=1 rtx=1",
			},
		},
	})
}
