// Package reassembly turns captured TCP segments into ordered byte streams, one per
// direction of each connection, and says exactly which bytes it could not deliver.
//
// It is driven by capture time only: Assemble takes segments in capture order,
// Advance flushes connections that have been idle (in capture time), and Close
// ends everything at the end of the capture. Consumers implement Stream; the
// assembler calls them synchronously, in an order fixed by the input, so the
// output never depends on scheduling or on map iteration.
package reassembly

import (
	"net/netip"
	"time"
)

// Dir is a direction inside a connection.
type Dir uint8

const (
	ClientToServer Dir = 0
	ServerToClient Dir = 1
)

func (d Dir) String() string {
	if d == ClientToServer {
		return "client->server"
	}
	return "server->client"
}

// Ref names the captured frame a byte came from: the index of the input file
// (in the order the pipeline read them) and the 1-based frame number inside it,
// as Wireshark numbers frames.
type Ref struct {
	File  int32
	Frame uint64
}

// Flags are TCP header flags.
type Flags uint8

const (
	FIN Flags = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
	ECE
	CWR
)

// Segment is one TCP segment as decoded from a frame. Payload is a view into
// the frame's buffer and is valid only during Assemble.
type Segment struct {
	Src, Dst netip.AddrPort
	Seq, Ack uint32
	Flags    Flags
	Window   uint16
	Payload  []byte
	Time     int64 // capture time, Unix nanoseconds
	Ref      Ref
	App      string // application name from a PCAPdroid trailer, or ""
	AppUID   int32  // application UID from a PCAPdroid trailer, or -1
	// WireLen is the payload length the IP header announces. It exceeds
	// len(Payload) when the capture's snap length cut the frame; the bytes
	// not captured are missing bytes, never data: they occupy their place
	// in the sequence space and come out as a Gap. A WireLen of 0 (callers
	// that do not know it), or any value below len(Payload), means nothing
	// was cut.
	WireLen int
	// Encap names the tunnels and encapsulations the packet was found in,
	// outermost first, joined by '>' (e.g. "vlan>gre", "gre>erspan>vxlan"), "" when none.
	Encap string
}

// Position says where in a direction's byte stream a delivery starts.
//
// No segment carries a missing byte, so the Position of a Gap has the Time
// and Ref of the queued segment that follows the hole or, for loss at the
// tail found when a connection ends, of the segment that revealed it (the
// FIN, or the peer's highest ACK). A Gap for bytes the snap length cut has
// the Time and Ref of the cut segment.
type Position struct {
	Offset int64 // bytes since the first byte of this direction (gaps included)
	Time   int64 // capture time of the segment carrying the first byte
	Ref    Ref   // frame carrying the first byte
	// PeerAck is the offset in the opposite direction's stream that the
	// sender of these bytes had acknowledged when it sent them (its ACK),
	// 0 when unknown. It lets a consumer see that bytes answer data of the
	// other direction it has not been given yet (a capture point can see a
	// response before the retransmitted request it answers).
	PeerAck int64
}

// RoleSource says how the client and server of a connection were decided.
type RoleSource uint8

const (
	RoleFromSYN    RoleSource = iota // a SYN without ACK was seen: its sender is the client
	RoleFromSYNACK                   // only the SYN+ACK was seen: its receiver is the client
	RoleFromPorts                    // no handshake: the lower / well-known port is the server
)

func (r RoleSource) String() string {
	switch r {
	case RoleFromSYN:
		return "syn"
	case RoleFromSYNACK:
		return "synack"
	default:
		return "ports"
	}
}

// ConnInfo describes a connection. StreamFactory.NewStream receives it just
// before the connection's first Data, Gap, Overlap or End call, so that a SYN captured
// shortly after the first segments can still settle the roles; FirstTime and
// FirstRef are those of the connection's first segment all the same.
type ConnInfo struct {
	Client, Server netip.AddrPort
	FirstTime      int64 // capture time of the first segment, Unix nanoseconds
	FirstRef       Ref
	Midstream      bool // no SYN or SYN+ACK had been seen when the stream was created
	Roles          RoleSource
	App            string // PCAPdroid app name of the first segment that had a trailer (App != "" or AppUID >= 0)
	AppUID         int32  // -1 when unknown
	Encap          string // Segment.Encap of the first segment
}

// EndReason says why a connection ended.
type EndReason uint8

const (
	EndFIN     EndReason = iota // both sides sent FIN (or one FIN and the capture ended after its data)
	EndRST                      // a RST was seen
	EndTimeout                  // idle longer than Config.IdleTimeout, in capture time
	EndEOF                      // the capture ended with the connection open
	EndEvicted                  // closed early to respect Config.MaxConns
	EndReused                   // a new SYN on the same 4-tuple started a new connection
)

func (e EndReason) String() string {
	return [...]string{"fin", "rst", "timeout", "eof", "evicted", "reused"}[e]
}

// DirStats counts one direction of a connection.
type DirStats struct {
	Packets        int64 // TCP segments seen in this direction (including pure ACKs)
	PayloadBytes   int64 // captured payload bytes, duplicates included (bytes the snap length cut are not payload seen)
	DeliveredBytes int64 // bytes handed to Stream.Data
	MissedBytes    int64 // bytes announced with Stream.Gap
	DupBytes       int64 // retransmitted or duplicate bytes dropped
	OverlapDiff    int64 // overlapping segments whose bytes differed from the kept copy
	OutOfOrder     int64 // segments that arrived ahead of a hole and were buffered
	IgnoredBytes   int64 // payload bytes outside the stream: after this direction's FIN, before its start, or implausibly far ahead
	// TruncatedBytes counts the bytes the snap length cut off (Segment.WireLen
	// - len(Payload)) that were announced as a Gap, each stream offset once:
	// cut bytes of a retransmission, cut bytes past the FIN, and a cut run
	// that a captured copy filled before delivery reached it are not
	// counted. They are also counted in MissedBytes.
	TruncatedBytes int64
	// Retransmits counts the segments with captured payload that was all
	// dropped as duplicate: already delivered or queued, or before the
	// direction's start. Keep-alive and zero-window probes (at most one byte
	// at the next offset minus one) are not counted.
	Retransmits int64

	// When a connection has ended, PayloadBytes == DeliveredBytes + DupBytes + IgnoredBytes.
}

// ConnSummary is handed to Stream.End when a connection ends.
type ConnSummary struct {
	ConnInfo
	LastTime int64
	LastRef  Ref
	End      EndReason
	Dir      [2]DirStats // indexed by Dir

	// Handshake is true when a SYN and a SYN+ACK from the other side were
	// both seen.
	Handshake bool
	// History is a Zeek-style conn history: one letter per kind of event,
	// upper case from the client, lower case from the server, in the order
	// first seen: S syn, H syn+ack, A pure ack (ACK without SYN, FIN, RST
	// or payload), D data (payload, captured or cut), F fin, R rst,
	// T retransmission (as counted in Retransmits), G gap (bytes missed,
	// at the moment the Gap is announced), O overlap with different bytes.
	// Each letter appears at most once per direction. Letters are recorded
	// per endpoint and cased by the roles as finally settled, so when a
	// late SYN (captured after the first segments, before the Stream was
	// made) turns the guessed server into the client, the letters recorded
	// before it follow the new roles; there is no flip marker. A SYN after
	// the Stream was made starts a new connection (EndReused) instead.
	History string
	// Overlaps holds the evidence of overlapping segments whose bytes
	// differed from the copy kept (at most MaxOverlapEvidence per connection;
	// DirStats.OverlapDiff counts them all).
	Overlaps []Overlap
}

// MaxOverlapEvidence bounds ConnSummary.Overlaps.
const MaxOverlapEvidence = 16

// Overlap is the evidence of one overlap whose bytes differed: where the
// losing copy lay in the stream, how long it was, and its hash, so a
// researcher can tell corruption from evasion. There is one per segment
// whose bytes differed (the first copy of a byte always wins, so the
// losing variant is the later segment's). The span runs from the first of
// the segment's bytes that lost to an earlier copy to the last; the kept
// bytes at the same offsets are in the delivered stream. Bytes already
// delivered can be compared only within Config.OverlapWindow; beyond it a
// difference goes unseen.
type Overlap struct {
	Dir        Dir
	Offset     int64  // stream offset of the span's first byte
	Len        int    // length of the span
	LostSHA256 string // hex SHA-256 of the losing segment's bytes in the span
	Ref        Ref    // frame that carried the losing variant
}

// OverlapObserver is an optional interface of a Stream: when an overlap
// with different bytes is found, the assembler tells the stream at once
// (before the next Data call, including that of the segment's own new
// bytes), so the consumer can flag the message the bytes fall in. Every
// overlap is told, not only the MaxOverlapEvidence kept. One found while
// the direction's start is still unknown (midstream pickup, bytes held) is
// told as soon as its offset is final, still before the Data of those
// offsets.
type OverlapObserver interface {
	Overlap(o Overlap)
}

// Stream consumes one connection's two byte streams. b is valid only during
// the call. Calls for one connection are never concurrent. End is the last
// call; s may be kept.
type Stream interface {
	Data(dir Dir, b []byte, at Position)
	Gap(dir Dir, n int64, at Position) // n bytes are missing at at.Offset; delivery resumes after them
	End(s *ConnSummary)
}

// StreamFactory makes the Stream for a new connection.
type StreamFactory interface {
	NewStream(info *ConnInfo) Stream
}

// Config bounds the assembler. Zero values mean the documented defaults.
type Config struct {
	IdleTimeout       time.Duration // capture time without a segment before a connection is ended; default 5m
	MaxBufferedPerDir int           // out-of-order bytes held per direction before the hole is declared a gap; default 4 MiB
	MaxBufferedTotal  int64         // out-of-order bytes held over all connections; default 256 MiB
	MaxConns          int           // tracked 4-tuples (open connections plus recently finished ones); the longest-idle is evicted beyond it; default 1<<20
	OverlapWindow     int           // delivered bytes kept per direction to compare retransmissions with; default 64 KiB, negative disables
}

// Stats are the assembler's totals.
type Stats struct {
	Segments        int64 // segments given to Assemble
	Conns           int64 // connections started
	DeliveredBytes  int64
	MissedBytes     int64
	DupBytes        int64
	OverlapDiff     int64
	OutOfOrder      int64
	Midstream       int64 // connections picked up without a SYN
	Evicted         int64
	Timeouts        int64
	IgnoredSegments int64 // segments that could not belong to a connection (e.g. stray after close) and carried payload
	IgnoredBytes    int64 // sum of DirStats.IgnoredBytes, plus the payload of IgnoredSegments
	TruncatedBytes  int64 // sum of DirStats.TruncatedBytes
	Retransmits     int64 // sum of DirStats.Retransmits
	// LimitGaps counts the holes declared gaps because MaxBufferedPerDir or
	// MaxBufferedTotal was reached (out-of-order data held too long).
	LimitGaps int64
}
