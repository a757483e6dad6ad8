package dns

import (
	"bytes"
	"encoding/binary"
	"net"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Message builders for tests. Two writers: gopacket's layers.DNS
// SerializeTo (which never compresses names), and the byte-by-byte helpers
// below for what it cannot write (compression pointers, unknown types,
// malformed messages).

// serialize writes d with gopacket, lengths and counts fixed.
func serialize(t testing.TB, d *layers.DNS) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := d.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

func question(name string, typ layers.DNSType) layers.DNSQuestion {
	return layers.DNSQuestion{Name: []byte(name), Type: typ, Class: layers.DNSClassIN}
}

func rrA(name string, ttl uint32, ip string) layers.DNSResourceRecord {
	return layers.DNSResourceRecord{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: ttl, IP: net.ParseIP(ip).To4()}
}

func rrAAAA(name string, ttl uint32, ip string) layers.DNSResourceRecord {
	return layers.DNSResourceRecord{Name: []byte(name), Type: layers.DNSTypeAAAA, Class: layers.DNSClassIN, TTL: ttl, IP: net.ParseIP(ip)}
}

func rrCNAME(name string, ttl uint32, target string) layers.DNSResourceRecord {
	return layers.DNSResourceRecord{Name: []byte(name), Type: layers.DNSTypeCNAME, Class: layers.DNSClassIN, TTL: ttl, CNAME: []byte(target)}
}

// hdr is a 12-byte header.
func hdr(id, flags, qd, an, ns, ar uint16) []byte {
	b := make([]byte, 12)
	for i, v := range []uint16{id, flags, qd, an, ns, ar} {
		binary.BigEndian.PutUint16(b[2*i:], v)
	}
	return b
}

// wname writes a name as uncompressed labels.
func wname(s string) []byte {
	var b []byte
	if s != "" {
		for _, l := range strings.Split(s, ".") {
			b = append(b, byte(len(l)))
			b = append(b, l...)
		}
	}
	return append(b, 0)
}

func ptr(off int) []byte { return []byte{0xc0 | byte(off>>8), byte(off)} }

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// q is a question's type and class after its name.
func q(typ, class uint16) []byte { return append(be16(typ), be16(class)...) }

// rr is a resource record after its name: type, class, TTL, data.
func rr(typ, class uint16, ttl uint32, data []byte) []byte {
	b := append(be16(typ), be16(class)...)
	b = binary.BigEndian.AppendUint32(b, ttl)
	b = append(b, be16(uint16(len(data)))...)
	return append(b, data...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// framed prefixes each message with its 2-byte length, as over TCP.
func framed(msgs ...[]byte) []byte {
	var b []byte
	for _, m := range msgs {
		b = append(b, be16(uint16(len(m)))...)
		b = append(b, m...)
	}
	return b
}
