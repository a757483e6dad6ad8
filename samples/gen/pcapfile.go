package main

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Frame is one captured frame ready for a file.
type Frame struct {
	Time time.Time
	Data []byte
	// OrigLen is the length on the wire; 0 means len(Data).
	OrigLen int
	// Iface is the pcapng interface index.
	Iface int
}

const snaplen = 262144 // tcpdump's default

// pcapBytes writes frames as a classic pcap file (magic a1b2c3d4, microsecond
// timestamps) with pcapgo.
func pcapBytes(link layers.LinkType, frames []Frame) []byte {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(snaplen, link); err != nil {
		panic(err) // writes to a bytes.Buffer cannot fail
	}
	for _, f := range frames {
		orig := f.OrigLen
		if orig == 0 {
			orig = len(f.Data)
		}
		ci := gopacket.CaptureInfo{Timestamp: f.Time, CaptureLength: len(f.Data), Length: orig}
		if err := w.WritePacket(ci, f.Data); err != nil {
			panic(err)
		}
	}
	return buf.Bytes()
}

// NgInterface describes one pcapng interface.
type NgInterface struct {
	Name        string
	Description string
	LinkType    uint16
	// NanoTS selects if_tsresol = 9 (nanoseconds); otherwise the option is
	// left out and the pcapng default, microseconds, applies.
	NanoTS bool
}

// pcapngBytes writes a little-endian pcapng file: one Section Header Block,
// one Interface Description Block per interface, and an Enhanced Packet
// Block per frame.
//
// pcapgo.NgWriter cannot be used: its NgInterface.LinkType is a gopacket
// layers.LinkType, a uint8, so LINKTYPE_LINUX_SLL2 (276) would be written as
// 20. It also records runtime.GOOS/GOARCH, which would make the bytes depend
// on the machine.
func pcapngBytes(app string, ifaces []NgInterface, frames []Frame) []byte {
	var out []byte
	le := binary.LittleEndian

	// Section Header Block.
	var body []byte
	body = le.AppendUint32(body, 0x1A2B3C4D) // byte-order magic
	body = le.AppendUint16(body, 1)
	body = le.AppendUint16(body, 0)
	body = le.AppendUint64(body, ^uint64(0)) // section length unknown
	body = ngOption(body, 4, []byte(app))    // shb_userappl
	body = ngEnd(body)
	out = ngBlock(out, 0x0A0D0D0A, body)

	for _, ifc := range ifaces {
		var b []byte
		b = le.AppendUint16(b, ifc.LinkType)
		b = le.AppendUint16(b, 0)
		b = le.AppendUint32(b, snaplen)
		b = ngOption(b, 2, []byte(ifc.Name)) // if_name
		if ifc.Description != "" {
			b = ngOption(b, 3, []byte(ifc.Description)) // if_description
		}
		if ifc.NanoTS {
			b = ngOption(b, 9, []byte{9}) // if_tsresol: 10^-9
		}
		b = ngEnd(b)
		out = ngBlock(out, 1, b)
	}

	for _, f := range frames {
		var ts uint64
		if ifaces[f.Iface].NanoTS {
			ts = uint64(f.Time.UnixNano())
		} else {
			ts = uint64(f.Time.UnixMicro())
		}
		orig := f.OrigLen
		if orig == 0 {
			orig = len(f.Data)
		}
		var b []byte
		b = le.AppendUint32(b, uint32(f.Iface))
		b = le.AppendUint32(b, uint32(ts>>32))
		b = le.AppendUint32(b, uint32(ts))
		b = le.AppendUint32(b, uint32(len(f.Data)))
		b = le.AppendUint32(b, uint32(orig))
		b = append(b, f.Data...)
		b = pad4(b)
		out = ngBlock(out, 6, b)
	}
	return out
}

// ngBlock appends a block: type, total length, body, total length again.
func ngBlock(out []byte, typ uint32, body []byte) []byte {
	le := binary.LittleEndian
	total := uint32(12 + len(body))
	out = le.AppendUint32(out, typ)
	out = le.AppendUint32(out, total)
	out = append(out, body...)
	return le.AppendUint32(out, total)
}

func ngOption(b []byte, code uint16, v []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, code)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
	return pad4(append(b, v...))
}

func ngEnd(b []byte) []byte { return append(b, 0, 0, 0, 0) } // opt_endofopt

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}
