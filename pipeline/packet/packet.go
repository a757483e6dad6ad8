// Package packet decodes captured frames into TCP segments for reassembly.
//
// A Decoder takes a frame's link type and bytes and fills a caller-owned
// reassembly.Segment whose Payload is a view into the frame: nothing is
// copied and, in the steady state, nothing is allocated. Frames that do not
// carry a usable TCP segment are not errors: Decode returns a SkipReason, a
// small named set the caller counts, so that every frame is either a
// segment or a named skip. One skip carries data: a UDP datagram to or
// from a DNS port is DNSDatagram, with the segment's addresses and payload
// filled for a DNS parser.
//
// Link layers: Ethernet (with stacked VLAN tags, LLC/SNAP, PPPoE and MPLS),
// Linux SLL and SLL2, BSD loopback, raw IP, Cisco HDLC and NFLOG. The
// Ethernet padding and any trailer after the IP packet never reach the
// payload; a PCAPdroid trailer is recognised and turned into the segment's
// App and AppUID.
//
// Tunnels are opened, up to MaxTunnels levels, and the segment is the one
// of the innermost IP/TCP packet: IP in IP (4in4, 6in4, 4in6, 6in6), GRE
// (IP, transparent Ethernet bridging, ERSPAN types I to III, MPLS, PPTP's
// PPP, Aruba's 802.11), GRE and MPLS in UDP, VXLAN, Geneve, GTP-U, Teredo,
// AYIYA and L2TPv2. Segment.Encap names the path taken, outermost first.
//
// IPv4 and IPv6 fragments are reassembled within bounds (capture-time
// expiry, bytes held, datagrams pending); see Config and Stats. A held
// fragment is the skip FragmentHeld, and the frame completing a datagram
// gives its segment. Callers pass each frame's capture time to DecodeAt,
// call Flush when the capture ends and report Stats().Counters().
// Checksums are not verified: captures taken on the sending host carry the
// unfinished checksums of offloading NICs.
//
// Decoding is driven by a gopacket.DecodingLayerParser (one per Decoder,
// with caller-owned layer structs), whose layers are the steps of a walk
// over the frame. gopacket's structs decode Ethernet, 802.1Q tags, IPv4,
// the IPv6 fixed header, UDP, TCP and VXLAN. The other headers are read
// here, because gopacket lacks them (SLL2, NFLOG, Cisco HDLC, ERSPAN,
// Teredo, AYIYA, L2TPv2, VXLAN-GPE, Aruba's 802.11, PCAPdroid trailers)
// or because its layers allocate per packet or reject what captures hold:
// IPv6 extension headers (hop-by-hop options are allocated one by one; a
// zero payload length without a jumbo option is refused), GRE (routing
// entries allocated; PPTP's acknowledgments), Geneve (options allocated),
// GTP-U (extension headers appended), MPLS (the payload type is a global
// setting, MPLSPayloadDecoder), PPP (no DecodingLayer) and LinuxSLL (an
// unchecked address length). BSD loopback, LLC/SNAP and PPPoE could be
// gopacket's too; they are not converted yet. Lengths are
// checked before each gopacket decoder runs, to tell a header cut by the
// capture (Truncated) from one that lies (Malformed) without gopacket's
// allocated error messages.
//
// The package also computes Community ID flow hashes.
package packet

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"time"

	"github.com/google/gopacket"

	"telltale/reassembly"
)

// SkipReason says why a frame gave no TCP segment.
type SkipReason uint8

const (
	None            SkipReason = iota // not skipped
	UnsupportedLink                   // link type not decoded here
	NonIP                             // the (innermost) link layer carries something other than IPv4/IPv6 (ARP, LLC, ...)
	NotTCP                            // IP, but not TCP (UDP, ICMP, tunnels not opened, ...)
	IPFragment                        // an IP fragment that could not be held for reassembly (see Stats.FragmentsDropped)
	Truncated                         // a header is cut short by the capture length
	Malformed                         // a header is invalid, or its lengths contradict each other
	FragmentHeld                      // an IP fragment held until its datagram is complete
	TooDeep                           // more than MaxTunnels tunnels, or MaxEncapSteps encapsulation steps
	// DNSDatagram is a UDP datagram to or from a DNS port (53, or
	// multicast DNS's 5353, or LLMNR's 5355) that is not a tunnel. It is
	// not a TCP segment, but DecodeAt fills the segment's addresses and
	// payload all the same, for the caller's DNS parser.
	DNSDatagram
)

var reasonNames = [...]string{"none", "unsupported_link", "non_ip", "not_tcp", "ip_fragment", "truncated", "malformed",
	"fragment_held", "encap_too_deep", "dns_datagram"}

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

// Bounds on encapsulation.
const (
	// MaxTunnels is how many tunnels (IP in IP, GRE, VXLAN, Geneve,
	// GTP-U, Teredo, AYIYA, L2TP) a frame may nest; a deeper frame is
	// skipped as TooDeep.
	MaxTunnels = 4
	// MaxEncapSteps bounds Segment.Encap: tunnels plus VLAN tags, PPPoE
	// and MPLS stacks.
	MaxEncapSteps = 16
)

// pcapdroidMagic starts the 32-byte trailer PCAPdroid appends to each packet
// when its "PCAPdroid trailer" option is on.
const (
	pcapdroidMagic      = 0x01072021
	pcapdroidTrailerLen = 32
	maxApps             = 4096 // interned app names; beyond, names are still decoded but allocated
)

// Config bounds IP fragment reassembly. Zero values mean the defaults.
type Config struct {
	// FragmentTimeout is how long, in capture time, a datagram may wait
	// for its missing fragments after its first one; default 30s (as
	// Linux's ipfrag_time).
	FragmentTimeout time.Duration
	// MaxFragmentBytes bounds the bytes held for incomplete datagrams, all
	// together; default 4 MiB. Each datagram counts the extent it spans so
	// far (its highest fragment end), which is what its buffer occupies.
	MaxFragmentBytes int
	// MaxDatagrams bounds the datagrams awaiting fragments; default 4096.
	MaxDatagrams int
}

const (
	defaultFragmentTimeout  = 30 * time.Second
	defaultMaxFragmentBytes = 4 << 20
	defaultMaxDatagrams     = 4096
	// maxDatagramBytes is the largest reassembled payload: IP's own 16-bit
	// lengths allow no more.
	maxDatagramBytes = 65535
	// maxFragmentsPerDatagram bounds the work one datagram can cause: a
	// 64 KiB datagram over the smallest IPv4 MTU needs about 1400.
	maxFragmentsPerDatagram = 2048
)

// Decoder decodes frames. It is not safe for concurrent use; use one per
// goroutine.
type Decoder struct {
	w       walk
	g       gopacketLayers
	parser  *gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
	seg     *reassembly.Segment // the segment being filled, during a call
	frag    defrag
	paths   pathCache
	apps    map[string]string
}

// New returns a Decoder ready for any supported link type.
func New(cfg Config) *Decoder {
	if cfg.FragmentTimeout <= 0 {
		cfg.FragmentTimeout = defaultFragmentTimeout
	}
	if cfg.MaxFragmentBytes <= 0 {
		cfg.MaxFragmentBytes = defaultMaxFragmentBytes
	}
	if cfg.MaxDatagrams <= 0 {
		cfg.MaxDatagrams = defaultMaxDatagrams
	}
	d := &Decoder{apps: make(map[string]string)}
	d.frag.init(cfg)
	d.paths.init()
	d.newParser()
	return d
}

// NewDecoder returns a Decoder with the default Config.
func NewDecoder() *Decoder { return New(Config{}) }

// Decode is DecodeAt without a capture time: fragments held never expire.
func (d *Decoder) Decode(linkType uint16, data []byte, seg *reassembly.Segment) (SkipReason, bool) {
	return d.DecodeAt(linkType, data, 0, seg)
}

// DecodeAt decodes one frame captured at t (Unix nanoseconds; 0 disables
// fragment expiry). On success it fills seg's Src, Dst, Seq, Ack, Flags,
// Window, Payload, WireLen, Encap, App and AppUID (-1 without a PCAPdroid
// trailer), leaves Time and Ref alone, and returns (None, true). Otherwise
// it returns the reason and false, and seg is unspecified.
//
// Payload is a view into data, except when the frame completed a
// fragmented datagram: it then points into the Decoder's reassembly
// buffer, valid until the next call. A TCP payload cut short by the
// capture's snap length is returned as far as it was captured, and WireLen
// says how long it was: the missing bytes show up as a gap downstream.
//
// A UDP datagram to or from port 53, 5353 or 5355 that is not a tunnel
// returns (DNSDatagram, false) with seg filled as for a TCP segment: Src,
// Dst, Payload (the UDP payload up to the UDP length, a view like a TCP
// payload), WireLen, Encap, App and AppUID; Seq, Ack, Flags and Window are
// zeroed. DNS is the one UDP protocol handed on, because names resolved
// before a connection tell whom it went to.
//
// Datagrams whose fragments have waited longer than Config.FragmentTimeout
// before t are dropped first, so the outcome depends on the frames and
// their times only.
func (d *Decoder) DecodeAt(linkType uint16, data []byte, t int64, seg *reassembly.Segment) (SkipReason, bool) {
	d.frag.release()
	if t != 0 {
		d.frag.expire(t)
	}
	first := firstLayer(linkType, data)
	if first == pUnsupported {
		return UnsupportedLink, false
	}
	if len(data) == 0 {
		return Truncated, false
	}
	w := &d.w
	*w = walk{b: data, cut: true, want: -1, t: t}
	r := d.run(first, seg)
	if r != None && r != DNSDatagram {
		return r, false
	}
	seg.Encap = d.paths.name(w.path, w.nsteps)
	seg.App, seg.AppUID = "", -1
	if w.ips == 1 && w.after != nil {
		seg.App, seg.AppUID = d.trailer(w.after)
	}
	return r, r == None
}

// Flush drops every datagram still waiting for fragments, counting its
// fragments as timed out: the capture has ended, they can no longer come.
func (d *Decoder) Flush() { d.frag.flush() }

// Stats returns the fragment reassembly counters.
func (d *Decoder) Stats() Stats {
	s := d.frag.stats
	s.FragmentsPending = d.frag.pendingFrags
	return s
}

// firstLayer picks the first layer for a link type; pUnsupported when the
// link type is not decoded here.
func firstLayer(linkType uint16, data []byte) proto {
	switch linkType {
	case LinkTypeEthernet:
		return pEthernet
	case LinkTypeLinuxSLL:
		return pSLL
	case LinkTypeSLL2:
		return pSLL2
	case LinkTypeNull, LinkTypeLoop:
		return pNull
	case LinkTypeCHDLC:
		return pCHDLC
	case LinkTypeNFLOG:
		return pNFLOG
	case LinkTypeIPv4:
		return pIPv4
	case LinkTypeIPv6:
		return pIPv6
	case LinkTypeRaw, LinkTypeRawBSD12, LinkTypeRawBSD14:
		// Raw IP: the version nibble says which. Anything else is
		// given to IPv4, whose version check then calls it malformed.
		if len(data) > 0 && data[0]>>4 == 6 {
			return pIPv6
		}
		return pIPv4
	}
	return pUnsupported
}

// trailer extracts a PCAPdroid trailer: exactly 32 bytes after the IP
// packet, starting with the magic.
func (d *Decoder) trailer(t []byte) (string, int32) {
	if len(t) != pcapdroidTrailerLen || binary.BigEndian.Uint32(t[0:4]) != pcapdroidMagic {
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

// addrFrom makes an address from a 4- or 16-byte slice.
func addrFrom(b []byte) netip.Addr {
	if len(b) == 4 {
		return netip.AddrFrom4([4]byte(b))
	}
	return netip.AddrFrom16([16]byte(b))
}
