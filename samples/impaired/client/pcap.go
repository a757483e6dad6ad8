package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"

	"telltale/samples/impaired/plan"
)

// A capture read with the standard library: classic pcap, Ethernet, IPv4,
// TCP, which is all tcpdump writes on a veth.
type capture struct {
	linkType int
	snaplen  int
	packets  int
	segs     map[int][]segment // by client port, in capture order
}

type segment struct {
	frame   int // 1-based
	dir     int // 0 client->server, 1 server->client
	seq     uint32
	flags   byte
	payload []byte // as captured
	wireLen int    // payload length from the IP header
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
)

func readCapture(path string) (*capture, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 24 {
		return nil, fmt.Errorf("%s: too short for a pcap header", path)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("%s: not a classic pcap file", path)
	}
	c := &capture{linkType: int(bo.Uint32(b[20:])), snaplen: int(bo.Uint32(b[16:])), segs: map[int][]segment{}}
	if c.linkType != 1 {
		return nil, fmt.Errorf("%s: link type %d, want 1 (Ethernet)", path, c.linkType)
	}
	for off := 24; off < len(b); {
		if len(b)-off < 16 {
			return nil, fmt.Errorf("%s: truncated record header", path)
		}
		n := int(bo.Uint32(b[off+8:]))
		if off+16+n > len(b) {
			return nil, fmt.Errorf("%s: truncated record", path)
		}
		frame := b[off+16 : off+16+n]
		off += 16 + n
		c.packets++
		if len(frame) < 14+20 || binary.BigEndian.Uint16(frame[12:]) != 0x0800 {
			continue
		}
		ip := frame[14:]
		ihl := int(ip[0]&0xf) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if ip[9] != 6 || len(ip) < ihl+20 {
			continue
		}
		tcp := ip[ihl:]
		doff := int(tcp[12]>>4) * 4
		sport, dport := int(binary.BigEndian.Uint16(tcp)), int(binary.BigEndian.Uint16(tcp[2:]))
		s := segment{frame: c.packets, seq: binary.BigEndian.Uint32(tcp[4:]), flags: tcp[13], wireLen: total - ihl - doff}
		if len(tcp) > doff {
			s.payload = tcp[doff:min(len(tcp), total-ihl)]
		}
		port := sport
		if sport == plan.ServerPort {
			port, s.dir = dport, 1
		} else if dport != plan.ServerPort {
			continue
		}
		c.segs[port] = append(c.segs[port], s)
	}
	return c, nil
}

// stream is one direction of a connection as the reference capture has it.
type stream struct {
	isn   uint32
	bytes []byte // offset 0 is the byte after the SYN
}

// refStreams rebuilds both directions of the connection of port from a
// capture that must hold every byte, and checks that copies agree.
func refStreams(c *capture, port int) ([2]stream, error) {
	var st [2]stream
	segs := c.segs[port]
	var haveISN, haveFIN [2]bool
	var length [2]int64
	for _, s := range segs {
		if s.flags&tcpSYN != 0 {
			st[s.dir].isn, haveISN[s.dir] = s.seq, true
		}
	}
	for d := range 2 {
		if !haveISN[d] {
			return st, fmt.Errorf("port %d dir %d: no SYN in the reference capture", port, d)
		}
	}
	var covered [2][]bool
	for _, s := range segs {
		if s.flags&tcpSYN != 0 || s.wireLen == 0 && s.flags&tcpFIN == 0 {
			continue // no stream bytes (a pure ACK after the FIN even lies past the end)
		}
		if len(s.payload) != s.wireLen {
			return st, fmt.Errorf("port %d frame %d: reference capture truncated", port, s.frame)
		}
		off := int64(s.seq - st[s.dir].isn - 1)
		end := off + int64(len(s.payload))
		if s.flags&tcpFIN != 0 {
			haveFIN[s.dir], length[s.dir] = true, end
		}
		if end > int64(len(st[s.dir].bytes)) {
			st[s.dir].bytes = append(st[s.dir].bytes, make([]byte, end-int64(len(st[s.dir].bytes)))...)
			covered[s.dir] = append(covered[s.dir], make([]bool, end-int64(len(covered[s.dir])))...)
		}
		for i, x := range s.payload {
			o := off + int64(i)
			if covered[s.dir][o] && st[s.dir].bytes[o] != x {
				return st, fmt.Errorf("port %d frame %d: retransmitted byte %d differs", port, s.frame, o)
			}
			st[s.dir].bytes[o], covered[s.dir][o] = x, true
		}
	}
	for d := range 2 {
		if !haveFIN[d] || length[d] != int64(len(st[d].bytes)) {
			return st, fmt.Errorf("port %d dir %d: no FIN at the end of the stream", port, d)
		}
		for o, ok := range covered[d] {
			if !ok {
				return st, fmt.Errorf("port %d dir %d: reference capture lacks byte %d", port, d, o)
			}
		}
	}
	return st, nil
}

// Hole is a run of stream bytes no frame of a capture holds.
type Hole struct {
	Offset int64 `json:"offset"`
	Len    int64 `json:"len"`
}

// coverage says which bytes of the two streams of port a capture holds
// (checking them against the reference), the holes, and how many missing
// bytes lay inside a frame the snap length cut.
func coverage(c *capture, port int, ref [2]stream) (holes [2][]Hole, truncated [2]int64, err error) {
	var have, cut [2][]bool
	for d := range 2 {
		have[d] = make([]bool, len(ref[d].bytes))
		cut[d] = make([]bool, len(ref[d].bytes))
	}
	for _, s := range c.segs[port] {
		off := int64(s.seq - ref[s.dir].isn - 1)
		if s.flags&tcpSYN != 0 || s.wireLen == 0 {
			continue
		}
		if off < 0 || off+int64(s.wireLen) > int64(len(have[s.dir])) {
			return holes, truncated, fmt.Errorf("port %d frame %d: segment outside the reference stream", port, s.frame)
		}
		for i, x := range s.payload {
			if ref[s.dir].bytes[off+int64(i)] != x {
				return holes, truncated, fmt.Errorf("port %d frame %d: byte %d differs from the reference", port, s.frame, off+int64(i))
			}
			have[s.dir][off+int64(i)] = true
		}
		for i := len(s.payload); i < s.wireLen; i++ {
			cut[s.dir][off+int64(i)] = true
		}
	}
	for d := range 2 {
		for o := int64(0); o < int64(len(have[d])); o++ {
			if have[d][o] {
				continue
			}
			if cut[d][o] {
				truncated[d]++
			}
			if n := len(holes[d]); n > 0 && holes[d][n-1].Offset+holes[d][n-1].Len == o {
				holes[d][n-1].Len++
			} else {
				holes[d] = append(holes[d], Hole{Offset: o, Len: 1})
			}
		}
	}
	return holes, truncated, nil
}

// message is where one HTTP message lies in its stream.
type message struct {
	start, lineEnd, headerEnd, end int64 // lineEnd: after the start line's CRLF; headerEnd: after the empty line
	startLine                      string
	body                           []byte // after chunked decoding
	chunked                        bool
	framing                        []Hole // chunked: where the chunk-size lines and CRLFs lie
}

// splitMessages cuts a stream into HTTP/1.1 messages framed by
// Content-Length or chunked encoding (all this sample's clients and server
// use), failing on anything else.
func splitMessages(b []byte) ([]message, error) {
	var out []message
	for pos := 0; pos < len(b); {
		m := message{start: int64(pos)}
		he := bytes.Index(b[pos:], []byte("\r\n\r\n"))
		if he < 0 {
			return nil, fmt.Errorf("offset %d: no end of header", pos)
		}
		head := string(b[pos : pos+he])
		lines := strings.Split(head, "\r\n")
		m.startLine = lines[0]
		m.lineEnd = int64(pos + len(lines[0]) + 2)
		m.headerEnd = int64(pos + he + 4)
		cl := -1
		for _, l := range lines[1:] {
			name, val, _ := strings.Cut(l, ":")
			val = strings.TrimSpace(val)
			switch strings.ToLower(name) {
			case "content-length":
				n, err := strconv.Atoi(val)
				if err != nil {
					return nil, fmt.Errorf("offset %d: Content-Length %q", pos, val)
				}
				cl = n
			case "transfer-encoding":
				if val != "chunked" {
					return nil, fmt.Errorf("offset %d: Transfer-Encoding %q", pos, val)
				}
				m.chunked = true
			}
		}
		p := int(m.headerEnd)
		switch {
		case m.chunked:
			for {
				le := bytes.Index(b[p:], []byte("\r\n"))
				if le < 0 {
					return nil, fmt.Errorf("offset %d: unterminated chunk size", p)
				}
				n, err := strconv.ParseInt(string(b[p:p+le]), 16, 32)
				if err != nil {
					return nil, fmt.Errorf("offset %d: chunk size %q", p, b[p:p+le])
				}
				m.framing = append(m.framing, Hole{Offset: int64(p), Len: int64(le + 2)})
				p += le + 2
				if n == 0 {
					if !bytes.HasPrefix(b[p:], []byte("\r\n")) {
						return nil, fmt.Errorf("offset %d: trailers are not expected", p)
					}
					m.framing = append(m.framing, Hole{Offset: int64(p), Len: 2})
					p += 2
					break
				}
				if p+int(n)+2 > len(b) || string(b[p+int(n):p+int(n)+2]) != "\r\n" {
					return nil, fmt.Errorf("offset %d: bad chunk", p)
				}
				m.body = append(m.body, b[p:p+int(n)]...)
				m.framing = append(m.framing, Hole{Offset: int64(p + int(n)), Len: 2})
				p += int(n) + 2
			}
		case cl >= 0:
			if p+cl > len(b) {
				return nil, fmt.Errorf("offset %d: body runs past the stream", p)
			}
			m.body = b[p : p+cl]
			p += cl
		}
		m.end = int64(p)
		out = append(out, m)
		pos = p
	}
	return out, nil
}

// Damage says how many bytes of each part of a message a capture lacks.
type Damage struct {
	// StartLine, Header and Body count missing bytes in the start line (with
	// its CRLF), the rest of the header block (with the empty line), and the
	// body as framed on the wire (chunk framing included).
	StartLine int64 `json:"start_line_missing"`
	Header    int64 `json:"header_missing"`
	Body      int64 `json:"body_missing"`
	// ChunkFraming counts the missing bytes of Body that were chunk framing
	// (chunk-size lines and CRLFs) rather than chunk data.
	ChunkFraming int64 `json:"chunk_framing_missing,omitempty"`
	// FirstHole is the offset, from the message's first byte, of the first
	// missing byte; -1 when none is missing. FirstHoleLen runs from there to
	// the end of that hole, even where the hole runs past the message.
	FirstHole    int64 `json:"first_hole"`
	FirstHoleLen int64 `json:"first_hole_len,omitempty"`
	// BodyHoles are the holes that lie wholly inside the body, with offsets
	// from the first body byte.
	BodyHoles []Hole `json:"body_holes,omitempty"`
}

func damage(m message, holes []Hole) Damage {
	d := Damage{FirstHole: -1}
	overlap := func(a, b int64, h Hole) int64 {
		return max(0, min(b, h.Offset+h.Len)-max(a, h.Offset))
	}
	for _, h := range holes {
		if h.Offset+h.Len <= m.start || h.Offset >= m.end {
			continue
		}
		if d.FirstHole < 0 {
			d.FirstHole = max(h.Offset, m.start) - m.start
			d.FirstHoleLen = h.Offset + h.Len - max(h.Offset, m.start)
		}
		for _, f := range m.framing {
			d.ChunkFraming += overlap(f.Offset, f.Offset+f.Len, h)
		}
		d.StartLine += overlap(m.start, m.lineEnd, h)
		d.Header += overlap(m.lineEnd, m.headerEnd, h)
		d.Body += overlap(m.headerEnd, m.end, h)
		if h.Offset >= m.headerEnd && h.Offset+h.Len <= m.end {
			d.BodyHoles = append(d.BodyHoles, Hole{Offset: h.Offset - m.headerEnd, Len: h.Len})
		}
	}
	return d
}
