package packet

import (
	"encoding/binary"

	"github.com/google/gopacket"
)

// Link-layer headers. Ethernet and 802.1Q tags are decoded by gopacket;
// the others are read here: gopacket has no LINKTYPE_LINUX_SLL2 layer nor
// NFLOG TLV walk tolerant of the writer's byte order, its LinuxSLL slices
// the address with an unchecked length (a panic on hostile input), its PPP
// is no DecodingLayer, and its MPLS picks the payload by a package-global
// decoder rather than the version nibble. Loopback, LLC and PPPoE are
// still read here only because they have not been converted yet.

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
	etherTEB    = 0x6558 // transparent Ethernet bridging: an Ethernet frame follows
)

// etherNext maps an Ethernet type to the layer that follows.
func etherNext(t uint16) proto {
	switch t {
	case etherIPv4:
		return pIPv4
	case etherIPv6:
		return pIPv6
	case etherVLAN, etherQinQ, etherQinQv1:
		return pVLAN
	case etherPPPoE:
		return pPPPoE
	case etherMPLS, etherMPLSmc:
		return pMPLS
	}
	if t < 0x0600 { // an 802.3 length: LLC follows
		return pLLC
	}
	return pNonIP
}

// ethernet is an Ethernet II header (destination, source, type), decoded
// by gopacket. A type below 0x0600 is an 802.3 length: such frames carry
// LLC, not IP. gopacket then cuts its payload to that length; the walk
// goes on from the end of the header instead, so that what follows is
// judged by its own lengths, as before any cut.
func (d *Decoder) ethernet() (proto, SkipReason) {
	w := &d.w
	if len(w.b) < 14 { // gopacket's only error, with an allocated message
		return 0, w.short()
	}
	eth := &d.g.eth
	_ = eth.DecodeFromBytes(w.b, gopacket.NilDecodeFeedback)
	next := etherNext(uint16(eth.EthernetType)) // EthernetTypeLLC is 0: pLLC
	w.skip(len(eth.Contents))
	return next, None
}

// vlan is one 802.1Q / 802.1ad tag after its tag protocol identifier
// (read by the layer before): the TCI and the type of what follows,
// decoded by gopacket's Dot1Q. The type is mapped here, not by gopacket,
// which does not know the 0x9100 tag.
func (d *Decoder) vlan() (proto, SkipReason) {
	w := &d.w
	if len(w.b) < 4 {
		return 0, w.short()
	}
	if !w.step(stepVLAN, false) {
		return 0, TooDeep
	}
	tag := &d.g.dot1q
	_ = tag.DecodeFromBytes(w.b, gopacket.NilDecodeFeedback)
	next := etherNext(uint16(tag.Type))
	w.skip(len(tag.Contents))
	return next, None
}

// llc is an 802.2 LLC header after an 802.3 length field (or in 802.11).
// Only SNAP with an Ethernet type (AA AA 03, OUI 00 00 00) can carry IP.
func (w *walk) llc() (proto, SkipReason) {
	b := w.b
	if len(b) < 3 {
		return 0, w.short()
	}
	if b[0] != 0xaa || b[1] != 0xaa || b[2] != 0x03 {
		return pNonIP, None
	}
	if len(b) < 8 {
		return 0, w.short()
	}
	if b[3] != 0 || b[4] != 0 || b[5] != 0 {
		return pNonIP, None
	}
	next := etherNext(binary.BigEndian.Uint16(b[6:8]))
	if next == pLLC {
		next = pNonIP
	}
	w.skip(8)
	return next, None
}

// pppoe is a PPPoE session header (version/type, code, session, length);
// the PPP protocol field follows.
func (w *walk) pppoe() (proto, SkipReason) {
	if len(w.b) < 6 {
		return 0, w.short()
	}
	if !w.step(stepPPPoE, false) {
		return 0, TooDeep
	}
	w.skip(6)
	return pPPP, None
}

// ppp is a PPP frame as PPPoE, L2TP and PPTP carry it: address and control
// bytes (FF 03) when not compressed away, and the protocol, one byte when
// compressed (PFC: an odd first byte).
func (w *walk) ppp() (proto, SkipReason) {
	b := w.b
	n := 0
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		n = 2
	}
	if len(b) < n+1 {
		return 0, w.short()
	}
	p := uint16(b[n])
	if p&1 == 0 {
		if len(b) < n+2 {
			return 0, w.short()
		}
		p = binary.BigEndian.Uint16(b[n : n+2])
		n++
	}
	n++
	w.skip(n)
	switch p {
	case 0x0021:
		return pIPv4, None
	case 0x0057:
		return pIPv6, None
	case 0x0281:
		return pMPLS, None
	}
	return pNonIP, None // LCP, IPCP, authentication...
}

// mpls is an MPLS label stack. What follows the bottom label is not named
// anywhere; like Wireshark and Zeek, the IP version nibble decides, and
// anything else (pseudowires, control words) is not IP.
func (w *walk) mpls() (proto, SkipReason) {
	b := w.b
	n := 0
	for {
		if len(b) < n+4 {
			return 0, w.short()
		}
		bottom := b[n+2]&1 != 0
		n += 4
		if bottom {
			break
		}
	}
	if !w.step(stepMPLS, false) {
		return 0, TooDeep
	}
	w.skip(n)
	if len(w.b) > 0 {
		switch w.b[0] >> 4 {
		case 4:
			return pIPv4, None
		case 6:
			return pIPv6, None
		}
	}
	return pNonIP, None
}

// sll is the Linux "cooked" header (LINKTYPE_LINUX_SLL): packet type,
// ARPHRD type, address length, 8 address bytes, protocol.
const arphrdNetlink = 824 // protocol field then holds a netlink family

func (w *walk) sll() (proto, SkipReason) {
	if len(w.b) < 16 {
		return 0, w.short()
	}
	next := etherNext(binary.BigEndian.Uint16(w.b[14:16]))
	if binary.BigEndian.Uint16(w.b[2:4]) == arphrdNetlink {
		next = pNonIP
	}
	w.skip(16)
	return next, None
}

// sll2 is LINKTYPE_LINUX_SLL2 (tcpdump -i any since libpcap 1.10): protocol
// (2), reserved (2), interface index (4), ARPHRD type (2), packet type (1),
// address length (1), address (8).
func (w *walk) sll2() (proto, SkipReason) {
	if len(w.b) < 20 {
		return 0, w.short()
	}
	next := etherNext(binary.BigEndian.Uint16(w.b[0:2]))
	if binary.BigEndian.Uint16(w.b[8:10]) == arphrdNetlink {
		next = pNonIP
	}
	w.skip(20)
	return next, None
}

// null is the BSD loopback header (LINKTYPE_NULL, and LINKTYPE_LOOP from
// OpenBSD): a 4-byte address family in the writer's byte order (NULL) or in
// network order (LOOP). Families are small numbers, so two leading zero
// bytes mean big-endian.
func (w *walk) null() (proto, SkipReason) {
	b := w.b
	if len(b) < 4 {
		return 0, w.short()
	}
	fam := binary.LittleEndian.Uint32(b[0:4])
	if b[0] == 0 && b[1] == 0 {
		fam = binary.BigEndian.Uint32(b[0:4])
	}
	next := pNonIP
	switch fam {
	case 2: // AF_INET everywhere
		next = pIPv4
	case 24, 28, 30: // AF_INET6 on NetBSD/OpenBSD, FreeBSD, Darwin
		next = pIPv6
	}
	w.skip(4)
	return next, None
}

// chdlc is the Cisco HDLC header (LINKTYPE_C_HDLC): address, control and an
// Ethernet type.
func (w *walk) chdlc() (proto, SkipReason) {
	if len(w.b) < 4 {
		return 0, w.short()
	}
	next := etherNext(binary.BigEndian.Uint16(w.b[2:4]))
	w.skip(4)
	return next, None
}

// nflog is LINKTYPE_NFLOG (Linux netfilter log): family (1), version (1),
// resource id (2), then type-length-value attributes whose length and type
// are in the writing host's byte order; attribute 9 holds the packet.
const nflogPayload = 9

func (w *walk) nflog() (proto, SkipReason) {
	b := w.b
	if len(b) < 4 {
		return 0, w.short()
	}
	next := pNonIP
	switch b[0] {
	case 2: // AF_INET
		next = pIPv4
	case 10: // AF_INET6 on Linux
		next = pIPv6
	}
	// The writer's byte order is not recorded: little-endian hosts are the
	// rule, and a walk that does not add up is retried big-endian.
	start, end, ok := nflogFind(b, binary.LittleEndian)
	if !ok {
		start, end, ok = nflogFind(b, binary.BigEndian)
	}
	if !ok {
		return 0, Malformed
	}
	if start < 0 {
		return pNonIP, None // no packet attribute
	}
	w.b = b[start:end]
	return next, None
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

// wlan is an IEEE 802.11 data frame as Aruba access points tunnel it in
// GRE: frame control, duration, three addresses, sequence control, a
// fourth address between access points, QoS control in QoS subtypes and
// HT control when ordered; LLC follows. Protected (encrypted) frames,
// frames without a body and A-MSDU aggregates cannot give IP here.
func (w *walk) wlan() (proto, SkipReason) {
	b := w.b
	if len(b) < 24 {
		return 0, w.short()
	}
	fc, flags := b[0], b[1]
	if fc&0x0c != 0x08 || fc&0x40 != 0 || flags&0x40 != 0 { // not data, no body, protected
		return pNonIP, None
	}
	n := 24
	if flags&0x03 == 0x03 {
		n += 6
	}
	if fc&0x80 != 0 { // QoS subtypes
		n += 2
		if flags&0x80 != 0 {
			n += 4
		}
	}
	if len(b) < n {
		return 0, w.short()
	}
	if fc&0x80 != 0 && b[n-2-4*int(flags>>7)]&0x80 != 0 { // A-MSDU present
		return pNonIP, None
	}
	w.skip(n)
	return pLLC, None
}
