package packet

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"telltale/reassembly"
)

var (
	get     = []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
	tsOpts  = []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2} // NOP NOP timestamps
	reqTCP  = tcpHdr{sport: 40000, dport: 80, seq: 1000, ack: 2000, flags: 0x18, window: 502, opts: tsOpts, payload: get}
	synTCP  = tcpHdr{sport: 40000, dport: 80, seq: 999, flags: 0x02, window: 64240}
	wantReq = reassembly.Segment{
		Src: netip.AddrPortFrom(cli4, 40000), Dst: netip.AddrPortFrom(srv4, 80),
		Seq: 1000, Ack: 2000, Flags: reassembly.PSH | reassembly.ACK, Window: 502, Payload: get, AppUID: -1,
	}
	wantReq6 = reassembly.Segment{
		Src: netip.AddrPortFrom(cli6, 40000), Dst: netip.AddrPortFrom(srv6, 80),
		Seq: 1000, Ack: 2000, Flags: reassembly.PSH | reassembly.ACK, Window: 502, Payload: get, AppUID: -1,
	}
	wantSyn = reassembly.Segment{
		Src: netip.AddrPortFrom(cli4, 40000), Dst: netip.AddrPortFrom(srv4, 80),
		Seq: 999, Flags: reassembly.SYN, Window: 64240, Payload: []byte{}, AppUID: -1,
	}
)

func with(s reassembly.Segment, f func(*reassembly.Segment)) reassembly.Segment {
	f(&s)
	return s
}

func TestDecode(t *testing.T) {
	v4 := ip4(cli4, srv4, 6, reqTCP.bytes())
	v6 := ip6(cli6, srv6, 6, reqTCP.bytes())
	syn := ip4(cli4, srv4, 6, synTCP.bytes())
	udp := ip4(cli4, srv4, 17, []byte{0x9c, 0x40, 0, 123, 0, 12, 0, 0, 1, 2, 3, 4})
	partial := ip4x(cli4, srv4, 6, reqTCP.bytes(), 0, 1500)[:20+32+10] // snaplen cut 10 bytes into the payload
	tests := []struct {
		name     string
		linkType uint16
		frame    []byte
		reason   SkipReason
		want     reassembly.Segment
	}{
		{"ethernet ipv4 tcp", LinkTypeEthernet, eth(etherIPv4, v4), None, wantReq},
		{"ethernet ipv6 tcp", LinkTypeEthernet, eth(etherIPv6, v6), None, wantReq6},
		{"ethernet padding cut", LinkTypeEthernet, concat(eth(etherIPv4, syn), []byte{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}), None, wantSyn},
		{"ethernet fcs cut", LinkTypeEthernet, concat(eth(etherIPv4, v4), []byte{1, 2, 3, 4}), None, wantReq},
		{"ipv6 padding cut", LinkTypeEthernet, concat(eth(etherIPv6, v6), []byte{9, 9, 9, 9}), None, wantReq6},
		{"vlan", LinkTypeEthernet, concat(eth(etherVLAN, nil), tag(etherIPv4, 100), v4), None, enc(wantReq, "vlan")},
		{"qinq 88a8", LinkTypeEthernet, concat(eth(etherQinQ, nil), tag(etherVLAN, 10), tag(etherIPv4, 20), v4), None, enc(wantReq, "vlan>vlan")},
		{"qinq 9100 ipv6", LinkTypeEthernet, concat(eth(etherQinQv1, nil), tag(etherVLAN, 10), tag(etherIPv6, 20), v6), None, enc(wantReq6, "vlan>vlan")},
		{"linux sll", LinkTypeLinuxSLL, concat(sllHdr(1, etherIPv4), v4), None, wantReq},
		{"linux sll vlan", LinkTypeLinuxSLL, concat(sllHdr(1, etherVLAN), tag(etherIPv4, 7), v4), None, enc(wantReq, "vlan")},
		{"linux sll2 ipv6", LinkTypeSLL2, concat(sll2Hdr(etherIPv6, 1), v6), None, wantReq6},
		{"null little-endian", LinkTypeNull, concat([]byte{2, 0, 0, 0}, v4), None, wantReq},
		{"null big-endian ipv6 darwin", LinkTypeNull, concat([]byte{0, 0, 0, 30}, v6), None, wantReq6},
		{"null ipv6 freebsd", LinkTypeNull, concat([]byte{28, 0, 0, 0}, v6), None, wantReq6},
		{"null ipv6 netbsd", LinkTypeNull, concat([]byte{24, 0, 0, 0}, v6), None, wantReq6},
		{"loop", LinkTypeLoop, concat([]byte{0, 0, 0, 2}, v4), None, wantReq},
		{"raw ipv4", LinkTypeRaw, v4, None, wantReq},
		{"raw ipv6", LinkTypeRaw, v6, None, wantReq6},
		{"raw 12", LinkTypeRawBSD12, v4, None, wantReq},
		{"raw 14", LinkTypeRawBSD14, v6, None, wantReq6},
		{"linktype ipv4", LinkTypeIPv4, v4, None, wantReq},
		{"ipv6 hop-by-hop and destination options", LinkTypeIPv6,
			ip6(cli6, srv6, 0, concat(ext6(60), ext6(6), reqTCP.bytes())), None, wantReq6},
		{"ipv6 routing header", LinkTypeRaw,
			ip6(cli6, srv6, 43, concat([]byte{6, 0, 0, 0, 0, 0, 0, 0}, reqTCP.bytes())), None, wantReq6},
		{"ipv6 atomic fragment", LinkTypeRaw, ip6(cli6, srv6, 44, concat([]byte{6, 0, 0, 0, 0, 0, 0x12, 0x34}, reqTCP.bytes())), None, wantReq6},
		{"pppoe session", LinkTypeEthernet, concat(eth(etherPPPoE, nil), []byte{0x11, 0, 0x12, 0x34, 0, byte(2 + len(v4))}, []byte{0, 0x21}, v4), None, enc(wantReq, "pppoe")},
		{"pppoe ipv6 in vlan", LinkTypeEthernet, concat(eth(etherVLAN, nil), tag(etherPPPoE, 3), []byte{0x11, 0, 0x12, 0x34, 0, byte(2 + len(v6))}, []byte{0, 0x57}, v6), None, enc(wantReq6, "vlan>pppoe")},
		{"pppoe compressed protocol", LinkTypeEthernet, concat(eth(etherPPPoE, nil), []byte{0x11, 0, 0, 0x2d, 0, byte(1 + len(v4))}, []byte{0x21}, v4), None, enc(wantReq, "pppoe")},
		{"mpls", LinkTypeEthernet, concat(eth(etherMPLS, nil), []byte{0, 1, 0xdd, 0xff}, v4), None, enc(wantReq, "mpls")},
		{"mpls two labels ipv6 in vlan", LinkTypeEthernet, concat(eth(etherVLAN, nil), tag(etherMPLS, 9), []byte{0, 1, 0xd0, 0x40, 0, 2, 0xd1, 0x40}, v6), None, enc(wantReq6, "vlan>mpls")},
		{"llc snap", LinkTypeEthernet, concat(eth(uint16(8+len(v4)), nil), []byte{0xaa, 0xaa, 3, 0, 0, 0, 8, 0}, v4), None, wantReq},
		{"ip in ip: inner addresses", LinkTypeRaw, ip4(srv4, cli4, 4, v4), None, enc(wantReq, "ipip")},
		{"6in4 tunnel", LinkTypeEthernet, eth(etherIPv4, ip4(srv4, cli4, 41, v6)), None, enc(wantReq6, "ipip")},
		{"4in6 after options", LinkTypeRaw, ip6(srv6, cli6, 60, concat(ext6(4), v4)), None, enc(wantReq, "ipip")},
		{"4in6 atomic fragment", LinkTypeRaw, ip6(srv6, cli6, 44, concat([]byte{4, 0, 0, 0, 0, 0, 0, 1}, v4)), None, enc(wantReq, "ipip")},
		{"6in4 no trailer taken", LinkTypeRaw, concat(ip4(srv4, cli4, 41, v6), pcapdroid(1, "x")), None, enc(wantReq6, "ipip")},
		{"chdlc", LinkTypeCHDLC, concat([]byte{0x0f, 0, 0x08, 0}, v4), None, wantReq},
		{"nflog ipv4", LinkTypeNFLOG, nflogFrame(2, binary.LittleEndian, v4), None, wantReq},
		{"nflog ipv6 big-endian lengths", LinkTypeNFLOG, nflogFrame(10, binary.BigEndian, v6), None, wantReq6},
		{"tso zero ip length", LinkTypeRaw, func() []byte { b := bytes.Clone(v4); b[2], b[3] = 0, 0; return b }(), None, wantReq},
		{"bad tcp option kept", LinkTypeRaw, ip4(cli4, srv4, 6, tcpHdr{sport: 40000, dport: 80, seq: 999, flags: 0x02, window: 64240, opts: []byte{1, 1, 4, 137}}.bytes()), None, wantSyn},
		{"snaplen cut payload", LinkTypeRaw, partial, None, with(wantReq, func(s *reassembly.Segment) { s.Payload, s.WireLen = get[:10], 1500-20-32 })},
		{"snaplen cut right after the tcp header", LinkTypeRaw, v4[:20+32], None, with(wantReq, func(s *reassembly.Segment) { s.Payload, s.WireLen = []byte{}, len(get) })},
		{"snaplen cut inside ipv6", LinkTypeRaw, v6[:40+32+3], None, with(wantReq6, func(s *reassembly.Segment) { s.Payload, s.WireLen = get[:3], len(get) })},

		{"pcapdroid trailer", LinkTypeEthernet, concat(eth(etherIPv4, v4), pcapdroid(10123, "com.example.app")), None,
			with(wantReq, func(s *reassembly.Segment) { s.App, s.AppUID = "com.example.app", 10123 })},
		{"pcapdroid 20-byte name ipv6", LinkTypeEthernet, concat(eth(etherIPv6, v6), pcapdroid(0, "org.mozilla.firefox2")), None,
			with(wantReq6, func(s *reassembly.Segment) { s.App, s.AppUID = "org.mozilla.firefox2", 0 })},
		{"pcapdroid negative uid", LinkTypeRaw, concat(v4, pcapdroid(-1000, "root")), None,
			with(wantReq, func(s *reassembly.Segment) { s.App, s.AppUID = "root", -1000 })},
		{"32 bytes without magic", LinkTypeEthernet, concat(eth(etherIPv4, v4), make([]byte, 32)), None, wantReq},
		{"trailer magic but 33 bytes", LinkTypeEthernet, concat(eth(etherIPv4, v4), pcapdroid(5, "x"), []byte{0}), None, wantReq},

		{"udp (ntp: not a dns port)", LinkTypeEthernet, eth(etherIPv4, udp), NotTCP, reassembly.Segment{}},
		{"icmp", LinkTypeRaw, ip4(cli4, srv4, 1, []byte{8, 0, 0, 0, 0, 1, 0, 1}), NotTCP, reassembly.Segment{}},
		{"ipv6 udp after options", LinkTypeRaw, ip6(cli6, srv6, 60, concat(ext6(17), make([]byte, 8))), NotTCP, reassembly.Segment{}},
		{"gre", LinkTypeRaw, ip4(cli4, srv4, 47, make([]byte, 8)), NotTCP, reassembly.Segment{}},
		{"ip in ip in ip", LinkTypeRaw, ip4(srv4, cli4, 4, ip4(srv4, cli4, 4, v4)), None, enc(wantReq, "ipip>ipip")},
		{"ipv6 in ipv6 in ipv4", LinkTypeRaw, ip4(srv4, cli4, 41, ip6(srv6, cli6, 41, v6)), None, enc(wantReq6, "ipip>ipip")},
		{"ip in ip five times", LinkTypeRaw, ip4(srv4, cli4, 4, ip4(srv4, cli4, 4, ip4(srv4, cli4, 4, ip4(srv4, cli4, 4, ip4(srv4, cli4, 4, v4))))), TooDeep, reassembly.Segment{}},
		{"pppoe lcp", LinkTypeEthernet, concat(eth(etherPPPoE, nil), []byte{0x11, 0, 0x12, 0x34, 0, 6}, []byte{0xc0, 0x21, 1, 1, 0, 4}), NonIP, reassembly.Segment{}},
		{"mpls pseudowire", LinkTypeEthernet, concat(eth(etherMPLS, nil), []byte{0, 1, 0xdd, 0xff}, []byte{0, 0, 0, 0}, eth(etherIPv4, v4)), NonIP, reassembly.Segment{}},
		{"snap not ethertype oui", LinkTypeEthernet, concat(eth(uint16(8+len(v4)), nil), []byte{0xaa, 0xaa, 3, 0, 0, 0x0c, 8, 0}, v4), NonIP, reassembly.Segment{}},
		{"arp", LinkTypeEthernet, eth(0x0806, make([]byte, 28)), NonIP, reassembly.Segment{}},
		{"llc", LinkTypeEthernet, eth(38, make([]byte, 38)), NonIP, reassembly.Segment{}},
		{"vlan arp", LinkTypeEthernet, concat(eth(etherVLAN, nil), tag(0x0806, 1), make([]byte, 28)), NonIP, reassembly.Segment{}},
		{"sll netlink", LinkTypeLinuxSLL, concat(sllHdr(arphrdNetlink, 0x0800), make([]byte, 20)), NonIP, reassembly.Segment{}},
		{"null unknown family", LinkTypeNull, concat([]byte{7, 0, 0, 0}, v4), NonIP, reassembly.Segment{}},
		{"nflog without packet", LinkTypeNFLOG, []byte{2, 0, 0, 0, 8, 0, 10, 0, 'a', 'b', 'c', 0}, NonIP, reassembly.Segment{}},

		{"6in4 outer fragment", LinkTypeRaw, ip4x(srv4, cli4, 41, v6[:96], 0x2000, 0), FragmentHeld, reassembly.Segment{}},
		{"ipv4 first fragment", LinkTypeRaw, ip4x(cli4, srv4, 6, reqTCP.bytes()[:64], 0x2000, 0), FragmentHeld, reassembly.Segment{}},
		{"ipv4 later fragment", LinkTypeRaw, ip4x(cli4, srv4, 6, get, 0x0004, 0), FragmentHeld, reassembly.Segment{}},
		{"ipv4 non-final fragment of odd length", LinkTypeRaw, ip4x(cli4, srv4, 6, reqTCP.bytes(), 0x2000, 0), IPFragment, reassembly.Segment{}},
		{"ipv6 fragment header", LinkTypeRaw, ip6(cli6, srv6, 44, concat([]byte{6, 0, 0, 1, 0, 0, 0, 7}, reqTCP.bytes()[:64])), FragmentHeld, reassembly.Segment{}},
		{"ipv6 fragment after options", LinkTypeRaw, ip6(cli6, srv6, 60, concat(ext6(44), []byte{6, 0, 0, 1, 0, 0, 0, 7}, reqTCP.bytes()[:64])), FragmentHeld, reassembly.Segment{}},
		{"ipv6 fragment of odd length", LinkTypeRaw, ip6(cli6, srv6, 44, concat([]byte{6, 0, 0, 1, 0, 0, 0, 7}, reqTCP.bytes())), IPFragment, reassembly.Segment{}},
		{"ipv4 authentication header", LinkTypeRaw, ip4(cli4, srv4, 51, concat([]byte{6, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, reqTCP.bytes())), None, wantReq},
		{"ipv6 authentication header", LinkTypeRaw, ip6(cli6, srv6, 51, concat([]byte{6, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, reqTCP.bytes())), None, wantReq6},
		{"esp", LinkTypeRaw, ip4(cli4, srv4, 50, make([]byte, 40)), NotTCP, reassembly.Segment{}},
		{"bad tcp checksum (offload)", LinkTypeRaw, func() []byte { b := bytes.Clone(v4); b[20+16], b[20+17] = 0xde, 0xad; return b }(), None, wantReq},
		{"ipv6 zero payload length (big tcp)", LinkTypeRaw, func() []byte { b := bytes.Clone(v6); b[4], b[5] = 0, 0; return b }(), None, wantReq6},

		{"truncated tcp header", LinkTypeEthernet, eth(etherIPv4, v4[:20+12]), Truncated, reassembly.Segment{}},
		{"truncated tcp options", LinkTypeEthernet, eth(etherIPv4, v4[:20+24]), Truncated, reassembly.Segment{}},
		{"tcp header missing", LinkTypeRaw, v4[:20], Truncated, reassembly.Segment{}},
		{"truncated ipv4 header", LinkTypeEthernet, eth(etherIPv4, v4[:12]), Truncated, reassembly.Segment{}},
		{"truncated ipv6 header", LinkTypeRaw, v6[:30], Truncated, reassembly.Segment{}},
		{"truncated ethernet", LinkTypeEthernet, make([]byte, 10), Truncated, reassembly.Segment{}},
		{"ethernet header only", LinkTypeEthernet, eth(etherIPv4, nil), Truncated, reassembly.Segment{}},
		{"truncated vlan", LinkTypeEthernet, concat(eth(etherVLAN, nil), []byte{0, 1}), Truncated, reassembly.Segment{}},
		{"truncated mpls", LinkTypeEthernet, concat(eth(etherMPLS, nil), []byte{0, 1, 0xd0, 0x40, 0, 2}), Truncated, reassembly.Segment{}},
		{"truncated pppoe", LinkTypeEthernet, concat(eth(etherPPPoE, nil), []byte{0x11, 0, 0x12}), Truncated, reassembly.Segment{}},
		{"truncated sll2", LinkTypeSLL2, sll2Hdr(etherIPv4, 1)[:12], Truncated, reassembly.Segment{}},
		{"truncated ipv6 extension", LinkTypeRaw, ip6(cli6, srv6, 60, concat([]byte{6, 3, 0, 0, 0, 0, 0, 0}, make([]byte, 24)))[:48], Truncated, reassembly.Segment{}},
		{"ipv6 extension longer than the packet", LinkTypeRaw, ip6(cli6, srv6, 60, []byte{6, 3, 0, 0, 0, 0, 0, 0}), Malformed, reassembly.Segment{}},
		{"tcp header beyond ipv6 length after options", LinkTypeRaw, ip6(cli6, srv6, 60, concat(ext6(6), synTCP.bytes()[:12])), Malformed, reassembly.Segment{}},
		{"tcp header beyond ip total length", LinkTypeEthernet, concat(eth(etherIPv4, ip4x(cli4, srv4, 6, synTCP.bytes(), 0, 39)[:39]), make([]byte, 7)), Malformed, reassembly.Segment{}},
		{"empty frame", LinkTypeRaw, nil, Truncated, reassembly.Segment{}},

		{"ipv4 ihl too small", LinkTypeRaw, func() []byte { b := bytes.Clone(v4); b[0] = 0x44; return b }(), Malformed, reassembly.Segment{}},
		{"tcp data offset too small", LinkTypeRaw, func() []byte { b := bytes.Clone(v4); b[20+12] = 0x40; return b }(), Malformed, reassembly.Segment{}},
		{"raw version 5", LinkTypeRaw, func() []byte { b := bytes.Clone(v4); b[0] = 0x55; return b }(), Malformed, reassembly.Segment{}},
		{"ipv6 ethertype, version 4", LinkTypeEthernet, eth(etherIPv6, func() []byte { b := bytes.Clone(v6); b[0] = 0x40; return b }()), Malformed, reassembly.Segment{}},
		{"nflog lengths do not add up", LinkTypeNFLOG, []byte{2, 0, 0, 0, 0xff, 0x7f, 9, 0, 1, 2, 3, 4}, Malformed, reassembly.Segment{}},

		{"802.11", 105, make([]byte, 40), UnsupportedLink, reassembly.Segment{}},
		{"arcnet", 129, make([]byte, 40), UnsupportedLink, reassembly.Segment{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			seg := reassembly.Segment{Time: 77, Ref: reassembly.Ref{File: 3, Frame: 9}}
			reason, ok := d.Decode(tc.linkType, tc.frame, &seg)
			if reason != tc.reason || ok != (tc.reason == None) {
				t.Fatalf("Decode = (%v, %v), want (%v, %v)", reason, ok, tc.reason, tc.reason == None)
			}
			if ok {
				checkSegment(t, &seg, &tc.want, tc.frame)
			}
		})
	}
}

func enc(s reassembly.Segment, encap string) reassembly.Segment {
	s.Encap = encap
	return s
}

// within reports whether b lies inside frame's memory.
func within(b, frame []byte) bool {
	if len(b) == 0 {
		return true
	}
	for i := range frame {
		if &frame[i] == &b[0] {
			return i+len(b) <= len(frame)
		}
	}
	return false
}

// The Ethernet/IPv4/TCP frame also as gopacket serializes it: an independent
// writer of the same headers.
func TestDecodeGopacketSerialized(t *testing.T) {
	ethL := &layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeDot1Q}
	vlanL := &layers.Dot1Q{VLANIdentifier: 42, Type: layers.EthernetTypeIPv4}
	ipL := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: cli4.AsSlice(), DstIP: srv4.AsSlice()}
	tcpL := &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 1000, Ack: 2000, PSH: true, ACK: true, Window: 502,
		Options: []layers.TCPOption{{OptionType: layers.TCPOptionKindNop}, {OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)}}}
	if err := tcpL.SetNetworkLayerForChecksum(ipL); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		ethL, vlanL, ipL, tcpL, gopacket.Payload(get))
	if err != nil {
		t.Fatal(err)
	}
	var seg reassembly.Segment
	if reason, ok := NewDecoder().Decode(LinkTypeEthernet, buf.Bytes(), &seg); !ok {
		t.Fatalf("Decode = %v", reason)
	}
	if seg.Src != wantReq.Src || seg.Dst != wantReq.Dst || seg.Seq != 1000 || seg.Ack != 2000 ||
		seg.Flags != reassembly.PSH|reassembly.ACK || seg.Window != 502 || !bytes.Equal(seg.Payload, get) || seg.AppUID != -1 {
		t.Errorf("segment = %+v", seg)
	}
}

func TestSkipReasonNames(t *testing.T) {
	want := map[SkipReason]string{None: "none", UnsupportedLink: "unsupported_link", NonIP: "non_ip", NotTCP: "not_tcp",
		IPFragment: "ip_fragment", Truncated: "truncated", Malformed: "malformed", FragmentHeld: "fragment_held",
		TooDeep: "encap_too_deep", DNSDatagram: "dns_datagram", 200: "unknown"}
	for r, s := range want {
		if r.String() != s {
			t.Errorf("SkipReason(%d).String() = %q, want %q", r, r.String(), s)
		}
	}
}

// Decoding a frame allocates nothing (once a PCAPdroid app name or an
// encapsulation path has been seen), tunnels included.
func TestDecodeAllocs(t *testing.T) {
	d := NewDecoder()
	var seg reassembly.Segment
	frames := []struct {
		name     string
		linkType uint16
		frame    []byte
	}{
		{"ethernet", LinkTypeEthernet, eth(etherIPv4, ip4(cli4, srv4, 6, reqTCP.bytes()))},
		{"syn with 5 options", LinkTypeEthernet, eth(etherIPv4, ip4(cli4, srv4, 6, tcpHdr{flags: 2, opts: []byte{2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7}}.bytes()))},
		{"vlan ipv6", LinkTypeEthernet, concat(eth(etherVLAN, nil), tag(etherIPv6, 5), ip6(cli6, srv6, 6, reqTCP.bytes()))},
		{"pcapdroid", LinkTypeEthernet, concat(eth(etherIPv4, ip4(cli4, srv4, 6, reqTCP.bytes())), pcapdroid(10123, "com.example.app"))},
		{"sll2", LinkTypeSLL2, concat(sll2Hdr(etherIPv4, 1), ip4(cli4, srv4, 6, reqTCP.bytes()))},
		{"udp", LinkTypeEthernet, eth(etherIPv4, ip4(cli4, srv4, 17, make([]byte, 8)))},
		{"dns", LinkTypeEthernet, eth(etherIPv4, ip4(cli4, srv4, 17, udp(40000, 53, dnsQuery)))},
		{"dns ipv6 in vxlan", LinkTypeEthernet, eth(etherIPv4, ip4(tunA, tunB, 17, udp(1, portVXLAN, concat(vxlanHdr(1),
			eth(etherIPv6, ip6(cli6, srv6, 17, udp(5353, 5353, dnsQuery)))))))},
		{"arp", LinkTypeEthernet, eth(0x0806, make([]byte, 28))},
		{"snaplen cut", LinkTypeRaw, ip4x(cli4, srv4, 6, reqTCP.bytes(), 0, 1500)[:20+32+10]},
		{"qinq pppoe", LinkTypeEthernet, concat(eth(etherQinQ, nil), tag(etherVLAN, 10), tag(etherPPPoE, 20),
			[]byte{0x11, 0, 0x12, 0x34, 0, 0}, []byte{0, 0x21}, ip4(cli4, srv4, 6, reqTCP.bytes()))},
		{"gre erspan vxlan", LinkTypeEthernet, eth(etherIPv4, ip4(tunA, tunB, 47, concat(greHdr(0x1000, greERSPAN2, 1), erspan2Hdr(false),
			eth(etherIPv4, ip4(tunA, tunB, 17, udp(1, portVXLAN, concat(vxlanHdr(1), eth(etherIPv4, ip4(cli4, srv4, 6, reqTCP.bytes())))))))))},
		{"geneve", LinkTypeEthernet, eth(etherIPv4, ip4(tunA, tunB, 17, udp(1, portGeneve, concat(geneveHdr(etherIPv6, nil), ip6(cli6, srv6, 6, reqTCP.bytes())))))},
		{"gtp-u", LinkTypeEthernet, eth(etherIPv4, ip4(tunA, tunB, 17, udp(portGTPU, portGTPU, gtpu(0x30, 0xff, nil, ip4(cli4, srv4, 6, reqTCP.bytes())))))},
		{"teredo by shape", LinkTypeEthernet, eth(etherIPv4, ip4(tunA, tunB, 17, udp(32900, 1286, ip6(teredo, srv6, 6, reqTCP.bytes()))))},
		{"ayiya", LinkTypeEthernet, eth(etherIPv4, ip4(tunA, tunB, 17, udp(5072, 5072, concat(ayiyaHdr(4, 5, 1, 41), ip6(cli6, srv6, 6, reqTCP.bytes())))))},
		{"l2tp", LinkTypeEthernet, eth(etherIPv4, ip4(tunA, tunB, 17, udp(1701, 1701, concat([]byte{0, 2, 0, 1, 0, 2, 0xff, 3, 0, 0x21}, ip4(cli4, srv4, 6, reqTCP.bytes())))))},
		{"6in4", LinkTypeEthernet, eth(etherIPv4, ip4(tunA, tunB, 41, ip6(cli6, srv6, 6, reqTCP.bytes())))},
		{"too deep", LinkTypeRaw, ip4(srv4, cli4, 4, ip4(srv4, cli4, 4, ip4(srv4, cli4, 4, ip4(srv4, cli4, 4, ip4(srv4, cli4, 4, ip4(cli4, srv4, 6, reqTCP.bytes()))))))},
	}
	skips := map[string]SkipReason{"udp": NotTCP, "arp": NonIP, "too deep": TooDeep, "dns": DNSDatagram, "dns ipv6 in vxlan": DNSDatagram}
	for _, f := range frames {
		// Warm up (interning), and check the frame is what it claims.
		if r, _ := d.Decode(f.linkType, f.frame, &seg); r != skips[f.name] {
			t.Errorf("%s: Decode = %v, want %v", f.name, r, skips[f.name])
		}
		if n := testing.AllocsPerRun(200, func() { d.Decode(f.linkType, f.frame, &seg) }); n != 0 {
			t.Errorf("%s: %v allocations per Decode, want 0", f.name, n)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	v4 := ip4(cli4, srv4, 6, reqTCP.bytes())
	frames := []struct {
		name  string
		frame []byte
	}{
		{"ethernet", eth(etherIPv4, v4)},
		{"vlan ipv6", concat(eth(etherVLAN, nil), tag(etherIPv6, 5), ip6(cli6, srv6, 6, reqTCP.bytes()))},
		{"vxlan", eth(etherIPv4, ip4(tunA, tunB, 17, udp(1, portVXLAN, concat(vxlanHdr(1), eth(etherIPv4, v4)))))},
	}
	for _, f := range frames {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			d := NewDecoder()
			var seg reassembly.Segment
			b.SetBytes(int64(len(f.frame)))
			for b.Loop() {
				if _, ok := d.Decode(LinkTypeEthernet, f.frame, &seg); !ok {
					b.Fatal("not decoded")
				}
			}
		})
	}
}
