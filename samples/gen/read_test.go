package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"sort"
	"testing"
	"time"
)

// Readers written independently of the generator's writers, so a bug in one
// is not mirrored in the other.

// rawFrame is a frame read back from a file.
type rawFrame struct {
	Link    int
	Data    []byte
	Time    time.Time
	OrigLen int
	Iface   int
}

// readCapture reads a pcap (with pcapgo) or a pcapng (with readPcapng).
func readCapture(t *testing.T, path string) []rawFrame {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) >= 4 && binary.LittleEndian.Uint32(b) == 0x0A0D0D0A {
		fr, err := readPcapng(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return fr
	}
	fr, err := readPcap(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fr
}

// readPcap reads a classic pcap file. It is written here rather than using
// pcapgo.Reader because gopacket v1.1.19 keeps the link type in a uint8:
// LINKTYPE_LINUX_SLL2 (276) comes out as 20.
func readPcap(b []byte) ([]rawFrame, error) {
	if len(b) < 24 {
		return nil, errors.New("pcap: short file header")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	nano := false
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4:
	case 0xa1b23c4d:
		nano = true
	case 0xd4c3b2a1:
		bo = binary.BigEndian
	case 0x4d3cb2a1:
		bo, nano = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("pcap: magic %x", b[:4])
	}
	link := int(bo.Uint32(b[20:]))
	var out []rawFrame
	for off := 24; off < len(b); {
		if len(b)-off < 16 {
			return nil, fmt.Errorf("pcap: truncated record header at %d", off)
		}
		sec, frac := int64(bo.Uint32(b[off:])), int64(bo.Uint32(b[off+4:]))
		n, orig := int(bo.Uint32(b[off+8:])), int(bo.Uint32(b[off+12:]))
		if off+16+n > len(b) || n > orig {
			return nil, fmt.Errorf("pcap: bad record at %d", off)
		}
		if !nano {
			frac *= 1000
		}
		out = append(out, rawFrame{Link: link, Data: b[off+16 : off+16+n], Time: time.Unix(sec, frac).UTC(), OrigLen: orig})
		off += 16 + n
	}
	return out, nil
}

// readPcapng walks a little-endian pcapng section: SHB, IDBs, EPBs. It
// checks that each block's trailing length equals its leading one.
func readPcapng(b []byte) ([]rawFrame, error) {
	le := binary.LittleEndian
	type iface struct {
		link int
		nano bool
	}
	var ifaces []iface
	var out []rawFrame
	for off := 0; off < len(b); {
		if len(b)-off < 12 {
			return nil, fmt.Errorf("pcapng: truncated block at %d", off)
		}
		typ, n := le.Uint32(b[off:]), int(le.Uint32(b[off+4:]))
		if n < 12 || n%4 != 0 || off+n > len(b) || int(le.Uint32(b[off+n-4:])) != n {
			return nil, fmt.Errorf("pcapng: bad block length %d at %d", n, off)
		}
		body := b[off+8 : off+n-4]
		switch typ {
		case 0x0A0D0D0A:
			if le.Uint32(body) != 0x1A2B3C4D {
				return nil, fmt.Errorf("pcapng: byte-order magic %x", body[:4])
			}
		case 1: // IDB
			ifc := iface{link: int(le.Uint16(body))}
			opts := body[8:]
			for len(opts) >= 4 {
				code, l := le.Uint16(opts), int(le.Uint16(opts[2:]))
				if code == 0 {
					break
				}
				if code == 9 && l == 1 && opts[4] == 9 {
					ifc.nano = true
				}
				opts = opts[4+(l+3)&^3:]
			}
			ifaces = append(ifaces, ifc)
		case 6: // EPB
			id := int(le.Uint32(body))
			if id >= len(ifaces) {
				return nil, fmt.Errorf("pcapng: packet on undeclared interface %d", id)
			}
			ts := int64(le.Uint32(body[4:]))<<32 | int64(le.Uint32(body[8:]))
			capLen := int(le.Uint32(body[12:]))
			tm := time.UnixMicro(ts)
			if ifaces[id].nano {
				tm = time.Unix(0, ts)
			}
			out = append(out, rawFrame{Link: ifaces[id].link, Data: body[20 : 20+capLen], Time: tm.UTC(),
				OrigLen: int(le.Uint32(body[16:])), Iface: id})
		}
		off += n
	}
	return out, nil
}

// frameIP strips the link header and returns the IPv4 packet (cut to its
// total length) and whatever follows it in the frame.
func frameIP(f rawFrame) (ip, tail []byte, err error) {
	var p []byte
	switch f.Link {
	case 1:
		if len(f.Data) < 14 || binary.BigEndian.Uint16(f.Data[12:]) != 0x0800 {
			return nil, nil, errors.New("not Ethernet/IPv4")
		}
		p = f.Data[14:]
	case 276:
		// The ARPHRD type is 1 (Ethernet) in the synthetic file, 772
		// (loopback) in the real one; only the protocol matters here.
		if len(f.Data) < 20 || binary.BigEndian.Uint16(f.Data) != 0x0800 || f.Data[11] > 8 {
			return nil, nil, errors.New("not an SLL2 IPv4 frame")
		}
		p = f.Data[20:]
	default:
		return nil, nil, fmt.Errorf("link type %d", f.Link)
	}
	if len(p) < 20 || p[0]>>4 != 4 {
		return nil, nil, errors.New("not IPv4")
	}
	n := int(binary.BigEndian.Uint16(p[2:]))
	if n > len(p) {
		return nil, nil, errors.New("IPv4 total length beyond frame")
	}
	return p[:n], p[n:], nil
}

// checksum is the Internet checksum (RFC 1071) of the concatenation of parts.
func checksum(parts ...[]byte) uint16 {
	var sum uint32
	var odd []byte
	for _, p := range parts {
		p = append(odd, p...)
		odd = nil
		for len(p) >= 2 {
			sum += uint32(p[0])<<8 | uint32(p[1])
			p = p[2:]
		}
		if len(p) == 1 {
			odd = []byte{p[0]}
		}
	}
	if odd != nil {
		sum += uint32(odd[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// segment is a TCP segment parsed from an IPv4 packet.
type segment struct {
	src, dst string // "ip:port"
	seq      uint32
	syn, fin bool
	payload  []byte
}

// parseSegment parses ip, verifying both checksums if verify is set.
func parseSegment(ip []byte, verify bool) (segment, error) {
	ihl := int(ip[0]&0xf) * 4
	if checksum(ip[:ihl]) != 0 {
		return segment{}, errors.New("bad IPv4 header checksum")
	}
	if ip[9] != 6 {
		return segment{}, errors.New("not TCP")
	}
	tcp := ip[ihl:]
	pseudo := append(append([]byte{}, ip[12:20]...), 0, 6, byte(len(tcp)>>8), byte(len(tcp)))
	if verify && checksum(pseudo, tcp) != 0 {
		return segment{}, errors.New("bad TCP checksum")
	}
	doff := int(tcp[12]>>4) * 4
	addr := func(a []byte, port []byte) string {
		return fmt.Sprintf("%d.%d.%d.%d:%d", a[0], a[1], a[2], a[3], binary.BigEndian.Uint16(port))
	}
	return segment{
		src: addr(ip[12:16], tcp[0:2]), dst: addr(ip[16:20], tcp[2:4]),
		seq: binary.BigEndian.Uint32(tcp[4:]), syn: tcp[13]&0x02 != 0, fin: tcp[13]&0x01 != 0,
		payload: tcp[doff:],
	}, nil
}

// halfStream collects one direction of a connection.
type halfStream struct {
	isn  uint32
	syn  bool
	segs map[uint32][][]byte
}

// reassemble returns the bytes of h in sequence order. Duplicates must be
// byte-identical to what they overlap; a hole is an error.
func (h *halfStream) reassemble() ([]byte, error) {
	if !h.syn {
		return nil, errors.New("no SYN")
	}
	seqs := make([]uint32, 0, len(h.segs))
	for s := range h.segs {
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i]-h.isn < seqs[j]-h.isn })
	var out []byte
	next := h.isn + 1
	for _, s := range seqs {
		for _, p := range h.segs[s] {
			rel := int(s - (h.isn + 1))
			switch {
			case s-h.isn > next-h.isn:
				return nil, fmt.Errorf("hole before relative seq %d", rel)
			case rel+len(p) <= len(out):
				if !bytes.Equal(out[rel:rel+len(p)], p) {
					return nil, fmt.Errorf("retransmission at relative seq %d differs", rel)
				}
			default:
				if !bytes.Equal(out[rel:], p[:len(out)-rel]) {
					return nil, fmt.Errorf("overlap at relative seq %d differs", rel)
				}
				out = append(out, p[len(out)-rel:]...)
				next = h.isn + 1 + uint32(len(out))
			}
		}
	}
	return out, nil
}

// pcapdroidCheck validates a PCAPdroid trailer: tail is the padding plus the
// trailer; frame is the whole frame (the fcs covers all of it but itself).
func pcapdroidCheck(frame, tail []byte) (uid int32, name string, err error) {
	if len(tail) < 32 || len(tail) > 35 || len(frame)%4 != 0 {
		return 0, "", fmt.Errorf("trailer area of %d bytes in a %d-byte frame", len(tail), len(frame))
	}
	tr := tail[len(tail)-32:]
	if binary.BigEndian.Uint32(tr) != 0x01072021 {
		return 0, "", fmt.Errorf("magic %x", tr[:4])
	}
	if got, want := binary.LittleEndian.Uint32(tr[28:]), crc32.ChecksumIEEE(frame[:len(frame)-4]); got != want {
		return 0, "", fmt.Errorf("fcs %08x, want %08x", got, want)
	}
	n := bytes.IndexByte(tr[8:28], 0)
	if n < 0 {
		return 0, "", errors.New("appname not NUL-terminated")
	}
	return int32(binary.BigEndian.Uint32(tr[4:])), string(tr[8 : 8+n]), nil
}
