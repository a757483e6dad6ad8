package tlshello

import (
	"errors"
	"strings"
)

// Error classes. Every parse error wraps exactly one of them, so callers
// can count by class with errors.Is.
var (
	// ErrTruncated: the body ended inside a field or a length ran past it.
	ErrTruncated = errors.New("tlshello: truncated")
	// ErrMalformed: lengths fit but a value breaks the protocol's rules.
	ErrMalformed = errors.New("tlshello: malformed")
)

// Extension types this package reads.
const (
	extServerName           = 0
	extSupportedGroups      = 10
	extECPointFormats       = 11
	extSignatureAlgorithms  = 13
	extALPN                 = 16
	extEncryptThenMAC       = 22
	extExtendedMasterSecret = 23
	extPreSharedKey         = 41
	extEarlyData            = 42
	extSupportedVersions    = 43
)

// helloRetryRandom is the Random of a HelloRetryRequest (RFC 8446 4.1.3):
// SHA-256 of "HelloRetryRequest".
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// reader walks a byte slice. It records the first failure and turns every
// later read into a no-op, so parsers check once per field group instead of
// after every read. what names the field that failed.
type reader struct {
	b    []byte
	err  error
	what string
}

func (r *reader) fail(what string, class error) {
	if r.err == nil {
		r.err, r.what = class, what
	}
}

func (r *reader) empty() bool { return len(r.b) == 0 }

func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.fail(what, ErrTruncated)
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8(what string) uint8 {
	v := r.bytes(1, what)
	if v == nil {
		return 0
	}
	return v[0]
}

func (r *reader) u16(what string) uint16 {
	v := r.bytes(2, what)
	if v == nil {
		return 0
	}
	return uint16(v[0])<<8 | uint16(v[1])
}

// vec8 and vec16 read a vector with a 1- or 2-byte length prefix.
func (r *reader) vec8(what string) []byte  { return r.bytes(int(r.u8(what)), what) }
func (r *reader) vec16(what string) []byte { return r.bytes(int(r.u16(what)), what) }

// sub returns a reader over a length-prefixed vector of r.
// The sub-reader starts failed when r has failed, so loops over it stop.
func (r *reader) sub16(what string) reader {
	v := r.vec16(what)
	return reader{b: v, err: r.err, what: r.what}
}

// adopt takes over the first failure of a sub-reader.
func (r *reader) adopt(s *reader) {
	if s.err != nil {
		r.fail(s.what, s.err)
	}
}

// done requires the reader to be exhausted.
func (r *reader) done(what string) {
	if r.err == nil && len(r.b) != 0 {
		r.fail(what+": trailing bytes", ErrMalformed)
	}
}

// error builds the returned error; msg names the message being parsed.
func (r *reader) error(msg string) error {
	if r.err == nil {
		return nil
	}
	return &parseError{msg: msg + ": " + r.what, class: r.err}
}

// parseError reads "tlshello: client hello: random: truncated" rather than
// repeating the package name of the class it wraps.
type parseError struct {
	msg   string
	class error
}

func (e *parseError) Error() string {
	return e.msg + ": " + strings.TrimPrefix(e.class.Error(), "tlshello: ")
}

func (e *parseError) Unwrap() error { return e.class }

// u16list decodes a vector of uint16 values; odd lengths are malformed.
func (r *reader) u16list(v []byte, what string) []uint16 {
	if r.err != nil {
		return nil
	}
	if len(v)%2 != 0 {
		r.fail(what+": odd length", ErrMalformed)
		return nil
	}
	out := make([]uint16, len(v)/2)
	for i := range out {
		out[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
	}
	return out
}

// ParseClientHello parses a ClientHello body. The result shares no memory
// with body, so body may be a reused buffer.
func ParseClientHello(body []byte) (*ClientHello, error) {
	r := reader{b: body}
	var h ClientHello
	h.LegacyVersion = r.u16("legacy_version")
	copy(h.Random[:], r.bytes(32, "random"))
	sid := r.vec8("session_id")
	if len(sid) > 32 {
		r.fail("session_id: longer than 32 bytes", ErrMalformed)
	}
	h.SessionID = append([]byte(nil), sid...)
	h.CipherSuites = r.u16list(r.vec16("cipher_suites"), "cipher_suites")
	if r.err == nil && len(h.CipherSuites) == 0 {
		r.fail("cipher_suites: empty", ErrMalformed)
	}
	cm := r.vec8("compression_methods")
	if r.err == nil && len(cm) == 0 {
		r.fail("compression_methods: empty", ErrMalformed)
	}
	h.CompressionMethods = append([]byte(nil), cm...)
	// SSL 3.0 and early TLS clients may end the hello here.
	if r.err == nil && !r.empty() {
		h.Extensions = r.extensions("extensions", h.clientExtension)
	}
	if err := r.error("tlshello: client hello"); err != nil {
		return nil, err
	}
	return &h, nil
}

// clientExtension decodes the extensions a ClientHello fingerprint or a
// passive observer needs; failures are recorded in r.
func (h *ClientHello) clientExtension(r *reader, typ uint16, data []byte) {
	e := reader{b: data}
	switch typ {
	case extServerName:
		list := e.sub16("server_name")
		for list.err == nil && !list.empty() {
			kind := list.u8("server_name: name type")
			name := list.vec16("server_name: name")
			if list.err == nil && kind == 0 && h.ServerName == "" {
				if len(name) == 0 {
					list.fail("server_name: empty host_name", ErrMalformed)
				}
				h.ServerName = string(name)
			}
		}
		e.adopt(&list)
		e.done("server_name")
	case extALPN:
		h.ALPN = parseALPNList(&e)
	case extSupportedVersions:
		h.SupportedVersions = e.u16list(e.vec8("supported_versions"), "supported_versions")
		e.done("supported_versions")
	case extSignatureAlgorithms:
		h.SignatureAlgorithms = e.u16list(e.vec16("signature_algorithms"), "signature_algorithms")
		e.done("signature_algorithms")
	case extSupportedGroups:
		h.SupportedGroups = e.u16list(e.vec16("supported_groups"), "supported_groups")
		e.done("supported_groups")
	case extECPointFormats:
		h.ECPointFormats = append([]uint8{}, e.vec8("ec_point_formats")...)
		e.done("ec_point_formats")
	case extPreSharedKey:
		h.PSK = true
	case extEarlyData:
		h.EarlyData = true
	}
	r.adopt(&e)
}

// parseALPNList reads a ProtocolNameList (RFC 7301 3.1).
func parseALPNList(e *reader) []string {
	list := e.sub16("alpn")
	var out []string
	for list.err == nil && !list.empty() {
		p := list.vec8("alpn: protocol")
		if list.err == nil && len(p) == 0 {
			list.fail("alpn: empty protocol", ErrMalformed)
		}
		if list.err == nil {
			out = append(out, string(p))
		}
	}
	if list.err == nil && len(out) == 0 {
		list.fail("alpn: empty list", ErrMalformed)
	}
	e.adopt(&list)
	e.done("alpn")
	return out
}

// ParseServerHello parses a ServerHello body, or a HelloRetryRequest
// (recognised by its Random). The result shares no memory with body.
func ParseServerHello(body []byte) (*ServerHello, error) {
	r := reader{b: body}
	var h ServerHello
	h.LegacyVersion = r.u16("legacy_version")
	copy(h.Random[:], r.bytes(32, "random"))
	sid := r.vec8("session_id")
	if len(sid) > 32 {
		r.fail("session_id: longer than 32 bytes", ErrMalformed)
	}
	h.SessionID = append([]byte(nil), sid...)
	h.CipherSuite = r.u16("cipher_suite")
	h.CompressionMethod = r.u8("compression_method")
	h.HelloRetryRequest = h.Random == helloRetryRandom
	if r.err == nil && !r.empty() {
		h.Extensions = r.extensions("extensions", h.serverExtension)
	}
	if err := r.error("tlshello: server hello"); err != nil {
		return nil, err
	}
	return &h, nil
}

func (h *ServerHello) serverExtension(r *reader, typ uint16, data []byte) {
	e := reader{b: data}
	switch typ {
	case extSupportedVersions:
		h.SupportedVersion = e.u16("supported_versions")
		e.done("supported_versions")
	case extALPN:
		h.ALPN = parseSelectedALPN(&e)
	case extExtendedMasterSecret:
		h.ExtendedMasterSecret = true
		e.done("extended_master_secret")
	case extEncryptThenMAC:
		h.EncryptThenMAC = true
		e.done("encrypt_then_mac")
	case extPreSharedKey:
		h.PSK = true
		e.u16("pre_shared_key: selected_identity")
		e.done("pre_shared_key")
	}
	r.adopt(&e)
}

// parseSelectedALPN reads a server's ALPN answer: a list of exactly one name.
func parseSelectedALPN(e *reader) string {
	l := parseALPNList(e)
	if e.err == nil && len(l) != 1 {
		e.fail("alpn: server selected more than one protocol", ErrMalformed)
		return ""
	}
	if len(l) == 0 {
		return ""
	}
	return l[0]
}

// ParseEncryptedExtensions parses a TLS 1.3 EncryptedExtensions body and
// returns the protocol the server selected with ALPN, "" when none.
func ParseEncryptedExtensions(body []byte) (alpn string, err error) {
	r := reader{b: body}
	r.extensions("encrypted extensions", func(exts *reader, typ uint16, data []byte) {
		if typ == extALPN {
			e := reader{b: data}
			alpn = parseSelectedALPN(&e)
			exts.adopt(&e)
		}
	})
	if err := r.error("tlshello: encrypted extensions"); err != nil {
		return "", err
	}
	return alpn, nil
}

// extensions reads an extensions block (a 16-bit length, then type, length
// and data of each), calls each for every extension in order, and returns
// their types; what it ends with is checked to be the end of r, under the
// name what. Failures are recorded in r.
func (r *reader) extensions(what string, each func(exts *reader, typ uint16, data []byte)) []uint16 {
	exts := r.sub16("extensions")
	types := []uint16{}
	for exts.err == nil && !exts.empty() {
		typ := exts.u16("extension type")
		data := exts.vec16("extension data")
		if exts.err != nil {
			break
		}
		types = append(types, typ)
		each(&exts, typ, data)
	}
	r.adopt(&exts)
	r.done(what)
	return types
}
