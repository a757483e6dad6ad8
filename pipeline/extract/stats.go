package extract

// Stats counts what Extract saw. The zero value is ready to use; Add merges
// the figures of another run (for example a worker's).
type Stats struct {
	Candidates     int64 // values examined (query and form fields, parts, bodies, headers, cookies)
	Payloads       int64 // payloads returned
	Events         int64 // events returned
	Fields         int64 // fields returned
	DecodeFailures int64 // values that passed a Base64 or compression step, or were Sensors fields, and still ended in no JSON
	LimitHits      int64 // decode limits reached, plus event and field caps
	CRCMismatch    int64 // Sensors crc present and not matching
	Truncated      int64 // payloads flagged "truncated"
	Encrypted      int64 // payloads flagged "encrypted"
}

// Counter is one named figure.
type Counter struct {
	Name  string
	Value int64
}

// Add adds o's figures to s.
func (s *Stats) Add(o *Stats) {
	s.Candidates += o.Candidates
	s.Payloads += o.Payloads
	s.Events += o.Events
	s.Fields += o.Fields
	s.DecodeFailures += o.DecodeFailures
	s.LimitHits += o.LimitHits
	s.CRCMismatch += o.CRCMismatch
	s.Truncated += o.Truncated
	s.Encrypted += o.Encrypted
}

// Counters lists the figures under their manifest names, in a fixed order.
func (s *Stats) Counters() []Counter {
	return []Counter{
		{"extract.candidates", s.Candidates},
		{"extract.payloads", s.Payloads},
		{"extract.events", s.Events},
		{"extract.fields", s.Fields},
		{"extract.decode_failures", s.DecodeFailures},
		{"extract.limit_hits", s.LimitHits},
		{"extract.crc_mismatch", s.CRCMismatch},
		{"extract.truncated", s.Truncated},
		{"extract.encrypted", s.Encrypted},
	}
}
