package h1

import "bytes"

// maxMethod is the longest method token accepted. Real methods are short
// (VERSION-CONTROL is 15); a longer run of capitals is not a request line.
const maxMethod = 20

func isMethodChar(c byte) bool { return c >= 'A' && c <= 'Z' || c == '-' || c == '_' }
func isWS(c byte) bool         { return c == ' ' || c == '\t' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }

// isVersion reports whether v is "HTTP/d.d".
func isVersion(v []byte) bool {
	return len(v) == 8 && string(v[:5]) == "HTTP/" && isDigit(v[5]) && v[6] == '.' && isDigit(v[7])
}

// parseRequestLine parses METHOD SP request-target SP HTTP-version, leniently:
// runs of spaces or tabs between the parts, trailing whitespace and
// whitespace inside the target (taken as part of it) set lenient. The major
// version must be 0 or 1: "PRI * HTTP/2.0" is the HTTP/2 preface, not HTTP/1.
// Every line rejected by viableRequest is rejected here too, which keeps the
// early rejection of partial lines consistent with whole lines.
func parseRequestLine(line []byte) (method, target, version []byte, lenient, ok bool) {
	n := 0
	for n < len(line) && n <= maxMethod && isMethodChar(line[n]) {
		n++
	}
	if n == 0 || n > maxMethod || line[0] < 'A' || line[0] > 'Z' || n == len(line) || !isWS(line[n]) {
		return
	}
	method = line[:n]
	rest := trimRightWS(line[n:])
	sp := lastWS(rest)
	if sp < 0 {
		return
	}
	version = rest[sp+1:]
	if !isVersion(version) || version[5] > '1' {
		return
	}
	target = trimWS(rest[:sp])
	if len(target) == 0 {
		return
	}
	canonical := len(line) == n+1+len(target)+1+len(version) &&
		line[n] == ' ' && line[n+1+len(target)] == ' ' &&
		bytes.IndexByte(target, ' ') < 0 && bytes.IndexByte(target, '\t') < 0
	return method, target, version, !canonical, true
}

// parseStatusLine parses HTTP/1.d SP 3DIGIT SP reason, leniently: runs of
// spaces or tabs, and a missing reason phrase (no SP after the code), set
// lenient.
func parseStatusLine(line []byte) (version []byte, code int, reason []byte, lenient, ok bool) {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || !isDigit(line[7]) {
		return
	}
	version = line[:8]
	rest := line[8:]
	nsp := 0
	for nsp < len(rest) && isWS(rest[nsp]) {
		nsp++
	}
	if nsp == 0 {
		return
	}
	lenient = nsp != 1 || rest[0] != ' '
	rest = rest[nsp:]
	if len(rest) < 3 || !isDigit(rest[0]) || !isDigit(rest[1]) || !isDigit(rest[2]) {
		return
	}
	code = int(rest[0]-'0')*100 + int(rest[1]-'0')*10 + int(rest[2]-'0')
	if code < 100 {
		return
	}
	rest = rest[3:]
	switch {
	case len(rest) == 0:
		lenient = true
	case !isWS(rest[0]):
		return
	default:
		reason = trimLeftWS(rest)
		if rest[0] != ' ' || len(reason) != len(rest)-1 && len(reason) > 0 {
			lenient = true
		}
	}
	return version, code, reason, lenient, true
}

// viableStart reports whether p, the first bytes of a line, can still begin
// a start line for role (or an empty line between messages). Only the part
// before a '\n' and only the first few bytes are looked at, so the check is
// cheap on every push.
func viableStart(p []byte, r role) bool {
	if len(p) > maxMethod+2 {
		p = p[:maxMethod+2]
	}
	if k := bytes.IndexByte(p, '\n'); k >= 0 {
		p = p[:k]
	}
	if len(p) == 0 {
		return true
	}
	if p[0] == '\r' {
		return len(p) == 1
	}
	return r != roleResponse && viableRequest(p) || r != roleRequest && viableStatus(p)
}

func viableRequest(p []byte) bool {
	if p[0] < 'A' || p[0] > 'Z' {
		return false
	}
	n := 0
	for n < len(p) && n <= maxMethod && isMethodChar(p[n]) {
		n++
	}
	if n > maxMethod {
		return false
	}
	return n == len(p) || isWS(p[n])
}

func viableStatus(p []byte) bool {
	const prefix = "HTTP/1."
	n := min(len(p), len(prefix))
	if string(p[:n]) != prefix[:n] {
		return false
	}
	return len(p) == n || isDigit(p[n])
}

// signature reports whether p, the first bytes of a direction, are those of
// a known non-HTTP/1 protocol (TLS record, SSH banner, HTTP/2 preface). Such a
// direction is never revived later as HTTP.
func signature(p []byte) bool {
	if len(p) > 0 && p[0] >= 0x14 && p[0] <= 0x17 {
		return true
	}
	return bytes.HasPrefix(p, []byte("SSH-")) || bytes.HasPrefix(p, []byte("PRI * HTTP/2.0"))
}

func trimWS(b []byte) []byte { return trimRightWS(trimLeftWS(b)) }

func trimLeftWS(b []byte) []byte {
	for len(b) > 0 && isWS(b[0]) {
		b = b[1:]
	}
	return b
}

func trimRightWS(b []byte) []byte {
	for len(b) > 0 && isWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func lastWS(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if isWS(b[i]) {
			return i
		}
	}
	return -1
}
