package packet

import (
	"encoding/binary"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// IP protocol numbers followed here.
const (
	ipProtoHopByHop = 0
	ipProtoIPv4     = 4
	ipProtoTCP      = 6
	ipProtoUDP      = 17
	ipProtoIPv6     = 41
	ipProtoRouting  = 43
	ipProtoFragment = 44
	ipProtoGRE      = 47
	ipProtoAH       = 51
	ipProtoDstOpts  = 60
	ipProtoMobility = 135
)

// ipByVersion picks IPv4 or IPv6 by the version nibble, for layers that do
// not say which (MPLS, GTP-U, ERSPAN III); anything else is not IP.
func (w *walk) ipByVersion() (proto, SkipReason) {
	if len(w.b) == 0 {
		return 0, w.short()
	}
	switch w.b[0] >> 4 {
	case 4:
		return pIPv4, None
	case 6:
		return pIPv6, None
	}
	return pNonIP, None
}

// bound narrows b to an IP packet's announced length n (counted from the
// start of b), or notes that the capture cut it. It reports false when b
// is whole yet shorter than n: the length is a lie.
func (w *walk) bound(n int) bool {
	if len(w.b) < n {
		if !w.cut {
			return false
		}
		// w.cut stays: the capture cut this packet.
	} else {
		w.b = w.b[:n]
		w.cut = false
	}
	w.want = n
	return true
}

// ipv4 reads an IPv4 header, decoded by gopacket. The payload is bounded
// by the total length (a zero total length, as TCP segmentation offload
// leaves it, means the captured length). Fragments go to the
// defragmenter.
func (d *Decoder) ipv4() (proto, SkipReason) {
	w := &d.w
	b := w.b
	// Checked before gopacket: it does not check the version, and its
	// errors neither tell a cut header from a lying one nor come without
	// an allocation.
	if len(b) < 20 {
		return 0, w.short()
	}
	if b[0]>>4 != 4 {
		return 0, Malformed
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4])) // gopacket replaces a zero one
	if ihl < 20 || total != 0 && total < ihl {
		return 0, Malformed
	}
	if len(b) < ihl {
		return 0, w.short()
	}
	ip := &d.g.ip4
	// An error can now only come from the options, parsed after every
	// field used here; like the kernel's forwarding path and Wireshark,
	// the payload is followed all the same.
	_ = ip.DecodeFromBytes(b, gopacket.NilDecodeFeedback)
	w.ips++
	w.src, w.dst = ip.SrcIP, ip.DstIP
	if total == 0 {
		w.want = len(b)
	} else {
		if w.ips == 1 && len(b) >= total {
			w.after = b[total:]
		}
		if !w.bound(total) {
			return 0, Malformed
		}
	}
	p := uint8(ip.Protocol)
	w.skip(ihl)
	if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
		var k fragKey
		copy(k.src[:], w.src)
		copy(k.dst[:], w.dst)
		k.id = uint32(ip.Id)
		k.proto = p
		k.depth = uint8(w.ips)
		nh, r := d.fragment(k, int(ip.FragOffset)*8, ip.Flags&layers.IPv4MoreFragments != 0, p)
		if r != None {
			return 0, r
		}
		p = nh
	}
	if p == ipProtoAH {
		return d.ipExt(p, false)
	}
	return w.ipNext(p)
}

// ipv6 reads an IPv6 header, decoded by gopacket. The payload is bounded
// by the payload length (zero, as in jumbograms and Linux's BIG TCP, means
// the captured length).
func (d *Decoder) ipv6() (proto, SkipReason) {
	w := &d.w
	b := w.b
	if len(b) < 40 {
		return 0, w.short()
	}
	if b[0]>>4 != 6 {
		return 0, Malformed
	}
	ip := &d.g.ip6
	if plen := binary.BigEndian.Uint16(b[4:6]); b[6] != ipProtoHopByHop && plen != 0 {
		// No error is left: the header fits and the length is not 0.
		_ = ip.DecodeFromBytes(b, gopacket.NilDecodeFeedback)
	} else {
		// gopacket decodes a hop-by-hop header as part of IPv6,
		// allocating each of its options, and refuses a zero length
		// without a jumbo option (BIG TCP sends just that): the fixed
		// header is taken as it is, and ipExt walks the extensions.
		ip.SrcIP, ip.DstIP = b[8:24], b[24:40]
		ip.Length, ip.NextHeader = plen, layers.IPProtocol(b[6])
	}
	w.ips++
	w.src, w.dst = ip.SrcIP, ip.DstIP
	if plen := int(ip.Length); plen == 0 {
		w.want = len(b)
	} else {
		if w.ips == 1 && len(b) >= 40+plen {
			w.after = b[40+plen:]
		}
		if !w.bound(40 + plen) {
			return 0, Malformed
		}
	}
	w.skip(40)
	return d.ipExt(uint8(ip.NextHeader), true)
}

// ipExt follows IPv6 extension headers (v6) or IPv4's authentication
// header to the upper-layer protocol. A fragment header sends the packet to
// the defragmenter unless it is an atomic fragment (offset 0, no more
// fragments: RFC 6946), which is a whole packet.
func (d *Decoder) ipExt(nh uint8, v6 bool) (proto, SkipReason) {
	w := &d.w
	for range maxLayers {
		b := w.b
		if !v6 && nh != ipProtoAH {
			return w.ipNext(nh)
		}
		switch nh {
		case ipProtoHopByHop, ipProtoRouting, ipProtoDstOpts, ipProtoMobility, ipProtoAH:
			if len(b) < 2 {
				return 0, w.short()
			}
			n := (int(b[1]) + 1) * 8
			if nh == ipProtoAH {
				n = (int(b[1]) + 2) * 4
			}
			if len(b) < n {
				return 0, w.short()
			}
			nh = b[0]
			w.skip(n)
		case ipProtoFragment:
			if len(b) < 8 {
				return 0, w.short()
			}
			off := binary.BigEndian.Uint16(b[2:4])
			next := b[0]
			w.skip(8)
			if off&0xfff9 == 0 { // atomic
				nh = next
				continue
			}
			var k fragKey
			copy(k.src[:], w.src)
			copy(k.dst[:], w.dst)
			k.id = binary.BigEndian.Uint32(b[4:8])
			k.v6 = true
			k.depth = uint8(w.ips)
			var r SkipReason
			nh, r = d.fragment(k, int(off&^7), off&1 != 0, next)
			if r != None {
				return 0, r
			}
		default:
			return w.ipNext(nh)
		}
	}
	return 0, TooDeep
}

// ipNext names the layer for an upper-layer protocol.
func (w *walk) ipNext(p uint8) (proto, SkipReason) {
	switch p {
	case ipProtoTCP:
		return pTCP, None
	case ipProtoUDP:
		return pUDP, None
	case ipProtoGRE:
		if !w.step(stepGRE, true) {
			return 0, TooDeep
		}
		return pGRE, None
	case ipProtoIPv4, ipProtoIPv6:
		if !w.step(stepIPIP, true) {
			return 0, TooDeep
		}
		if p == ipProtoIPv4 {
			return pIPv4, None
		}
		return pIPv6, None
	}
	return pOther, None // UDP, ICMP, ESP, ...
}

// UDP ports of tunnels.
const (
	portVXLAN     = 4789
	portVXLANGPE  = 4790
	portGeneve    = 6081
	portGTPU      = 2152
	portTeredo    = 3544
	portAYIYA     = 5072
	portL2TP      = 1701
	portGREinUDP  = 4754 // RFC 8086
	portMPLSinUDP = 6635 // RFC 7510
)

// UDP ports whose datagrams are handed on as DNSDatagram: DNS, multicast
// DNS (RFC 6762) and LLMNR (RFC 4795), which share DNS's message format.
const (
	portDNS   = 53
	portMDNS  = 5353
	portLLMNR = 5355
)

func isDNSPort(p uint16) bool { return p == portDNS || p == portMDNS || p == portLLMNR }

// udp reads a UDP header, decoded by gopacket, and opens the tunnels it
// may carry: by port, VXLAN and Geneve (destination), GTP-U, Teredo, AYIYA
// and L2TP (either port), VXLAN-GPE, GRE and MPLS in UDP (destination);
// and Teredo by its shape on any port, since relays and peers use ports of
// their own. Other datagrams to or from a DNS port end the walk as DNS
// messages (see dnsDatagram). The ports are mapped here, not by gopacket's UDPPort layer
// types, which know neither these tunnels all nor Teredo's shape.
func (d *Decoder) udp() (proto, SkipReason) {
	w := &d.w
	b := w.b
	if len(b) < 8 {
		return 0, w.short()
	}
	u := &d.g.udp
	// A length below 8 (gopacket's other error) is caught just after.
	_ = u.DecodeFromBytes(b, gopacket.NilDecodeFeedback)
	ulen := int(u.Length)
	if ulen == 0 { // jumbogram or offload: the IP length rules
		ulen = w.want
	}
	if ulen < 8 || ulen > w.want {
		return 0, Malformed
	}
	if len(b) > ulen {
		w.b = b[:ulen]
	}
	w.want = ulen
	sport, dport := uint16(u.SrcPort), uint16(u.DstPort)
	w.skip(8)
	var next proto
	var s encapStep
	switch {
	case dport == portVXLAN:
		next, s = pVXLAN, stepVXLAN
	case dport == portVXLANGPE:
		next, s = pVXLANGPE, stepVXLAN
	case dport == portGeneve:
		next, s = pGeneve, stepGeneve
	case dport == portGTPU || sport == portGTPU:
		next, s = pGTPU, stepGTPU
	case dport == portTeredo || sport == portTeredo:
		next, s = pTeredo, stepTeredo
	case dport == portAYIYA || sport == portAYIYA:
		next, s = pAYIYA, stepAYIYA
	case dport == portL2TP || sport == portL2TP:
		next, s = pL2TP, stepL2TP
	case dport == portGREinUDP:
		next, s = pGRE, stepGRE
	case dport == portMPLSinUDP:
		// MPLS is counted as a step, not a tunnel, wherever it is.
		return pMPLS, None
	case w.looksTeredo():
		next, s = pTeredo, stepTeredo
	case isDNSPort(sport) || isDNSPort(dport):
		// After every tunnel: a tunnel's port, or Teredo's shape, wins.
		return pDNS, None
	default:
		return pOther, None
	}
	if !w.step(s, true) {
		return 0, TooDeep
	}
	return next, None
}
