package packet

import (
	"encoding/binary"
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Link-layer headers are decoded by small DecodingLayers written here.
// gopacket has no LINKTYPE_LINUX_SLL2 layer, its LinuxSLL slices the address
// with an unchecked length (a panic on hostile input), its Ethernet does not
// know the 0x9100 VLAN tag, and the "which layer comes next" answers needed
// to name skip reasons are simpler when the layers say it themselves.

// Layer types of the layers defined here. They are not registered with
// gopacket (no global state): a DecodingLayerParser only needs them as keys.
const (
	layerTypeEthernet gopacket.LayerType = 0x7e00 + iota
	layerTypeVLAN
	layerTypeSLL
	layerTypeSLL2
	layerTypeNull
	layerTypeCHDLC
	layerTypeNFLOG
	layerTypeLLC
	layerTypePPPoE
	layerTypeMPLS
	// layerTypeNonIP is what a link layer names as next when its payload
	// is not IP. Nothing decodes it, so the parser stops there.
	layerTypeNonIP
	// layerTypeFragment is what the IPv6 fragment layer names as next for
	// a real fragment; nothing decodes it.
	layerTypeFragment
	// layerTypeTunnel is what an IP layer names as next for IP inside IP
	// beyond the depth followed.
	layerTypeTunnel
)

// Sentinel errors: decoding layers return them without allocating.
var (
	errShort     = errors.New("packet: header truncated")
	errMalformed = errors.New("packet: header malformed")
)

// Ethernet types that matter here.
const (
	etherIPv4   = 0x0800
	etherIPv6   = 0x86dd
	etherVLAN   = 0x8100
	etherQinQ   = 0x88a8
	etherQinQv1 = 0x9100 // pre-standard QinQ tag, still emitted by some switches
	etherPPPoE  = 0x8864 // PPPoE session stage
	etherMPLS   = 0x8847
	etherMPLSmc = 0x8848
)

// etherNext maps an Ethernet type to the layer that decodes what follows.
func etherNext(t uint16) gopacket.LayerType {
	switch t {
	case etherIPv4:
		return layers.LayerTypeIPv4
	case etherIPv6:
		return layers.LayerTypeIPv6
	case etherVLAN, etherQinQ, etherQinQv1:
		return layerTypeVLAN
	case etherPPPoE:
		return layerTypePPPoE
	case etherMPLS, etherMPLSmc:
		return layerTypeMPLS
	}
	if t < 0x0600 { // an 802.3 length: LLC follows
		return layerTypeLLC
	}
	return layerTypeNonIP
}

// linkBase holds what every link layer here records.
type linkBase struct {
	contents, payload []byte
	next              gopacket.LayerType
}

func (l *linkBase) LayerContents() []byte             { return l.contents }
func (l *linkBase) LayerPayload() []byte              { return l.payload }
func (l *linkBase) NextLayerType() gopacket.LayerType { return l.next }

func (l *linkBase) set(data []byte, n int, next gopacket.LayerType) {
	l.contents, l.payload, l.next = data[:n], data[n:], next
}

// short reports a header that does not fit the captured bytes.
func short(df gopacket.DecodeFeedback) error {
	df.SetTruncated()
	return errShort
}

// ethernet is an Ethernet II header: destination, source, type. A type
// below 0x0600 is an 802.3 length: such frames carry LLC, not IP.
type ethernet struct{ linkBase }

func (*ethernet) CanDecode() gopacket.LayerClass { return layerTypeEthernet }
func (e *ethernet) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 14 {
		return short(df)
	}
	e.set(data, 14, etherNext(binary.BigEndian.Uint16(data[12:14])))
	return nil
}

// llc is an 802.2 LLC header after an 802.3 length field. Only SNAP with
// an Ethernet type (AA AA 03, OUI 00 00 00) can carry IP.
type llc struct{ linkBase }

func (*llc) CanDecode() gopacket.LayerClass { return layerTypeLLC }
func (l *llc) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 3 {
		return short(df)
	}
	if data[0] != 0xaa || data[1] != 0xaa || data[2] != 0x03 {
		l.set(data, 3, layerTypeNonIP)
		return nil
	}
	if len(data) < 8 {
		return short(df)
	}
	next := layerTypeNonIP
	if data[3] == 0 && data[4] == 0 && data[5] == 0 {
		next = etherNext(binary.BigEndian.Uint16(data[6:8]))
		if next == layerTypeLLC {
			next = layerTypeNonIP
		}
	}
	l.set(data, 8, next)
	return nil
}

// pppoe is a PPPoE session header (version/type, code, session, length)
// and the PPP protocol field, which is one byte when compressed (PFC: an
// odd first byte).
type pppoe struct{ linkBase }

func (*pppoe) CanDecode() gopacket.LayerClass { return layerTypePPPoE }
func (p *pppoe) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 7 {
		return short(df)
	}
	proto, n := uint16(data[6]), 7
	if data[6]&1 == 0 {
		if len(data) < 8 {
			return short(df)
		}
		proto, n = binary.BigEndian.Uint16(data[6:8]), 8
	}
	next := layerTypeNonIP // LCP, IPCP, authentication...
	switch proto {
	case 0x0021:
		next = layers.LayerTypeIPv4
	case 0x0057:
		next = layers.LayerTypeIPv6
	}
	p.set(data, n, next)
	return nil
}

// mpls is an MPLS label stack. What follows the bottom label is not named
// anywhere; like Wireshark and Zeek, the IP version nibble decides, and
// anything else (pseudowires, control words) is not IP.
type mpls struct{ linkBase }

func (*mpls) CanDecode() gopacket.LayerClass { return layerTypeMPLS }
func (m *mpls) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	n := 0
	for {
		if len(data) < n+4 {
			return short(df)
		}
		bottom := data[n+2]&1 != 0
		n += 4
		if bottom {
			break
		}
	}
	next := layerTypeNonIP
	if len(data) > n {
		switch data[n] >> 4 {
		case 4:
			next = layers.LayerTypeIPv4
		case 6:
			next = layers.LayerTypeIPv6
		}
	}
	m.set(data, n, next)
	return nil
}

// vlan is one or more 802.1Q / 802.1ad tags. Its input starts after the tag
// protocol identifier (already read by the layer before); stacked tags are
// consumed in one step so the decoded-layers list stays short.
type vlan struct{ linkBase }

func (*vlan) CanDecode() gopacket.LayerClass { return layerTypeVLAN }
func (v *vlan) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	n := 0
	for {
		if len(data) < n+4 {
			return short(df)
		}
		t := binary.BigEndian.Uint16(data[n+2 : n+4])
		n += 4
		if next := etherNext(t); next != layerTypeVLAN {
			v.set(data, n, next)
			return nil
		}
	}
}

// sll is the Linux "cooked" header (LINKTYPE_LINUX_SLL): packet type,
// ARPHRD type, address length, 8 address bytes, protocol.
type sll struct{ linkBase }

const arphrdNetlink = 824 // protocol field then holds a netlink family

func (*sll) CanDecode() gopacket.LayerClass { return layerTypeSLL }
func (s *sll) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 16 {
		return short(df)
	}
	next := etherNext(binary.BigEndian.Uint16(data[14:16]))
	if binary.BigEndian.Uint16(data[2:4]) == arphrdNetlink {
		next = layerTypeNonIP
	}
	s.set(data, 16, next)
	return nil
}

// sll2 is LINKTYPE_LINUX_SLL2 (tcpdump -i any since libpcap 1.10): protocol
// (2), reserved (2), interface index (4), ARPHRD type (2), packet type (1),
// address length (1), address (8).
type sll2 struct{ linkBase }

func (*sll2) CanDecode() gopacket.LayerClass { return layerTypeSLL2 }
func (s *sll2) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 20 {
		return short(df)
	}
	next := etherNext(binary.BigEndian.Uint16(data[0:2]))
	if binary.BigEndian.Uint16(data[8:10]) == arphrdNetlink {
		next = layerTypeNonIP
	}
	s.set(data, 20, next)
	return nil
}

// null is the BSD loopback header (LINKTYPE_NULL, and LINKTYPE_LOOP from
// OpenBSD): a 4-byte address family in the writer's byte order (NULL) or in
// network order (LOOP). Families are small numbers, so two leading zero
// bytes mean big-endian.
type null struct{ linkBase }

func (*null) CanDecode() gopacket.LayerClass { return layerTypeNull }
func (n *null) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		return short(df)
	}
	fam := binary.LittleEndian.Uint32(data[0:4])
	if data[0] == 0 && data[1] == 0 {
		fam = binary.BigEndian.Uint32(data[0:4])
	}
	next := layerTypeNonIP
	switch fam {
	case 2: // AF_INET everywhere
		next = layers.LayerTypeIPv4
	case 24, 28, 30: // AF_INET6 on NetBSD/OpenBSD, FreeBSD, Darwin
		next = layers.LayerTypeIPv6
	}
	n.set(data, 4, next)
	return nil
}

// chdlc is the Cisco HDLC header (LINKTYPE_C_HDLC): address, control and an
// Ethernet type.
type chdlc struct{ linkBase }

func (*chdlc) CanDecode() gopacket.LayerClass { return layerTypeCHDLC }
func (c *chdlc) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		return short(df)
	}
	c.set(data, 4, etherNext(binary.BigEndian.Uint16(data[2:4])))
	return nil
}

// nflog is LINKTYPE_NFLOG (Linux netfilter log): family (1), version (1),
// resource id (2), then type-length-value attributes whose length and type
// are in the writing host's byte order; attribute 9 holds the packet.
type nflog struct{ linkBase }

const nflogPayload = 9

func (*nflog) CanDecode() gopacket.LayerClass { return layerTypeNFLOG }
func (n *nflog) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		return short(df)
	}
	next := layerTypeNonIP
	switch data[0] {
	case 2: // AF_INET
		next = layers.LayerTypeIPv4
	case 10: // AF_INET6 on Linux
		next = layers.LayerTypeIPv6
	}
	// The writer's byte order is not recorded: little-endian hosts are the
	// rule, and a walk that does not add up is retried big-endian.
	start, end, ok := nflogFind(data, binary.LittleEndian)
	if !ok {
		start, end, ok = nflogFind(data, binary.BigEndian)
	}
	if !ok {
		return errMalformed
	}
	if start < 0 {
		next = layerTypeNonIP // no packet attribute
		start, end = len(data), len(data)
	}
	n.contents, n.payload, n.next = data[:start], data[start:end], next
	return nil
}

// nflogFind walks the attributes and returns the bounds of the payload
// attribute's value (start -1 when there is none); ok is false when the
// lengths do not add up.
func nflogFind(data []byte, order binary.ByteOrder) (start, end int, ok bool) {
	i := 4
	for i+4 <= len(data) {
		l := int(order.Uint16(data[i : i+2]))
		t := order.Uint16(data[i+2:i+4]) & 0x3fff // without the nested / byte-order flags
		if l < 4 || i+l > len(data) {
			return 0, 0, false
		}
		if t == nflogPayload {
			return i + 4, i + l, true
		}
		i += (l + 3) &^ 3
	}
	return -1, -1, true
}

// ip6ext consumes a chain of IPv6 hop-by-hop, routing and destination
// options headers, which share one layout (next header, length in 8-byte
// units). It stops at anything else; a fragment header is left to frag6.
type ip6ext struct {
	linkBase
	depth *uint8 // IP headers decoded so far, shared with the IP layers
}

var ip6extClass = gopacket.NewLayerClass([]gopacket.LayerType{
	layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination,
})

func (*ip6ext) CanDecode() gopacket.LayerClass { return ip6extClass }
func (x *ip6ext) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	n := 0
	for {
		if len(data) < n+2 {
			return short(df)
		}
		nh := layers.IPProtocol(data[n])
		l := (int(data[n+1]) + 1) * 8
		if len(data) < n+l {
			return short(df)
		}
		n += l
		switch nh {
		case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination:
			continue
		}
		x.set(data, n, limitTunnel(nh.LayerType(), *x.depth))
		return nil
	}
}

// frag6 is an IPv6 fragment header. An "atomic fragment" (offset 0, no
// more fragments: RFC 6946) is a whole packet and decoding goes on; a real
// fragment stops here.
type frag6 struct {
	linkBase
	depth *uint8
}

func (*frag6) CanDecode() gopacket.LayerClass { return layers.LayerTypeIPv6Fragment }
func (f *frag6) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 8 {
		return short(df)
	}
	next := layerTypeFragment
	if binary.BigEndian.Uint16(data[2:4])&0xfff9 == 0 { // offset 0, M flag clear
		next = limitTunnel(layers.IPProtocol(data[0]).LayerType(), *f.depth)
	}
	f.set(data, 8, next)
	return nil
}
