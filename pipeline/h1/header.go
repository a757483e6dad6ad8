package h1

import "bytes"

// splitHeader splits "Name: value". Whitespace before the colon (which RFC
// 9112 forbids) is dropped and sets lenient; the value loses its optional
// whitespace on both sides. A line without a colon, or with an empty name,
// is not a header line.
func splitHeader(line []byte) (name, value []byte, lenient, ok bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return
	}
	name = trimRightWS(line[:colon])
	if len(name) == 0 {
		return
	}
	lenient = len(name) != colon
	return name, trimWS(line[colon+1:]), lenient, true
}

// interned holds the strings that recur in almost every message: looking a
// byte slice up with m[string(b)] does not allocate, so common header names,
// methods, versions and reason phrases cost nothing to keep. Read-only after
// package initialisation.
var interned = func() map[string]string {
	words := []string{
		// versions and methods
		"HTTP/1.1", "HTTP/1.0", "GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS",
		"PATCH", "CONNECT", "TRACE", "PROPFIND",
		// reason phrases
		"OK", "Created", "Accepted", "No Content", "Partial Content", "Continue",
		"Switching Protocols", "Moved Permanently", "Found", "See Other", "Not Modified",
		"Temporary Redirect", "Bad Request", "Unauthorized", "Forbidden", "Not Found",
		"Method Not Allowed", "Internal Server Error", "Bad Gateway", "Service Unavailable",
		"Connection established", "Connection Established",
		// header names, in the spellings seen on the wire
		"Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Accept-Charset",
		"Accept-Ranges", "Age", "Authorization", "Cache-Control", "Connection", "Content-Encoding",
		"Content-Language", "Content-Length", "Content-Type", "Content-Disposition", "Cookie",
		"Date", "ETag", "Etag", "Expect", "Expires", "Keep-Alive", "Last-Modified", "Location",
		"Origin", "Pragma", "Proxy-Connection", "Range", "Referer", "Server", "Set-Cookie",
		"Transfer-Encoding", "Upgrade", "Vary", "Via", "X-Requested-With", "X-Forwarded-For",
		"host", "user-agent", "accept", "accept-encoding", "accept-language", "connection",
		"content-encoding", "content-length", "content-type", "cookie", "date", "server",
		"cache-control", "transfer-encoding",
		// header values
		"keep-alive", "close", "Keep-Alive", "Close", "gzip", "chunked", "*/*", "identity",
		"no-cache", "application/json", "text/html", "text/plain", "application/octet-stream",
		"application/x-www-form-urlencoded", "gzip, deflate", "gzip, deflate, br",
	}
	m := make(map[string]string, len(words))
	for _, w := range words {
		m[w] = w
	}
	return m
}()

// intern returns b as a string, shared when it is a common word.
func intern(b []byte) string {
	if s, ok := interned[string(b)]; ok {
		return s
	}
	return string(b)
}
