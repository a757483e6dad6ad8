package packet

import (
	"bytes"
	"encoding/binary"

	"github.com/google/gopacket"
)

// Tunnel headers. Each reads its header at the front of walk.b and names
// what it carries. A header whose fixed fields say it is not the tunnel its
// port suggested, or a tunnel message that carries no packet (keepalives,
// control messages), ends the walk as pOther: IP, but not TCP.

// GRE protocol types beyond the Ethernet types.
const (
	greERSPAN2  = 0x88be // ERSPAN type II, or type I without a sequence number
	greERSPAN3  = 0x22eb
	grePPP      = 0x880b // PPTP's enhanced GRE (version 1)
	greArubaMin = 0x8200 // Aruba access points: 802.11 frames, 0x8200 to 0x8370 by 0x10
	greArubaMax = 0x8370
)

// gre reads a GRE header (RFC 2784/2890; version 1 is PPTP's, RFC 2637):
// flags and version, protocol type, then checksum, key and sequence number
// as the flags say. Source routing (RFC 1701) is not followed.
func (w *walk) gre() (proto, SkipReason) {
	b := w.b
	if len(b) < 4 {
		return 0, w.short()
	}
	flags := binary.BigEndian.Uint16(b[0:2])
	ptype := binary.BigEndian.Uint16(b[2:4])
	n := 4
	switch flags & 7 {
	case 0:
		if flags&0x4000 != 0 { // routing present
			return pOther, None
		}
		if flags&0x8000 != 0 { // checksum
			n += 4
		}
		if flags&0x2000 != 0 { // key
			n += 4
		}
		if flags&0x1000 != 0 { // sequence number
			n += 4
		}
	case 1:
		if ptype != grePPP || flags&0x2000 == 0 { // PPTP always has a key (call id, payload length)
			return pOther, None
		}
		n += 4
		if flags&0x1000 != 0 {
			n += 4
		}
		if flags&0x0080 != 0 { // acknowledgment number
			n += 4
		}
	default:
		return pOther, None
	}
	if len(b) < n {
		return 0, w.short()
	}
	w.skip(n)
	switch ptype {
	case etherTEB:
		return pEthernet, None
	case grePPP:
		if len(w.b) == 0 {
			return pOther, None // PPTP acknowledgment without payload
		}
		return pPPP, None
	case greERSPAN2:
		if !w.step(stepERSPAN, false) {
			return 0, TooDeep
		}
		if flags&0x1000 == 0 {
			return pEthernet, None // type I: no ERSPAN header
		}
		return w.erspan(8)
	case greERSPAN3:
		if !w.step(stepERSPAN, false) {
			return 0, TooDeep
		}
		return w.erspan(12)
	}
	if ptype >= greArubaMin && ptype <= greArubaMax && ptype&0xf == 0 {
		return pWLAN, None
	}
	next := etherNext(ptype)
	if next == pLLC {
		next = pOther
	}
	return next, None
}

// erspan reads an ERSPAN type II (n = 8) or type III (n = 12) header. Its T
// bit says the mirroring switch cut the frame: its own lengths then promise
// more than it carries, which is the capture's doing, not a lie. A type III
// header may be followed by an 8-byte platform subheader, and its frame
// type says Ethernet (0) or IP (2).
func (w *walk) erspan(n int) (proto, SkipReason) {
	b := w.b
	if len(b) < n {
		return 0, w.short()
	}
	next := pEthernet
	if n == 12 {
		f := binary.BigEndian.Uint16(b[10:12])
		if f&1 != 0 {
			n += 8
			if len(b) < n {
				return 0, w.short()
			}
		}
		switch f >> 10 & 0x1f {
		case 0:
		case 2:
			next = pIP
		default:
			return pOther, None
		}
	}
	if b[2]&0x04 != 0 {
		w.cut = true
	}
	w.skip(n)
	return next, None
}

// vxlan reads a VXLAN header (RFC 7348), decoded by gopacket: flags,
// reserved bits and the VNI; an Ethernet frame follows. Like Wireshark
// (and gopacket), neither the I flag nor the reserved bits are checked:
// implementations disagree on them.
func (d *Decoder) vxlan() (proto, SkipReason) {
	w := &d.w
	if len(w.b) < 8 { // gopacket's only error, with an allocated message
		return 0, w.short()
	}
	vx := &d.g.vxlan
	_ = vx.DecodeFromBytes(w.b, gopacket.NilDecodeFeedback)
	w.skip(len(vx.Contents))
	return pEthernet, None
}

// vxlanGPE reads a VXLAN-GPE header (draft-ietf-nvo3-vxlan-gpe), which
// gopacket does not know: VXLAN's, whose P flag says that its next
// protocol field names what follows.
func (w *walk) vxlanGPE() (proto, SkipReason) {
	b := w.b
	if len(b) < 8 {
		return 0, w.short()
	}
	next := pEthernet
	if b[0]&0x04 != 0 {
		switch b[3] {
		case 1:
			next = pIPv4
		case 2:
			next = pIPv6
		case 3:
		case 5:
			next = pMPLS
		default:
			next = pOther // NSH, ...
		}
	}
	w.skip(8)
	return next, None
}

// geneve reads a Geneve header (RFC 8926): version and option length,
// flags, protocol type, VNI, then the options.
func (w *walk) geneve() (proto, SkipReason) {
	b := w.b
	if len(b) < 8 {
		return 0, w.short()
	}
	if b[0]>>6 != 0 {
		return pOther, None
	}
	n := 8 + int(b[0]&0x3f)*4
	if len(b) < n {
		return 0, w.short()
	}
	ptype := binary.BigEndian.Uint16(b[2:4])
	w.skip(n)
	if ptype == etherTEB {
		return pEthernet, None
	}
	next := etherNext(ptype)
	if next == pLLC {
		next = pOther
	}
	return next, None
}

// gtpu reads a GTP-U header (3GPP TS 29.281): flags (version 1, protocol
// type GTP), message type, length, TEID, then, when any of the E, S and PN
// flags is set, sequence number, N-PDU number and a chain of extension
// headers. Only G-PDUs (type 255) carry user packets: IPv4 or IPv6.
func (w *walk) gtpu() (proto, SkipReason) {
	b := w.b
	if len(b) < 8 {
		return 0, w.short()
	}
	if b[0]>>5 != 1 || b[0]&0x10 == 0 || b[1] != 0xff {
		return pOther, None
	}
	end := 8 + int(binary.BigEndian.Uint16(b[2:4]))
	n := 8
	if b[0]&0x07 != 0 {
		n = 12
		if len(b) < n {
			return 0, w.short()
		}
		for next := b[11]; next != 0; {
			if len(b) < n+1 {
				return 0, w.short()
			}
			l := int(b[n]) * 4
			if l == 0 {
				return 0, Malformed
			}
			if len(b) < n+l {
				return 0, w.short()
			}
			next = b[n+l-1]
			n += l
		}
	}
	if end < n || end > w.want {
		return 0, Malformed
	}
	if len(b) > end {
		w.b = b[:end]
	}
	w.want = end
	w.skip(n)
	return pIP, None
}

// teredo reads Teredo's optional authentication and origin indication
// headers (RFC 4380 section 5.1.1); an IPv6 packet must follow, anything
// else (a bubble cut short, qualification) is not TCP.
func (w *walk) teredo() (proto, SkipReason) {
	n, ok := teredoHeaders(w.b)
	if !ok {
		return 0, w.short()
	}
	w.skip(n)
	if len(w.b) == 0 || w.b[0]>>4 != 6 {
		return pOther, None
	}
	return pIPv6, None
}

// teredoHeaders returns the length of the Teredo headers at the front of b;
// ok is false when they do not fit.
func teredoHeaders(b []byte) (n int, ok bool) {
	if len(b) >= 2 && b[0] == 0 && b[1] == 1 { // authentication
		if len(b) < 4 {
			return 0, false
		}
		n = 4 + int(b[2]) + int(b[3]) + 8 + 1 // client id, authentication value, nonce, confirmation
		if len(b) < n {
			return 0, false
		}
	}
	if len(b) >= n+2 && b[n] == 0 && b[n+1] == 0 { // origin indication
		n += 8
		if len(b) < n {
			return 0, false
		}
	}
	return n, true
}

// teredoPrefix is 2001::/32, where Teredo clients' addresses live.
var teredoPrefix = []byte{0x20, 0x01, 0, 0}

// looksTeredo reports whether a UDP payload on ports that are not
// Teredo's is Teredo all the same, as Zeek and Wireshark's heuristic
// judge it: an IPv6 header whose payload length accounts for every byte
// of the datagram, from or to a Teredo address.
func (w *walk) looksTeredo() bool {
	n, ok := teredoHeaders(w.b)
	if !ok {
		return false
	}
	b := w.b[n:]
	if len(b) < 40 || b[0]>>4 != 6 || 40+int(binary.BigEndian.Uint16(b[4:6])) != w.want-n {
		return false
	}
	return bytes.Equal(b[8:12], teredoPrefix) || bytes.Equal(b[24:28], teredoPrefix)
}

// ayiya reads an AYIYA header ("Anything In Anything", SixXS): identity
// length (as a power of two) and type, signature length (in 4-byte words)
// and hash method, authentication method and operation code, next header,
// epoch time, identity, signature. Only "forward" operations carry a
// packet, IPv4 or IPv6.
func (w *walk) ayiya() (proto, SkipReason) {
	b := w.b
	if len(b) < 8 {
		return 0, w.short()
	}
	if b[2]&0x0f != 1 { // not "forward"
		return pOther, None
	}
	n := 8 + 1<<(b[0]>>4) + int(b[1]>>4)*4
	if len(b) < n {
		return 0, w.short()
	}
	nh := b[3]
	w.skip(n)
	switch nh {
	case ipProtoIPv4:
		return pIPv4, None
	case ipProtoIPv6:
		return pIPv6, None
	}
	return pOther, None
}

// l2tp reads an L2TPv2 data message header (RFC 2661): flags and version,
// optional length, tunnel and session ids, optional sequence numbers,
// optional offset and padding; PPP follows. Control messages and other
// versions carry no packet.
func (w *walk) l2tp() (proto, SkipReason) {
	b := w.b
	if len(b) < 2 {
		return 0, w.short()
	}
	flags := binary.BigEndian.Uint16(b[0:2])
	if flags&0x000f != 2 || flags&0x8000 != 0 {
		return pOther, None
	}
	n := 2
	if flags&0x4000 != 0 { // length
		n += 2
	}
	n += 4 // tunnel id, session id
	if flags&0x0800 != 0 {
		n += 4 // Ns, Nr
	}
	if flags&0x0200 != 0 { // offset size, then that much padding
		if len(b) < n+2 {
			return 0, w.short()
		}
		n += 2 + int(binary.BigEndian.Uint16(b[n:n+2]))
	}
	if len(b) < n {
		return 0, w.short()
	}
	w.skip(n)
	return pPPP, None
}
