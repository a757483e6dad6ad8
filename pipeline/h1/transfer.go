package h1

import "strings"

// bodyMode says how a message body is delimited.
type bodyMode uint8

const (
	bodyNone    bodyMode = iota // no body
	bodyLength                  // Content-Length bytes
	bodyChunked                 // chunked transfer coding
	bodyClose                   // runs until the stream ends (responses only)
)

// transfer is what the header block says about the body, gathered in one
// pass (net/http's transferReader, cut down).
type transfer struct {
	length   int64 // Content-Length; -1 when absent or unusable
	lenient  bool  // differing or malformed Content-Length, or a transfer coding a request cannot carry
	te       bool  // a Transfer-Encoding header is present
	chunked  bool  // ... and its final coding is chunked
	upgrade  bool  // an Upgrade header is present
	encoding string
}

func readTransfer(hs []Header) transfer {
	t := transfer{length: -1}
	for i := range hs {
		name, v := hs[i].Name, hs[i].Value
		switch {
		case strings.EqualFold(name, "Content-Length"):
			t.contentLength(v)
		case strings.EqualFold(name, "Transfer-Encoding"):
			t.te = true
			last := v
			if i := strings.LastIndexByte(v, ','); i >= 0 {
				last = v[i+1:]
			}
			t.chunked = strings.EqualFold(strings.TrimSpace(last), "chunked")
		case strings.EqualFold(name, "Content-Encoding"):
			if v = strings.TrimSpace(v); v == "" {
				break
			}
			if t.encoding == "" {
				t.encoding = v
			} else {
				t.encoding += ", " + v
			}
		case strings.EqualFold(name, "Upgrade"):
			t.upgrade = true
		}
	}
	return t
}

// contentLength folds one Content-Length value (possibly a list, as some
// proxies send) into t. The first valid number wins; differing or malformed
// values only make the message lenient, where net/http would reject it.
func (t *transfer) contentLength(v string) {
	for v != "" {
		var f string
		f, v, _ = strings.Cut(v, ",")
		n, ok := parseLength(strings.TrimSpace(f))
		switch {
		case !ok:
			t.lenient = true
		case t.length < 0:
			t.length = n
		case t.length != n:
			t.lenient = true
		}
	}
}

func parseLength(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for len(s) > 1 && s[0] == '0' {
		s = s[1:] // leading zeros are valid (1*DIGIT) and change nothing
	}
	if len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// framing decides how a body is delimited, following RFC 9112 section 6.3 as
// net/http's fixLength does: responses to HEAD and 1xx, 204 and 304 responses
// have none; chunked wins over Content-Length; a response with neither runs
// until the stream ends; a request with neither has none. The caller handles
// CONNECT 2xx and 101, which end HTTP on the connection.
func framing(t transfer, isResp bool, status int, reqMethod string) (mode bodyMode, length int64, lenient bool) {
	if isResp && (status/100 == 1 || status == 204 || status == 304 || reqMethod == "HEAD") {
		return bodyNone, 0, false
	}
	if t.te {
		switch {
		case t.chunked:
			return bodyChunked, 0, false
		case isResp:
			return bodyClose, 0, false
		default:
			// A request whose final transfer coding is not chunked cannot
			// be delimited (RFC 9112 6.3 point 4); assume no body.
			return bodyNone, 0, true
		}
	}
	if t.length >= 0 {
		return bodyLength, t.length, t.lenient
	}
	if isResp {
		return bodyClose, 0, t.lenient
	}
	return bodyNone, 0, t.lenient
}
