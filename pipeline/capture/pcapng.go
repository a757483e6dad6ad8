package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// pcapng is read by hand rather than with pcapgo.NgReader, which panics with
// a division by zero on an interface whose if_tsresol exponent is 64 or more,
// allocates whatever captured length a corrupt block claims, and does not
// report offsets. Owning the block loop also lets a damaged packet block be
// skipped on its (verified) block boundary instead of ending the file.

// Block types.
const (
	ngSHB = 0x0a0d0d0a // section header, a palindrome so readable in either byte order
	ngIDB = 0x00000001 // interface description
	ngPB  = 0x00000002 // packet block (obsolete, still written by old tools)
	ngSPB = 0x00000003 // simple packet block
	ngEPB = 0x00000006 // enhanced packet block
	ngDSB = 0x0000000a // decryption secrets

	ngByteOrderMagic = 0x1a2b3c4d
)

// Interface description options used here.
const (
	optEnd      = 0
	optTsresol  = 9
	optTsoffset = 14
)

type ngIface struct {
	linkType uint16
	snaplen  uint32
	units    uint64 // timestamp units per second
	offset   int64  // if_tsoffset, seconds
}

type ngState struct {
	ifaces   []ngIface
	skipping bool   // inside a section of an unsupported version
	meta     []byte // scratch for section and interface blocks
}

// ngHeader reads the first section header block; the reader has consumed
// its block type already.
func (r *reader) ngHeader() error {
	if n, err := r.src.readFull(r.hdr[4:12]); err != nil {
		if isUnexpectedEOF(err) {
			return fmt.Errorf("truncated pcapng section header (%d of 12 bytes)", n+4)
		}
		return err
	}
	be, ok := ngOrder(r.hdr[8:12])
	if !ok {
		return fmt.Errorf("pcapng section header has no byte-order magic (%x)", r.hdr[8:12])
	}
	r.be = be
	length := r.u32(r.hdr[4:8], be)
	if err := ngCheckLength(ngSHB, length); err != nil {
		return err
	}
	return r.ngSection(0, length)
}

// ngOrder decodes a byte-order magic.
func ngOrder(b []byte) (bigEndian, ok bool) {
	switch {
	case binary.BigEndian.Uint32(b) == ngByteOrderMagic:
		return true, true
	case binary.LittleEndian.Uint32(b) == ngByteOrderMagic:
		return false, true
	}
	return false, false
}

func ngCheckLength(typ, length uint32) error {
	min := uint32(12)
	if typ == ngSHB {
		min = 28
	}
	if length < min || length%4 != 0 || length > maxBlock {
		return fmt.Errorf("malformed block (type %#x): total length %d; rest of file skipped", typ, length)
	}
	return nil
}

// ngSection reads the rest of a section header block whose first 12 bytes
// (type, length, byte-order magic) were consumed.
func (r *reader) ngSection(off int64, length uint32) error {
	body, err := r.ngReadBody("section header block", 12, length-16, 12)
	if err != nil {
		return err
	}
	r.ngr.ifaces = r.ngr.ifaces[:0]
	major, minor := r.u16(body[0:2], r.be), r.u16(body[2:4], r.be)
	// 1.0 is current; 1.2 was written by some early tools and reads the same.
	r.ngr.skipping = !(major == 1 && (minor == 0 || minor == 2))
	if r.ngr.skipping {
		r.problem(off, 0, "unsupported pcapng version %d.%d: section skipped", major, minor)
	}
	return r.ngTrailer(length)
}

// ngReadBody reads the n body bytes of a block that is kept in memory (its
// trailer is still to read). prefix bytes of the block were read before;
// need is the minimum size of the body's fixed part.
func (r *reader) ngReadBody(what string, prefix, n, need uint32) ([]byte, error) {
	if n < need || n > maxMetaBlock {
		return nil, fmt.Errorf("malformed %s: body length %d; rest of file skipped", what, n)
	}
	if uint32(cap(r.ngr.meta)) < n {
		r.ngr.meta = make([]byte, n)
	}
	body := r.ngr.meta[:n]
	if got, err := r.src.readFull(body); err != nil {
		return nil, cut(what, int64(prefix)+int64(got), int64(prefix)+int64(n)+4, err)
	}
	return body, nil
}

// ngTrailer reads and checks the trailing length of a block. A mismatch
// means block boundaries are lost, so the file cannot be read further.
func (r *reader) ngTrailer(length uint32) error {
	n, err := r.src.readFull(r.hdr[:4])
	if err != nil {
		return cut("block", int64(length)-4+int64(n), int64(length), err)
	}
	if t := r.u32(r.hdr[:4], r.be); t != length {
		return fmt.Errorf("malformed block: trailing length %d differs from leading length %d; rest of file skipped", t, length)
	}
	return nil
}

func (r *reader) ngNext(f *Frame) error {
	for {
		off := r.src.pos
		switch err := r.ngBlock(f, off); err {
		case nil:
			return nil
		case errSkipped:
			continue
		case io.EOF:
			return io.EOF
		default:
			return r.fail(off, err)
		}
	}
}

// errSkipped reports a block that held no frame (or a damaged one that was
// skipped on its boundary).
var errSkipped = errors.New("capture: block skipped")

// ngBlock reads one block. It returns nil with f filled for a packet,
// errSkipped for anything else that leaves the stream on a block boundary,
// io.EOF at the end (problems already recorded), or an error that ends the
// file (to be recorded by the caller).
func (r *reader) ngBlock(f *Frame, off int64) error {
	n, err := r.src.readFull(r.hdr[:8])
	if err != nil {
		if n == 0 && err == io.EOF {
			return io.EOF
		}
		return cut("block header", int64(n), 8, err)
	}
	typ := r.u32(r.hdr[0:4], r.be)
	if typ == ngSHB {
		// A new section may change the byte order.
		if n, err := r.src.readFull(r.hdr[8:12]); err != nil {
			return cut("section header block", int64(n)+8, 12, err)
		}
		be, ok := ngOrder(r.hdr[8:12])
		if !ok {
			return fmt.Errorf("malformed section header block: no byte-order magic (%x); rest of file skipped", r.hdr[8:12])
		}
		r.be = be
		length := r.u32(r.hdr[4:8], be)
		if err := ngCheckLength(typ, length); err != nil {
			return err
		}
		if err := r.ngSection(off, length); err != nil {
			return err
		}
		return errSkipped
	}
	length := r.u32(r.hdr[4:8], r.be)
	if err := ngCheckLength(typ, length); err != nil {
		return err
	}
	bodyLen := length - 12
	if r.ngr.skipping {
		return r.ngSkip(off, length, bodyLen)
	}
	switch typ {
	case ngIDB:
		return r.ngInterface(off, length, bodyLen)
	case ngEPB, ngPB, ngSPB:
		return r.ngPacket(f, off, typ, length, bodyLen)
	case ngDSB:
		if r.onSecrets != nil {
			return r.ngSecrets(off, length, bodyLen)
		}
	}
	// Statistics, name resolution, decryption secrets, custom blocks...
	return r.ngSkip(off, length, bodyLen)
}

// ngSkip discards the rest of a block (bodyLen bytes and the trailer).
func (r *reader) ngSkip(off int64, length, bodyLen uint32) error {
	if got, err := r.src.discard(int64(bodyLen)); err != nil {
		return cut("block", 8+got, int64(length), err)
	}
	if err := r.ngTrailer(length); err != nil {
		return err
	}
	return errSkipped
}

func (r *reader) ngInterface(off int64, length, bodyLen uint32) error {
	body, err := r.ngReadBody("interface description block", 8, bodyLen, 8)
	if err != nil {
		return err
	}
	ifc := ngIface{
		linkType: r.u16(body[0:2], r.be),
		snaplen:  r.u32(body[4:8], r.be),
		units:    1e6, // the default resolution is microseconds
	}
	opts := body[8:]
	for len(opts) >= 4 {
		code, olen := r.u16(opts[0:2], r.be), int(r.u16(opts[2:4], r.be))
		if code == optEnd {
			break
		}
		padded := (olen + 3) &^ 3
		if 4+olen > len(opts) {
			r.problem(off, 0, "interface %d: option %d overruns its block; later options ignored", len(r.ngr.ifaces), code)
			break
		}
		v := opts[4 : 4+olen]
		switch {
		case code == optTsresol && olen >= 1:
			if u, ok := tsUnits(v[0]); ok {
				ifc.units = u
			} else {
				r.problem(off, 0, "interface %d: unusable timestamp resolution %#x; microseconds assumed", len(r.ngr.ifaces), v[0])
			}
		case code == optTsoffset && olen >= 8:
			if r.be {
				ifc.offset = int64(binary.BigEndian.Uint64(v))
			} else {
				ifc.offset = int64(binary.LittleEndian.Uint64(v))
			}
		}
		if 4+padded > len(opts) {
			break
		}
		opts = opts[4+padded:]
	}
	// The interface is added even when its options are damaged: packet
	// blocks refer to interfaces by position.
	r.ngr.ifaces = append(r.ngr.ifaces, ifc)
	if err := r.ngTrailer(length); err != nil {
		return err
	}
	return errSkipped
}

// tsUnits turns an if_tsresol value into units per second: 10^-n, or 2^-n
// when the high bit is set. Resolutions that do not fit 64 bits are refused.
func tsUnits(v byte) (uint64, bool) {
	e := uint(v & 0x7f)
	if v&0x80 != 0 {
		if e > 63 {
			return 0, false
		}
		return 1 << e, true
	}
	if e > 19 {
		return 0, false
	}
	u := uint64(1)
	for ; e > 0; e-- {
		u *= 10
	}
	return u, true
}

// ngTime converts a pcapng timestamp to Unix nanoseconds.
func (ifc *ngIface) time(ts uint64) int64 {
	sec, frac := ts/ifc.units, ts%ifc.units
	// frac*1e9/units without overflow: frac < units, so hi < units.
	hi, lo := bits.Mul64(frac, 1e9)
	ns, _ := bits.Div64(hi, lo, ifc.units)
	return (int64(sec)+ifc.offset)*1e9 + int64(ns)
}

func (r *reader) ngPacket(f *Frame, off int64, typ, length, bodyLen uint32) error {
	frame := r.frames + 1
	fixed := uint32(20)
	if typ == ngSPB {
		fixed = 4
	}
	if bodyLen < fixed {
		r.problem(off, frame, "malformed packet block: body length %d; block skipped", bodyLen)
		return r.ngSkip(off, length, bodyLen)
	}
	h := r.hdr[:fixed]
	if n, err := r.src.readFull(h); err != nil {
		return cut("packet block", 8+int64(n), int64(length), err)
	}
	rest := bodyLen - fixed
	var (
		iface           uint32
		ts              uint64
		caplen, origlen uint32
		hasTime         = true
	)
	switch typ {
	case ngEPB:
		iface = r.u32(h[0:4], r.be)
		ts = uint64(r.u32(h[4:8], r.be))<<32 | uint64(r.u32(h[8:12], r.be))
		caplen, origlen = r.u32(h[12:16], r.be), r.u32(h[16:20], r.be)
	case ngPB:
		iface = uint32(r.u16(h[0:2], r.be))
		ts = uint64(r.u32(h[4:8], r.be))<<32 | uint64(r.u32(h[8:12], r.be))
		caplen, origlen = r.u32(h[12:16], r.be), r.u32(h[16:20], r.be)
	case ngSPB:
		// No interface id, no timestamp: interface 0, and the captured
		// length is what the block holds, bounded by the snaplen.
		hasTime = false
		origlen = r.u32(h[0:4], r.be)
		caplen = origlen
		if caplen > rest {
			caplen = rest
		}
		if len(r.ngr.ifaces) > 0 && r.ngr.ifaces[0].snaplen != 0 && caplen > r.ngr.ifaces[0].snaplen {
			caplen = r.ngr.ifaces[0].snaplen
		}
	}
	if int(iface) >= len(r.ngr.ifaces) {
		r.problem(off, frame, "packet block names interface %d but the section has %d; block skipped", iface, len(r.ngr.ifaces))
		return r.ngSkipRest(off, length, rest)
	}
	if caplen > rest {
		r.problem(off, frame, "malformed packet block: captured length %d exceeds the block (%d bytes); block skipped", caplen, rest)
		return r.ngSkipRest(off, length, rest)
	}
	if caplen > maxCaplen {
		r.problem(off, frame, "malformed packet block: captured length %d exceeds the %d-byte limit; block skipped", caplen, maxCaplen)
		return r.ngSkipRest(off, length, rest)
	}
	data := r.data(int(caplen))
	if n, err := r.src.readFull(data); err != nil {
		return cut("packet block", 8+int64(fixed)+int64(n), int64(length), err)
	}
	// Padding and options.
	if got, err := r.src.discard(int64(rest - caplen)); err != nil {
		return cut("packet block", 8+int64(fixed+caplen)+got, int64(length), err)
	}
	if err := r.ngTrailer(length); err != nil {
		return err
	}
	ifc := &r.ngr.ifaces[iface]
	var t int64
	if hasTime {
		t = ifc.time(ts)
	}
	r.frames = frame
	*f = Frame{
		Data:     data,
		OrigLen:  int(origlen),
		Time:     t,
		LinkType: ifc.linkType,
		Frame:    frame,
		Offset:   off,
	}
	return nil
}

// ngSkipRest skips the rest of a packet block whose fixed part was read.
func (r *reader) ngSkipRest(off int64, length, rest uint32) error {
	if got, err := r.src.discard(int64(rest)); err != nil {
		return cut("packet block", int64(length-4-rest)+got, int64(length), err)
	}
	if err := r.ngTrailer(length); err != nil {
		return err
	}
	return errSkipped
}

// ngSecrets reads a Decryption Secrets Block and hands its secrets to the
// Set's handler. A malformed one is skipped on its boundary.
func (r *reader) ngSecrets(off int64, length, bodyLen uint32) error {
	body, err := r.ngReadBody("decryption secrets block", 8, bodyLen, 8)
	if err != nil {
		return err
	}
	if err := r.ngTrailer(length); err != nil {
		return err
	}
	typ := r.u32(body[0:4], r.be)
	n := r.u32(body[4:8], r.be)
	if uint64(n) > uint64(len(body)-8) {
		r.problem(off, 0, "malformed decryption secrets block: secrets length %d in a body of %d bytes: skipped", n, len(body))
		return errSkipped
	}
	r.onSecrets(Secrets{Type: typ, Data: body[8 : 8+n], File: r.fileIndex, Offset: off})
	return errSkipped
}
