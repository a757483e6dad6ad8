package h1

// Stats are the totals of every Conn of one run. The caller owns the value
// and shares it between the Conns it creates; they update it from the single
// goroutine that drives them.
type Stats struct {
	Requests           int64 // request lines parsed (cut requests included)
	Responses          int64 // status lines parsed (interim 1xx included)
	Interim            int64 // 1xx responses other than 101
	Transactions       int64 // transactions emitted
	ParseErrors        int64 // garbage where a start line or a chunk-size line belonged
	Resyncs            int64 // times a direction discarded bytes to find the next start line
	GapsInBody         int64 // reassembly gaps inside a body of known extent
	GapsInHeader       int64 // reassembly gaps anywhere else in an HTTP direction
	DecodeErrors       int64 // messages whose Content-Encoding could not be fully undone
	DecodeLimits       int64 // messages whose decoded body hit Config.MaxDecodedBytes
	UnknownEncodings   int64 // messages declaring a content coding this package cannot undo
	NonHTTPStreams     int64 // connections with payload in which no direction was HTTP
	UnpairedResponses  int64 // transactions with a response and no request
	UnansweredRequests int64 // transactions with a request and no response
	Upgrades           int64 // CONNECT 2xx or 101: parsing of the connection stopped
	IncompleteMessages int64 // messages emitted with FlagIncomplete
	TruncatedBodies    int64 // messages emitted with FlagBodyTruncated
	LenientMessages    int64 // messages emitted with FlagLenient
	BadHeaderLines     int64 // header lines without a colon, skipped
	HeaderLimits       int64 // header or trailer blocks (or lines) over Config.MaxHeaderBytes
	PendingOverflows   int64 // transactions flushed early because Config.MaxPending was reached
	LostMessages       int64 // messages whose start fell in a gap between messages (their partner is flagged)
	LateRequests       int64 // requests captured after the response that answers them, paired by the response's ACK
	TooManyHeaders     int64 // messages with more header (and trailer) lines than Config.MaxHeaders
	DroppedHeaders     int64 // header and trailer lines dropped beyond Config.MaxHeaders (obs-fold continuations included)
	HeaderLimited      int64 // messages emitted with FlagHeaderLimit
}

// Counter is one named figure.
type Counter struct {
	Name  string
	Value int64
}

// Counters lists every figure under its stable name, always in the same order.
func (s *Stats) Counters() []Counter {
	return []Counter{
		{"http.requests", s.Requests},
		{"http.responses", s.Responses},
		{"http.interim_responses", s.Interim},
		{"http.transactions", s.Transactions},
		{"http.parse_errors", s.ParseErrors},
		{"http.resyncs", s.Resyncs},
		{"http.gaps_in_body", s.GapsInBody},
		{"http.gaps_in_header", s.GapsInHeader},
		{"http.decode_errors", s.DecodeErrors},
		{"http.decode_limits", s.DecodeLimits},
		{"http.unknown_encodings", s.UnknownEncodings},
		{"http.non_http_streams", s.NonHTTPStreams},
		{"http.unpaired_responses", s.UnpairedResponses},
		{"http.unanswered_requests", s.UnansweredRequests},
		{"http.upgrades", s.Upgrades},
		{"http.incomplete_messages", s.IncompleteMessages},
		{"http.truncated_bodies", s.TruncatedBodies},
		{"http.lenient_messages", s.LenientMessages},
		{"http.bad_header_lines", s.BadHeaderLines},
		{"http.header_limits", s.HeaderLimits},
		{"http.excessive_pipelining", s.PendingOverflows},
		{"http.lost_messages", s.LostMessages},
		{"http.late_requests", s.LateRequests},
		{"http.too_many_headers", s.TooManyHeaders},
		{"http.dropped_header_lines", s.DroppedHeaders},
		{"http.header_limit_messages", s.HeaderLimited},
	}
}
