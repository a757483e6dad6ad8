package capture

import (
	"fmt"
	"io"
)

// Classic pcap is read by hand rather than with pcapgo.Reader: that reader
// rejects records whose captured length exceeds the header's snaplen and then
// reads the middle of that record as the next header (its SetSnaplen doc says
// so), allocates whatever captured length a corrupt record claims, accepts
// only version 2.4, and cannot say at which offset a problem is. The format is
// a 24-byte header followed by 16-byte record headers, so owning it is cheap.

// pcap magic numbers as read little-endian from the first four bytes.
const (
	pcapMicroLE    = 0xa1b2c3d4
	pcapMicroBE    = 0xd4c3b2a1
	pcapNanoLE     = 0xa1b23c4d
	pcapNanoBE     = 0x4d3cb2a1
	pcapModifiedLE = 0xa1b2cd34 // Alexey Kuznetzov's patched libpcap: 24-byte record headers
	pcapModifiedBE = 0x34cdb2a1
)

const (
	lengthsInOrder = iota
	lengthsSwapped
	lengthsMaybeSwapped
)

type pcapKind uint8

const (
	pcapNone pcapKind = iota
	pcapMicro
	pcapNano
	pcapModified
)

// pcapMagic classifies a magic number (read little-endian).
func pcapMagic(m uint32) pcapKind {
	switch m {
	case pcapMicroLE, pcapMicroBE:
		return pcapMicro
	case pcapNanoLE, pcapNanoBE:
		return pcapNano
	case pcapModifiedLE, pcapModifiedBE:
		return pcapModified
	}
	return pcapNone
}

func (r *reader) pcapHeader(magic uint32) error {
	if n, err := r.src.readFull(r.hdr[4:24]); err != nil {
		if isUnexpectedEOF(err) {
			return fmt.Errorf("truncated pcap header (%d of 24 bytes)", n+4)
		}
		return err
	}
	r.be = magic == pcapMicroBE || magic == pcapNanoBE || magic == pcapModifiedBE
	kind := pcapMagic(magic)
	r.nanos = kind == pcapNano
	r.hdrLen = 16
	if kind == pcapModified {
		r.hdrLen = 24
	}
	// The captured and original lengths swapped places in version 2.3, and
	// some 2.3 writers kept the old order; DG/UX wrote 543.0 with the old
	// order. libpcap and Wireshark read them so, and so does this.
	major, minor := r.u16(r.hdr[4:6], r.be), r.u16(r.hdr[6:8], r.be)
	switch {
	case major == 2 && minor < 3, major == 543:
		r.swapped = lengthsSwapped
	case major == 2 && minor == 3:
		r.swapped = lengthsMaybeSwapped
	case major == 2:
	default:
		return fmt.Errorf("unsupported pcap version %d.%d", major, minor)
	}
	r.snaplen = r.u32(r.hdr[16:20], r.be)
	// The upper bits of the link type field carry FCS information
	// (LT_LINKTYPE in libpcap keeps the low 26 bits; link types fit in 16).
	r.linkType = uint16(r.u32(r.hdr[20:24], r.be) & 0x03ffffff)
	return nil
}

func (r *reader) pcapNext(f *Frame) error {
	off := r.src.pos
	h := r.hdr[:r.hdrLen]
	n, err := r.src.readFull(h)
	if err != nil {
		if n == 0 && err == io.EOF {
			return io.EOF
		}
		return r.fail(off, cut("record header", int64(n), int64(r.hdrLen), err))
	}
	sec := r.u32(h[0:4], r.be)
	frac := r.u32(h[4:8], r.be)
	caplen := r.u32(h[8:12], r.be)
	origlen := r.u32(h[12:16], r.be)
	if r.swapped == lengthsSwapped || r.swapped == lengthsMaybeSwapped && caplen > origlen {
		caplen, origlen = origlen, caplen
	}
	frame := r.frames + 1
	if caplen > maxCaplen {
		// Nothing after this can be trusted to be a record boundary: a
		// resync would be a guess, so the file ends here (as in Wireshark).
		r.problem(off, frame, "malformed record: captured length %d exceeds the %d-byte limit; rest of file skipped", caplen, maxCaplen)
		return io.EOF
	}
	if caplen > r.snaplen && r.warned&warnSnaplen == 0 {
		// Written by tools that do not enforce their own snaplen (dpkt,
		// some scapy versions); tcpdump and Wireshark read such records,
		// so they are delivered. Reported once per file.
		r.warned |= warnSnaplen
		r.problem(off, frame, "captured length %d exceeds snaplen %d (record kept; not reported again for this file)", caplen, r.snaplen)
	}
	if caplen > origlen && r.warned&warnOrigLen == 0 {
		r.warned |= warnOrigLen
		r.problem(off, frame, "captured length %d exceeds original length %d (record kept; not reported again for this file)", caplen, origlen)
	}
	data := r.data(int(caplen))
	if n, err := r.src.readFull(data); err != nil {
		return r.fail(off, cut("record", int64(r.hdrLen+n), int64(r.hdrLen)+int64(caplen), err))
	}
	r.frames = frame
	ns := int64(frac)
	if !r.nanos {
		ns *= 1000
	}
	*f = Frame{
		Data:     data,
		OrigLen:  int(origlen),
		Time:     int64(sec)*1e9 + ns,
		LinkType: r.linkType,
		Frame:    frame,
		Offset:   off,
	}
	return nil
}
