package dns

import "encoding/binary"

// The checks below walk a message as gopacket's layers.DNS will decode it,
// so that everything gopacket reads is known to be there and every name
// to be finite. They follow gopacket v1.1.19's decoder: which record types
// it decodes further (names in NS, CNAME, PTR, SOA, MX, SRV; character
// strings in TXT and HINFO; OPT options; URI's fixed part), and what it
// reads from the data of each.

// typeDNAME is not among gopacket's named types.
const typeDNAME = 39

// check walks the header, questions and records of b. Questions and answers
// must all be sound; authority and additional records are counted up to the
// first unsound one (ns and ar), and end is where the sound part of the
// message ends.
func check(b []byte) (end, ns, ar int, err error) {
	if len(b) < 12 {
		return 0, 0, 0, ErrShort
	}
	off := 12
	for range binary.BigEndian.Uint16(b[4:6]) {
		if off, err = checkName(b, off); err != nil {
			return 0, 0, 0, err
		}
		if off+4 > len(b) {
			return 0, 0, 0, ErrRecord
		}
		off += 4
	}
	for range binary.BigEndian.Uint16(b[6:8]) {
		if off, err = checkRecord(b, off); err != nil {
			return 0, 0, 0, err
		}
	}
	for range binary.BigEndian.Uint16(b[8:10]) {
		o, err := checkRecord(b, off)
		if err != nil {
			return off, ns, 0, nil
		}
		off = o
		ns++
	}
	for range binary.BigEndian.Uint16(b[10:12]) {
		o, err := checkRecord(b, off)
		if err != nil {
			return off, ns, ar, nil
		}
		off = o
		ar++
	}
	return off, ns, ar, nil
}

// checkRecord checks the resource record at off and returns the offset
// after it.
func checkRecord(b []byte, off int) (int, error) {
	off, err := checkName(b, off)
	if err != nil {
		return 0, err
	}
	if off+10 > len(b) {
		return 0, ErrRecord
	}
	typ := binary.BigEndian.Uint16(b[off : off+2])
	start := off + 10
	end := start + int(binary.BigEndian.Uint16(b[off+8:off+10]))
	if end > len(b) {
		return 0, ErrRecord
	}
	// gopacket decodes the data within the message cut at the record's
	// end: names in it may point back anywhere before that end.
	if err := checkData(b[:end], start, typ); err != nil {
		return 0, err
	}
	return end, nil
}

// checkData checks a record's data, b[start:], as gopacket will read it.
func checkData(b []byte, start int, typ uint16) error {
	var err error
	switch typ {
	case 2, 5, 12: // NS, CNAME, PTR
		_, err = checkName(b, start)
	case 6: // SOA
		off, err := checkName(b, start)
		if err != nil {
			return err
		}
		if off, err = checkName(b, off); err != nil {
			return err
		}
		if off+20 > len(b) {
			return ErrRecord
		}
	case 15: // MX
		if start+2 > len(b) {
			return ErrRecord
		}
		_, err = checkName(b, start+2)
	case 33: // SRV
		if start+6 > len(b) {
			return ErrRecord
		}
		_, err = checkName(b, start+6)
	case 256: // URI
		if len(b)-start < 4 {
			return ErrRecord
		}
	case 13, 16: // HINFO, TXT: character strings filling the data exactly
		for i := start; i < len(b); {
			i += 1 + int(b[i])
			if i > len(b) {
				return ErrRecord
			}
		}
	case 41: // OPT: options filling the data exactly
		for i := start; i < len(b); {
			if i+4 > len(b) {
				return ErrRecord
			}
			i += 4 + int(binary.BigEndian.Uint16(b[i+2:i+4]))
			if i > len(b) {
				return ErrRecord
			}
		}
	}
	return err
}

// checkName checks the name at off and returns the offset after it where
// it sits (after its root label or its first pointer).
//
// Each pointer must point before the start of the labels it ends (which
// real compressors always do: they point back at names already written),
// so that the places a name is read from strictly decrease and no pointer
// loop can be formed; and never into the header. The name may not exceed 255 bytes in wire form, nor
// use the reserved label types 0x40 and 0x80.
func checkName(b []byte, off int) (int, error) {
	next := -1
	seg := off // where the current run of labels started
	n := 0     // wire length so far
	for {
		if off >= len(b) {
			return 0, ErrName
		}
		c := int(b[off])
		switch c & 0xc0 {
		case 0:
			if c == 0 {
				if next < 0 {
					next = off + 1
				}
				return next, nil
			}
			n += 1 + c
			if n+1 > maxNameWire {
				return 0, ErrName
			}
			off += 1 + c
		case 0xc0:
			if off+2 > len(b) {
				return 0, ErrName
			}
			t := int(binary.BigEndian.Uint16(b[off:off+2]) & 0x3fff)
			// A name never starts in the 12-byte header; a pointer
			// there would also read counts the parser may rewrite.
			if t >= seg || t < 12 {
				return 0, ErrName
			}
			if next < 0 {
				next = off + 2
			}
			seg, off = t, t
		default:
			return 0, ErrName
		}
	}
}
