package h2

// Stats are the totals of every Conn of one run. The caller owns the value
// and shares it between the Conns it creates; they update it from the single
// goroutine that drives them.
type Stats struct {
	Frames             int64 // complete frames parsed
	Streams            int64 // streams opened (by HEADERS, PUSH_PROMISE or Conn.Upgraded)
	Transactions       int64 // transactions emitted
	Requests           int64 // request header blocks (PUSH_PROMISE ones included)
	Responses          int64 // final response header blocks
	Interim            int64 // 1xx response header blocks
	ProtocolErrors     int64 // frames breaking RFC 9113 (bad preface, sizes, sequencing, padding)
	HPACKErrors        int64 // header blocks HPACK could not decode: the direction stops
	Gaps               int64 // reassembly gaps in a direction still parsed: the direction stops
	AbandonedDirs      int64 // directions whose parsing stopped before the end (gap, protocol or HPACK error)
	RSTStreams         int64 // RST_STREAM frames on a known stream
	GoAways            int64 // GOAWAY frames
	PushPromises       int64 // PUSH_PROMISE frames
	IgnoredFrames      int64 // DATA, HEADERS or trailers for a stream already emitted or never opened
	UnknownFrames      int64 // frames of a type RFC 9113 does not define (ignored, as it requires)
	TruncatedFrames    int64 // frames cut by the end of the connection
	HeaderLimits       int64 // header blocks over Config.MaxHeaderListBytes (fields past the limit dropped)
	StreamLimits       int64 // streams emitted early because Config.MaxStreams were open
	DecodeErrors       int64 // messages whose Content-Encoding could not be fully undone
	DecodeLimits       int64 // messages whose decoded body hit Config.MaxDecodedBytes
	UnknownEncodings   int64 // messages declaring a content coding that cannot be undone
	TruncatedBodies    int64 // messages emitted with FlagBodyTruncated
	IncompleteMessages int64 // messages emitted with FlagIncomplete
	UnansweredRequests int64 // transactions with a request and no response
	UnpairedResponses  int64 // transactions with a response and no request
}

// Counter is one named figure.
type Counter struct {
	Name  string
	Value int64
}

// Counters lists every figure under its stable name, always in the same order.
func (s *Stats) Counters() []Counter {
	return []Counter{
		{"http2.frames", s.Frames},
		{"http2.streams", s.Streams},
		{"http2.transactions", s.Transactions},
		{"http2.requests", s.Requests},
		{"http2.responses", s.Responses},
		{"http2.interim_responses", s.Interim},
		{"http2.protocol_errors", s.ProtocolErrors},
		{"http2.hpack_errors", s.HPACKErrors},
		{"http2.gaps", s.Gaps},
		{"http2.abandoned_directions", s.AbandonedDirs},
		{"http2.rst_streams", s.RSTStreams},
		{"http2.goaways", s.GoAways},
		{"http2.push_promises", s.PushPromises},
		{"http2.ignored_frames", s.IgnoredFrames},
		{"http2.unknown_frames", s.UnknownFrames},
		{"http2.truncated_frames", s.TruncatedFrames},
		{"http2.header_limits", s.HeaderLimits},
		{"http2.stream_limits", s.StreamLimits},
		{"http2.decode_errors", s.DecodeErrors},
		{"http2.decode_limits", s.DecodeLimits},
		{"http2.unknown_encodings", s.UnknownEncodings},
		{"http2.truncated_bodies", s.TruncatedBodies},
		{"http2.incomplete_messages", s.IncompleteMessages},
		{"http2.unanswered_requests", s.UnansweredRequests},
		{"http2.unpaired_responses", s.UnpairedResponses},
	}
}

// problem is one per-connection irregularity, reported by Conn.Problems.
type problem uint16

const (
	probBadPreface     problem = 1 << iota // a direction started like the preface and broke off, or not with SETTINGS
	probProtocol                           // a frame broke RFC 9113
	probHPACK                              // a header block did not decode
	probGap                                // a reassembly gap hit a parsed direction
	probFrameSize                          // a frame over the receiver's SETTINGS_MAX_FRAME_SIZE
	probHeaderLimit                        // a header block over Config.MaxHeaderListBytes
	probStreamLimit                        // more than Config.MaxStreams open streams
	probTruncatedFrame                     // the connection ended inside a frame
)

// problemNames are sorted by name, so Problems is sorted without sorting.
var problemNames = [...]struct {
	p    problem
	name string
}{
	{probBadPreface, "bad_preface"},
	{probFrameSize, "frame_size"},
	{probGap, "gap"},
	{probHeaderLimit, "header_limit"},
	{probHPACK, "hpack_error"},
	{probProtocol, "protocol_error"},
	{probStreamLimit, "stream_limit"},
	{probTruncatedFrame, "truncated_frame"},
}
