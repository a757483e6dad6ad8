// Package packet decodes captured frames into TCP segments for reassembly.
//
// A Decoder takes a frame's link type and bytes and fills a caller-owned
// reassembly.Segment whose Payload is a view into the frame: nothing is
// copied and, in the steady state, nothing is allocated. Frames that do not
// carry a usable TCP segment are not errors: Decode returns a SkipReason, a
// small named set the caller counts. The Ethernet padding and any trailer
// after the IP packet never reach the payload; a PCAPdroid trailer is
// recognised and turned into the segment's App and AppUID.
//
// Decoding uses gopacket's DecodingLayerParser over layer structs owned by
// the Decoder: gopacket's IPv4, IPv6 and TCP layers, and link layers written
// here (Ethernet with stacked VLAN tags, LLC/SNAP, PPPoE and MPLS, Linux SLL
// and SLL2, BSD loopback, Cisco HDLC, NFLOG). One level of IP in IP (4in4,
// 6in4, 4in6, 6in6) is followed and the inner packet gives the segment;
// other tunnels (GRE, VXLAN, GTP, ...) are not opened and count as not_tcp.
// The package also computes Community ID flow hashes.
package packet

import (
	"encoding/binary"
	"net/netip"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"telltale/reassembly"
)

// SkipReason says why a frame gave no TCP segment.
type SkipReason uint8

const (
	None            SkipReason = iota // not skipped
	UnsupportedLink                   // link type not decoded here
	NonIP                             // the link layer carries something other than IPv4/IPv6 (ARP, LLC, ...)
	NotTCP                            // IP, but not TCP (UDP, ICMP, tunnels, ...)
	IPFragment                        // an IPv4 or IPv6 fragment (not reassembled)
	Truncated                         // a header is cut short by the capture length
	Malformed                         // a header is invalid, or its lengths contradict each other
)

var reasonNames = [...]string{"none", "unsupported_link", "non_ip", "not_tcp", "ip_fragment", "truncated", "malformed"}

// String returns the reason's stable snake_case name, used in counters.
func (r SkipReason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// Link types (LINKTYPE_* numbers, as in pcap and pcapng headers).
const (
	LinkTypeNull     = 0
	LinkTypeEthernet = 1
	LinkTypeRawBSD12 = 12 // DLT_RAW as some BSDs number it
	LinkTypeRawBSD14 = 14 // DLT_RAW on OpenBSD
	LinkTypeRaw      = 101
	LinkTypeCHDLC    = 104
	LinkTypeLoop     = 108
	LinkTypeLinuxSLL = 113
	LinkTypeIPv4     = 228
	LinkTypeIPv6     = 229
	LinkTypeNFLOG    = 239
	LinkTypeSLL2     = 276
)

// pcapdroidMagic starts the 32-byte trailer PCAPdroid appends to each packet
// when its "PCAPdroid trailer" option is on.
const (
	pcapdroidMagic      = 0x01072021
	pcapdroidTrailerLen = 32
	maxApps             = 4096 // interned app names; beyond, names are still decoded but allocated
)

// Decoder decodes frames. It is not safe for concurrent use; use one per
// goroutine.
type Decoder struct {
	eth    ethernet
	vlan   vlan
	sll    sll
	sll2   sll2
	null   null
	chdlc  chdlc
	nflog  nflog
	llc    llc
	pppoe  pppoe
	mpls   mpls
	frag6  frag6
	ip4    ipv4Layer
	ip6    ipv6Layer
	ip6ext ip6ext
	tcp    tcpLayer

	pEth, pSLL, pSLL2, pNull, pCHDLC, pNFLOG, pIP4, pIP6 *gopacket.DecodingLayerParser

	decoded []gopacket.LayerType
	ipDepth uint8 // IP headers decoded in the current frame
	apps    map[string]string
}

// NewDecoder returns a Decoder ready for any supported link type.
func NewDecoder() *Decoder {
	d := &Decoder{
		decoded: make([]gopacket.LayerType, 0, 16),
		apps:    make(map[string]string),
	}
	d.ip4.depth, d.ip6.depth, d.ip6ext.depth, d.frag6.depth = &d.ipDepth, &d.ipDepth, &d.ipDepth, &d.ipDepth
	all := []gopacket.DecodingLayer{&d.eth, &d.vlan, &d.sll, &d.sll2, &d.null, &d.chdlc, &d.nflog, &d.llc, &d.pppoe, &d.mpls,
		&d.ip4, &d.ip6, &d.ip6ext, &d.frag6, &d.tcp}
	mk := func(first gopacket.LayerType) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first, all...)
		// Unknown next layers are classified by Decode itself, and panics
		// are left to surface (fuzzing must see them; the pipeline recovers
		// at file boundaries).
		p.IgnoreUnsupported = true
		p.IgnorePanic = true
		return p
	}
	d.pEth = mk(layerTypeEthernet)
	d.pSLL = mk(layerTypeSLL)
	d.pSLL2 = mk(layerTypeSLL2)
	d.pNull = mk(layerTypeNull)
	d.pCHDLC = mk(layerTypeCHDLC)
	d.pNFLOG = mk(layerTypeNFLOG)
	d.pIP4 = mk(layers.LayerTypeIPv4)
	d.pIP6 = mk(layers.LayerTypeIPv6)
	return d
}

// parser picks the parser for a link type; nil when it is not supported.
func (d *Decoder) parser(linkType uint16, data []byte) *gopacket.DecodingLayerParser {
	switch linkType {
	case LinkTypeEthernet:
		return d.pEth
	case LinkTypeLinuxSLL:
		return d.pSLL
	case LinkTypeSLL2:
		return d.pSLL2
	case LinkTypeNull, LinkTypeLoop:
		return d.pNull
	case LinkTypeCHDLC:
		return d.pCHDLC
	case LinkTypeNFLOG:
		return d.pNFLOG
	case LinkTypeIPv4:
		return d.pIP4
	case LinkTypeIPv6:
		return d.pIP6
	case LinkTypeRaw, LinkTypeRawBSD12, LinkTypeRawBSD14:
		// Raw IP: the version nibble says which. Anything else is
		// given to IPv4, whose version check then calls it malformed.
		if len(data) > 0 && data[0]>>4 == 6 {
			return d.pIP6
		}
		return d.pIP4
	}
	return nil
}

// Decode decodes one frame. On success it fills seg's Src, Dst, Seq, Ack,
// Flags, Window, Payload (a view into data), App and AppUID (-1 without a
// PCAPdroid trailer), leaves Time and Ref alone, and returns (None, true).
// Otherwise it returns the reason and false, and seg is unspecified.
//
// A TCP payload cut short by the capture's snap length is returned as far as
// it was captured: the bytes that are missing show up as a gap downstream.
func (d *Decoder) Decode(linkType uint16, data []byte, seg *reassembly.Segment) (SkipReason, bool) {
	p := d.parser(linkType, data)
	if p == nil {
		return UnsupportedLink, false
	}
	if len(data) == 0 {
		return Truncated, false
	}
	d.ipDepth = 0
	err := p.DecodeLayers(data, &d.decoded)
	n := len(d.decoded)
	// At most two IP headers are decoded (IP in IP, such as a 6in4 tunnel):
	// the segment is the innermost one's. The structs hold the last header
	// decoded of each version.
	ipAt, ips := -1, 0
	for i, t := range d.decoded {
		if t == layers.LayerTypeIPv4 || t == layers.LayerTypeIPv6 {
			ipAt = i
			ips++
			// gopacket does not check the version field.
			if t == layers.LayerTypeIPv4 && d.ip4.Version != 4 || t == layers.LayerTypeIPv6 && d.ip6.Version != 6 {
				return Malformed, false
			}
		}
	}
	if err != nil {
		// A header that does not fit is truncated only if the capture cut
		// it: inside an IP packet that was captured whole, a length field
		// is wrong instead.
		if p.Truncated && !(ipAt >= 0 && d.ipWhole(data, ipAt)) {
			return Truncated, false
		}
		return Malformed, false
	}
	if n == 0 || d.decoded[n-1] != layers.LayerTypeTCP {
		return d.why(ipAt >= 0), false
	}

	if d.decoded[ipAt] == layers.LayerTypeIPv4 {
		seg.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(d.ip4.SrcIP)), uint16(d.tcp.SrcPort))
		seg.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(d.ip4.DstIP)), uint16(d.tcp.DstPort))
	} else {
		seg.Src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(d.ip6.SrcIP)), uint16(d.tcp.SrcPort))
		seg.Dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(d.ip6.DstIP)), uint16(d.tcp.DstPort))
	}
	seg.Seq = d.tcp.Seq
	seg.Ack = d.tcp.Ack
	// reassembly.Flags follows the TCP header's flag byte bit for bit.
	seg.Flags = reassembly.Flags(d.tcp.Contents[13])
	seg.Window = d.tcp.Window
	seg.Payload = d.tcp.Payload
	seg.App, seg.AppUID = "", -1
	if ips == 1 {
		seg.App, seg.AppUID = d.trailer(data, ipAt)
	}
	return None, true
}

// why names the reason decoding stopped, without error, before TCP.
func (d *Decoder) why(sawIP bool) SkipReason {
	if len(d.decoded) == 0 {
		return Malformed
	}
	last := d.layer(d.decoded[len(d.decoded)-1])
	if last == nil {
		return Malformed
	}
	if last == &d.ip4 && (d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0) {
		return IPFragment
	}
	switch last.NextLayerType() {
	case layerTypeFragment:
		return IPFragment
	case layerTypeNonIP:
		return NonIP
	case layers.LayerTypeTCP, layers.LayerTypeIPv4, layers.LayerTypeIPv6, layerTypeVLAN, layerTypeLLC,
		layerTypePPPoE, layerTypeMPLS, layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing,
		layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6Fragment:
		// A layer that would have been decoded had any byte been left.
		return Truncated
	}
	if sawIP {
		return NotTCP // UDP, ICMP, tunnels...
	}
	return NonIP
}

// layer returns the struct that decoded a layer type, nil for none.
func (d *Decoder) layer(t gopacket.LayerType) gopacket.DecodingLayer {
	switch t {
	case layerTypeEthernet:
		return &d.eth
	case layerTypeVLAN:
		return &d.vlan
	case layerTypeSLL:
		return &d.sll
	case layerTypeSLL2:
		return &d.sll2
	case layerTypeNull:
		return &d.null
	case layerTypeCHDLC:
		return &d.chdlc
	case layerTypeNFLOG:
		return &d.nflog
	case layerTypeLLC:
		return &d.llc
	case layerTypePPPoE:
		return &d.pppoe
	case layerTypeMPLS:
		return &d.mpls
	case layers.LayerTypeIPv4:
		return &d.ip4
	case layers.LayerTypeIPv6:
		return &d.ip6
	case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
		return &d.ip6ext
	case layers.LayerTypeIPv6Fragment:
		return &d.frag6
	case layers.LayerTypeTCP:
		return &d.tcp
	}
	return nil
}

// l3 returns the bytes the IP layer at decoded[i] was given: the payload of
// the link layer before it, or the whole frame.
func (d *Decoder) l3(data []byte, i int) []byte {
	if i == 0 {
		return data
	}
	return d.layer(d.decoded[i-1]).LayerPayload()
}

// ipWhole reports whether the IP packet at decoded[i] was, by its own
// length field, captured whole.
func (d *Decoder) ipWhole(data []byte, i int) bool {
	if d.decoded[i] == layers.LayerTypeIPv4 {
		return len(d.l3(data, i)) >= int(d.ip4.Length)
	}
	return d.ip6.Length != 0 && len(d.l3(data, i)) >= 40+int(d.ip6.Length)
}

// maxIPDepth is how many IP headers a frame may stack: one tunnel level
// (4in4, 6in4, 4in6, 6in6) is followed, more is not (not_tcp).
const maxIPDepth = 2

// ipv4Layer and ipv6Layer are gopacket's IP layers, counting the IP headers
// of the frame so that IP inside IP is followed only to maxIPDepth.
type (
	ipv4Layer struct {
		layers.IPv4
		depth *uint8
	}
	ipv6Layer struct {
		layers.IPv6
		depth *uint8
	}
)

func (l *ipv4Layer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	*l.depth++
	return l.IPv4.DecodeFromBytes(data, df)
}

func (l *ipv6Layer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	*l.depth++
	return l.IPv6.DecodeFromBytes(data, df)
}

func (l *ipv4Layer) NextLayerType() gopacket.LayerType {
	return limitTunnel(l.IPv4.NextLayerType(), *l.depth)
}

func (l *ipv6Layer) NextLayerType() gopacket.LayerType {
	return limitTunnel(l.IPv6.NextLayerType(), *l.depth)
}

// limitTunnel replaces IP as the next layer by layerTypeTunnel once depth
// IP headers have been decoded.
func limitTunnel(t gopacket.LayerType, depth uint8) gopacket.LayerType {
	if depth >= maxIPDepth && (t == layers.LayerTypeIPv4 || t == layers.LayerTypeIPv6) {
		return layerTypeTunnel
	}
	return t
}

// tcpLayer is gopacket's TCP layer, forgiving about options. gopacket fails
// a segment whose options are malformed although its header and payload
// are sound; Wireshark dissects such segments, and reassembly needs none of
// the options, so only the options are dropped.
type tcpLayer struct{ layers.TCP }

func (t *tcpLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	err := t.TCP.DecodeFromBytes(data, df)
	if err != nil && len(data) >= 20 && t.DataOffset >= 5 && int(t.DataOffset)*4 <= len(data) {
		// The failure was in the options: header fields, Contents and
		// Payload were all set before they were parsed.
		t.Options = t.Options[:0]
		return nil
	}
	return err
}

// trailer extracts a PCAPdroid trailer: exactly 32 bytes after the IP
// packet, starting with the magic. ipAt is the IP layer's index in decoded.
func (d *Decoder) trailer(data []byte, ipAt int) (string, int32) {
	l3 := d.l3(data, ipAt)
	var ipLen int
	if d.decoded[ipAt] == layers.LayerTypeIPv4 {
		ipLen = int(d.ip4.Length)
	} else {
		if d.ip6.Length == 0 { // jumbogram: no trailer expected
			return "", -1
		}
		ipLen = 40 + int(d.ip6.Length)
	}
	if len(l3)-ipLen != pcapdroidTrailerLen {
		return "", -1
	}
	t := l3[ipLen:]
	if binary.BigEndian.Uint32(t[0:4]) != pcapdroidMagic {
		return "", -1
	}
	uid := int32(binary.BigEndian.Uint32(t[4:8]))
	name := t[8:28]
	for i, c := range name {
		if c == 0 {
			name = name[:i]
			break
		}
	}
	return d.intern(name), uid
}

// intern returns the string for an app name without allocating once seen.
func (d *Decoder) intern(b []byte) string {
	if s, ok := d.apps[string(b)]; ok {
		return s
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if len(d.apps) < maxApps {
		d.apps[string(b)] = s
	}
	return s
}
