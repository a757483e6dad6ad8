package main

import (
	"encoding/binary"
	"hash/crc32"
	"net"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// LINKTYPE_ values (www.tcpdump.org/linktypes.html). gopacket v1.1.19 holds
// link types in a uint8, so LINKTYPE_LINUX_SLL2 (276) cannot be expressed as
// a layers.LinkType: that is why the pcapng writer in pcapfile.go takes
// plain integers.
const (
	linkEthernet  = 1
	linkLinuxSLL2 = 276
)

// ethernetFrame wraps p in Ethernet II. Hosts without a MAC (remote servers)
// are reached through gw, the router. gopacket pads frames to the 60-byte
// minimum, as a capture taken off the wire shows them: the padding lies
// beyond the IPv4 total length and must not reach TCP.
func ethernetFrame(p Packet, gw net.HardwareAddr) []byte {
	src, dst := p.Src().MAC, p.Dst().MAC
	if src == nil {
		src = gw
	}
	if dst == nil {
		dst = gw
	}
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, eth, gopacket.Payload(p.IP)); err != nil {
		panic(err) // an Ethernet header over a byte payload cannot fail
	}
	return append([]byte(nil), buf.Bytes()...)
}

// sll2Frame prepends the 20-byte LINKTYPE_LINUX_SLL2 header `tcpdump -i any`
// writes: protocol (BE), reserved, interface index (BE), ARPHRD type (BE),
// packet type, address length, and 8 address bytes (the link-layer source
// address, zero padded). The capturing host is the client, so its own
// packets are PACKET_OUTGOING (4) and the server's PACKET_HOST (0).
func sll2Frame(p Packet, ifIndex uint32, gw net.HardwareAddr) []byte {
	h := make([]byte, 20, 20+len(p.IP))
	binary.BigEndian.PutUint16(h[0:2], uint16(layers.EthernetTypeIPv4))
	binary.BigEndian.PutUint32(h[4:8], ifIndex)
	binary.BigEndian.PutUint16(h[8:10], 1) // ARPHRD_ETHER
	addr := gw
	if p.Dir == C2S {
		h[10] = 4 // PACKET_OUTGOING
		addr = p.Src().MAC
	}
	h[11] = 6
	copy(h[12:20], addr)
	return append(h, p.IP...)
}

// PCAPdroid trailer layout (PCAPdroid app/src/main/jni/core/pcap_utils.h).
const (
	pcapdroidMagic      = 0x01072021
	pcapdroidTrailerLen = 32
	pcapdroidNameLen    = 20
)

// pcapdroidFrame imitates PCAPdroid's "PCAPdroid trailer" export: a bogus
// Ethernet header with both MACs zero, the IP packet, zero padding so the
// trailer starts 4-byte aligned, then the 32-byte trailer: magic (BE), uid
// (BE int32), appname[20], fcs. Like PCAPdroid it copies at most 19 bytes of
// the name and NUL-terminates it, and computes fcs as CRC-32 (IEEE) of every
// frame byte before it, stored in host (little-endian) order.
func pcapdroidFrame(p Packet, uid int32, appName string) []byte {
	pad := (4 - (14+len(p.IP))%4) % 4
	f := make([]byte, 14, 14+len(p.IP)+pad+pcapdroidTrailerLen)
	binary.BigEndian.PutUint16(f[12:14], uint16(layers.EthernetTypeIPv4))
	f = append(f, p.IP...)
	f = append(f, make([]byte, pad)...)
	t := make([]byte, pcapdroidTrailerLen)
	binary.BigEndian.PutUint32(t[0:4], pcapdroidMagic)
	binary.BigEndian.PutUint32(t[4:8], uint32(uid))
	copy(t[8:8+pcapdroidNameLen-1], trailerName(appName))
	f = append(f, t...)
	binary.LittleEndian.PutUint32(f[len(f)-4:], crc32.ChecksumIEEE(f[:len(f)-4]))
	return f
}

// trailerName is the app name as PCAPdroid stores it: cut to 19 bytes.
func trailerName(s string) string {
	if len(s) > pcapdroidNameLen-1 {
		return s[:pcapdroidNameLen-1]
	}
	return s
}
