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
//
// A block whose own framing is corrupt (an absurd or unaligned length, a
// reserved block type, a trailing length that differs from the leading one)
// leaves no trustworthy boundary. The reader then resynchronises: it scans
// forward, byte by byte, for the next offset where a block the specification
// defines starts, with a plausible length and a matching trailing length
// (and, for a packet block, a known interface and a captured length that
// fits), and reads on from there. The scan is bounded (maxResyncScan); every
// resynchronisation is a listed problem saying where reading resumed.
// Lengths are checked against the trailer before a block is consumed
// (peekWindow), so a corrupt length does not swallow the blocks after it.

// Block types.
const (
	ngSHB = 0x0a0d0d0a // section header, a palindrome so readable in either byte order
	ngIDB = 0x00000001 // interface description
	ngPB  = 0x00000002 // packet block (obsolete, still written by old tools)
	ngSPB = 0x00000003 // simple packet block
	ngNRB = 0x00000004 // name resolution
	ngISB = 0x00000005 // interface statistics
	ngEPB = 0x00000006 // enhanced packet block
	ngDSB = 0x0000000a // decryption secrets

	ngCustomCopy   = 0x00000bad // custom block that rewriters may copy
	ngCustomNoCopy = 0x40000bad // custom block that rewriters must not copy

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

// ngHeader checks the start of the first section header block and takes its
// byte order; nothing is consumed, the block is read by ngNext like any other.
func (r *reader) ngHeader() error {
	p, err := r.src.peek(12)
	if len(p) < 12 {
		if isUnexpectedEOF(err) {
			return fmt.Errorf("truncated pcapng section header (%d of 12 bytes)", len(p))
		}
		return err
	}
	be, ok := ngOrder(p[8:12])
	if !ok {
		return fmt.Errorf("pcapng section header has no byte-order magic (%x)", p[8:12])
	}
	r.be = be
	return nil
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

// corruptError says a block's own framing is broken: the reader cannot
// trust its boundary and resynchronises.
type corruptError struct{ msg string }

func (e *corruptError) Error() string { return e.msg }

func corrupt(format string, args ...any) error {
	return &corruptError{fmt.Sprintf(format, args...)}
}

// ngReserved reports block type values the specification reserves to detect
// corruption (the SHB type mangled by line-end conversion) and the reserved
// value 0.
func ngReserved(typ uint32) bool {
	return typ == 0 || typ&0xffffff00 == 0x0a0d0a00 || typ&0x00ffffff == 0x000a0d0a ||
		typ&0x00ffffff == 0x000a0d0d || typ&0xffffff00 == 0x0d0d0a00
}

// ngKnown reports block types that are skipped without comment: those the
// specification lists (including obsolete and experimental ones, and the
// ranges registered to Hone and Sysdig) and local-use types.
func ngKnown(typ uint32) bool {
	switch {
	case typ >= ngIDB && typ <= 0x0a, typ == ngSHB, typ == ngCustomCopy, typ == ngCustomNoCopy:
		return true
	case typ >= 0x101 && typ <= 0x102, typ >= 0x201 && typ <= 0x213:
		return true
	}
	return typ&0x80000000 != 0 && !ngReserved(typ)
}

// ngMaxLength is the longest block of a type that is believed. Blocks read
// into memory or carrying a packet, and blocks of unknown types, must fit in
// the look-ahead, where their trailer is checked first; only types that may
// legitimately be large (names, secrets, custom data) are streamed past.
func ngMaxLength(typ uint32) uint32 {
	switch typ {
	case ngSHB, ngIDB, ngISB, ngEPB, ngPB, ngSPB:
		return peekWindow
	}
	if !ngKnown(typ) {
		return peekWindow
	}
	return maxBlock
}

func ngCheckLength(typ, length uint32) error {
	min := uint32(12)
	if typ == ngSHB {
		min = 28
	}
	if length < min || length%4 != 0 || length > ngMaxLength(typ) {
		return corrupt("malformed block (type %#x): total length %d", typ, length)
	}
	return nil
}

// ngLanding reports whether b starts with a block a resynchronisation may
// land on: a type the specification defines, a length that is a multiple of
// 4, at least that type's minimum and at most maxLanding, a trailing length
// equal to it and, for packet blocks, a known interface and a captured length
// that fits. When the stream ends within the block (partial: b holds all
// that is left of it), the block is taken on the fields that are there, so
// that a damaged file that was also cut is read to its cut.
func (r *reader) ngLanding(b []byte, partial bool) bool {
	if len(b) < 12 {
		return false
	}
	order := r.be
	typ := r.u32(b[0:4], order)
	var min uint32
	switch typ {
	case ngSHB:
		be, ok := ngOrder(b[8:12])
		if !ok {
			return false
		}
		order, min = be, 28
	case ngIDB, ngDSB:
		min = 20
	case ngEPB, ngPB:
		min = 32
	case ngISB:
		min = 24
	case ngSPB, ngCustomCopy, ngCustomNoCopy:
		min = 16
	case ngNRB:
		min = 12
	default:
		return false
	}
	length := r.u32(b[4:8], order)
	if length < min || length%4 != 0 || length > maxLanding {
		return false
	}
	if uint32(len(b)) >= length {
		if r.u32(b[length-4:length], order) != length {
			return false
		}
	} else if !partial {
		return false
	}
	if typ != ngEPB && typ != ngPB {
		return true
	}
	if len(b) < 24 {
		return false
	}
	iface := r.u32(b[8:12], order)
	if typ == ngPB {
		iface = uint32(r.u16(b[8:10], order))
	}
	if !r.ngr.skipping && iface >= uint32(len(r.ngr.ifaces)) {
		return false
	}
	return r.u32(b[20:24], order) <= length-32
}

// ngFind returns the first i below limit at which ngLanding holds, or -1.
func (r *reader) ngFind(b []byte, limit int, partial bool) int {
	limit = min(limit, len(b)-11)
	for i := 0; i < limit; i++ {
		// Most offsets fail on the type alone (the SHB type is a
		// palindrome, so it reads the same in the current order).
		typ := r.u32(b[i:i+4], r.be)
		if typ == 0 || typ > ngDSB && typ != ngSHB && typ != ngCustomCopy && typ != ngCustomNoCopy {
			continue
		}
		if r.ngLanding(b[i:], partial) {
			return i
		}
	}
	return -1
}

// ngResync handles the corrupt block at off: it scans forward from off+1 for
// the next block boundary, records the problem with where reading resumes,
// and reports nil to go on reading there, or io.EOF when no boundary was
// found (the end of the file or maxResyncScan bytes scanned).
func (r *reader) ngResync(off int64, cause error) error {
	frame := r.frames + 1
	if r.src.pos <= off {
		if _, err := r.src.discard(off + 1 - r.src.pos); err != nil {
			r.skipped += r.src.pos - off
			r.problem(off, frame, "%v; no block boundary found before the end of the file: rest of file skipped", cause)
			return io.EOF
		}
	}
	for {
		p, err := r.src.peek(peekWindow)
		end := err != nil // the stream ends (or fails) within p
		limit := len(p) - maxLanding
		if end {
			limit = len(p)
		}
		if room := off + maxResyncScan - r.src.pos; int64(limit) > room {
			limit = int(max(room, 0))
		}
		if i := r.ngFind(p, limit, end); i >= 0 {
			r.src.discard(int64(i)) // within what peek returned: cannot fail
			r.resyncs++
			r.skipped += r.src.pos - off
			r.problem(off, frame, "%v; resynchronised at offset %d (%d bytes skipped)", cause, r.src.pos, r.src.pos-off)
			return nil
		}
		r.src.discard(int64(limit))
		switch {
		case r.src.pos-off >= maxResyncScan:
			r.skipped += r.src.pos - off
			r.problem(off, frame, "%v; no block boundary found in the next %d MiB: rest of file skipped", cause, maxResyncScan>>20)
			return io.EOF
		case end:
			r.src.discard(int64(len(p) - limit))
			r.skipped += r.src.pos - off
			if !isUnexpectedEOF(err) {
				r.problem(off, frame, "%v; read error while looking for the next block: %v", cause, err)
				return io.EOF
			}
			r.problem(off, frame, "%v; no block boundary found before the end of the file: rest of file skipped", cause)
			return io.EOF
		}
	}
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
		return nil, corrupt("malformed %s: body length %d", what, n)
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
// means the block boundary is lost (only possible for blocks longer than
// the look-ahead, whose trailer is not checked beforehand).
func (r *reader) ngTrailer(length uint32) error {
	n, err := r.src.readFull(r.hdr[:4])
	if err != nil {
		return cut("block", int64(length)-4+int64(n), int64(length), err)
	}
	if t := r.u32(r.hdr[:4], r.be); t != length {
		return corrupt("malformed block: trailing length %d differs from leading length %d", t, length)
	}
	return nil
}

func (r *reader) ngNext(f *Frame) error {
	for {
		off := r.src.pos
		err := r.ngBlock(f, off)
		switch err {
		case nil:
			return nil
		case errSkipped:
			continue
		case io.EOF:
			return io.EOF
		}
		if ce, ok := err.(*corruptError); ok {
			if err := r.ngResync(off, ce); err != nil {
				return err
			}
			continue
		}
		return r.fail(off, err)
	}
}

// errSkipped reports a block that held no frame (or a damaged one that was
// skipped on its boundary).
var errSkipped = errors.New("capture: block skipped")

// ngBlock reads one block. It returns nil with f filled for a packet,
// errSkipped for anything else that leaves the stream on a block boundary,
// io.EOF at the end (problems already recorded), a *corruptError when the
// block's framing is broken (to resynchronise), or an error that ends the
// file (to be recorded by the caller).
func (r *reader) ngBlock(f *Frame, off int64) error {
	p, err := r.src.peek(12)
	if len(p) == 0 && err == io.EOF {
		return io.EOF
	}
	if len(p) < 8 {
		n, err := r.src.readFull(r.hdr[:8])
		return cut("block header", int64(n), 8, err)
	}
	typ := r.u32(p[0:4], r.be)
	order := r.be
	if typ == ngSHB {
		// A new section may change the byte order.
		if len(p) < 12 {
			n, err := r.src.readFull(r.hdr[:12])
			return cut("section header block", int64(n), 12, err)
		}
		be, ok := ngOrder(p[8:12])
		if !ok {
			return corrupt("malformed section header block: no byte-order magic (%x)", p[8:12])
		}
		order = be
	}
	if ngReserved(typ) {
		return corrupt("malformed block: reserved block type %#x", typ)
	}
	length := r.u32(p[4:8], order)
	if err := ngCheckLength(typ, length); err != nil {
		return err
	}
	if err := r.ngVerify(typ, length, order); err != nil {
		return err
	}
	// The boundary is trusted from here on (for blocks within the
	// look-ahead; longer ones have their trailer checked at the end).
	if typ == ngSHB {
		r.src.readFull(r.hdr[:12]) // peeked: cannot fail
		r.be = order
		if err := r.ngSection(off, length); err != nil {
			return err
		}
		return errSkipped
	}
	r.src.readFull(r.hdr[:8]) // peeked: cannot fail
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
	if !ngKnown(typ) {
		// Most likely a damaged type field on an intact block (an
		// enhanced packet block's 6 with a bit flipped): say so rather
		// than lose what it held silently.
		r.problem(off, 0, "unknown block type %#x (%d bytes): skipped", typ, length)
	}
	// Statistics, name resolution, decryption secrets, custom blocks...
	return r.ngSkip(off, length, bodyLen)
}

// ngVerify checks, before anything of it is consumed, that the block at the
// read position (type typ, total length length, read in order) ends with
// the same length. A block cut by the end of the stream is corrupt when a
// whole, checked block starts inside the bytes it claims (its length was
// damaged); otherwise it is left to be read up to the cut and reported as
// truncated. Blocks longer than the look-ahead are not checked here.
func (r *reader) ngVerify(typ, length uint32, order bool) error {
	if length > peekWindow {
		return nil
	}
	b, err := r.src.peek(int(length))
	if uint32(len(b)) == length {
		if t := r.u32(b[length-4:], order); t != length {
			return corrupt("malformed block (type %#x): trailing length %d differs from leading length %d", typ, t, length)
		}
		return nil
	}
	if isUnexpectedEOF(err) && len(b) > 1 && r.ngFind(b[1:], len(b)-1, false) >= 0 {
		return corrupt("malformed block (type %#x): total length %d runs past the end of the file", typ, length)
	}
	return nil
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
