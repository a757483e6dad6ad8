package publish

import (
	"net/url"
	"strings"
)

// Thresholds of the rules (see the package documentation).
const (
	minDictLen   = 6  // shorter values are replaced only where they are a whole cell
	minTokenLen  = 16 // shortest token run that isToken takes for an id
	maxFieldText = 64 // longer non-identifier strings in fields.value are redacted
)

// Redacted replaces a free-text value that is dropped rather than
// pseudonymized.
const Redacted = "[redacted]"

// scrubber applies the value rules. It is not safe for concurrent use.
type scrubber struct {
	ps      *pseudonymizer
	d       *dict               // nil when there is nothing to find
	clients map[string]struct{} // client addresses (flows.orig_h, http.orig_h)
	best    []int32             // scratch of dict.find
	pat     []int32
}

// pseud is the whole-value rule. An empty string stays empty: it carries
// nothing, and "" = "" joins keep working.
func (s *scrubber) pseud(v string) string {
	if v == "" {
		return ""
	}
	return s.ps.of(v)
}

// server keeps a server address unless the same address is a client
// elsewhere in the dataset (a device answering another device).
func (s *scrubber) server(v string) string {
	if _, ok := s.clients[v]; ok {
		return s.pseud(v)
	}
	return v
}

// text is the free-text rule: every occurrence of a dictionary value is
// replaced by its replacement (leftmost, longest; overlapping occurrences
// all go), and in what is left every e-mail address and every run of token
// bytes (isTokenByte) that passes isToken becomes its own pseudonym. Text
// needing no change is returned as is.
func (s *scrubber) text(v string) string {
	if s.d != nil && len(v) >= minDictLen {
		if cap(s.best) < len(v) {
			s.best, s.pat = make([]int32, len(v)), make([]int32, len(v))
		}
		best, pat := s.best[:len(v)], s.pat[:len(v)]
		if s.d.find(v, best, pat) {
			out := s.replace(v, best, pat)
			clear(best)
			return out
		}
	}
	if !gapNeedsWork(v) {
		return v
	}
	var b strings.Builder
	s.gap(&b, v)
	return b.String()
}

// replace writes v with the dictionary matches found by find replaced.
func (s *scrubber) replace(v string, best, pat []int32) string {
	var b strings.Builder
	b.Grow(len(v))
	last := 0
	for i := 0; i < len(v); {
		if best[i] == 0 {
			i++
			continue
		}
		s.gap(&b, v[last:i])
		end := i + int(best[i])
		b.WriteString(s.d.replacement(pat[i], v[i:end]))
		// A value overlapping the one replaced and reaching past it is
		// replaced too, so that no byte of any match stays in clear.
		for k := i + 1; k < end; k++ {
			if best[k] > 0 && k+int(best[k]) > end {
				b.WriteString(s.d.replacement(pat[k], v[k:k+int(best[k])]))
				end = k + int(best[k])
			}
		}
		i, last = end, end
	}
	s.gap(&b, v[last:])
	return b.String()
}

// isTokenByte reports the bytes of hex, Base64 (both alphabets), UUIDs and
// most session tokens. Dots and colons are not among them, so version
// numbers, times, host names and addresses split into short runs.
func isTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '+' || c == '/' || c == '=' || c == '_' || c == '-'
}

func isLocalByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-'
}

// isToken reports whether a run of token bytes is an identifier, a hash or
// a secret rather than a word: at least minTokenLen bytes with a digit, and
// random-looking: hex digits and dashes only (hashes, UUIDs, long numbers),
// or a quarter or more digits, or both letter cases (Base64). Names such as
// sensorsdata2015jssdkcross stay.
func isToken(run string) bool {
	if len(run) < minTokenLen {
		return false
	}
	digits, upper, lower, hex := 0, false, false, true
	for i := 0; i < len(run); i++ {
		c := run[i]
		switch {
		case '0' <= c && c <= '9':
			digits++
		case 'a' <= c && c <= 'z':
			lower = true
			hex = hex && c <= 'f'
		case 'A' <= c && c <= 'Z':
			upper = true
			hex = hex && c <= 'F'
		default:
			hex = hex && c == '-'
		}
	}
	return digits > 0 && (hex || 4*digits >= len(run) || upper && lower)
}

// nextRun returns the bounds of the first run of token bytes in g at or
// after i, or len(g), len(g).
func nextRun(g string, i int) (int, int) {
	for i < len(g) && !isTokenByte(g[i]) {
		i++
	}
	j := i
	for j < len(g) && isTokenByte(g[j]) {
		j++
	}
	return i, j
}

// gapNeedsWork reports whether gap would change g.
func gapNeedsWork(g string) bool {
	if strings.IndexByte(g, '@') >= 0 {
		return true
	}
	for i := 0; i < len(g); {
		a, e := nextRun(g, i)
		if isToken(g[a:e]) {
			return true
		}
		i = e
	}
	return false
}

// gap writes text that held no dictionary value: e-mail addresses and long
// tokens replaced.
func (s *scrubber) gap(b *strings.Builder, g string) {
	if !gapNeedsWork(g) {
		b.WriteString(g)
		return
	}
	pos := 0
	for from := 0; from < len(g); {
		k := strings.IndexByte(g[from:], '@')
		if k < 0 {
			break
		}
		k += from
		a, e := emailAround(g, pos, k)
		if a < 0 {
			from = k + 1
			continue
		}
		s.tokens(b, g[pos:a])
		b.WriteString(s.ps.of(g[a:e]))
		pos, from = e, e
	}
	s.tokens(b, g[pos:])
}

// emailAround returns the e-mail address around the '@' at k, not reaching
// before lo, or -1: a non-empty local part and a domain with an inner dot.
func emailAround(g string, lo, k int) (int, int) {
	a := k
	for a > lo && isLocalByte(g[a-1]) {
		a--
	}
	e := k + 1
	for e < len(g) && isDomainByte(g[e]) {
		e++
	}
	for e > k+1 && (g[e-1] == '.' || g[e-1] == '-') {
		e--
	}
	dom := g[k+1 : e]
	if a == k || strings.IndexByte(dom, '.') <= 0 {
		return -1, -1
	}
	return a, e
}

// tokens writes g with its token runs that pass isToken replaced.
func (s *scrubber) tokens(b *strings.Builder, g string) {
	for i := 0; i < len(g); {
		a, e := nextRun(g, i)
		b.WriteString(g[i:a])
		if isToken(g[a:e]) {
			b.WriteString(s.ps.of(g[a:e]))
		} else {
			b.WriteString(g[a:e])
		}
		i = e
	}
}

// path is the rule of request paths: each '/'-separated segment gets the
// text rule; a percent-encoded segment whose decoded form would change
// becomes the pseudonym of the decoded form.
func (s *scrubber) path(p string) string {
	if !strings.Contains(p, "%") {
		out := s.textSegments(p)
		return out
	}
	var b strings.Builder
	for i, seg := range strings.Split(p, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if strings.IndexByte(seg, '%') >= 0 {
			if d, err := url.PathUnescape(seg); err == nil && d != seg && s.text(d) != d {
				b.WriteString(s.ps.of(d))
				continue
			}
		}
		b.WriteString(s.text(seg))
	}
	return b.String()
}

// textSegments applies text to each segment of a path without '%'.
func (s *scrubber) textSegments(p string) string {
	changed := false
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if t := s.text(seg); t != seg {
			segs[i], changed = t, true
		}
	}
	if !changed {
		return p
	}
	return strings.Join(segs, "/")
}

// query is the rule of query strings: parameter names get the text rule,
// every non-empty value becomes the pseudonym of its decoded form, and a
// part without '=' is taken for a value.
func (s *scrubber) query(q string) string {
	if q == "" {
		return q
	}
	var b strings.Builder
	for i, part := range strings.Split(q, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		k := strings.IndexByte(part, '=')
		if k < 0 {
			if part != "" {
				b.WriteString(s.ps.of(unescapeQuery(part)))
			}
			continue
		}
		b.WriteString(s.text(part[:k]))
		b.WriteByte('=')
		if v := part[k+1:]; v != "" {
			b.WriteString(s.ps.of(unescapeQuery(v)))
		}
	}
	return b.String()
}

func unescapeQuery(v string) string {
	if d, err := url.QueryUnescape(v); err == nil {
		return d
	}
	return v
}

// uri is the rule of request targets: an absolute URI keeps its scheme and
// host (userinfo becomes a pseudonym), the path gets the path rule, the
// query the query rule, and a fragment becomes a pseudonym.
func (s *scrubber) uri(u string) string {
	var frag, q string
	hasFrag, hasQ := false, false
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, frag, hasFrag = u[:i], u[i+1:], true
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u, q, hasQ = u[:i], u[i+1:], true
	}
	var b strings.Builder
	if j := strings.Index(u, "://"); j > 0 && !strings.ContainsAny(u[:j], "/?#") {
		b.WriteString(u[:j+3])
		rest := u[j+3:]
		auth := rest
		if k := strings.IndexByte(rest, '/'); k >= 0 {
			auth, rest = rest[:k], rest[k:]
		} else {
			rest = ""
		}
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			b.WriteString(s.pseud(auth[:at]))
			b.WriteByte('@')
			auth = auth[at+1:]
		}
		b.WriteString(s.text(auth))
		u = rest
	}
	b.WriteString(s.path(u))
	if hasQ {
		b.WriteByte('?')
		b.WriteString(s.query(q))
	}
	if hasFrag {
		b.WriteByte('#')
		b.WriteString(s.pseud(frag))
	}
	return b.String()
}

// header is the rule of one header value, by lower-case header name.
func (s *scrubber) header(lname, v string) string {
	if v == "" {
		return v
	}
	switch lname {
	case "cookie":
		return s.cookies(v, false)
	case "set-cookie":
		return s.cookies(v, true)
	case "authorization", "proxy-authorization",
		"referer", "location", "content-location", "x-original-url", "x-rewrite-url",
		"x-forwarded-for", "x-real-ip", "forwarded", "true-client-ip", "cf-connecting-ip",
		"x-client-ip", "x-cluster-client-ip":
		return s.ps.of(v)
	}
	return s.text(v)
}

// cookies is the rule of Cookie (and, with set, Set-Cookie) values: each
// ';'-separated pair keeps its name and gets the pseudonym of its value;
// the attributes after a Set-Cookie's first pair get the text rule.
func (s *scrubber) cookies(v string, set bool) string {
	var b strings.Builder
	for i, part := range strings.Split(v, ";") {
		if i > 0 {
			b.WriteByte(';')
		}
		t := strings.TrimLeft(part, " \t")
		b.WriteString(part[:len(part)-len(t)])
		switch k := strings.IndexByte(t, '='); {
		case t == "":
		case set && i > 0:
			b.WriteString(s.text(t))
		case k < 0:
			b.WriteString(s.ps.of(t))
		default:
			b.WriteString(s.text(t[:k]))
			b.WriteByte('=')
			b.WriteString(s.pseud(t[k+1:]))
		}
	}
	return b.String()
}

// fieldValue is the rule of fields.value, which depends on the row's
// id_kind, json_type and path.
func (s *scrubber) fieldValue(v string, idKind bool, jsonType, path string) string {
	switch {
	case idKind:
		return s.pseud(v)
	case jsonType != "string" || v == "":
		return v
	case contentKey(path):
		return s.ps.of(v)
	case len(v) > maxFieldText:
		return Redacted
	}
	return s.text(v)
}

// contentKey reports whether the last key of a field path names what a
// person read, typed or searched (see contentKeys).
func contentKey(path string) bool {
	k := path[strings.LastIndexByte(path, '.')+1:]
	if i := strings.IndexByte(k, '['); i >= 0 {
		k = k[:i]
	}
	_, ok := contentKeys[strings.ToLower(k)]
	return ok
}

// contentKeys are field keys whose string values are content rather than
// telemetry: page titles, page addresses and paths, referrers, clicked text
// and search terms. The extractor marks most URLs and search terms with an
// id_kind already; these catch what it leaves, such as relative paths.
var contentKeys = map[string]struct{}{
	"title": {}, "$title": {}, "page_title": {}, "$page_title": {}, "current_page_title": {}, "document_title": {}, "dt": {},
	"url": {}, "$url": {}, "$current_url": {}, "current_url": {}, "page_url": {}, "page_location": {}, "dl": {}, "href": {},
	"$url_path": {}, "url_path": {}, "current_url_path": {}, "page_path": {}, "dp": {},
	"referrer": {}, "$referrer": {}, "$latest_referrer": {}, "$initial_referrer": {}, "page_referrer": {}, "dr": {},
	"$element_content": {}, "element_content": {}, "$element_text": {},
	"keyword": {}, "keywords": {}, "search": {}, "search_term": {}, "$search_keyword": {}, "$latest_search_keyword": {},
	"query": {}, "q": {}, "term": {},
}
