package packet

import (
	"bytes"
	"net/netip"
	"testing"

	"telltale/reassembly"
)

// dnsQuery is a DNS query for example.com A IN, written byte by byte:
// ID 0x1234, RD set, one question.
var dnsQuery = []byte{
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1,
}

// TestDecodeDNSDatagram: UDP datagrams to or from a DNS port come back as
// DNSDatagram with the segment filled; tunnels on those ports stay tunnels.
func TestDecodeDNSDatagram(t *testing.T) {
	// Every field a TCP segment would set is first set to something
	// else, so that a field left alone shows.
	dns := func(src, dst netip.AddrPort, payload []byte) reassembly.Segment {
		return reassembly.Segment{Src: src, Dst: dst, Payload: payload, AppUID: -1}
	}
	q4 := dns(netip.AddrPortFrom(cli4, 40000), netip.AddrPortFrom(srv4, 53), dnsQuery)
	big := bytes.Repeat([]byte{0xab}, 600)
	frags := v4frags(9, 17, udp(53, 40000, big), 208, 416)
	tests := []struct {
		name     string
		linkType uint16
		frames   [][]byte // the last one gives the result
		reason   SkipReason
		want     reassembly.Segment
	}{
		{"query to 53", LinkTypeEthernet, [][]byte{eth(etherIPv4, ip4(cli4, srv4, 17, udp(40000, 53, dnsQuery)))}, DNSDatagram, q4},
		{"response from 53", LinkTypeRaw, [][]byte{ip4(srv4, cli4, 17, udp(53, 40000, dnsQuery))}, DNSDatagram,
			dns(netip.AddrPortFrom(srv4, 53), netip.AddrPortFrom(cli4, 40000), dnsQuery)},
		{"mdns ipv6", LinkTypeRaw, [][]byte{ip6(cli6, srv6, 17, udp(5353, 5353, dnsQuery))}, DNSDatagram,
			dns(netip.AddrPortFrom(cli6, 5353), netip.AddrPortFrom(srv6, 5353), dnsQuery)},
		{"llmnr after ipv6 options", LinkTypeRaw, [][]byte{ip6(cli6, srv6, 60, concat(ext6(17), udp(50000, 5355, dnsQuery)))}, DNSDatagram,
			dns(netip.AddrPortFrom(cli6, 50000), netip.AddrPortFrom(srv6, 5355), dnsQuery)},
		{"vlan and pcapdroid trailer", LinkTypeEthernet,
			[][]byte{concat(eth(etherVLAN, nil), tag(etherIPv4, 7), ip4(cli4, srv4, 17, udp(40000, 53, dnsQuery)), pcapdroid(10123, "com.example.app"))},
			DNSDatagram, with(enc(q4, "vlan"), func(s *reassembly.Segment) { s.App, s.AppUID = "com.example.app", 10123 })},
		{"inside vxlan", LinkTypeRaw,
			[][]byte{ip4(tunA, tunB, 17, udp(1, portVXLAN, concat(vxlanHdr(1), eth(etherIPv4, ip4(cli4, srv4, 17, udp(40000, 53, dnsQuery))))))},
			DNSDatagram, enc(q4, "vxlan")},
		{"udp length shorter than ip's", LinkTypeRaw,
			[][]byte{ip4(cli4, srv4, 17, func() []byte { b := udp(40000, 53, concat(dnsQuery, []byte{1, 2, 3})); b[5] -= 3; return b }())},
			DNSDatagram, q4},
		{"snaplen cut", LinkTypeRaw, [][]byte{ip4(cli4, srv4, 17, udp(40000, 53, dnsQuery))[:20+8+10]}, DNSDatagram,
			with(q4, func(s *reassembly.Segment) { s.Payload, s.WireLen = dnsQuery[:10], len(dnsQuery) })},
		{"empty datagram", LinkTypeRaw, [][]byte{ip4(cli4, srv4, 17, udp(40000, 53, nil))}, DNSDatagram,
			with(q4, func(s *reassembly.Segment) { s.Payload = []byte{} })},
		{"reassembled from fragments", LinkTypeRaw, frags, DNSDatagram,
			dns(netip.AddrPortFrom(cli4, 53), netip.AddrPortFrom(srv4, 40000), big)},
		{"first fragment held", LinkTypeRaw, frags[:1], FragmentHeld, reassembly.Segment{}},

		{"vxlan from 53 is vxlan", LinkTypeRaw, [][]byte{ip4(tunA, tunB, 17, udp(53, portVXLAN, concat(vxlanHdr(1), eth(etherIPv4, ip4(cli4, srv4, 6, reqTCP.bytes())))))},
			None, enc(wantReq, "vxlan")},
		{"gtp-u to 53 is gtp-u", LinkTypeRaw, [][]byte{ip4(tunA, tunB, 17, udp(portGTPU, 53, gtpu(0x30, 0xff, nil, ip4(cli4, srv4, 6, reqTCP.bytes()))))},
			None, enc(wantReq, "gtpu")},
		{"teredo shape from 53 is teredo", LinkTypeRaw, [][]byte{ip4(tunA, tunB, 17, udp(53, 1286, ip6(teredo, srv6, 6, reqTCP.bytes())))},
			None, enc(with(wantReq6, func(s *reassembly.Segment) { s.Src = netip.AddrPortFrom(teredo, 40000) }), "teredo")},
		{"port 54 is not dns", LinkTypeRaw, [][]byte{ip4(cli4, srv4, 17, udp(40000, 54, dnsQuery))}, NotTCP, reassembly.Segment{}},
		{"dns over tcp is a segment", LinkTypeRaw, [][]byte{ip4(cli4, srv4, 6, tcpHdr{sport: 40000, dport: 53, flags: 0x02}.bytes())}, None,
			reassembly.Segment{Src: netip.AddrPortFrom(cli4, 40000), Dst: netip.AddrPortFrom(srv4, 53), Flags: reassembly.SYN, Payload: []byte{}, AppUID: -1}},
		{"udp header cut", LinkTypeRaw, [][]byte{ip4(cli4, srv4, 17, udp(40000, 53, dnsQuery))[:20+5]}, Truncated, reassembly.Segment{}},
		{"udp length below 8", LinkTypeRaw, [][]byte{ip4(cli4, srv4, 17, func() []byte { b := udp(40000, 53, dnsQuery); b[4], b[5] = 0, 7; return b }())},
			Malformed, reassembly.Segment{}},
		{"udp length beyond ip's", LinkTypeRaw, [][]byte{ip4(cli4, srv4, 17, func() []byte { b := udp(40000, 53, dnsQuery); b[5]++; return b }())},
			Malformed, reassembly.Segment{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			var reason SkipReason
			var ok bool
			seg := reassembly.Segment{Time: 77, Ref: reassembly.Ref{File: 3, Frame: 9}}
			for _, f := range tc.frames {
				seg.Seq, seg.Ack, seg.Flags, seg.Window, seg.App, seg.AppUID, seg.Encap = 5, 6, reassembly.FIN, 7, "stale", 3, "stale"
				reason, ok = d.Decode(tc.linkType, f, &seg)
			}
			if reason != tc.reason || ok != (tc.reason == None) {
				t.Fatalf("Decode = (%v, %v), want (%v, %v)", reason, ok, tc.reason, tc.reason == None)
			}
			if reason == None || reason == DNSDatagram {
				last := tc.frames[len(tc.frames)-1]
				if len(tc.frames) > 1 {
					last = nil // the payload is in the reassembly buffer
				}
				checkSegment(t, &seg, &tc.want, last)
			}
		})
	}
}
