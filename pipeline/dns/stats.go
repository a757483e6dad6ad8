package dns

// Stats are the totals of one run. The caller owns the value and shares it
// between the Parsers and StreamParsers it creates; they update it from the
// single goroutine that drives them.
type Stats struct {
	Messages    int64 // messages parsed, over UDP and TCP
	Queries     int64 // messages parsed that are queries
	Responses   int64 // messages parsed that are responses
	Malformed   int64 // messages that did not parse
	Truncated   int64 // responses with TC set
	NXDomain    int64 // responses with RCODE NXDOMAIN
	TCPMessages int64 // messages parsed from TCP streams
	Gaps        int64 // TCP directions that stopped at a reassembly gap
	TCPPartial  int64 // TCP messages cut off by a gap or by the end of the connection
}

// Counter is one named figure.
type Counter struct {
	Name  string
	Value int64
}

// Counters lists every figure under its stable name, always in the same
// order.
func (s *Stats) Counters() []Counter {
	return []Counter{
		{"dns.messages", s.Messages},
		{"dns.queries", s.Queries},
		{"dns.responses", s.Responses},
		{"dns.malformed", s.Malformed},
		{"dns.truncated", s.Truncated},
		{"dns.nxdomain", s.NXDomain},
		{"dns.tcp_messages", s.TCPMessages},
		{"dns.tcp_gaps", s.Gaps},
		{"dns.tcp_partial", s.TCPPartial},
	}
}

func (s *Stats) count(m *Message, err error) {
	if err != nil {
		s.Malformed++
		return
	}
	s.Messages++
	if !m.Response {
		s.Queries++
		return
	}
	s.Responses++
	if m.Truncated {
		s.Truncated++
	}
	if m.RCode == 3 {
		s.NXDomain++
	}
}
