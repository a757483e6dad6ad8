package packet

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"telltale/reassembly"
)

var (
	tunA   = netip.MustParseAddr("192.0.2.1")
	tunB   = netip.MustParseAddr("192.0.2.2")
	tunA6  = netip.MustParseAddr("2001:db8:7::1")
	tunB6  = netip.MustParseAddr("2001:db8:7::2")
	teredo = netip.MustParseAddr("2001:0:4136:e378:8000:63bf:3fff:fdd2") // a Teredo client address
)

// TestTunnels decodes hand-built tunnel frames: the segment is the
// innermost IP/TCP packet's, and Encap names the path.
func TestTunnels(t *testing.T) {
	v4 := ip4(cli4, srv4, 6, reqTCP.bytes())
	v6 := ip6(cli6, srv6, 6, reqTCP.bytes())
	innerEth := eth(etherIPv4, v4)
	outer := func(proto byte, payload []byte) []byte { return eth(etherIPv4, ip4(tunA, tunB, proto, payload)) }
	outerUDP := func(sport, dport uint16, payload []byte) []byte { return outer(17, udp(sport, dport, payload)) }
	teredoV6 := ip6(teredo, srv6, 6, reqTCP.bytes())
	wantTeredo := with(wantReq6, func(s *reassembly.Segment) { s.Src = netip.AddrPortFrom(teredo, 40000) })
	qos := wlanQoSData(etherIPv4)
	protected := bytes.Clone(qos)
	protected[1] |= 0x40
	// A GTP-U header with a sequence number and one PDU session container
	// extension header (type 0x85, 4 bytes), then no more.
	gtpExt := []byte{0x12, 0x34, 0, 0x85, 1, 0x00, 0x05, 0}
	// ERSPAN II marked truncated, with the inner frame cut 10 bytes into
	// the TCP payload: the outer IP packet is whole.
	cutInner := concat(erspan2Hdr(true), eth(etherIPv4, v4[:20+32+10]))

	tests := []struct {
		name   string
		frame  []byte
		reason SkipReason
		want   reassembly.Segment
		encap  string
	}{
		{"gre ipv4", outer(47, concat(greHdr(0, etherIPv4), v4)), None, wantReq, "gre"},
		{"gre checksum key sequence ipv6", outer(47, concat(greHdr(0xb000, etherIPv6, 0xabcd0000, 7, 99), v6)), None, wantReq6, "gre"},
		{"gre over ipv6", eth(etherIPv6, ip6(tunA6, tunB6, 47, concat(greHdr(0, etherIPv4), v4))), None, wantReq, "gre"},
		{"gre transparent ethernet", outer(47, concat(greHdr(0x2000, etherTEB, 1), innerEth)), None, wantReq, "gre"},
		{"gre erspan type I", outer(47, concat(greHdr(0, greERSPAN2), innerEth)), None, wantReq, "gre>erspan"},
		{"gre erspan type II", outer(47, concat(greHdr(0x1000, greERSPAN2, 5), erspan2Hdr(false), innerEth)), None, wantReq, "gre>erspan"},
		{"gre erspan type III", outer(47, concat(greHdr(0x1000, greERSPAN3, 5), erspan3Hdr(0, false), innerEth)), None, wantReq, "gre>erspan"},
		{"gre erspan type III subheader", outer(47, concat(greHdr(0x1000, greERSPAN3, 5), erspan3Hdr(0, true), innerEth)), None, wantReq, "gre>erspan"},
		{"gre erspan type III ip frame", outer(47, concat(greHdr(0x1000, greERSPAN3, 5), erspan3Hdr(2, false), v6)), None, wantReq6, "gre>erspan"},
		{"gre erspan type III unknown frame type", outer(47, concat(greHdr(0x1000, greERSPAN3, 5), erspan3Hdr(1, false), innerEth)), NotTCP, reassembly.Segment{}, "gre>erspan"},
		{"erspan truncated by the switch", outer(47, concat(greHdr(0x1000, greERSPAN2, 5), cutInner)), None,
			with(wantReq, func(s *reassembly.Segment) { s.Payload, s.WireLen = get[:10], len(get) }), "gre>erspan"},
		{"inner frame cut without the T bit", outer(47, concat(greHdr(0x1000, greERSPAN2, 5), erspan2Hdr(false), eth(etherIPv4, v4[:20+32+10]))),
			Malformed, reassembly.Segment{}, "gre>erspan"},
		{"gre mpls", outer(47, concat(greHdr(0, etherMPLS), []byte{0, 1, 0x01, 0x40}, v4)), None, wantReq, "gre>mpls"},
		{"gre aruba 802.11", outer(47, concat(greHdr(0, 0x8200), qos, v4)), None, wantReq, "gre"},
		{"gre aruba 802.11 protected", outer(47, concat(greHdr(0, 0x8210), protected, v4)), NonIP, reassembly.Segment{}, "gre"},
		{"gre pptp ppp", outer(47, concat(greHdr(0x3081, grePPP, 0x00400001, 1, 1), []byte{0xff, 0x03, 0x00, 0x21}, v4)), None, wantReq, "gre"},
		{"gre pptp ack only", outer(47, greHdr(0x2081, grePPP, 0, 1)), NotTCP, reassembly.Segment{}, "gre"},
		{"gre version 2", outer(47, concat(greHdr(2, etherIPv4), v4)), NotTCP, reassembly.Segment{}, "gre"},
		{"gre source routing", outer(47, concat(greHdr(0x4000, etherIPv4, 0), v4)), NotTCP, reassembly.Segment{}, "gre"},
		{"gre keepalive", outer(47, greHdr(0, 0)), NotTCP, reassembly.Segment{}, "gre"},
		{"gre arp", outer(47, concat(greHdr(0, 0x0806), make([]byte, 28))), NonIP, reassembly.Segment{}, "gre"},
		{"gre in udp", outerUDP(50000, portGREinUDP, concat(greHdr(0, etherIPv4), v4)), None, wantReq, "gre"},
		{"mpls in udp", outerUDP(50000, portMPLSinUDP, concat([]byte{0, 1, 0x01, 0x40}, v6)), None, wantReq6, "mpls"},

		{"vxlan", outerUDP(51234, portVXLAN, concat(vxlanHdr(7), innerEth)), None, wantReq, "vxlan"},
		{"vxlan reserved bits set", outerUDP(51234, portVXLAN, concat([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 7, 0xff}, innerEth)), None, wantReq, "vxlan"},
		{"vxlan in vlan, vlan inside", concat(eth(etherVLAN, nil), tag(etherIPv4, 10),
			ip4(tunA, tunB, 17, udp(1, portVXLAN, concat(vxlanHdr(7), eth(etherVLAN, nil), tag(etherIPv6, 20), v6)))), None, wantReq6, "vlan>vxlan>vlan"},
		{"vxlan source port only", outerUDP(portVXLAN, 51234, concat(vxlanHdr(7), innerEth)), NotTCP, reassembly.Segment{}, ""},
		{"vxlan arp", outerUDP(51234, portVXLAN, concat(vxlanHdr(7), eth(0x0806, make([]byte, 28)))), NonIP, reassembly.Segment{}, "vxlan"},
		{"vxlan-gpe ethernet", outerUDP(51234, portVXLANGPE, concat([]byte{0x0c, 0, 0, 3, 0, 0, 7, 0}, innerEth)), None, wantReq, "vxlan"},
		{"vxlan-gpe ipv6", outerUDP(51234, portVXLANGPE, concat([]byte{0x0c, 0, 0, 2, 0, 0, 7, 0}, v6)), None, wantReq6, "vxlan"},
		{"vxlan-gpe nsh", outerUDP(51234, portVXLANGPE, concat([]byte{0x0c, 0, 0, 4, 0, 0, 7, 0}, v6)), NotTCP, reassembly.Segment{}, "vxlan"},

		{"geneve ethernet", outerUDP(51234, portGeneve, concat(geneveHdr(etherTEB, nil), innerEth)), None, wantReq, "geneve"},
		{"geneve options", outerUDP(51234, portGeneve, concat(geneveHdr(etherTEB, []byte{1, 2, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0}), innerEth)), None, wantReq, "geneve"},
		{"geneve ipv6", outerUDP(51234, portGeneve, concat(geneveHdr(etherIPv6, nil), v6)), None, wantReq6, "geneve"},
		{"geneve version 1", outerUDP(51234, portGeneve, concat([]byte{0x40, 0, 0x65, 0x58, 0, 0, 42, 0}, innerEth)), NotTCP, reassembly.Segment{}, "geneve"},

		{"gtp-u", outerUDP(portGTPU, portGTPU, gtpu(0x30, 0xff, nil, v4)), None, wantReq, "gtpu"},
		{"gtp-u ipv6 source port", outerUDP(portGTPU, 40000, gtpu(0x30, 0xff, nil, v6)), None, wantReq6, "gtpu"},
		{"gtp-u sequence and extension header", outerUDP(5906, portGTPU, gtpu(0x36, 0xff, gtpExt, v4)), None, wantReq, "gtpu"},
		{"gtp-u padding after the packet", outerUDP(5906, portGTPU, gtpu(0x30, 0xff, nil, concat(v4, []byte{0, 0, 0}))), None, wantReq, "gtpu"},
		{"gtp-u echo request", outerUDP(portGTPU, portGTPU, gtpu(0x32, 0x01, []byte{0, 1, 0, 0}, nil)), NotTCP, reassembly.Segment{}, "gtpu"},
		{"gtp' (protocol type 0)", outerUDP(portGTPU, portGTPU, gtpu(0x20, 0xff, nil, v4)), NotTCP, reassembly.Segment{}, "gtpu"},
		{"gtp-u length beyond udp", outerUDP(portGTPU, portGTPU, gtpu(0x30, 0xff, nil, v4)[:40]), Malformed, reassembly.Segment{}, "gtpu"},
		{"gtp-u zero extension length", outerUDP(5906, portGTPU, gtpu(0x34, 0xff, []byte{0, 0, 0, 0x85, 0, 0, 0, 0}, v4)), Malformed, reassembly.Segment{}, "gtpu"},

		{"teredo", outerUDP(40001, portTeredo, v6), None, wantReq6, "teredo"},
		{"teredo origin indication", outerUDP(portTeredo, 40001, concat([]byte{0, 0, 0x12, 0x34, 1, 2, 3, 4}, v6)), None, wantReq6, "teredo"},
		{"teredo authentication and origin", outerUDP(portTeredo, 40001,
			concat([]byte{0, 1, 2, 3, 'i', 'd', 'a', 'u', 't'}, make([]byte, 9), []byte{0, 0, 0x12, 0x34, 1, 2, 3, 4}, v6)), None, wantReq6, "teredo"},
		{"teredo by shape", outerUDP(32900, 1286, teredoV6), None, wantTeredo, "teredo"},
		{"teredo by shape, destination", outerUDP(1286, 32900, ip6(srv6, teredo, 6, reqTCP.bytes())), None,
			with(wantReq6, func(s *reassembly.Segment) {
				s.Src, s.Dst = netip.AddrPortFrom(srv6, 40000), netip.AddrPortFrom(teredo, 80)
			}), "teredo"},
		{"ipv6 in udp without a teredo address", outerUDP(32900, 1286, v6), NotTCP, reassembly.Segment{}, ""},
		{"teredo-like with trailing bytes", outerUDP(32900, 1286, concat(teredoV6, []byte{0})), NotTCP, reassembly.Segment{}, ""},
		{"teredo bubble", outerUDP(40001, portTeredo, ip6(teredo, srv6, 59, nil)), NotTCP, reassembly.Segment{}, "teredo"},
		{"teredo not ipv6", outerUDP(40001, portTeredo, v4), NotTCP, reassembly.Segment{}, "teredo"},
		{"teredo authentication cut", outerUDP(40001, portTeredo, []byte{0, 1, 200, 0, 1}), Malformed, reassembly.Segment{}, "teredo"},

		{"ayiya ipv6", outerUDP(40002, portAYIYA, concat(ayiyaHdr(4, 5, 1, 41), v6)), None, wantReq6, "ayiya"},
		{"ayiya ipv4", outerUDP(portAYIYA, 40002, concat(ayiyaHdr(0, 0, 1, 4), v4)), None, wantReq, "ayiya"},
		{"ayiya heartbeat", outerUDP(40002, portAYIYA, ayiyaHdr(4, 5, 0, 59)), NotTCP, reassembly.Segment{}, "ayiya"},

		{"l2tp ppp ipv6", outerUDP(portL2TP, portL2TP, concat([]byte{0x00, 0x02, 0, 1, 0, 2}, []byte{0xff, 0x03, 0x00, 0x57}, v6)), None, wantReq6, "l2tp"},
		{"l2tp length sequence offset", outerUDP(portL2TP, portL2TP,
			concat([]byte{0x4a, 0x02, 0, byte(16 + 2 + len(v4)), 0, 1, 0, 2, 0, 5, 0, 6, 0, 2, 0xee, 0xee}, []byte{0x00, 0x21}, v4)), None, wantReq, "l2tp"},
		{"l2tp control", outerUDP(portL2TP, portL2TP, []byte{0xc8, 0x02, 0, 12, 0, 1, 0, 2, 0, 0, 0, 0}), NotTCP, reassembly.Segment{}, "l2tp"},
		{"l2tp lcp", outerUDP(portL2TP, portL2TP, concat([]byte{0x00, 0x02, 0, 1, 0, 2}, []byte{0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4})), NonIP, reassembly.Segment{}, "l2tp"},

		{"qinq", concat(eth(etherQinQ, nil), tag(etherVLAN, 10), tag(etherIPv4, 20), v4), None, wantReq, "vlan>vlan"},
		{"pppoe in vlan", concat(eth(etherVLAN, nil), tag(etherPPPoE, 3), []byte{0x11, 0, 0x12, 0x34, 0, byte(2 + len(v4))}, []byte{0, 0x21}, v4), None, wantReq, "vlan>pppoe"},
		{"mpls", concat(eth(etherMPLS, nil), []byte{0, 1, 0xd0, 0x40, 0, 2, 0xd1, 0x40}, v6), None, wantReq6, "mpls"},
		{"6in4", eth(etherIPv4, ip4(tunA, tunB, 41, v6)), None, wantReq6, "ipip"},
		{"4in6", eth(etherIPv6, ip6(tunA6, tunB6, 4, v4)), None, wantReq, "ipip"},
		{"4in4 in 6in4", eth(etherIPv4, ip4(tunA, tunB, 41, ip6(tunA6, tunB6, 4, v4))), None, wantReq, "ipip>ipip"},
		{"four tunnels", outerUDP(1, portVXLAN, concat(vxlanHdr(1), eth(etherIPv4, ip4(tunA, tunB, 47, concat(greHdr(0, etherIPv4),
			ip4(tunA, tunB, 4, ip4(tunA, tunB, 17, udp(portGTPU, portGTPU, gtpu(0x30, 0xff, nil, v4))))))))),
			None, wantReq, "vxlan>gre>ipip>gtpu"},
		{"five tunnels", outerUDP(1, portVXLAN, concat(vxlanHdr(1), eth(etherIPv4, ip4(tunA, tunB, 47, concat(greHdr(0, etherIPv4),
			ip4(tunA, tunB, 4, ip4(tunA, tunB, 41, ip6(tunA6, tunB6, 17, udp(portGTPU, portGTPU, gtpu(0x30, 0xff, nil, v4)))))))))),
			TooDeep, reassembly.Segment{}, "vxlan>gre>ipip>ipip"},
		{"seventeen vlan tags", concat(eth(etherVLAN, nil), bytes.Repeat(tag(etherVLAN, 1), 16), tag(etherIPv4, 1), v4), TooDeep, reassembly.Segment{}, "vlan>vlan>vlan>vlan>vlan>vlan>vlan>vlan>vlan>vlan>vlan>vlan>vlan>vlan>vlan>vlan"},

		{"vxlan header cut by the capture", outerUDP(51234, portVXLAN, concat(vxlanHdr(7), innerEth))[:14+20+8+4], Truncated, reassembly.Segment{}, "vxlan"},
		{"vxlan header beyond a whole packet", outerUDP(51234, portVXLAN, []byte{8, 0, 0, 0}), Malformed, reassembly.Segment{}, "vxlan"},
		{"inner ip longer than the outer", outer(47, concat(greHdr(0, etherIPv4), ip4x(cli4, srv4, 6, reqTCP.bytes(), 0, 200))), Malformed, reassembly.Segment{}, "gre"},
		{"udp longer than ip", outer(17, func() []byte { b := udp(1, portVXLAN, concat(vxlanHdr(7), innerEth)); b[4]++; return b }()), Malformed, reassembly.Segment{}, ""},
		{"snap length inside a tunnel", outerUDP(51234, portVXLAN, concat(vxlanHdr(7), innerEth))[:14+20+8+8+14+20+32+5], None,
			with(wantReq, func(s *reassembly.Segment) { s.Payload, s.WireLen = get[:5], len(get) }), "vxlan"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			seg := reassembly.Segment{Time: 77, Ref: reassembly.Ref{File: 3, Frame: 9}}
			reason, ok := d.Decode(LinkTypeEthernet, tc.frame, &seg)
			if reason != tc.reason || ok != (tc.reason == None) {
				t.Fatalf("Decode = (%v, %v), want (%v, %v)", reason, ok, tc.reason, tc.reason == None)
			}
			if path := d.paths.name(d.w.path, d.w.nsteps); path != tc.encap {
				t.Errorf("path = %q, want %q", path, tc.encap)
			}
			if !ok {
				return
			}
			want := tc.want
			want.Encap = tc.encap
			checkSegment(t, &seg, &want, tc.frame)
		})
	}
}

// checkSegment compares a decoded segment with the expected one: WireLen
// defaults to the payload's length, Time and Ref must be left alone, and
// the payload must be a view into the frame.
func checkSegment(t *testing.T, seg, want *reassembly.Segment, frame []byte) {
	t.Helper()
	w := *want
	w.Time, w.Ref = 77, reassembly.Ref{File: 3, Frame: 9}
	if w.WireLen == 0 {
		w.WireLen = len(w.Payload)
	}
	if seg.Src != w.Src || seg.Dst != w.Dst || seg.Seq != w.Seq || seg.Ack != w.Ack ||
		seg.Flags != w.Flags || seg.Window != w.Window || !bytes.Equal(seg.Payload, w.Payload) ||
		seg.App != w.App || seg.AppUID != w.AppUID || seg.Time != w.Time || seg.Ref != w.Ref ||
		seg.WireLen != w.WireLen || seg.Encap != w.Encap {
		t.Errorf("segment = %+v\nwant      %+v", *seg, w)
	}
	if frame != nil && len(seg.Payload) > 0 && !within(seg.Payload, frame) {
		t.Errorf("payload is not a view into the frame")
	}
}

// The same kinds of tunnels as gopacket serializes them: an independent
// writer of GRE, ERSPAN II, VXLAN and GTP-U headers.
func TestTunnelsGopacketSerialized(t *testing.T) {
	mac1, mac2 := []byte{2, 0, 0, 0, 0, 1}, []byte{2, 0, 0, 0, 0, 2}
	ipL := func(proto layers.IPProtocol) *layers.IPv4 {
		return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: tunA.AsSlice(), DstIP: tunB.AsSlice()}
	}
	udpL := func(sport, dport layers.UDPPort) *layers.UDP { return &layers.UDP{SrcPort: sport, DstPort: dport} }
	inner := func() []gopacket.SerializableLayer {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: cli4.AsSlice(), DstIP: srv4.AsSlice()}
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 1000, Ack: 2000, PSH: true, ACK: true, Window: 502}
		return []gopacket.SerializableLayer{ip, tcp, gopacket.Payload(get)}
	}
	ethL := func(t layers.EthernetType) *layers.Ethernet {
		return &layers.Ethernet{SrcMAC: mac1, DstMAC: mac2, EthernetType: t}
	}
	tests := []struct {
		name   string
		layers []gopacket.SerializableLayer
		encap  string
	}{
		{"gre key", append([]gopacket.SerializableLayer{ethL(layers.EthernetTypeIPv4), ipL(layers.IPProtocolGRE),
			&layers.GRE{KeyPresent: true, Key: 99, Protocol: layers.EthernetTypeIPv4}}, inner()...), "gre"},
		{"gre erspan II", append([]gopacket.SerializableLayer{ethL(layers.EthernetTypeIPv4), ipL(layers.IPProtocolGRE),
			&layers.GRE{SeqPresent: true, Seq: 1, Protocol: layers.EthernetTypeERSPAN},
			&layers.ERSPANII{Version: 1, SessionID: 20, Index: 1}, ethL(layers.EthernetTypeIPv4)}, inner()...), "gre>erspan"},
		{"vxlan", append([]gopacket.SerializableLayer{ethL(layers.EthernetTypeIPv4), ipL(layers.IPProtocolUDP), udpL(50000, 4789),
			&layers.VXLAN{ValidIDFlag: true, VNI: 7}, ethL(layers.EthernetTypeIPv4)}, inner()...), "vxlan"},
		{"gtp-u", append([]gopacket.SerializableLayer{ethL(layers.EthernetTypeIPv4), ipL(layers.IPProtocolUDP), udpL(2152, 2152),
			// gopacket neither fixes GTP's length nor places its optional
			// fields right (it appends them after the payload): neither is used.
			&layers.GTPv1U{Version: 1, ProtocolType: 1, MessageType: 255, MessageLength: uint16(40 + len(get)), TEID: 9}}, inner()...), "gtpu"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, tc.layers...); err != nil {
				t.Fatal(err)
			}
			var seg reassembly.Segment
			if reason, ok := NewDecoder().Decode(LinkTypeEthernet, buf.Bytes(), &seg); !ok {
				t.Fatalf("Decode = %v", reason)
			}
			if seg.Src != wantReq.Src || seg.Dst != wantReq.Dst || seg.Seq != 1000 || seg.Ack != 2000 || seg.Flags != wantReq.Flags ||
				seg.Window != 502 || !bytes.Equal(seg.Payload, get) || seg.WireLen != len(get) || seg.Encap != tc.encap {
				t.Errorf("segment = %+v, want encap %q", seg, tc.encap)
			}
		})
	}
}

// The names of the steps are part of the output: they must not change.
func TestEncapNames(t *testing.T) {
	want := []string{"", "vlan", "pppoe", "mpls", "gre", "erspan", "vxlan", "geneve", "gtpu", "teredo", "ayiya", "ipip", "l2tp"}
	if len(want) != len(stepNames) {
		t.Fatalf("%d step names, want %d", len(stepNames), len(want))
	}
	for i, s := range want {
		if stepNames[i] != s {
			t.Errorf("step %d = %q, want %q", i, stepNames[i], s)
		}
	}
	var c pathCache
	c.init()
	path := uint64(stepVLAN) | uint64(stepGRE)<<4 | uint64(stepERSPAN)<<8 | uint64(stepVXLAN)<<12
	a := c.name(path, 4)
	if a != "vlan>gre>erspan>vxlan" {
		t.Errorf("name = %q", a)
	}
	c.name(uint64(stepMPLS), 1)
	if n := testing.AllocsPerRun(100, func() { c.name(path, 4) }); n != 0 {
		t.Errorf("%v allocations for a cached path", n)
	}
}
