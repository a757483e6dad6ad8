package extract

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"telltale/pipeline/decode"
	"telltale/pipeline/h1"
)

// Header is one request header as it was on the wire.
type Header struct{ Name, Value string }

// Request is one HTTP request.
type Request struct {
	Method, Host, URI string
	Headers           []Header
	ContentType       string
	Body              []byte // content-decoded, maybe truncated
	BodyTruncated     bool
}

// Response is the response to a request, when one was seen.
type Response struct {
	StatusCode    int
	Headers       []Header
	ContentType   string
	Body          []byte // content-decoded, maybe truncated
	BodyTruncated bool
}

// Payload is one telemetry document found in a request or its response.
type Payload struct {
	Location   string   // "query" | "form" | "body" | "header" | "cookie" | "multipart" | "response"
	Field      string   // field, parameter, part, header or cookie name; "" for a whole body
	Chain      []string // location step then decode steps, e.g. ["form:data_list","percent","base64","gzip","json"]
	SDK        string   // profile name (see DefaultProfiles), generic_json or opaque
	EncodedLen int      // bytes of the value as on the wire
	DecodedLen int      // bytes of JSON (or, for an opaque payload, of the innermost bytes reached)
	JSON       string   // decoded JSON text, valid UTF-8; a prefix when truncated; "" when none
	// CRC is the checksum the SDK sent with the payload, as sent; "" when
	// none. CRCChecked is true when telltale could check it, CRCOK when it
	// matched.
	CRC               string
	CRCChecked, CRCOK bool
	Encrypted         bool     // opaque or encrypted: JSON holds at most the envelope, no events
	Entropy           float64  // Shannon bits/byte of the innermost bytes; set when Encrypted
	Evidence          []Header // headers that told the vendor of an opaque payload
	Limit             string   // decode limit hit: "depth", "bytes" or "ratio"; "" when none
	// Layers are the bytes at each stage of the chain: the value as found,
	// then what each decode step produced (Layers[i+1] came out of
	// Chain[i+1]). They may alias the request.
	Layers []Layer
	Flags  []string // in this order: encrypted, truncated, limit, plus_repaired, utf8_repaired, undecoded, events_capped, fields_capped
	Events []Event
}

// Layer is one stage of a payload's decoding.
type Layer struct {
	Step string // chain step that produced it
	Data []byte
}

// Defaults for a zero Limits.
const (
	DefaultMaxEvents     = 10000
	DefaultMaxFields     = 10000
	DefaultMaxFieldBytes = 64 << 20
	DefaultMaxNesting    = 4
)

// Limits bounds one Extract. Zero values mean the defaults.
type Limits struct {
	Decode        decode.Limits
	MaxEvents     int   // events per payload
	MaxFields     int   // fields per event
	MaxFieldBytes int64 // path+value bytes of all fields of one payload
	MaxNesting    int   // levels of JSON found inside string values of JSON
}

func (l Limits) withDefaults() Limits {
	if l.MaxEvents <= 0 {
		l.MaxEvents = DefaultMaxEvents
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultMaxFields
	}
	if l.MaxFieldBytes <= 0 {
		l.MaxFieldBytes = DefaultMaxFieldBytes
	}
	if l.MaxNesting <= 0 {
		l.MaxNesting = DefaultMaxNesting
	}
	return l
}

// Location names.
const (
	LocQuery     = "query"
	LocForm      = "form"
	LocBody      = "body"
	LocHeader    = "header"
	LocCookie    = "cookie"
	LocMultipart = "multipart"
	LocResponse  = "response"
)

// Extractor finds telemetry with a fixed set of profiles. It is immutable
// and safe for concurrent use.
type Extractor struct {
	profiles []compiled
	lim      Limits
}

// New compiles profiles (DefaultProfiles when nil).
func New(profiles []Profile, lim Limits) (*Extractor, error) {
	if profiles == nil {
		profiles = DefaultProfiles()
	}
	e := &Extractor{lim: lim.withDefaults()}
	for _, p := range profiles {
		if p.Name == "" {
			return nil, fmt.Errorf("extract: a profile has no name")
		}
		switch p.Form {
		case "", FormJSON, FormParams, FormOpaque:
		default:
			return nil, fmt.Errorf("extract: profile %s: unknown form %q", p.Name, p.Form)
		}
		c := compiled{Profile: p}
		var err error
		if c.match, err = compileRules(p.Name, p.Match); err != nil {
			return nil, err
		}
		if c.encrypted, err = compileRules(p.Name, p.Encrypted); err != nil {
			return nil, err
		}
		c.keys = p.Keys
		e.profiles = append(e.profiles, c)
	}
	return e, nil
}

// extractor holds what one request's candidates share.
type extractor struct {
	*Extractor
	st      *Stats
	req     *Request
	host    string         // lower case, without port
	path    string         // request path
	params  []decode.Field // body fields, then query fields: where rule parameters are looked up
	matched *compiled      // the profile the request matched, or nil
	out     []Payload
}

// part is one body value: a form field, a multipart part or the whole body.
type part struct {
	loc, name string
	value     []byte
	raw       []byte // the value as on the wire when form decoding changed it, else nil
	encLen    int
	cut       bool // the value may be cut short by body truncation
}

// Extract finds telemetry with the default profiles; see
// (*Extractor).Extract.
func Extract(req *Request, lim Limits, st *Stats) []Payload {
	e, err := New(nil, lim)
	if err != nil {
		panic(err) // the default profiles compile
	}
	return e.Extract(req, nil, st)
}

// Extract finds the telemetry payloads in one request and its response
// (resp may be nil). Payloads come in a fixed order: query parameters in wire
// order, then the body (form fields in wire order, multipart parts in order,
// or the whole body), then headers in wire order, then cookies in wire order,
// then the response body. A parameter-list profile's payload comes first. st
// may be nil.
func (e *Extractor) Extract(req *Request, resp *Response, st *Stats) []Payload {
	if st == nil {
		st = new(Stats)
	}
	x := &extractor{Extractor: e, st: st, req: req}
	path, query := h1.SplitTarget(req.URI)
	x.path = path
	x.host = hostOf(req)
	queryFields := decode.ParseForm([]byte(query))
	parts := bodyParts(req)
	for _, p := range parts {
		// Only short values can be parameters worth looking up; the data
		// fields themselves need no second copy.
		if p.loc != LocBody && len(p.value) <= 1024 {
			x.params = append(x.params, decode.Field{Name: p.name, Value: string(p.value)})
		}
	}
	x.params = append(x.params, queryFields...)
	x.matched = x.match()

	paramsForm := x.matched != nil && x.matched.Form == FormParams
	if paramsForm {
		x.paramsPayload(queryFields, parts)
	} else {
		for _, f := range queryFields {
			x.candidate(part{loc: LocQuery, name: f.Name, value: []byte(f.Value), raw: formRaw(f), encLen: len(f.Raw)})
		}
	}
	for _, p := range parts {
		if paramsForm && p.loc == LocForm {
			continue
		}
		if paramsForm && p.loc == LocBody && x.paramsBody(p.value) {
			continue
		}
		x.candidate(p)
	}
	var cookieHeaders []string
	for _, h := range req.Headers {
		switch n := strings.ToLower(h.Name); {
		case n == "cookie":
			cookieHeaders = append(cookieHeaders, h.Value)
		case standardHeader(n):
			// Plain HTTP plumbing or credentials, never telemetry documents.
		default:
			x.candidate(part{loc: LocHeader, name: h.Name, value: []byte(h.Value), encLen: len(h.Value)})
		}
	}
	for _, v := range cookieHeaders {
		for c := range strings.SplitSeq(v, ";") {
			name, val, ok := strings.Cut(strings.TrimSpace(c), "=")
			if !ok {
				continue
			}
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			x.candidate(part{loc: LocCookie, name: strings.TrimSpace(name), value: []byte(val), encLen: len(val)})
		}
	}
	if resp != nil && len(resp.Body) > 0 {
		x.candidate(part{loc: LocResponse, value: resp.Body, encLen: len(resp.Body), cut: resp.BodyTruncated})
	}
	return x.out
}

// formRaw is a field's wire value when form decoding changed it.
func formRaw(f decode.Field) []byte {
	if f.Raw == f.Value {
		return nil
	}
	return []byte(f.Raw)
}

// hostOf is the request host, lower case, without port.
func hostOf(req *Request) string {
	h := req.Host
	if h == "" {
		if u, err := url.Parse(req.URI); err == nil {
			h = u.Host
		}
	}
	if hp, _, err := net.SplitHostPort(h); err == nil {
		h = hp
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// match returns the first profile one of whose rules the request meets.
func (x *extractor) match() *compiled {
	for i := range x.profiles {
		if x.holdsAny(x.profiles[i].match) {
			return &x.profiles[i]
		}
	}
	return nil
}

func (x *extractor) holdsAny(rs []rule) bool {
	for _, r := range rs {
		if x.holds(r) {
			return true
		}
	}
	return false
}

func (x *extractor) holds(r rule) bool {
	if r.host != "" && !glob(r.host, x.host) {
		return false
	}
	if r.path != "" && !glob(r.path, x.path) {
		return false
	}
	if r.ctype != "" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(x.req.ContentType)), r.ctype) {
		return false
	}
	for _, p := range r.params {
		v, ok := x.param(p.name)
		if !ok || p.re != nil && !p.re.MatchString(v) {
			return false
		}
	}
	if r.header.name != "" {
		found := false
		for _, h := range x.req.Headers {
			n := strings.ToLower(h.Name)
			if n == r.header.name || strings.HasSuffix(r.header.name, "-") && strings.HasPrefix(n, r.header.name) {
				if r.header.re == nil || r.header.re.MatchString(h.Value) {
					found = true
					break
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// crcParam returns the crc: the "crc" parameter, or crc=N inside "ext".
func (x *extractor) crcParam() (string, bool) {
	if v, ok := x.param("crc"); ok {
		if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32); err == nil {
			return v, true
		}
	}
	if ext, ok := x.param("ext"); ok {
		for _, f := range decode.ParseForm([]byte(ext)) {
			if f.Name == "crc" {
				return f.Value, true
			}
		}
	}
	return "", false
}

// param returns the decoded value of the first parameter called name.
func (x *extractor) param(name string) (string, bool) {
	for _, f := range x.params {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// bodyParts splits the body into the values to examine: multipart parts,
// urlencoded fields (declared, or a text body that looks like k=v&k=v as
// sendBeacon sends it), or the whole body.
func bodyParts(req *Request) []part {
	body := req.Body
	if len(body) == 0 {
		return nil
	}
	whole := []part{{loc: LocBody, value: body, encLen: len(body), cut: req.BodyTruncated}}
	mt, params, err := mime.ParseMediaType(req.ContentType)
	if err != nil {
		mt, _, _ = strings.Cut(strings.ToLower(req.ContentType), ";")
		mt = strings.TrimSpace(mt)
	}
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		if ps := multipartParts(body, params["boundary"]); len(ps) > 0 {
			if req.BodyTruncated {
				ps[len(ps)-1].cut = true
			}
			return ps
		}
		return whole
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return whole
	}
	if !looksLikeForm(body, mt == "application/x-www-form-urlencoded") {
		return whole
	}
	fields := decode.ParseForm(bytes.TrimRight(body, "\r\n"))
	ps := make([]part, len(fields))
	for i, f := range fields {
		ps[i] = part{loc: LocForm, name: f.Name, value: []byte(f.Value), raw: formRaw(f), encLen: len(f.Raw)}
	}
	if req.BodyTruncated && len(ps) > 0 {
		ps[len(ps)-1].cut = true
	}
	return ps
}

func multipartParts(body []byte, boundary string) []part {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var ps []part
	for {
		p, err := mr.NextPart()
		if err != nil {
			return ps
		}
		data, err := io.ReadAll(p)
		ps = append(ps, part{loc: LocMultipart, name: p.FormName(), value: data, encLen: len(data), cut: err != nil})
		if err != nil {
			return ps
		}
	}
}

// looksLikeForm accepts printable text with an '=' early on; when the body
// is not declared a form, the first name must also look like a parameter
// name and the value must not start with '=' (Base64 padding).
func looksLikeForm(b []byte, declared bool) bool {
	b = bytes.TrimRight(b, "\r\n")
	if len(b) == 0 || b[0] == '<' {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\r' && c != '\n' && c != '\t' || c == 0x7f {
			return false
		}
	}
	eq := bytes.IndexByte(b, '=')
	if eq < 0 || declared {
		return eq >= 0
	}
	if eq == 0 || eq > 128 || eq+1 < len(b) && b[eq+1] == '=' {
		return false
	}
	for _, c := range b[:eq] {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("_.-[]$%*+:~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// isJWT matches header.payload.signature in base64url with a JSON header,
// which is a credential, not telemetry.
func isJWT(v []byte) bool {
	if !bytes.HasPrefix(v, []byte("eyJ")) || bytes.Count(v, []byte{'.'}) != 2 {
		return false
	}
	for _, c := range v {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '=':
		default:
			return false
		}
	}
	return true
}

// telemetryName: field names that carry telemetry by convention.
func telemetryName(loc, name string) bool {
	if loc == LocBody || loc == LocHeader || loc == LocCookie {
		return false
	}
	switch name {
	case "data", "data_list", "e", "events":
		return true
	}
	return false
}

// validUTF8 returns b as valid UTF-8, invalid bytes replaced by U+FFFD.
func validUTF8(b []byte) ([]byte, bool) {
	if utf8.Valid(b) {
		return b, false
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD")), true
}
