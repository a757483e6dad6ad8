package h1

import "telltale/reassembly"

// Header is one header line as it appeared on the wire (name case kept).
type Header struct {
	Name, Value string
}

// Flags mark anything incomplete or irregular about a message or transaction.
type Flags uint32

const (
	FlagBodyTruncated Flags = 1 << iota // body longer than Config.MaxBodyBytes: Body holds the first bytes only
	FlagBodyGap                         // a reassembly gap fell inside the body (MissingBytes > 0)
	FlagHeaderGap                       // a gap or garbage broke the header; the parser resynchronised
	FlagIncomplete                      // the stream ended before the message was complete
	FlagDecodeError                     // Content-Encoding could not be fully decoded; Body holds what decoded
	FlagDecodeLimit                     // decoded body exceeded Config.MaxDecodedBytes (decompression bomb cap)
	FlagLenient                         // accepted only by lenient parsing (bare LF, obs-fold, odd spacing...)
	FlagNoResponse                      // transaction: request without a response
	FlagNoRequest                       // transaction: response without a matching request
	FlagUpgrade                         // CONNECT or Upgrade: the rest of the stream is not HTTP
	FlagMidstream                       // the connection was picked up without its start
	FlagOverlapDiff                     // reassembly saw an overlapping segment with different bytes inside this message
	FlagHeaderLimit                     // header lines over Config.MaxHeaders were dropped, or the header block hit Config.MaxHeaderBytes and was cut
)

var flagNames = [...]string{
	"body_truncated", "body_gap", "header_gap", "incomplete", "decode_error",
	"decode_limit", "lenient", "no_response", "no_request", "upgrade", "midstream",
	"overlap_diff", "header_limit",
}

// Names lists the set flags by name, in bit order.
func (f Flags) Names() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Message is one HTTP/1.x request or response. It owns its bytes.
type Message struct {
	Dir        reassembly.Dir // the direction (as labelled by reassembly) the message travelled in
	Version    string         // "HTTP/1.1"
	Method     string         // requests only
	URI        string         // requests only, as on the wire
	StatusCode int            // responses only
	Reason     string         // responses only
	Headers    []Header
	Trailers   []Header // chunked trailer fields, in wire order; nil when none

	// Body is the body after transfer decoding (chunked) and content decoding
	// (Content-Encoding), at most Config.MaxBodyBytes long.
	Body            []byte
	WireBodyLen     int64  // body length after transfer decoding, before content decoding (gaps included)
	DecodedBodyLen  int64  // body length after content decoding (may exceed len(Body))
	ContentEncoding string // as declared, e.g. "gzip" or "gzip, br"; "" when none
	Chunked         bool
	MissingBytes    int64 // bytes of this message lost in reassembly gaps
	Flags           Flags

	Start reassembly.Position // first byte of the start line
	End   reassembly.Position // position of the segment holding the last byte (Offset = one past the last byte)
}

// Transaction pairs a request with its response, in wire order per connection.
type Transaction struct {
	Depth    int      // 1-based ordinal of the transaction in its connection (Zeek's trans_depth)
	Request  *Message // nil when only the response was seen
	Response *Message // nil when no response was seen
	Flags    Flags    // FlagNoResponse, FlagNoRequest, FlagUpgrade, FlagMidstream
	StreamID uint32   // HTTP/2 stream identifier (set by pipeline/h2); 0 for HTTP/1.x

	// Interim holds the 1xx responses other than 101 (e.g. 100 Continue) that
	// arrived before Response, in wire order. They do not answer the request,
	// so they never take Response's place.
	Interim []*Message
}
