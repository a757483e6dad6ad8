package main

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// hdr is one header field; messages keep fields in the order given, as
// clients and servers do on the wire.
type hdr struct{ k, v string }

// Message is an HTTP/1.1 message split the way the sender writes it: Head
// (start line and header fields, with the final CRLF) and Body (as framed on
// the wire: chunked bodies include their chunk syntax).
type Message struct {
	Head []byte
	Body []byte
	// BodyLen is the entity length after chunked decoding.
	BodyLen int
}

// Bytes is the whole message.
func (m Message) Bytes() []byte { return append(append([]byte(nil), m.Head...), m.Body...) }

// newRequest builds a request. A field {"Content-Length", ""} in h is filled
// in with the body length, so the caller places it where its client would.
func newRequest(method, target string, h []hdr, body []byte) Message {
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\n")
	for _, f := range h {
		if f.k == "Content-Length" && f.v == "" {
			f.v = strconv.Itoa(len(body))
		}
		b.WriteString(f.k + ": " + f.v + "\r\n")
	}
	b.WriteString("\r\n")
	return Message{Head: []byte(b.String()), Body: body, BodyLen: len(body)}
}

// newResponse builds a response dated at t. With chunks == nil the body is
// sent with Content-Length; otherwise with Transfer-Encoding: chunked, cut
// into chunks of the given sizes (the rest goes into a last chunk).
func newResponse(t time.Time, status int, h []hdr, body []byte, chunks []int) Message {
	var b strings.Builder
	b.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	b.WriteString("Server: nginx\r\nDate: " + t.UTC().Format(http.TimeFormat) + "\r\n")
	writeFields(&b, h)
	wire := body
	switch {
	case status == http.StatusNoContent || status == http.StatusNotModified:
		// No body and no framing field (RFC 9110 §8.6).
	case chunks == nil:
		b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	default:
		b.WriteString("Transfer-Encoding: chunked\r\n")
		wire = chunkBody(body, chunks)
	}
	b.WriteString("\r\n")
	return Message{Head: []byte(b.String()), Body: wire, BodyLen: len(body)}
}

func writeFields(b *strings.Builder, h []hdr) {
	for _, f := range h {
		b.WriteString(f.k + ": " + f.v + "\r\n")
	}
}

// chunkBody frames body in chunked transfer coding with lower-case hex
// sizes, ending with the zero chunk and an empty trailer.
func chunkBody(body []byte, sizes []int) []byte {
	var out []byte
	emit := func(p []byte) {
		out = append(out, strconv.FormatInt(int64(len(p)), 16)...)
		out = append(out, "\r\n"...)
		out = append(out, p...)
		out = append(out, "\r\n"...)
	}
	for _, n := range sizes {
		if n >= len(body) {
			break
		}
		emit(body[:n])
		body = body[n:]
	}
	if len(body) > 0 {
		emit(body)
	}
	return append(out, "0\r\n\r\n"...)
}
