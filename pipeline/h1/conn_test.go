package h1

import (
	"strings"
	"testing"
)

// get is a minimal GET request.
func get(path string) string { return crlf("GET " + path + " HTTP/1.1\nHost: h\n\n") }

// ok is a 200 response with body.
func ok(body string) string {
	return crlf("HTTP/1.1 200 OK\nContent-Length: "+itoa(len(body))+"\n\n") + body
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

var tlsHello = "\x16\x03\x01\x00\x2a\x01\x00\x00\x26\x03\x03" + strings.Repeat("\x00", 38)

var connTests = []struct {
	name  string
	cfg   Config
	evs   []ev
	want  string // dump without positions
	stats string // non-zero counters
}{
	{
		name: "simple GET and 200 with Content-Length",
		evs: []ev{
			c2sCRLF("GET /index.html HTTP/1.1\nHost: example.com\n\n"),
			s2cCRLF("HTTP/1.1 200 OK\nContent-Length: 5\nContent-Type: text/plain\n\nhello"),
		},
		want: `tx 1 []
  req c2s "GET" "/index.html" "HTTP/1.1" []
    Host: "example.com"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "5"
    Content-Type: "text/plain"
    body "hello" wire=5 decoded=5 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\n",
	},
	{
		name: "keep-alive, three transactions",
		evs:  []ev{c2s(get("/1")), s2c(ok("r1")), c2s(get("/2")), s2c(ok("r2")), c2s(get("/3")), s2c(ok("r3"))},
		want: `tx 1 []
  req c2s "GET" "/1" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "2"
    body "r1" wire=2 decoded=2 missing=0
tx 2 []
  req c2s "GET" "/2" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "2"
    body "r2" wire=2 decoded=2 missing=0
tx 3 []
  req c2s "GET" "/3" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "2"
    body "r3" wire=2 decoded=2 missing=0
`,
		stats: "http.requests=3\nhttp.responses=3\nhttp.transactions=3\n",
	},
	{
		name: "pipelined: three requests, then three responses",
		evs: []ev{
			c2s(get("/a") + crlf("POST /b HTTP/1.1\nHost: h\nContent-Length: 3\n\n") + "xyz" + get("/c")),
			s2c(ok("A") + crlf("HTTP/1.1 201 Created\nContent-Length: 1\n\n") + "B" + crlf("HTTP/1.1 404 Not Found\nContent-Length: 1\n\n") + "C"),
		},
		want: `tx 1 []
  req c2s "GET" "/a" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "A" wire=1 decoded=1 missing=0
tx 2 []
  req c2s "POST" "/b" "HTTP/1.1" []
    Host: "h"
    Content-Length: "3"
    body "xyz" wire=3 decoded=3 missing=0
  resp s2c "HTTP/1.1" 201 "Created" []
    Content-Length: "1"
    body "B" wire=1 decoded=1 missing=0
tx 3 []
  req c2s "GET" "/c" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 404 "Not Found" []
    Content-Length: "1"
    body "C" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=3\nhttp.responses=3\nhttp.transactions=3\n",
	},
	{
		name: "chunked request and response with trailers and extensions",
		evs: []ev{
			c2sCRLF("POST /up HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n5;name=val\nhello\n6\n world\n0\nX-Sum: 42\n\n"),
			s2cCRLF("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nTrailer: Expires\n\nA\n0123456789\n0\nExpires: never\n\n"),
		},
		want: `tx 1 []
  req c2s "POST" "/up" "HTTP/1.1" []
    Host: "h"
    Transfer-Encoding: "chunked"
    trailer X-Sum: "42"
    body "hello world" wire=11 decoded=11 missing=0 chunked
  resp s2c "HTTP/1.1" 200 "OK" []
    Transfer-Encoding: "chunked"
    Trailer: "Expires"
    trailer Expires: "never"
    body "0123456789" wire=10 decoded=10 missing=0 chunked
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\n",
	},
	{
		name: "response read until close ends complete at End",
		evs: []ev{
			c2sCRLF("GET /old HTTP/1.0\n\n"),
			s2cCRLF("HTTP/1.0 200 OK\nContent-Type: text/plain\n\nline one\nline two\n"),
		},
		want: `tx 1 []
  req c2s "GET" "/old" "HTTP/1.0" []
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.0" 200 "OK" []
    Content-Type: "text/plain"
    body "line one\r\nline two\r\n" wire=20 decoded=20 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\n",
	},
	{
		name: "HEAD response has Content-Length but no body",
		evs: []ev{
			c2sCRLF("HEAD /big HTTP/1.1\nHost: h\n\n"),
			s2cCRLF("HTTP/1.1 200 OK\nContent-Length: 1234\n\n"),
			c2s(get("/small")),
			s2c(ok("ok")),
		},
		want: `tx 1 []
  req c2s "HEAD" "/big" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1234"
    body "" wire=0 decoded=0 missing=0
tx 2 []
  req c2s "GET" "/small" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "2"
    body "ok" wire=2 decoded=2 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\n",
	},
	{
		name: "204 and 304 have no body",
		evs: []ev{
			c2sCRLF("DELETE /x HTTP/1.1\n\nGET /y HTTP/1.1\nIf-None-Match: \"e\"\n\nGET /z HTTP/1.1\n\n"),
			s2c(crlf("HTTP/1.1 204 No Content\n\nHTTP/1.1 304 Not Modified\nContent-Length: 10\n\n") + ok("z")),
		},
		want: `tx 1 []
  req c2s "DELETE" "/x" "HTTP/1.1" []
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 204 "No Content" []
    body "" wire=0 decoded=0 missing=0
tx 2 []
  req c2s "GET" "/y" "HTTP/1.1" []
    If-None-Match: "\"e\""
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 304 "Not Modified" []
    Content-Length: "10"
    body "" wire=0 decoded=0 missing=0
tx 3 []
  req c2s "GET" "/z" "HTTP/1.1" []
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "z" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=3\nhttp.responses=3\nhttp.transactions=3\n",
	},
	{
		name: "100-continue: the interim response is noted, not paired",
		evs: []ev{
			c2sCRLF("POST /u HTTP/1.1\nExpect: 100-continue\nContent-Length: 4\n\n"),
			s2cCRLF("HTTP/1.1 100 Continue\n\n"),
			c2s("data"),
			s2cCRLF("HTTP/1.1 201 Created\nContent-Length: 0\n\n"),
		},
		want: `tx 1 []
  req c2s "POST" "/u" "HTTP/1.1" []
    Expect: "100-continue"
    Content-Length: "4"
    body "data" wire=4 decoded=4 missing=0
  interim s2c "HTTP/1.1" 100 "Continue" []
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 201 "Created" []
    Content-Length: "0"
    body "" wire=0 decoded=0 missing=0
`,
		stats: "http.requests=1\nhttp.responses=2\nhttp.interim_responses=1\nhttp.transactions=1\n",
	},
	{
		name: "CONNECT 200 stops parsing; the tunnelled TLS is not an error",
		evs: []ev{
			c2s(crlf("CONNECT example.com:443 HTTP/1.1\nHost: example.com:443\n\n") + tlsHello),
			s2c(crlf("HTTP/1.1 200 Connection established\n\n") + "\x16\x03\x03\x00\x02hi"),
			c2s(tlsHello),
		},
		want: `tx 1 [upgrade]
  req c2s "CONNECT" "example.com:443" "HTTP/1.1" []
    Host: "example.com:443"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "Connection established" []
    body "" wire=0 decoded=0 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\nhttp.upgrades=1\n",
	},
	{
		name: "CONNECT refused: parsing goes on",
		evs: []ev{
			c2sCRLF("CONNECT example.com:443 HTTP/1.1\n\n"),
			s2cCRLF("HTTP/1.1 407 Proxy Authentication Required\nContent-Length: 0\n\n"),
			c2s(get("/next")),
			s2c(ok("n")),
		},
		want: `tx 1 []
  req c2s "CONNECT" "example.com:443" "HTTP/1.1" []
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 407 "Proxy Authentication Required" []
    Content-Length: "0"
    body "" wire=0 decoded=0 missing=0
tx 2 []
  req c2s "GET" "/next" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "n" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\n",
	},
	{
		name: "101 Switching Protocols stops parsing",
		evs: []ev{
			c2sCRLF("GET /chat HTTP/1.1\nHost: h\nUpgrade: websocket\nConnection: Upgrade\n\n"),
			s2c(crlf("HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\n\n") + "\x81\x05hello"),
			c2s("\x81\x85\x00\x00\x00\x00hello"),
			s2c("HTTP/1.1 200 OK\r\n\r\n"), // websocket payload that looks like HTTP: ignored
		},
		want: `tx 1 [upgrade]
  req c2s "GET" "/chat" "HTTP/1.1" []
    Host: "h"
    Upgrade: "websocket"
    Connection: "Upgrade"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 101 "Switching Protocols" []
    Upgrade: "websocket"
    Connection: "Upgrade"
    body "" wire=0 decoded=0 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\nhttp.upgrades=1\n",
	},
	{
		name: "body over MaxBodyBytes is truncated, WireBodyLen is real",
		cfg:  Config{MaxBodyBytes: 8},
		evs:  []ev{c2s(get("/big")), s2c(ok("0123456789abcdefghij")), c2s(get("/next")), s2c(ok("tiny"))},
		want: `tx 1 []
  req c2s "GET" "/big" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" [body_truncated]
    Content-Length: "20"
    body "01234567" wire=20 decoded=20 missing=0
tx 2 []
  req c2s "GET" "/next" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "4"
    body "tiny" wire=4 decoded=4 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.truncated_bodies=1\n",
	},
	{
		name: "gap inside a Content-Length body: skipped, counted, next transaction intact",
		evs: []ev{
			c2s(crlf("POST /p HTTP/1.1\nContent-Length: 10\n\n") + "abc"),
			gapC2S(4),
			c2s("hij" + get("/next")),
			s2c(ok("1") + ok("2")),
		},
		want: `tx 1 []
  req c2s "POST" "/p" "HTTP/1.1" [body_gap]
    Content-Length: "10"
    body "abchij" wire=10 decoded=10 missing=4
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "1" wire=1 decoded=1 missing=0
tx 2 []
  req c2s "GET" "/next" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "2" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.gaps_in_body=1\n",
	},
	{
		name: "gap in the header: the cut request is emitted, parsing resumes at the next request",
		evs: []ev{
			c2s(crlf("GET /a HTTP/1.1\nHost: x\nUser-")),
			gapC2S(10),
			c2s(crlf("ent: foo\n\n") + get("/b")),
			s2c(ok("A") + ok("B")),
		},
		want: `tx 1 []
  req c2s "GET" "/a" "HTTP/1.1" [header_gap incomplete]
    Host: "x"
    body "" wire=0 decoded=0 missing=10
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "A" wire=1 decoded=1 missing=0
tx 2 []
  req c2s "GET" "/b" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "B" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.resyncs=1\nhttp.gaps_in_header=1\nhttp.incomplete_messages=1\n",
	},
	{
		name: "gap past the end of a body eats the next response's start",
		evs: []ev{
			c2s(get("/1") + get("/2") + get("/3")),
			s2c(crlf("HTTP/1.1 200 OK\nContent-Length: 4\n\n") + "ab"),
			gapS2C(10),
			s2c("TTP/1.1 200 OK\r\n\r\n" + ok("3")),
		},
		want: `tx 1 []
  req c2s "GET" "/1" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" [body_gap]
    Content-Length: "4"
    body "ab" wire=4 decoded=4 missing=2
tx 2 []
  req c2s "GET" "/2" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "3" wire=1 decoded=1 missing=0
tx 3 [no_response]
  req c2s "GET" "/3" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
`,
		stats: "http.requests=3\nhttp.responses=2\nhttp.transactions=3\nhttp.resyncs=1\nhttp.gaps_in_body=1\nhttp.unanswered_requests=1\n",
	},
	{
		name: "garbage between messages: counted, resynchronised",
		evs: []ev{
			c2s(get("/1") + "garbage line\r\n" + get("/2")),
			s2c(ok("1") + "\x00\x01junk\r\n" + ok("2")),
		},
		want: `tx 1 []
  req c2s "GET" "/1" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "1" wire=1 decoded=1 missing=0
tx 2 []
  req c2s "GET" "/2" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "2" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.parse_errors=2\nhttp.resyncs=2\n",
	},
	{
		name: "lenient: bare LF, obs-fold, odd spacing, missing reason; duplicates and absolute-form are normal",
		evs: []ev{
			c2s("GET  /x   HTTP/1.1\nHost: a\nX-Fold: one\n  two\n\tthree\nName : v\nNoColon\n\n"),
			s2c("HTTP/1.1 200\nContent-Length: 0\n\n"),
			c2sCRLF("GET http://example.com/p?q=1 HTTP/1.1\nHost: example.com\n\n"),
			s2cCRLF("HTTP/1.1 200 OK\nSet-Cookie: a=1\nSet-Cookie: b=2\nContent-Length: 0\n\n"),
		},
		want: `tx 1 []
  req c2s "GET" "/x" "HTTP/1.1" [lenient]
    Host: "a"
    X-Fold: "one two three"
    Name: "v"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "" [lenient]
    Content-Length: "0"
    body "" wire=0 decoded=0 missing=0
tx 2 []
  req c2s "GET" "http://example.com/p?q=1" "HTTP/1.1" []
    Host: "example.com"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Set-Cookie: "a=1"
    Set-Cookie: "b=2"
    Content-Length: "0"
    body "" wire=0 decoded=0 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.lenient_messages=2\nhttp.bad_header_lines=1\n",
	},
	{
		name: "only responses seen",
		evs:  []ev{s2c(ok("1")), s2c(ok("2"))},
		want: `tx 1 [no_request]
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "1" wire=1 decoded=1 missing=0
tx 2 [no_request]
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "2" wire=1 decoded=1 missing=0
`,
		stats: "http.responses=2\nhttp.transactions=2\nhttp.unpaired_responses=2\n",
	},
	{
		name: "only requests seen: emitted at End",
		evs:  []ev{c2s(get("/1")), c2s(crlf("POST /2 HTTP/1.1\nContent-Length: 5\n\n") + "ab")},
		want: `tx 1 [no_response]
  req c2s "GET" "/1" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
tx 2 [no_response]
  req c2s "POST" "/2" "HTTP/1.1" [incomplete]
    Content-Length: "5"
    body "ab" wire=2 decoded=2 missing=0
`,
		stats: "http.requests=2\nhttp.transactions=2\nhttp.unanswered_requests=2\nhttp.incomplete_messages=1\n",
	},
	{
		name:  "TLS in both directions: no transactions, one non-HTTP stream",
		evs:   []ev{c2s(tlsHello), s2c("\x16\x03\x03\x00\x02hi"), c2s(tlsHello)},
		want:  "",
		stats: "http.non_http_streams=1\n",
	},
	{
		name:  "SSH: non-HTTP",
		evs:   []ev{s2c("SSH-2.0-OpenSSH_9.6\r\n"), c2s("SSH-2.0-Go\r\n")},
		want:  "",
		stats: "http.non_http_streams=1\n",
	},
	{
		name: "roles reversed: the request travels server->client",
		evs:  []ev{s2c(get("/r")), c2s(ok("rev"))},
		want: `tx 1 []
  req s2c "GET" "/r" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp c2s "HTTP/1.1" 200 "OK" []
    Content-Length: "3"
    body "rev" wire=3 decoded=3 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\n",
	},
	{
		name: "picked up mid-message: the client side is revived once the server side is HTTP",
		evs: []ev{
			c2s("rest of an earlier body\r\n"),
			s2c(ok("x")),
			c2s(get("/next")),
			s2c(ok("y")),
		},
		want: `tx 1 [no_request]
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "x" wire=1 decoded=1 missing=0
tx 2 []
  req c2s "GET" "/next" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "y" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=1\nhttp.responses=2\nhttp.transactions=2\nhttp.resyncs=1\nhttp.unpaired_responses=1\n",
	},
	{
		name: "direction starting with a gap hunts for a start line",
		evs: []ev{
			gapC2S(100),
			c2s("dy tail\r\n" + get("/after")),
			s2c(ok("z")),
		},
		want: `tx 1 []
  req c2s "GET" "/after" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "z" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\nhttp.resyncs=1\nhttp.gaps_in_header=1\n",
	},
	{
		name: "header block over MaxHeaderBytes is cut",
		cfg:  Config{MaxHeaderBytes: 64},
		evs: []ev{
			c2s(crlf("GET /big HTTP/1.1\nHost: h\nCookie: "+strings.Repeat("c", 60)+"\n\n") + get("/ok")),
			s2c(ok("1") + ok("2")),
		},
		want: `tx 1 []
  req c2s "GET" "/big" "HTTP/1.1" [header_gap incomplete header_limit]
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "1" wire=1 decoded=1 missing=0
tx 2 []
  req c2s "GET" "/ok" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "2" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.resyncs=1\nhttp.incomplete_messages=1\nhttp.header_limits=1\nhttp.header_limit_messages=1\n",
	},
	{
		name: "a single header line over MaxHeaderBytes cuts the message",
		cfg:  Config{MaxHeaderBytes: 64},
		evs: []ev{
			c2s(crlf("GET /long HTTP/1.1\nCookie: "+strings.Repeat("c", 70)+"\n\n") + get("/ok")),
			s2c(ok("1") + ok("2")),
		},
		want: `tx 1 []
  req c2s "GET" "/long" "HTTP/1.1" [header_gap incomplete header_limit]
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "1" wire=1 decoded=1 missing=0
tx 2 []
  req c2s "GET" "/ok" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "2" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.resyncs=1\nhttp.incomplete_messages=1\nhttp.header_limits=1\nhttp.header_limit_messages=1\n",
	},
	{
		name: "header lines over MaxHeaders are dropped, with their continuations",
		cfg:  Config{MaxHeaders: 2},
		evs: []ev{
			c2s(crlf("GET /many HTTP/1.1\nHost: h\nA: 1\nB: 2\nC: 3\n  folded\n\n") + get("/ok")),
			s2c(ok("1") + ok("2")),
		},
		want: `tx 1 []
  req c2s "GET" "/many" "HTTP/1.1" [lenient header_limit]
    Host: "h"
    A: "1"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "1" wire=1 decoded=1 missing=0
tx 2 []
  req c2s "GET" "/ok" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "2" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.lenient_messages=1\nhttp.too_many_headers=1\nhttp.dropped_header_lines=3\nhttp.header_limit_messages=1\n",
	},
	{
		name: "MaxHeaders counts trailer lines with header lines",
		cfg:  Config{MaxHeaders: 2},
		evs: []ev{
			c2s(get("/t")),
			s2c(crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nX: 1\n\n3\nabc\n0\nT: 1\nU: 2\n\n")),
		},
		want: `tx 1 []
  req c2s "GET" "/t" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" [header_limit]
    Transfer-Encoding: "chunked"
    X: "1"
    body "abc" wire=3 decoded=3 missing=0 chunked
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\nhttp.too_many_headers=1\nhttp.dropped_header_lines=2\nhttp.header_limit_messages=1\n",
	},
	{
		name: "exactly MaxHeaders lines: nothing dropped",
		cfg:  Config{MaxHeaders: 2},
		evs:  []ev{c2s(crlf("GET /two HTTP/1.1\nHost: h\nA: 1\n\n")), s2c(ok("1"))},
		want: `tx 1 []
  req c2s "GET" "/two" "HTTP/1.1" []
    Host: "h"
    A: "1"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "1" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\n",
	},
	{
		name: "MaxPending: the oldest waiting request is flushed early",
		cfg:  Config{MaxPending: 2},
		evs:  []ev{c2s(get("/1") + get("/2") + get("/3")), s2c(ok("a"))},
		want: `tx 1 [no_response]
  req c2s "GET" "/1" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
tx 2 []
  req c2s "GET" "/2" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "a" wire=1 decoded=1 missing=0
tx 3 [no_response]
  req c2s "GET" "/3" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
`,
		stats: "http.requests=3\nhttp.responses=1\nhttp.transactions=3\nhttp.unanswered_requests=2\nhttp.excessive_pipelining=1\n",
	},
	{
		name: "MaxPending reached while a response arrives: it is cut there, its rest dropped",
		cfg:  Config{MaxPending: 1},
		evs: []ev{
			c2s(get("/1")),
			s2c(crlf("HTTP/1.1 200 OK\nContent-Length: 6\n\n") + "abc"),
			c2s(get("/2")),
			s2c("def" + ok("2")),
		},
		want: `tx 1 []
  req c2s "GET" "/1" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" [incomplete]
    Content-Length: "6"
    body "abc" wire=3 decoded=3 missing=0
tx 2 []
  req c2s "GET" "/2" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "2" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.incomplete_messages=1\nhttp.excessive_pipelining=1\n",
	},
	{
		name: "bad chunk size cuts the message",
		evs: []ev{
			c2s(crlf("POST /c HTTP/1.1\nTransfer-Encoding: chunked\n\n3\nabc\nzz\n") + get("/after")),
			s2c(ok("1") + ok("2")),
		},
		want: `tx 1 []
  req c2s "POST" "/c" "HTTP/1.1" [header_gap incomplete]
    Transfer-Encoding: "chunked"
    body "abc" wire=3 decoded=3 missing=0 chunked
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "1" wire=1 decoded=1 missing=0
tx 2 []
  req c2s "GET" "/after" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "2" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.parse_errors=1\nhttp.resyncs=1\nhttp.incomplete_messages=1\n",
	},
	{
		name: "gap inside a chunk is a body gap",
		evs: []ev{
			c2s(crlf("POST /c HTTP/1.1\nTransfer-Encoding: chunked\n\n8\n") + "ab"),
			gapC2S(3),
			c2s("fgh" + crlf("\n0\n\n")),
			s2c(ok("1")),
		},
		want: `tx 1 []
  req c2s "POST" "/c" "HTTP/1.1" [body_gap]
    Transfer-Encoding: "chunked"
    body "abfgh" wire=8 decoded=8 missing=3 chunked
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "1" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\nhttp.gaps_in_body=1\n",
	},
	{
		name: "a response overtaking the end of its request's header block still pairs",
		evs:  []ev{c2sCRLF("GET /a HTTP/1.1\nHost: h\n"), s2c(ok("A")), c2s("\r\n")},
		want: `tx 1 []
  req c2s "GET" "/a" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "A" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\n",
	},
	{
		name: "request line cut by a gap (short snap length) is salvaged",
		evs: []ev{
			c2s("GET /images/sf.net_box.gif HTT"),
			gapC2S(466),
			s2c(ok("img")),
			c2s("GET /cut-at-end"),
		},
		want: `tx 1 []
  req c2s "GET" "/images/sf.net_box.gif" "" [header_gap incomplete]
    body "" wire=0 decoded=0 missing=466
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "3"
    body "img" wire=3 decoded=3 missing=0
tx 2 [no_response]
  req c2s "GET" "/cut-at-end" "" [incomplete lenient]
    body "" wire=0 decoded=0 missing=0
`,
		stats: "http.requests=2\nhttp.responses=1\nhttp.transactions=2\nhttp.resyncs=1\nhttp.gaps_in_header=1\nhttp.unanswered_requests=1\nhttp.incomplete_messages=2\nhttp.lenient_messages=1\n",
	},
	{
		name: "junk before the first start line: keep-alive probe byte, SOCKS5 handshake",
		evs: []ev{
			c2s("\x00\x05\x01\x00" + "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50" + get("/")),
			s2c("\x05\x00" + "\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00" + ok("s")),
		},
		want: `tx 1 []
  req c2s "GET" "/" "HTTP/1.1" [lenient]
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" [lenient]
    Content-Length: "1"
    body "s" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\nhttp.lenient_messages=2\n",
	},
	{
		name: "odd versions, missing target, Content-Length with leading zeros",
		evs: []ev{
			c2s(crlf("POST /z HTTP/1.0.8\nContent-Length: 00000000000000000000000000000003\n\n") + "abc" + crlf("OPTIONS HTTP/1.1\n\n")),
			s2c(crlf("HTTP/1.00 200 ok\nContent-Length: 0\n\nHTTP/1.1 204 No Content\n\n")),
		},
		want: `tx 1 []
  req c2s "POST" "/z" "HTTP/1.0.8" [lenient]
    Content-Length: "00000000000000000000000000000003"
    body "abc" wire=3 decoded=3 missing=0
  resp s2c "HTTP/1.00" 200 "ok" [lenient]
    Content-Length: "0"
    body "" wire=0 decoded=0 missing=0
tx 2 []
  req c2s "OPTIONS" "" "HTTP/1.1" [lenient]
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 204 "No Content" []
    body "" wire=0 decoded=0 missing=0
`,
		stats: "http.requests=2\nhttp.responses=2\nhttp.transactions=2\nhttp.lenient_messages=3\n",
	},
	{
		name: "HTTP/0.9-style request without a version; versionless text protocols stay out",
		evs: []ev{
			c2s("GET /\r\n\r\n"),
			s2c("<html>raw 0.9 reply</html>\n"),
		},
		want: `tx 1 [no_response]
  req c2s "GET" "/" "" [lenient]
    body "" wire=0 decoded=0 missing=0
`,
		stats: "http.requests=1\nhttp.transactions=1\nhttp.resyncs=1\nhttp.unanswered_requests=1\nhttp.lenient_messages=1\n",
	},
	{
		name:  "SMTP is not HTTP",
		evs:   []ev{s2c("220 mail.example.com ESMTP\r\n"), c2s("EHLO client.example.com\r\n"), c2s("MAIL FROM:<a@example.com>\r\n")},
		want:  "",
		stats: "http.non_http_streams=1\n",
	},
	{
		// ndpi_match_string_subprotocol_error: a bit flipped in the minor
		// version ("HTTP/1.\xc5 200 OK"); evader-391: a NUL in it. tshark
		// lists both responses.
		name: "status line with a corrupted or missing minor version",
		evs: []ev{
			c2s(get("/a") + get("/b") + get("/c")),
			s2c("HTTP/1.\xc5 200 OK\r\nContent-Length: 2\r\n\r\nok" + "HTTP/1. 204 No Content\r\n\r\n" + "HTTP/1\x00.1 200 ok\r\nContent-Length: 1\r\n\r\nX"),
		},
		want: `tx 1 []
  req c2s "GET" "/a" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.\xc5" 200 "OK" [lenient]
    Content-Length: "2"
    body "ok" wire=2 decoded=2 missing=0
tx 2 []
  req c2s "GET" "/b" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1." 204 "No Content" [lenient]
    body "" wire=0 decoded=0 missing=0
tx 3 []
  req c2s "GET" "/c" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1\x00.1" 200 "ok" [lenient]
    Content-Length: "1"
    body "X" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=3\nhttp.responses=3\nhttp.transactions=3\nhttp.lenient_messages=3\n",
	},
	{
		// zeek_http_methods: "OPTIONS" alone, answered 400 by the server.
		name: "a registered method alone is a request without target or version",
		evs: []ev{
			c2s("OPTIONS\r\nHost: www.google.com\r\n\r\n"),
			s2c("HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
			c2s("DELETE\nHost: h\n\n"),
		},
		want: `tx 1 []
  req c2s "OPTIONS" "" "" [lenient]
    Host: "www.google.com"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.0" 400 "Bad Request" []
    Content-Length: "0"
    body "" wire=0 decoded=0 missing=0
tx 2 [no_response]
  req c2s "DELETE" "" "" [lenient]
    Host: "h"
    body "" wire=0 decoded=0 missing=0
`,
		stats: "http.requests=2\nhttp.responses=1\nhttp.transactions=2\nhttp.unanswered_requests=1\nhttp.lenient_messages=2\n",
	},
	{
		name:  "a word alone that is no registered method is not a request",
		evs:   []ev{c2s("QUIT\r\n"), s2c("221 Bye\r\n")},
		want:  "",
		stats: "http.non_http_streams=1\n",
	},
	{
		// zeek_http_methods: "CCM_POST /HTTP/1.1".
		name: "an unregistered method with the version glued to the target",
		evs: []ev{
			c2s("CCM_POST /HTTP/1.1\r\nHost: h\r\n\r\n"),
			s2c(ok("x")),
		},
		want: `tx 1 []
  req c2s "CCM_POST" "/HTTP/1.1" "" [lenient]
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" []
    Content-Length: "1"
    body "x" wire=1 decoded=1 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\nhttp.lenient_messages=1\n",
	},
	{
		name:  "an unregistered method without a version is not a request",
		evs:   []ev{c2s("XFOO /x\r\nHost: h\r\n\r\n")},
		want:  "",
		stats: "http.non_http_streams=1\n",
	},
	{
		name: "response cut at End is incomplete",
		evs:  []ev{c2s(get("/1")), s2c(crlf("HTTP/1.1 200 OK\nContent-Length: 10\n\n") + "part")},
		want: `tx 1 []
  req c2s "GET" "/1" "HTTP/1.1" []
    Host: "h"
    body "" wire=0 decoded=0 missing=0
  resp s2c "HTTP/1.1" 200 "OK" [incomplete]
    Content-Length: "10"
    body "part" wire=4 decoded=4 missing=0
`,
		stats: "http.requests=1\nhttp.responses=1\nhttp.transactions=1\nhttp.incomplete_messages=1\n",
	},
}

func TestConn(t *testing.T) {
	for _, tt := range connTests {
		t.Run(tt.name, func(t *testing.T) {
			txs, st := feedAll(t, tt.cfg, tt.evs)
			if got := dump(txs, false); got != tt.want {
				t.Errorf("transactions:\n%s\nwant:\n%s", got, tt.want)
			}
			if got := nonZero(&st); got != tt.stats {
				t.Errorf("stats:\n%s\nwant:\n%s", got, tt.stats)
			}
		})
	}
}
