package reassembly

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

var cli2 = netip.MustParseAddrPort("10.0.0.3:40001")

// handshake2 is the handshake of a second connection, cli2 -> srv, with
// client ISN 2000 and server ISN 6000.
// smallBlock is what one queued segment of a few bytes counts against the
// buffer limits: the smallest pooled chunk and the block.
var smallBlock = int64(1<<minChunkShift) + blockOverhead

func handshake2() []op {
	return []op{
		seg(cli2, srv, 2000, 0, SYN, ""),
		seg(srv, cli2, 6000, 2001, SYN|ACK, ""),
		seg(cli2, srv, 2001, 6001, ACK, ""),
	}
}

type scenario struct {
	name string
	cfg  Config
	ops  []op
	want []string
}

func runScenarios(t *testing.T, tests []scenario) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, tt.cfg, newRecorder(t), tt.ops)
			if !slices.Equal(got, tt.want) {
				t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestDelivery(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "in order, FIN both ways ends at once, last ACK absorbed",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK|PSH, "hello"), // #4
				c2s(1006, 5001, ACK|PSH, "world"), // #5
				s2c(5001, 1011, ACK|PSH, "ok"),    // #6
				c2s(1011, 5003, FIN|ACK, ""),      // #7
				s2c(5003, 1012, FIN|ACK, ""),      // #8
				c2s(1012, 5004, ACK, ""),          // #9
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:data c2s @5 #5 world",
				"0:data s2c @0 #6 ok",
				"0:end fin last=#8 c2s{pk=5 pay=10 del=10} s2c{pk=3 pay=2 del=2} hist=ShADdFf hs",
				"stats seg=9 conns=1 del=12",
			},
		},
		{
			name: "reordered segment is held until the hole fills",
			ops: ops(handshake(),
				c2s(1006, 5001, ACK, "world"), // #4
				c2s(1001, 5001, ACK, "hello"), // #5
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #5 hello",
				"0:data c2s @5 #4 world",
				"0:end eof last=#5 c2s{pk=4 pay=10 del=10 ooo=1} s2c{pk=1} hist=ShAD hs",
				"stats seg=5 conns=1 del=10 ooo=1",
			},
		},
		{
			name: "duplicate segment dropped",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				c2s(1001, 5001, ACK, "hello"), // #5
				c2s(1006, 5001, ACK, "world"), // #6
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:data c2s @5 #6 world",
				"0:end eof last=#6 c2s{pk=5 pay=15 del=10 dup=5 rtx=1} s2c{pk=1} hist=ShADT hs",
				"stats seg=6 conns=1 del=10 dup=5 rtx=1",
			},
		},
		{
			name: "retransmission over delivered bytes, same bytes",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"),    // #4
				c2s(1006, 5001, ACK, "world"),    // #5
				c2s(1004, 5001, ACK, "loworld!"), // #6: 7 old bytes, 1 new
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:data c2s @5 #5 world",
				"0:data c2s @10 #6 !",
				"0:end eof last=#6 c2s{pk=5 pay=18 del=11 dup=7} s2c{pk=1} hist=ShAD hs",
				"stats seg=6 conns=1 del=11 dup=7",
			},
		},
		{
			name: "retransmission over delivered bytes, different bytes: first copy wins",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"),    // #4
				c2s(1006, 5001, ACK, "world"),    // #5
				c2s(1004, 5001, ACK, "LOworld!"), // #6
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:data c2s @5 #5 world",
				"0:overlap c2s @3 n=7 lost=" + lostHash("LOworld") + " #6", // #6's bytes over offsets 3..9, told before its new byte
				"0:data c2s @10 #6 !",
				"0:end eof last=#6 c2s{pk=5 pay=18 del=11 dup=7 diff=1} s2c{pk=1} hist=ShADO hs",
				"stats seg=6 conns=1 del=11 dup=7 diff=1",
			},
		},
		{
			name: "overlap with queued data: first copy wins, new bytes around it kept",
			ops: ops(handshake(),
				c2s(1006, 5001, ACK, "world"),    // #4: queued at 5
				c2s(1004, 5001, ACK, "XXWORLD!"), // #5: XX new, WORLD differs from queued, ! new
				c2s(1001, 5001, ACK, "hel"),      // #6: fills the hole
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:overlap c2s @5 n=5 lost=" + lostHash("WORLD") + " #5", // found at #5, told before the first Data
				"0:data c2s @0 #6 hel",
				"0:data c2s @3 #5 XX",
				"0:data c2s @5 #4 world",
				"0:data c2s @10 #5 !",
				"0:end eof last=#6 c2s{pk=5 pay=16 del=11 dup=5 diff=1 ooo=2} s2c{pk=1} hist=ShADO hs",
				"stats seg=6 conns=1 del=11 dup=5 diff=1 ooo=2",
			},
		},
		{
			name: "overlap window: delivered bytes older than the window are not compared",
			cfg:  Config{OverlapWindow: 4},
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"),  // #4
				c2s(1006, 5001, ACK, "world"),  // #5: window now holds "orld"
				c2s(1001, 5001, ACK, "HELLO"),  // #6: differs, but out of the window
				c2s(1007, 5001, ACK, "oRLD"),   // #7: differs inside the window
				c2s(1007, 5001, ACK, "orld!!"), // #8: same bytes, 2 new
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:data c2s @5 #5 world",
				"0:overlap c2s @6 n=4 lost=" + lostHash("oRLD") + " #7",
				"0:data c2s @10 #8 !!",
				"0:end eof last=#8 c2s{pk=7 pay=25 del=12 dup=13 diff=1 rtx=2} s2c{pk=1} hist=ShADTO hs",
				"stats seg=8 conns=1 del=12 dup=13 diff=1 rtx=2",
			},
		},
		{
			name: "sequence numbers wrap around 2^32",
			ops: ops(
				c2s(0xFFFFFFF0, 0, SYN, ""),                    // #1
				s2c(5000, 0xFFFFFFF1, SYN|ACK, ""),             // #2
				c2s(0x00000001, 5001, ACK, "XYZ"),              // #3: offset 16, after the wrap
				c2s(0xFFFFFFF1, 5001, ACK, "0123456789abcdef"), // #4: offsets 0..15, crosses the wrap
				c2s(0x00000004, 5001, FIN|ACK, ""),             // #5
				s2c(5001, 0x00000005, FIN|ACK, ""),             // #6
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 0123456789abcdef",
				"0:data c2s @16 #3 XYZ",
				"0:end fin last=#6 c2s{pk=4 pay=19 del=19 ooo=1} s2c{pk=2} hist=ShDFf hs",
				"stats seg=6 conns=1 del=19 ooo=1",
			},
		},
		{
			name: "IPv6",
			ops: ops(
				seg(netip.MustParseAddrPort("[2001:db8::1]:40000"), netip.MustParseAddrPort("[2001:db8::2]:443"), 1000, 0, SYN, ""),
				seg(netip.MustParseAddrPort("[2001:db8::2]:443"), netip.MustParseAddrPort("[2001:db8::1]:40000"), 5000, 1001, SYN|ACK, ""),
				seg(netip.MustParseAddrPort("[2001:db8::1]:40000"), netip.MustParseAddrPort("[2001:db8::2]:443"), 1001, 5001, ACK, ""),
				seg(netip.MustParseAddrPort("[2001:db8::1]:40000"), netip.MustParseAddrPort("[2001:db8::2]:443"), 1001, 5001, ACK, "hello"),
				seg(netip.MustParseAddrPort("[2001:db8::2]:443"), netip.MustParseAddrPort("[2001:db8::1]:40000"), 5001, 1006, ACK, "world"),
			),
			want: []string{
				"0:new c=[2001:db8::1]:40000 s=[2001:db8::2]:443 syn",
				"0:data c2s @0 #4 hello",
				"0:data s2c @0 #5 world",
				"0:end eof last=#5 c2s{pk=3 pay=5 del=5} s2c{pk=2 pay=5 del=5} hist=ShADd hs",
				"stats seg=5 conns=1 del=10",
			},
		},
		{
			name: "keep-alive and zero-window probe at next-1 ignored",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				c2s(1005, 5001, ACK, "X"),     // #5: 1 garbage byte at next-1: dup, not a difference
				c2s(1005, 5001, ACK, ""),      // #6: 0-byte keep-alive
				c2s(1006, 5001, ACK, "world"), // #7
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:data c2s @5 #7 world",
				"0:end eof last=#7 c2s{pk=6 pay=11 del=10 dup=1} s2c{pk=1} hist=ShAD hs",
				"stats seg=7 conns=1 del=10 dup=1",
			},
		},
		{
			name: "data after FIN ignored; one FIN at Close is EndFIN",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"),  // #4
				c2s(1006, 5001, FIN|ACK, ""),   // #5: FIN takes offset 5
				c2s(1007, 5001, ACK, "junk"),   // #6
				c2s(1004, 5001, ACK, "lo+FIN"), // #7: 2 dup bytes, 4 at or after the FIN
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:end fin last=#7 c2s{pk=6 pay=15 del=5 dup=2 ign=8} s2c{pk=1} hist=ShADF hs",
				"stats seg=7 conns=1 del=5 dup=2 ign=8",
			},
		},
	})
}

func TestRoles(t *testing.T) {
	a80 := netip.MustParseAddrPort("10.0.0.1:80")
	b50k := netip.MustParseAddrPort("10.0.0.2:50000")
	runScenarios(t, []scenario{
		{
			name: "SYN sender is the client even from port 80",
			ops:  ops(seg(a80, b50k, 1000, 0, SYN, "")),
			want: []string{
				"0:new c=10.0.0.1:80 s=10.0.0.2:50000 syn",
				"0:end eof last=#1 c2s{pk=1} s2c{} hist=S",
				"stats seg=1 conns=1",
			},
		},
		{
			name: "only SYN+ACK seen: its receiver is the client",
			ops: ops(
				seg(b50k, a80, 5000, 1001, SYN|ACK, ""), // #1
				seg(a80, b50k, 1001, 5001, ACK, "hi"),   // #2: starts at the ACK of the SYN+ACK
			),
			want: []string{
				"0:new c=10.0.0.1:80 s=10.0.0.2:50000 synack",
				"0:data c2s @0 #2 hi",
				"0:end eof last=#2 c2s{pk=1 pay=2 del=2} s2c{pk=1} hist=hD",
				"stats seg=2 conns=1 del=2",
			},
		},
		{
			name: "no handshake: server by port even when it speaks first",
			ops: ops(
				s2c(7000, 3000, ACK, "resp1"), // #1: held, start unknown
				c2s(3000, 7005, ACK, "req2"),  // #2: its ACK settles s2c; its data starts at s2c's ACK
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 ports midstream",
				"0:data s2c @0 #1 resp1",
				"0:data c2s @0 #2 req2",
				"0:end eof last=#2 c2s{pk=1 pay=4 del=4} s2c{pk=1 pay=5 del=5} hist=dD",
				"stats seg=2 conns=1 del=9 mid=1",
			},
		},
		{
			name: "late SYN (captured after the first data) still fixes roles and start",
			ops: ops(
				c2s(1001, 0, PSH, "hello"),   // #1: held
				c2s(1000, 0, SYN, ""),        // #2
				s2c(5000, 1001, SYN|ACK, ""), // #3
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #1 hello",
				"0:end eof last=#3 c2s{pk=2 pay=5 del=5} s2c{pk=1} hist=DSh hs",
				"stats seg=3 conns=1 del=5",
			},
		},
	})
}

func TestRolesFromPorts(t *testing.T) {
	tests := []struct {
		from, to string
		client   string
	}{
		{"10.0.0.1:40000", "10.0.0.2:80", "10.0.0.1:40000"},
		{"10.0.0.2:80", "10.0.0.1:40000", "10.0.0.1:40000"},
		{"10.0.0.1:2000", "10.0.0.2:8080", "10.0.0.1:2000"}, // 8080 is a server port though higher
		{"10.0.0.2:8443", "10.0.0.1:2000", "10.0.0.1:2000"},
		{"10.0.0.1:50000", "10.0.0.2:40000", "10.0.0.1:50000"}, // neither well known: lower port serves
		{"10.0.0.1:443", "10.0.0.2:80", "10.0.0.1:443"},        // both well known: lower port serves
		{"10.0.0.9:5000", "10.0.0.3:5000", "10.0.0.9:5000"},    // same port: lower address serves
		{"[2001:db8::2]:5000", "[2001:db8::1]:5000", "[2001:db8::2]:5000"},
	}
	for _, tt := range tests {
		r := newRecorder(t)
		run(t, Config{}, r, ops(seg(netip.MustParseAddrPort(tt.from), netip.MustParseAddrPort(tt.to), 1, 1, ACK, "")))
		if len(r.streams) != 1 {
			t.Fatalf("%s -> %s: %d streams", tt.from, tt.to, len(r.streams))
		}
		info := r.streams[0].info
		if got := info.Client.String(); got != tt.client || info.Roles != RoleFromPorts || !info.Midstream {
			t.Errorf("%s -> %s: client %s roles %v midstream %v, want client %s by ports, midstream",
				tt.from, tt.to, got, info.Roles, info.Midstream, tt.client)
		}
	}
}

func TestMidstream(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "reordered start waits for the peer's ACK",
			ops: ops(
				c2s(3005, 7000, ACK, "world"), // #1
				c2s(3000, 7000, ACK, "hello"), // #2: lower sequence number arrives later
				s2c(7000, 3010, ACK, ""),      // #3: peer has everything from 3000: start there
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 ports midstream",
				"0:data c2s @0 #2 hello",
				"0:data c2s @5 #1 world",
				"0:end eof last=#3 c2s{pk=2 pay=10 del=10} s2c{pk=1} hist=Da",
				"stats seg=3 conns=1 del=10 mid=1",
			},
		},
		{
			name: "start settles on the lowest byte after 8 held segments",
			ops: ops(
				c2s(3002, 0, PSH, "c"), c2s(3001, 0, PSH, "b"), // #1 #2
				c2s(3004, 0, PSH, "e"), c2s(3003, 0, PSH, "d"), // #3 #4
				c2s(3006, 0, PSH, "g"), c2s(3005, 0, PSH, "f"), // #5 #6
				c2s(3008, 0, PSH, "i"), c2s(3007, 0, PSH, "h"), // #7 #8: eighth held segment
				c2s(3000, 0, PSH, "a"), // #9: before the start: duplicate
				c2s(3009, 0, PSH, "j"), // #10
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 ports midstream",
				"0:data c2s @0 #2 b",
				"0:data c2s @1 #1 c",
				"0:data c2s @2 #4 d",
				"0:data c2s @3 #3 e",
				"0:data c2s @4 #6 f",
				"0:data c2s @5 #5 g",
				"0:data c2s @6 #8 h",
				"0:data c2s @7 #7 i",
				"0:data c2s @8 #10 j",
				"0:end eof last=#10 c2s{pk=10 pay=10 del=9 dup=1 rtx=1} s2c{} hist=DT",
				"stats seg=10 conns=1 del=9 dup=1 mid=1 rtx=1",
			},
		},
		{
			name: "held data flushed at the end with its holes",
			ops: ops(
				c2s(3000, 0, PSH, "abc"), // #1
				c2s(3005, 0, PSH, "fg"),  // #2
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 ports midstream",
				"0:data c2s @0 #1 abc",
				"0:gap c2s @3 #2 n=2",
				"0:data c2s @5 #2 fg",
				"0:end eof last=#2 c2s{pk=2 pay=5 del=5 miss=2} s2c{} hist=DG",
				"stats seg=2 conns=1 del=5 miss=2 mid=1",
			},
		},
	})
}

func TestGaps(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "hole never filled: gap at the end, bytes after it delivered",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				c2s(1011, 5001, ACK, "again"), // #5
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:gap c2s @5 #5 n=5",
				"0:data c2s @10 #5 again",
				"0:end eof last=#5 c2s{pk=4 pay=10 del=10 miss=5 ooo=1} s2c{pk=1} hist=ShADG hs",
				"stats seg=5 conns=1 del=10 miss=5 ooo=1",
			},
		},
		{
			name: "per-direction buffer limit forces a gap",
			cfg:  Config{MaxBufferedPerDir: 8},
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				c2s(1011, 5001, ACK, "abcde"), // #5: 5 queued
				c2s(1021, 5001, ACK, "vwxyz"), // #6: 10 queued > 8
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:gap c2s @5 #5 n=5",
				"0:data c2s @10 #5 abcde",
				"0:gap c2s @15 #6 n=5",
				"0:data c2s @20 #6 vwxyz",
				"0:end eof last=#6 c2s{pk=5 pay=15 del=15 miss=10 ooo=2} s2c{pk=1} hist=ShADG hs",
				"stats seg=6 conns=1 del=15 miss=10 ooo=2",
			},
		},
		{
			// A queued segment costs its pooled chunk and its block
			// (smallBlock), whatever its few bytes.
			name: "total buffer limit frees the connection holding most",
			cfg:  Config{MaxBufferedTotal: 2 * smallBlock},
			ops: ops(handshake(), handshake2(),
				c2s(1006, 5001, ACK, "world"),          // #7: conn A holds 5
				seg(cli2, srv, 2006, 6001, ACK, "abc"), // #8: B holds one block, total two
				seg(cli2, srv, 2010, 6001, ACK, "xyz"), // #9: B holds two, total three: B gives way
			),
			want: []string{
				"0:new c=10.0.0.3:40001 s=10.0.0.2:80 syn",
				"0:gap c2s @0 #8 n=5",
				"0:data c2s @5 #8 abc",
				"1:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"1:gap c2s @0 #7 n=5",
				"1:data c2s @5 #7 world",
				"1:end eof last=#7 c2s{pk=3 pay=5 del=5 miss=5 ooo=1} s2c{pk=1} hist=ShADG hs",
				"0:gap c2s @8 #9 n=1",
				"0:data c2s @9 #9 xyz",
				"0:end eof last=#9 c2s{pk=4 pay=6 del=6 miss=6 ooo=2} s2c{pk=1} hist=ShADG hs",
				"stats seg=9 conns=2 del=11 miss=11 ooo=3",
			},
		},
		{
			name: "total buffer limit, tie: the connection first in End order gives way",
			cfg:  Config{MaxBufferedTotal: 2*smallBlock - 1},
			ops: ops(handshake(), handshake2(),
				c2s(1006, 5001, ACK, "world"),            // #7: A holds 5
				seg(cli2, srv, 2006, 6001, ACK, "abcde"), // #8: B holds 5, total 10
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:gap c2s @0 #7 n=5",
				"0:data c2s @5 #7 world",
				"0:end eof last=#7 c2s{pk=3 pay=5 del=5 miss=5 ooo=1} s2c{pk=1} hist=ShADG hs",
				"1:new c=10.0.0.3:40001 s=10.0.0.2:80 syn",
				"1:gap c2s @0 #8 n=5",
				"1:data c2s @5 #8 abcde",
				"1:end eof last=#8 c2s{pk=3 pay=5 del=5 miss=5 ooo=1} s2c{pk=1} hist=ShADG hs",
				"stats seg=8 conns=2 del=10 miss=10 ooo=2",
			},
		},
		{
			name: "ACK above a hole makes it a gap once the peer sends data",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				c2s(1011, 5001, ACK, "again"), // #5: hole at 5..9
				s2c(5001, 1008, ACK, "ok"),    // #6: ACK inside the hole: wait
				s2c(5003, 1011, ACK, ""),      // #7: whole hole acknowledged
				s2c(5003, 1016, ACK, "!!"),    // #8
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:data s2c @0 #6 ok",
				"0:gap c2s @5 #5 n=5",
				"0:data c2s @10 #5 again",
				"0:data s2c @2 #8 !!",
				"0:end eof last=#8 c2s{pk=4 pay=10 del=10 miss=5 ooo=1} s2c{pk=4 pay=4 del=4} hist=ShADdaG hs",
				"stats seg=8 conns=1 del=14 miss=5 ooo=1",
			},
		},
		{
			// samples/impaired/impaired-loss.pcap frames 83-85: the capture
			// point saw the server's ACK before the only copy of the bytes
			// it acknowledges (a retransmission). The copy fills the hole.
			name: "ACK above a hole seen before the retransmission that fills it: no gap",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				c2s(1011, 5001, ACK, "again"), // #5: hole at 5..9
				s2c(5001, 1016, ACK, ""),      // #6: all acknowledged
				c2s(1006, 5001, ACK, "there"), // #7: the retransmission
				s2c(5001, 1016, ACK, "ok"),    // #8
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:data c2s @5 #7 there",
				"0:data c2s @10 #5 again",
				"0:data s2c @0 #8 ok",
				"0:end eof last=#8 c2s{pk=5 pay=15 del=15 ooo=1} s2c{pk=3 pay=2 del=2} hist=ShADad hs",
				"stats seg=8 conns=1 del=17 ooo=1",
			},
		},
		{
			name: "tail loss known from the peer's ACK: gap only at the end",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				s2c(5001, 1016, ACK, ""),      // #5: acknowledges 10 bytes never seen
				s2c(5001, 1016, ACK, "ok"),    // #6: nothing queued, so no gap yet
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:data s2c @0 #6 ok",
				"0:gap c2s @5 #5 n=10",
				"0:end eof last=#6 c2s{pk=3 pay=5 del=5 miss=10} s2c{pk=3 pay=2 del=2} hist=ShADadG hs",
				"stats seg=6 conns=1 del=7 miss=10",
			},
		},
		{
			// suricata tls-subjectaltname.pcap frames 249-251: the server
			// answers a SYN with a challenge ACK for an older connection,
			// and the client resets. The ACK acknowledges nothing of this
			// connection and must not become a 1 GB tail gap.
			name: "challenge ACK before the SYN+ACK claims no missing bytes",
			ops: ops(
				c2s(1000, 0, SYN, ""),              // #1
				s2c(7777, 900000000, ACK, ""),      // #2: not this handshake
				c2s(900000000, 900000000, RST, ""), // #3
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:end rst last=#3 c2s{pk=2} s2c{pk=1} hist=SaR",
				"stats seg=3 conns=1",
			},
		},
		{
			name: "loss before an acknowledged FIN: the connection ends with a gap",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				c2s(1016, 5001, FIN|ACK, ""),  // #5: FIN at offset 15
				s2c(5001, 1017, FIN|ACK, ""),  // #6: FIN acknowledged
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:gap c2s @5 #5 n=10",
				"0:end fin last=#6 c2s{pk=4 pay=5 del=5 miss=10} s2c{pk=2} hist=ShADFfG hs",
				"stats seg=6 conns=1 del=5 miss=10",
			},
		},
	})
}

func TestLifecycle(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "port reuse after FIN: two connections",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				c2s(1006, 5001, FIN|ACK, ""),  // #5
				s2c(5001, 1007, FIN|ACK, ""),  // #6: ends connection 0
				c2s(1007, 5002, ACK, ""),      // #7: absorbed by the tombstone
				c2s(9000, 0, SYN, ""),         // #8: new connection
				s2c(7000, 9001, SYN|ACK, ""),  // #9
				c2s(9001, 7001, ACK, "again"), // #10
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:end fin last=#6 c2s{pk=4 pay=5 del=5} s2c{pk=2} hist=ShADFf hs",
				"1:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"1:data c2s @0 #10 again",
				"1:end eof last=#10 c2s{pk=2 pay=5 del=5} s2c{pk=1} hist=ShD hs",
				"stats seg=10 conns=2 del=10",
			},
		},
		{
			name: "SYN with another ISN ends an open connection (reused)",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				c2s(9000, 0, SYN, ""),         // #5
				s2c(7000, 9001, SYN|ACK, ""),  // #6
				c2s(9001, 7001, ACK, "again"), // #7
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:end reused last=#4 c2s{pk=3 pay=5 del=5} s2c{pk=1} hist=ShAD hs",
				"1:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"1:data c2s @0 #7 again",
				"1:end eof last=#7 c2s{pk=2 pay=5 del=5} s2c{pk=1} hist=ShD hs",
				"stats seg=7 conns=2 del=10",
			},
		},
		{
			name: "retransmitted SYN with the same ISN is the same connection",
			ops: ops(handshake(),
				c2s(1000, 0, SYN, ""),         // #4
				c2s(1001, 5001, ACK, "hello"), // #5
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #5 hello",
				"0:end eof last=#5 c2s{pk=4 pay=5 del=5} s2c{pk=1} hist=ShAD hs",
				"stats seg=5 conns=1 del=5",
			},
		},
		{
			name: "RST ends the connection after flushing; stragglers ignored",
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"), // #4
				c2s(1011, 5001, ACK, "again"), // #5: queued behind a hole
				s2c(5001, 0, RST, ""),         // #6
				c2s(1016, 5001, ACK, "late"),  // #7: straggler of the reset connection
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:gap c2s @5 #5 n=5",
				"0:data c2s @10 #5 again",
				"0:end rst last=#6 c2s{pk=4 pay=10 del=10 miss=5 ooo=1} s2c{pk=2} hist=ShADrG hs",
				"stats seg=7 conns=1 del=10 miss=5 ooo=1 ignseg=1 ign=4",
			},
		},
		{
			name: "segment far from a finished connection's sequence numbers starts a new one",
			ops: ops(handshake(),
				c2s(1001, 5001, RST, ""),                // #4
				c2s(0x80000000, 0x90000000, ACK, "new"), // #5
				s2c(0x90000000, 0x80000003, ACK, ""),    // #6
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:end rst last=#4 c2s{pk=3} s2c{pk=1} hist=ShAR hs",
				"1:new c=10.0.0.1:40000 s=10.0.0.2:80 ports midstream",
				"1:data c2s @0 #5 new",
				"1:end eof last=#6 c2s{pk=1 pay=3 del=3} s2c{pk=1} hist=Da",
				"stats seg=6 conns=2 del=3 mid=1",
			},
		},
		{
			name: "idle timeout in capture time",
			cfg:  Config{IdleTimeout: 5 * time.Minute},
			ops: ops(
				c2s(1000, 0, SYN, "").at(1e9, Ref{}),            // #1: A
				seg(cli2, srv, 2000, 0, SYN, "").at(2e9, Ref{}), // #2: B
				advance(1e9+int64(5*time.Minute)),               // idle exactly 5m: not yet
				advance(1e9+int64(5*time.Minute)+1),             // A idle > 5m
				c2s(1001, 0, PSH, "x").at(361e9, Ref{}),         // #3: A's tuple again: a new connection
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:end timeout last=#1 c2s{pk=1} s2c{} hist=S",
				"1:new c=10.0.0.3:40001 s=10.0.0.2:80 syn",
				"1:end eof last=#2 c2s{pk=1} s2c{} hist=S",
				"2:new c=10.0.0.1:40000 s=10.0.0.2:80 ports midstream",
				"2:data c2s @0 #3 x",
				"2:end eof last=#3 c2s{pk=1 pay=1 del=1} s2c{} hist=D",
				"stats seg=3 conns=3 del=1 mid=1 timeouts=1",
			},
		},
		{
			name: "End order at Close: first time, file, frame, then 4-tuple",
			ops: ops(
				seg(netip.MustParseAddrPort("10.0.0.5:1111"), srv, 1, 0, SYN, "").at(5*msec, Ref{File: 1, Frame: 1}),
				seg(netip.MustParseAddrPort("10.0.0.6:1111"), srv, 1, 0, SYN, "").at(5*msec, Ref{File: 0, Frame: 7}),
				seg(netip.MustParseAddrPort("10.0.0.7:1111"), srv, 1, 0, SYN, "").at(4*msec, Ref{File: 0, Frame: 2}),
				seg(netip.MustParseAddrPort("10.0.0.9:1111"), srv, 1, 0, SYN, "").at(6*msec, Ref{File: 0, Frame: 9}),
				seg(netip.MustParseAddrPort("10.0.0.8:1111"), srv, 1, 0, SYN, "").at(6*msec, Ref{File: 0, Frame: 9}),
			),
			want: []string{
				"0:new c=10.0.0.7:1111 s=10.0.0.2:80 syn",
				"0:end eof last=#2 c2s{pk=1} s2c{} hist=S",
				"1:new c=10.0.0.6:1111 s=10.0.0.2:80 syn",
				"1:end eof last=#7 c2s{pk=1} s2c{} hist=S",
				"2:new c=10.0.0.5:1111 s=10.0.0.2:80 syn",
				"2:end eof last=#1:1 c2s{pk=1} s2c{} hist=S",
				"3:new c=10.0.0.8:1111 s=10.0.0.2:80 syn",
				"3:end eof last=#9 c2s{pk=1} s2c{} hist=S",
				"4:new c=10.0.0.9:1111 s=10.0.0.2:80 syn",
				"4:end eof last=#9 c2s{pk=1} s2c{} hist=S",
				"stats seg=5 conns=5",
			},
		},
		{
			name: "MaxConns evicts the longest idle connection",
			cfg:  Config{MaxConns: 1},
			ops: ops(handshake(),
				c2s(1001, 5001, ACK, "hello"),    // #4
				seg(cli2, srv, 2000, 0, SYN, ""), // #5
			),
			want: []string{
				"0:new c=10.0.0.1:40000 s=10.0.0.2:80 syn",
				"0:data c2s @0 #4 hello",
				"0:end evicted last=#4 c2s{pk=3 pay=5 del=5} s2c{pk=1} hist=ShAD hs",
				"1:new c=10.0.0.3:40001 s=10.0.0.2:80 syn",
				"1:end eof last=#5 c2s{pk=1} s2c{} hist=S",
				"stats seg=5 conns=2 del=5 evicted=1",
			},
		},
	})
}

// TestEndOrderIgnoresMapOrder ends many connections together, by Advance
// and by Close, several times each. The idle list holds them in a shuffled
// order and Go randomises map iteration, so only the sort by first segment
// can make the End order come out the same, ascending, every time.
func TestEndOrderIgnoresMapOrder(t *testing.T) {
	const n = 64
	src := func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i), 1}), uint16(30000+i))
	}
	var in []op
	for i := range n {
		in = append(in, seg(src(i), srv, 100, 0, SYN, "").at(int64(i+1)*msec, Ref{}))
	}
	for j := range n {
		i := (j * 37) % n // a permutation: later activity in another order
		in = append(in, seg(src(i), srv, 101, 0, PSH, "x").at(int64(100+j)*msec, Ref{}))
	}
	for _, viaAdvance := range []bool{true, false} {
		tail := in
		if viaAdvance {
			tail = append(slices.Clip(in), advance(int64(200)*msec+int64(DefaultIdleTimeout)))
		}
		var first []string
		for k := range 5 {
			got := run(t, Config{}, newRecorder(t), tail)
			if k == 0 {
				first = got
				// Streams are made in the shuffled order (at their first
				// byte); their ends must come in first-segment order.
				port := map[int]int{}
				var ports []int
				for _, l := range got {
					var id, p int
					if _, err := fmt.Sscanf(l, "%d:new c=10.1.%d.1:%d", &id, new(int), &p); err == nil {
						port[id] = p
					}
					if _, err := fmt.Sscanf(l, "%d:end", &id); err == nil {
						ports = append(ports, port[id])
					}
				}
				if want := map[bool]string{true: ":end timeout", false: ":end eof"}[viaAdvance]; !strings.Contains(strings.Join(got, "\n"), want) {
					t.Errorf("advance=%v: no %q in the output", viaAdvance, want)
				}
				if len(ports) != n || !slices.IsSorted(ports) {
					t.Errorf("advance=%v: ends for client ports %v, want %d ascending", viaAdvance, ports, n)
				}
				continue
			}
			if !slices.Equal(got, first) {
				t.Fatalf("advance=%v: output differs between runs", viaAdvance)
			}
		}
	}
}

func TestPayloadNotRetained(t *testing.T) {
	// run scribbles over every payload after Assemble returns; queued bytes
	// must have been copied.
	got := run(t, Config{}, newRecorder(t), ops(handshake(),
		c2s(1011, 5001, ACK, "third"),
		c2s(1006, 5001, ACK, "second"[:5]),
		c2s(1001, 5001, ACK, "first"),
	))
	want := "0:data c2s @10 #4 third"
	if !slices.Contains(got, want) {
		t.Errorf("calls %q do not contain %q", got, want)
	}
}

// TestShuffledSegments cuts a known byte stream into overlapping segments,
// drops some, sends some twice, has the snap length cut the tail of some,
// shuffles them locally and checks that the delivered stream is exactly the
// original with '?' where no segment carried a captured byte, that the cut
// bytes are counted as truncated, and that each second copy counts as a
// retransmission.
func TestShuffledSegments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		n := 1 + rng.IntN(6000)
		orig := make([]byte, n)
		for i := range orig {
			orig[i] = 'a' + byte(rng.IntN(26))
		}
		isn := rng.Uint32()
		if trial%4 == 0 {
			isn = 0xFFFFFFFF - uint32(rng.IntN(n+1)) // wrap inside the stream
		}
		covered := make([]bool, n)
		var segs []op
		var truncated int64
		dups := 0
		// Odd trials have no handshake: the start must be found among the
		// first held segments, so the first segment is kept and moved to
		// one of the first eight places.
		midstream := trial%2 == 1
		// No segment starts before the end of the last cut one, so that no
		// captured copy of a cut byte exists and the output is the same
		// whatever the order.
		floor := 0
		for off := 0; off < n; {
			l := 1 + rng.IntN(300)
			start := max(floor, off-rng.IntN(40)) // overlap the previous segment
			end := min(n, off+l)
			cut := 0
			if rng.IntN(8) == 0 {
				cut = 1 + rng.IntN(end-off) // only bytes no earlier segment has
				floor = end
			}
			if rng.IntN(10) > 0 || midstream && off == 0 {
				o := c2s(isn+1+uint32(start), 5001, ACK, string(orig[start:end-cut])).cut(cut)
				segs = append(segs, o)
				if rng.IntN(8) == 0 {
					segs = append(segs, c2s(isn+1+uint32(start), 5001, ACK, string(orig[start:end-cut])).cut(cut))
					if end-cut > start {
						dups++
					}
				}
				for i := start; i < end-cut; i++ {
					covered[i] = true
				}
				truncated += int64(cut)
			}
			off = end
		}
		for i := range segs { // local shuffle: each segment moves a few places
			j := min(len(segs)-1, i+rng.IntN(4))
			segs[i], segs[j] = segs[j], segs[i]
		}
		if midstream {
			first := slices.IndexFunc(segs, func(o op) bool { return o.seg.Seq == isn+1 })
			s0 := segs[first]
			segs = slices.Delete(segs, first, first+1)
			segs = slices.Insert(segs, rng.IntN(min(8, len(segs)+1)), s0)
		}
		want := bytes.Clone(orig)
		for i := range want {
			if !covered[i] {
				want[i] = '?'
			}
		}
		in := ops(c2s(isn, 0, SYN, ""), s2c(5000, isn+1, SYN|ACK, ""), segs,
			c2s(isn+1+uint32(n), 5001, FIN|ACK, ""))
		if midstream {
			in = in[2:]
		}
		r := newRecorder(t)
		run(t, Config{}, r, in)
		if len(r.streams) != 1 {
			t.Fatalf("trial %d: %d streams", trial, len(r.streams))
		}
		got := r.streams[0].contents[ClientToServer]
		ds := r.streams[0].summary.Dir[ClientToServer]
		if !bytes.Equal(got, want) || ds.TruncatedBytes != truncated || ds.Retransmits < int64(dups) || ds.OverlapDiff != 0 {
			t.Fatalf("trial %d (n=%d, isn=%#x): truncated %d (want %d), retransmits %d (want >= %d), diff %d\ngot  %s\nwant %s",
				trial, n, isn, ds.TruncatedBytes, truncated, ds.Retransmits, dups, ds.OverlapDiff, got, want)
		}
	}
}

func TestAppFromFirstTrailer(t *testing.T) {
	first := c2s(1000, 0, SYN, "")
	second := c2s(1001, 0, ACK, "x")
	second.seg.App, second.seg.AppUID = "com.example.app", 10123
	third := c2s(1002, 0, ACK, "y")
	third.seg.App, third.seg.AppUID = "other", 10124
	r := newRecorder(t)
	run(t, Config{}, r, ops(first, second, third))
	if info := r.streams[0].info; info.App != "com.example.app" || info.AppUID != 10123 {
		t.Errorf("App %q AppUID %d, want com.example.app 10123", info.App, info.AppUID)
	}
}
