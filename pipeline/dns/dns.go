// Package dns reads DNS messages from captured traffic and remembers which
// names resolved to which addresses.
//
// Parser turns one DNS message (a UDP payload, or one message of a TCP
// stream) into a Message holding its header, its first question and its
// answer records as text. It decodes with a reused gopacket layers.DNS, after
// walking the message itself to check every length and compression pointer
// first: gopacket indexes past the end of short records and follows pointer
// loops for 255 levels, so no byte reaches it unchecked. Malformed messages
// are errors and never panics.
//
// StreamParser frames DNS over TCP (RFC 1035 section 4.2.2: a 2-byte length
// before each message) in each direction of a reassembled connection.
//
// Resolver keeps, per address, the names the answers seen so far gave it,
// by capture time, so that a connection can be labelled with the name its
// client had just resolved.
//
// Nothing here logs or reads the clock: problems are counted in Stats.
package dns

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"strconv"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Answer is one resource record of a message's answer section.
type Answer struct {
	Name string // owner name, without the final dot ("." for the root)
	Type string // "A", "AAAA", "CNAME", ... or "TYPE<n>" for types not named here (RFC 3597)
	TTL  uint32
	// Data is the record's data as text: the address (A, AAAA), the name
	// (CNAME, NS, PTR, DNAME), "preference name" (MX), "priority weight
	// port target" (SRV), "mname rname serial refresh retry expire minimum"
	// (SOA), the character strings concatenated (TXT, as SPF and DKIM read
	// them), and RFC 3597's generic "\# length hex" for anything else.
	Data string
}

// Message is a DNS message's header, first question and answers.
type Message struct {
	ID        uint16
	Response  bool
	Opcode    uint8
	RCode     uint8  // with EDNS's extended bits when an OPT record carries them (low 8 bits)
	RCodeName string // "NOERROR", "NXDOMAIN", ... or "RCODE<n>"
	Query     string // first question's name; "" when the message has no question
	QType     string // first question's type, named as Answer.Type
	QClass    uint16 // as on the wire (mDNS puts its unicast-response bit in the top bit)
	Answers   []Answer
	Truncated bool // TC: the answer did not fit (a client retries over TCP)
	AA        bool // authoritative answer
}

// Errors, by class. Parse wraps none of them: they are compared with ==
// or errors.Is.
var (
	ErrShort  = errors.New("dns: message shorter than its 12-byte header")
	ErrName   = errors.New("dns: malformed name")        // a label past the end, a forward or looping pointer, a reserved label type, over 255 bytes
	ErrRecord = errors.New("dns: malformed record")      // a question or record past the end of the message, or record data inconsistent with its type
	ErrDecode = errors.New("dns: gopacket decode error") // gopacket refused what the checks let through (a bug here, if ever seen)
)

// maxNameWire is RFC 1035's limit on a name's wire length, labels and
// their length bytes included.
const maxNameWire = 255

// Parser decodes DNS messages. Its zero value is ready; it is not safe for
// concurrent use. Parse allocates only the Message's strings and Answers
// (and whatever gopacket allocates for TXT and OPT records).
type Parser struct {
	// Stats, when not nil, counts every message parsed.
	Stats *Stats

	dns     layers.DNS
	scratch []byte // a copy of a message whose tail records are dropped
}

// Parse decodes the message in b, which it does not keep.
//
// A message is malformed when its header, question or answer section is;
// authority and additional records that do not parse are dropped from the
// first bad one on (they are not reported), since answers are what this
// package reads.
func (p *Parser) Parse(b []byte) (Message, error) {
	m, err := p.parse(b)
	if s := p.Stats; s != nil {
		s.count(&m, err)
	}
	return m, err
}

func (p *Parser) parse(b []byte) (Message, error) {
	end, ns, ar, err := check(b)
	if err != nil {
		return Message{}, err
	}
	if ns != int(binary.BigEndian.Uint16(b[8:10])) || ar != int(binary.BigEndian.Uint16(b[10:12])) {
		// Only what was checked goes to gopacket, counts included.
		p.scratch = append(p.scratch[:0], b[:end]...)
		binary.BigEndian.PutUint16(p.scratch[8:10], uint16(ns))
		binary.BigEndian.PutUint16(p.scratch[10:12], uint16(ar))
		b = p.scratch
	}
	d := &p.dns
	if err := d.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		return Message{}, ErrDecode
	}
	m := Message{
		ID:        d.ID,
		Response:  d.QR,
		Opcode:    uint8(d.OpCode),
		RCode:     uint8(d.ResponseCode),
		RCodeName: rcodeName(uint8(d.ResponseCode)),
		Truncated: d.TC,
		AA:        d.AA,
	}
	if len(d.Questions) > 0 {
		q := &d.Questions[0]
		m.Query = nameString(q.Name)
		m.QType = typeName(uint16(q.Type))
		m.QClass = uint16(q.Class)
	}
	if len(d.Answers) > 0 {
		m.Answers = make([]Answer, len(d.Answers))
		for i := range d.Answers {
			rr := &d.Answers[i]
			a := &m.Answers[i]
			// CNAME chains repeat names: reuse the strings already made.
			a.Name = reuse(rr.Name, &m, i)
			a.Type = typeName(uint16(rr.Type))
			a.TTL = rr.TTL
			a.Data = rdata(rr, &m, i)
		}
	}
	return m, nil
}

// reuse returns name as a string, taking an equal one among the query and
// the first i answers' names and data when there is one.
func reuse(name []byte, m *Message, i int) string {
	if len(name) == 0 {
		return "."
	}
	if string(name) == m.Query {
		return m.Query
	}
	for j := i - 1; j >= 0; j-- {
		if a := &m.Answers[j]; string(name) == a.Name {
			return a.Name
		} else if string(name) == a.Data {
			return a.Data
		}
	}
	return nameString(name)
}

// nameString makes a name (as gopacket decodes it: labels joined by dots,
// no final dot) into text: "." for the root, invalid UTF-8 replaced.
func nameString(b []byte) string {
	if len(b) == 0 {
		return "."
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// rdata renders a record's data as Answer.Data says.
func rdata(rr *layers.DNSResourceRecord, m *Message, i int) string {
	switch rr.Type {
	case layers.DNSTypeA:
		if len(rr.Data) == 4 {
			return netip.AddrFrom4([4]byte(rr.Data)).String()
		}
	case layers.DNSTypeAAAA:
		if len(rr.Data) == 16 {
			return netip.AddrFrom16([16]byte(rr.Data)).String()
		}
	case layers.DNSTypeCNAME:
		return reuse(rr.CNAME, m, i)
	case layers.DNSTypeNS:
		return nameString(rr.NS)
	case layers.DNSTypePTR:
		return nameString(rr.PTR)
	case layers.DNSTypeMX:
		return strconv.Itoa(int(rr.MX.Preference)) + " " + nameString(rr.MX.Name)
	case layers.DNSTypeSRV:
		s := rr.SRV
		return strconv.Itoa(int(s.Priority)) + " " + strconv.Itoa(int(s.Weight)) + " " + strconv.Itoa(int(s.Port)) + " " + nameString(s.Name)
	case layers.DNSTypeSOA:
		s := rr.SOA
		return nameString(s.MName) + " " + nameString(s.RName) + " " + u32(s.Serial) + " " + u32(s.Refresh) + " " +
			u32(s.Retry) + " " + u32(s.Expire) + " " + u32(s.Minimum)
	case layers.DNSTypeTXT:
		n := 0
		for _, t := range rr.TXTs {
			n += len(t)
		}
		var sb strings.Builder
		sb.Grow(n)
		for _, t := range rr.TXTs {
			sb.Write(t)
		}
		return strings.ToValidUTF8(sb.String(), "\uFFFD")
	case typeDNAME:
		// gopacket does not decode DNAME; its target is a plain name
		// (RFC 6672: never compressed), checked like one.
		if name, ok := plainName(rr.Data); ok {
			return name
		}
	}
	return `\# ` + strconv.Itoa(len(rr.Data)) + " " + hex.EncodeToString(rr.Data)
}

func u32(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// plainName reads an uncompressed name filling b exactly.
func plainName(b []byte) (string, bool) {
	var sb strings.Builder
	for i := 0; i < len(b); {
		n := int(b[i])
		if n == 0 {
			if i != len(b)-1 {
				return "", false
			}
			if sb.Len() == 0 {
				return ".", true
			}
			return strings.ToValidUTF8(sb.String(), "\uFFFD"), true
		}
		if n > 63 || i+1+n > len(b) {
			return "", false
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.Write(b[i+1 : i+1+n])
		i += 1 + n
	}
	return "", false
}
