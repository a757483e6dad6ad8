package h1

import "bytes"

// maxMethod is the longest method token accepted. Real methods are short
// (VERSION-CONTROL is 15); a longer run of capitals is not a request line.
const maxMethod = 20

func isMethodChar(c byte) bool { return c >= 'A' && c <= 'Z' || c == '-' || c == '_' }
func isWS(c byte) bool         { return c == ' ' || c == '\t' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }

// version checks an HTTP-version token: "HTTP/d.d", or leniently anything
// else that starts with "HTTP/" and a digit ("HTTP/1.", "HTTP/1.00",
// "HTTP/1.0.8" are all seen in the wild). The major version must be 0 or 1:
// "PRI * HTTP/2.0" is the HTTP/2 preface, not HTTP/1.
func version(v []byte) (ok, lenient bool) {
	if len(v) < 6 || string(v[:5]) != "HTTP/" || v[5] > '1' || !isDigit(v[5]) {
		return false, false
	}
	return true, len(v) != 8 || v[6] != '.' || !isDigit(v[7])
}

// parseRequestLine parses METHOD SP request-target SP HTTP-version, leniently:
// runs of spaces or tabs between the parts, trailing whitespace, whitespace
// inside the target (taken as part of it), a missing target, an odd version,
// no version at all (registered methods or a glued version only, vers nil)
// and a registered method alone (target and vers nil) set lenient. Every
// line rejected by viableRequest is rejected here too, which keeps the
// early rejection of partial lines consistent with whole lines.
func parseRequestLine(line []byte) (method, target, vers []byte, lenient, ok bool) {
	n := 0
	for n < len(line) && n <= maxMethod && isMethodChar(line[n]) {
		n++
	}
	if n == 0 || n > maxMethod || line[0] < 'A' || line[0] > 'Z' || n < len(line) && !isWS(line[n]) {
		return
	}
	method = line[:n]
	rest := trimRightWS(line[n:])
	if len(rest) == 0 {
		// A registered method alone ("OPTIONS"): a request whose target
		// and version the client left out. Its header block and the
		// server's answer follow as usual.
		if knownMethodBytes(method) {
			return method, nil, nil, true, true
		}
		return nil, nil, nil, false, false
	}
	sp := lastWS(rest)
	if sp < 0 {
		return nil, nil, nil, false, false // not reached: rest starts with whitespace
	}
	vers = rest[sp+1:]
	vok, vlenient := version(vers)
	if !vok {
		// An origin-form target alone: HTTP/0.9, or a version glued to
		// the target ("GET /HTTP/1.1"). Without a version only a
		// registered method is believed, or a target ending in the glued
		// version, which no other text protocol sends ("CCM_POST
		// /HTTP/1.1").
		target = trimWS(rest)
		if target[0] == '/' && bytes.IndexAny(target, " \t") < 0 && (knownMethodBytes(method) || gluedVersion(target)) {
			return method, target, nil, true, true
		}
		return nil, nil, nil, false, false
	}
	target = trimWS(rest[:sp])
	canonical := len(target) > 0 && !vlenient &&
		len(line) == n+1+len(target)+1+len(vers) &&
		line[n] == ' ' && line[n+1+len(target)] == ' ' &&
		bytes.IndexByte(target, ' ') < 0 && bytes.IndexByte(target, '\t') < 0
	return method, target, vers, !canonical, true
}

// gluedVersion reports a target that ends in an HTTP/1 version with no
// space before it.
func gluedVersion(target []byte) bool {
	return bytes.HasSuffix(target, []byte("HTTP/1.1")) || bytes.HasSuffix(target, []byte("HTTP/1.0"))
}

// parsePartialRequest reads what it can of a request line cut short: a
// method, whitespace and a target (up to whitespace or the cut).
func parsePartialRequest(line []byte) (method, target []byte, ok bool) {
	n := 0
	for n < len(line) && n <= maxMethod && isMethodChar(line[n]) {
		n++
	}
	if n == 0 || n > maxMethod || line[0] < 'A' || line[0] > 'Z' || n == len(line) || !isWS(line[n]) {
		return
	}
	target = trimLeftWS(line[n:])
	if i := bytes.IndexAny(target, " \t"); i >= 0 {
		target = target[:i]
	}
	return line[:n], target, len(target) > 0
}

// parseStatusLine parses HTTP/1.d SP 3DIGIT SP reason, leniently: an odd
// version ("HTTP/1.00", "HTTP/1.", a corrupted minor digit as in
// "HTTP/1.\xc5", a NUL as in "HTTP/1\x00.1"), runs of spaces or tabs, a code
// under 100 and a missing reason phrase (no SP after the code) set lenient.
// "HTTP/1" and a status code make a status line whatever bytes complete
// the version: no other protocol starts a line so.
func parseStatusLine(line []byte) (vers []byte, code int, reason []byte, lenient, ok bool) {
	if len(line) < 10 || string(line[:6]) != "HTTP/1" {
		return
	}
	v := 6
	for v < len(line) && !isWS(line[v]) {
		v++
	}
	vers = line[:v]
	lenient = v != 8 || line[6] != '.' || !isDigit(line[7]) // "HTTP/1.00", "HTTP/1.1x", "HTTP/1.", "HTTP/1.\xc5", "HTTP/1\x00.1"
	rest := line[v:]
	nsp := 0
	for nsp < len(rest) && isWS(rest[nsp]) {
		nsp++
	}
	if nsp == 0 {
		return
	}
	lenient = lenient || nsp != 1 || rest[0] != ' '
	rest = rest[nsp:]
	if len(rest) < 3 || !isDigit(rest[0]) || !isDigit(rest[1]) || !isDigit(rest[2]) {
		return
	}
	code = int(rest[0]-'0')*100 + int(rest[1]-'0')*10 + int(rest[2]-'0')
	if code < 100 {
		lenient = true // "000" and the like: invalid, but plainly a response
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
	return vers, code, reason, lenient, true
}

// maxJunk is how many leading bytes may precede a start line where the
// parser is looking for one (a direction's first line, or after a
// resync): a TCP keep-alive probe byte, a SOCKS handshake, the tail of a
// message whose framing was lost.
const maxJunk = 64

// findStart looks for a start line this direction may carry at the start
// of ln or, with junk, after up to maxJunk leading bytes. skip is where it
// begins.
func findStart(ln []byte, r role, junk bool) (m *Message, isReq bool, skip int) {
	last := 0
	if junk {
		last = min(maxJunk, len(ln)-1)
	}
	for j := 0; j <= last; j++ {
		if j > 0 && (ln[j] < 'A' || ln[j] > 'Z') {
			continue
		}
		if m, isReq = parseStart(ln[j:], r); m != nil && (j == 0 || !isReq || knownMethod(m.Method) && m.Version != "") {
			return m, isReq, j
		}
	}
	if junk {
		if j := gluedStart(ln, r); j > 0 {
			if m, isReq = parseStart(ln[j:], r); m != nil && (!isReq || knownMethod(m.Method) && m.Version != "") {
				return m, isReq, j
			}
		}
	}
	return nil, false, 0
}

// gluedStart finds a start line that follows more than maxJunk bytes of
// junk on the same line, as when a gap took a message's header and its body
// runs straight into the next start line ("...&crc=1POST /sa HTTP/1.1").
// It anchors on the version, which is rare in other text: for a request,
// " HTTP/1." ending the line, preceded by a target and a registered method;
// for a response, the last "HTTP/1." followed by a space and a status code.
// It returns where the start line begins, or -1.
func gluedStart(ln []byte, r role) int {
	if r != roleResponse {
		if v := bytes.LastIndex(ln, []byte(" HTTP/1.")); v > 0 {
			if t := bytes.LastIndexByte(ln[:v], ' '); t > 0 {
				for _, m := range knownMethodList {
					if j := t - len(m); j > 0 && string(ln[j:t]) == m {
						return j
					}
				}
			}
		}
	}
	if r != roleRequest {
		if v := bytes.LastIndex(ln, []byte("HTTP/1.")); v > 0 && v+12 <= len(ln) && ln[v+8] == ' ' &&
			isDigit(ln[v+9]) && isDigit(ln[v+10]) && isDigit(ln[v+11]) {
			return v
		}
	}
	return -1
}

// knownMethodList are the registered methods, longest first, so that a
// suffix match finds UNLOCK before LOCK and UNSUBSCRIBE before SUBSCRIBE.
var knownMethodList = [...]string{
	"UNSUBSCRIBE", "PROPPATCH", "SUBSCRIBE", "PROPFIND", "OPTIONS", "CONNECT", "UNLOCK", "DELETE",
	"SEARCH", "REPORT", "NOTIFY", "PATCH", "TRACE", "MKCOL", "POST", "HEAD", "COPY", "MOVE", "LOCK",
	"GET", "PUT",
}

// knownMethod reports a registered method. After junk only these are
// believed, and only with a version: a SOCKS handshake for port 80 ends in
// 'P', which would make "PGET" of a GET, and "CCM_POST /x" is no POST.
func knownMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
		"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT",
		"NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE":
		return true
	}
	return false
}

// knownMethodBytes is knownMethod for bytes; a switch on string(b) does
// not convert.
func knownMethodBytes(b []byte) bool {
	switch string(b) {
	case "GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
		"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT",
		"NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE":
		return true
	}
	return false
}

// parseStart parses ln as a request line or a status line, as r allows.
func parseStart(ln []byte, r role) (*Message, bool) {
	if r != roleResponse {
		if method, target, vers, lenient, ok := parseRequestLine(ln); ok {
			m := &Message{Method: intern(method), URI: string(target), Version: intern(vers)}
			if lenient {
				m.Flags |= FlagLenient
			}
			return m, true
		}
	}
	if r != roleRequest {
		if vers, code, reason, lenient, ok := parseStatusLine(ln); ok {
			m := &Message{Version: intern(vers), StatusCode: code, Reason: intern(reason)}
			if lenient {
				m.Flags |= FlagLenient
			}
			return m, false
		}
	}
	return nil, false
}

// findPartialStart is findStart for a request line cut short. With no
// version to confirm it, only a registered method makes it a request.
func findPartialStart(ln []byte, r role) (*Message, bool, int) {
	if r == roleResponse {
		return nil, false, 0
	}
	for j := 0; j <= min(maxJunk, len(ln)-1); j++ {
		if j > 0 && (ln[j] < 'A' || ln[j] > 'Z') {
			continue
		}
		if method, target, ok := parsePartialRequest(ln[j:]); ok && knownMethodBytes(method) {
			return &Message{Method: intern(method), URI: string(target)}, true, j
		}
	}
	return nil, false, 0
}

// viableStart reports whether p, the first bytes of a line, can still hold
// a start line for role (or be an empty line between messages); with junk,
// after up to maxJunk leading bytes. Only the part before a '\n' and only
// the first bytes are looked at, so the check is cheap on every push.
func viableStart(p []byte, r role, junk bool) bool {
	if len(p) > maxJunk+maxMethod+2 {
		p = p[:maxJunk+maxMethod+2]
	}
	k := bytes.IndexByte(p, '\n')
	complete := k >= 0
	if complete {
		p = p[:k]
	}
	if len(p) == 0 || len(p) == 1 && p[0] == '\r' {
		return true
	}
	last := 0
	if junk {
		last = maxJunk
	}
	for j := 0; j <= last && j <= len(p); j++ {
		if j == len(p) {
			return !complete // the bytes that decide are still to come
		}
		if r != roleResponse && viableRequest(p[j:]) || r != roleRequest && viableStatus(p[j:]) {
			return true
		}
	}
	return false
}

func viableRequest(p []byte) bool {
	if len(p) > maxMethod+2 {
		p = p[:maxMethod+2]
	}
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
	// A registered method alone on its line ends in CR (see
	// parseRequestLine); viableStart has cut p at the LF.
	return n == len(p) || isWS(p[n]) || p[n] == '\r' && n+1 == len(p) && knownMethodBytes(p[:n])
}

func viableStatus(p []byte) bool {
	const prefix = "HTTP/1"
	n := min(len(p), len(prefix))
	return string(p[:n]) == prefix[:n]
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
