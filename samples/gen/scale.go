package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// maxScale bounds -scale: repetition k > 0 gets client address 10.0.0.0 + k,
// which must stay inside 10.0.0.0/8.
const maxScale = 1 << 24

// writeScaleFile writes n repetitions of phone-browser.pcap to path as one
// classic pcap (see writeScale).
func writeScaleFile(path string, n int) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := writeScale(w, n); err != nil {
		return err
	}
	return w.Flush()
}

// writeScale writes a benchmark capture: the frames of phone-browser.pcap n
// times over, as one classic pcap. Repetition 0 is the sample byte for
// byte; repetition k > 0 moves the phone to client address 10.0.0.0 + k
// (client ports and everything else unchanged, checksums recomputed), so no
// two repetitions share a TCP 4-tuple, and shifts every timestamp k periods
// forward, a period being the sample's duration cut to whole seconds plus
// two seconds, so the file stays in time order.
//
// Only the one sample and one frame buffer are held in memory, whatever n
// is: the output is streamed to w.
func writeScale(w io.Writer, n int) error {
	if n < 1 || n > maxScale-1 {
		return fmt.Errorf("scale %d out of range [1, %d]", n, maxScale-1)
	}
	s := phoneBrowser()
	base := s.Files[0].Data
	recs, err := pcapRecords(base)
	if err != nil {
		return fmt.Errorf("phone-browser.pcap: %w", err)
	}
	if len(recs) != len(s.Packets) || len(recs) == 0 {
		return fmt.Errorf("phone-browser.pcap: %d records for %d packets", len(recs), len(s.Packets))
	}
	first, last := recs[0].time, recs[len(recs)-1].time
	period := last.Sub(first).Truncate(time.Second) + 2*time.Second

	if _, err := w.Write(base[:24]); err != nil { // file header: unchanged
		return err
	}
	var hdr [16]byte
	buf := make([]byte, 0, 2048)
	for k := range n {
		cli := net.IPv4(10, byte(k>>16), byte(k>>8), byte(k)).To4()
		shift := time.Duration(k) * period
		for i, r := range recs {
			buf = append(buf[:0], r.data...)
			if k > 0 {
				p := s.Packets[i]
				if err := moveClient(buf, p.Dir, p.Conv.Client.IP, cli); err != nil {
					return fmt.Errorf("phone-browser.pcap frame %d: %w", i, err)
				}
			}
			ts := r.time.Add(shift)
			le := binary.LittleEndian
			le.PutUint32(hdr[0:], uint32(ts.Unix()))
			le.PutUint32(hdr[4:], uint32(ts.Nanosecond()/1000))
			le.PutUint32(hdr[8:], uint32(len(buf)))
			le.PutUint32(hdr[12:], r.orig)
			if _, err := w.Write(hdr[:]); err != nil {
				return err
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	}
	return nil
}

// pcapRecord is one record of a little-endian microsecond pcap.
type pcapRecord struct {
	time time.Time
	orig uint32
	data []byte
}

// pcapRecords splits a pcap written by pcapBytes (little-endian,
// microsecond timestamps) into its records. The data alias b.
func pcapRecords(b []byte) ([]pcapRecord, error) {
	le := binary.LittleEndian
	if len(b) < 24 || le.Uint32(b) != 0xa1b2c3d4 {
		return nil, errors.New("not a little-endian microsecond pcap")
	}
	var out []pcapRecord
	for off := 24; off < len(b); {
		if len(b)-off < 16 {
			return nil, fmt.Errorf("truncated record header at %d", off)
		}
		sec, usec := le.Uint32(b[off:]), le.Uint32(b[off+4:])
		n := int(le.Uint32(b[off+8:]))
		if len(b)-off-16 < n {
			return nil, fmt.Errorf("truncated record at %d", off)
		}
		out = append(out, pcapRecord{
			time: time.Unix(int64(sec), int64(usec)*1000).UTC(),
			orig: le.Uint32(b[off+12:]),
			data: b[off+16 : off+16+n],
		})
		off += 16 + n
	}
	return out, nil
}

// moveClient rewrites the client's address in an Ethernet/IPv4/TCP frame
// (the source if d is C2S, else the destination) from old to cli, and
// recomputes the IPv4 header and TCP checksums. Ethernet padding beyond the
// IPv4 total length is left alone.
func moveClient(frame []byte, d Dir, old, cli net.IP) error {
	if len(frame) < 14+20 || binary.BigEndian.Uint16(frame[12:]) != 0x0800 {
		return errors.New("not Ethernet/IPv4")
	}
	ip := frame[14:]
	ihl := int(ip[0]&0xf) * 4
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if ip[0]>>4 != 4 || ihl < 20 || total < ihl+20 || total > len(ip) || ip[9] != 6 {
		return errors.New("not a whole IPv4/TCP packet")
	}
	ip = ip[:total]
	addr := ip[16:20]
	if d == C2S {
		addr = ip[12:16]
	}
	if !net.IP(addr).Equal(old) {
		return fmt.Errorf("client address %v, want %v", net.IP(addr), old)
	}
	copy(addr, cli)

	binary.BigEndian.PutUint16(ip[10:], 0)
	binary.BigEndian.PutUint16(ip[10:], ^onesSum(0, ip[:ihl]))
	tcp := ip[ihl:]
	binary.BigEndian.PutUint16(tcp[16:], 0)
	sum := onesSum(0, ip[12:20]) // pseudo-header: addresses,
	sum = onesAdd(sum, 6)        // zero and protocol,
	sum = onesAdd(sum, uint16(len(tcp)))
	binary.BigEndian.PutUint16(tcp[16:], ^onesSum(sum, tcp))
	return nil
}

// onesSum adds b, as big-endian 16-bit words (an odd last byte padded with
// zero), to sum in ones' complement arithmetic (RFC 1071).
func onesSum(sum uint16, b []byte) uint16 {
	for len(b) >= 2 {
		sum = onesAdd(sum, binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum = onesAdd(sum, uint16(b[0])<<8)
	}
	return sum
}

func onesAdd(a, b uint16) uint16 {
	s := uint32(a) + uint32(b)
	return uint16(s&0xffff + s>>16)
}
