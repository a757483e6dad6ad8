package capture

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/klauspost/compress/gzip"
)

// Builders for test captures. pcapgo's writers make little-endian files only
// (and pcapng with nanosecond interfaces only), so the other variants are
// written byte by byte here, following the format specifications.

type pkt struct {
	sec, frac uint32 // frac in the file's unit
	data      []byte
	origlen   uint32 // 0: len(data)
}

func (p pkt) orig() uint32 {
	if p.origlen != 0 {
		return p.origlen
	}
	return uint32(len(p.data))
}

// classicPcap writes a classic pcap file by hand.
func classicPcap(order binary.AppendByteOrder, nanos bool, major, minor uint16, snaplen, linktype uint32, pkts ...pkt) []byte {
	var b []byte
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	b = order.AppendUint32(b, magic)
	b = order.AppendUint16(b, major)
	b = order.AppendUint16(b, minor)
	b = order.AppendUint32(b, 0) // thiszone
	b = order.AppendUint32(b, 0) // sigfigs
	b = order.AppendUint32(b, snaplen)
	b = order.AppendUint32(b, linktype)
	for _, p := range pkts {
		b = order.AppendUint32(b, p.sec)
		b = order.AppendUint32(b, p.frac)
		b = order.AppendUint32(b, uint32(len(p.data)))
		b = order.AppendUint32(b, p.orig())
		b = append(b, p.data...)
	}
	return b
}

// pcapgoPcap writes a little-endian pcap with pcapgo.
func pcapgoPcap(t testing.TB, nanos bool, linktype layers.LinkType, pkts ...pkt) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if nanos {
		w = pcapgo.NewWriterNanos(&buf)
	}
	if err := w.WriteFileHeader(65535, linktype); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		ns := int64(p.frac)
		if !nanos {
			ns *= 1000
		}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(int64(p.sec), ns), CaptureLength: len(p.data), Length: int(p.orig())}
		if err := w.WritePacket(ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// ngFile builds a pcapng file block by block.
type ngFile struct {
	order  binary.AppendByteOrder
	b      []byte
	starts []int64 // offsets of the packet blocks written
}

func (n *ngFile) block(typ uint32, body []byte) {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	l := uint32(12 + len(body))
	n.b = n.order.AppendUint32(n.b, typ)
	n.b = n.order.AppendUint32(n.b, l)
	n.b = append(n.b, body...)
	n.b = n.order.AppendUint32(n.b, l)
}

// shb starts a section, possibly with a new byte order.
func (n *ngFile) shb(order binary.AppendByteOrder, major, minor uint16) {
	n.order = order
	var body []byte
	body = order.AppendUint32(body, ngByteOrderMagic)
	body = order.AppendUint16(body, major)
	body = order.AppendUint16(body, minor)
	body = order.AppendUint64(body, ^uint64(0)) // section length unknown
	n.block(ngSHB, body)
}

type ngOpt struct {
	code uint16
	val  []byte
}

func (n *ngFile) idb(linktype uint16, snaplen uint32, opts ...ngOpt) {
	var body []byte
	body = n.order.AppendUint16(body, linktype)
	body = n.order.AppendUint16(body, 0)
	body = n.order.AppendUint32(body, snaplen)
	for _, o := range opts {
		body = n.order.AppendUint16(body, o.code)
		body = n.order.AppendUint16(body, uint16(len(o.val)))
		body = append(body, o.val...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	if len(opts) > 0 {
		body = n.order.AppendUint32(body, 0) // opt_endofopt
	}
	n.block(ngIDB, body)
}

func (n *ngFile) epb(iface uint32, ts uint64, data []byte, origlen uint32) {
	n.starts = append(n.starts, int64(len(n.b)))
	var body []byte
	body = n.order.AppendUint32(body, iface)
	body = n.order.AppendUint32(body, uint32(ts>>32))
	body = n.order.AppendUint32(body, uint32(ts))
	body = n.order.AppendUint32(body, uint32(len(data)))
	body = n.order.AppendUint32(body, origlen)
	body = append(body, data...)
	n.block(ngEPB, body)
}

func (n *ngFile) pb(iface uint16, ts uint64, data []byte) {
	n.starts = append(n.starts, int64(len(n.b)))
	var body []byte
	body = n.order.AppendUint16(body, iface)
	body = n.order.AppendUint16(body, 0) // drops
	body = n.order.AppendUint32(body, uint32(ts>>32))
	body = n.order.AppendUint32(body, uint32(ts))
	body = n.order.AppendUint32(body, uint32(len(data)))
	body = n.order.AppendUint32(body, uint32(len(data)))
	body = append(body, data...)
	n.block(ngPB, body)
}

func (n *ngFile) spb(data []byte, origlen uint32) {
	n.starts = append(n.starts, int64(len(n.b)))
	var body []byte
	body = n.order.AppendUint32(body, origlen)
	body = append(body, data...)
	n.block(ngSPB, body)
}

func u64(order binary.AppendByteOrder, v uint64) []byte { return order.AppendUint64(nil, v) }

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// payload returns n distinct bytes starting at seed.
func payload(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}
