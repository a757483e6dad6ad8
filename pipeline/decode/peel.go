package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// Defaults for a zero Limits.
const (
	DefaultMaxDepth = 6
	DefaultMaxBytes = 16 << 20
	DefaultMaxRatio = 1000
	// DefaultMaxJSONDepth bounds the nesting of JSON a payload decodes to;
	// telemetry nests a few levels, and encoding/json refuses beyond 10000.
	DefaultMaxJSONDepth = 512
)

// RatioFloor is the smallest output cap the ratio limit ever sets: small
// inputs legitimately expand by more than any sane ratio (a 40-byte gzip of
// a 10 KiB run of spaces).
const RatioFloor = 64 << 10

// Limits bounds one Peel or Decompress. Zero values mean the defaults.
type Limits struct {
	MaxDepth int   // decoding steps (everything but the final json/ndjson)
	MaxBytes int64 // bytes of input, and of output of each step
	// MaxRatio bounds the expansion of one decompression step: its output
	// may not exceed max(RatioFloor, MaxRatio*len(input)) bytes (nor
	// MaxBytes).
	MaxRatio int64
	// MaxJSONDepth bounds the nesting of JSON (objects and arrays) a peel
	// ends in; deeper JSON stops it with LimitJSONDepth.
	MaxJSONDepth int
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.MaxJSONDepth <= 0 {
		l.MaxJSONDepth = DefaultMaxJSONDepth
	}
	return l
}

// outCap is the output cap of a decompression step that reads n bytes, and
// the name of the limit that sets it.
func (l Limits) outCap(n int) (int64, string) {
	c := int64(math.MaxInt64)
	if n == 0 || l.MaxRatio <= math.MaxInt64/int64(n) {
		c = max(RatioFloor, l.MaxRatio*int64(n))
	}
	if c < l.MaxBytes {
		return c, LimitRatio
	}
	return l.MaxBytes, LimitBytes
}

// Names of the limit that stopped a peel (Result.Limit).
const (
	LimitDepth = "depth" // MaxDepth steps taken with more to decode
	LimitBytes = "bytes" // input or a step's output exceeded MaxBytes
	LimitRatio = "ratio" // a decompression step exceeded its expansion cap
	// LimitJSONDepth: the JSON reached nests deeper than MaxJSONDepth.
	LimitJSONDepth = "json_depth"
)

// Chain step names.
const (
	StepPercent   = "percent"   // one layer of percent-decoding (RFC 3986: '+' stays '+')
	StepBase64    = "base64"    // Base64 with the standard alphabet (or neither alphabet-specific character), padded or not
	StepBase64URL = "base64url" // Base64 whose text used '-' or '_' (RFC 4648 §5), padded or not
	StepHex       = "hex"       // hex digits, two per byte
	StepGzip      = "gzip"      // RFC 1952, multi-member
	StepZlib      = "zlib"      // RFC 1950
	StepDeflate   = "deflate"   // raw RFC 1951, found by trial
	StepBrotli    = "brotli"    // RFC 7932, found by trial
	StepZstd      = "zstd"      // Zstandard frames
	StepJSONStr   = "jsonstr"   // a JSON string whose content is JSON, Base64, hex or a JSON string
	StepJSON      = "json"      // final: a JSON object or array
	StepNDJSON    = "ndjson"    // final: newline-delimited objects/arrays, returned as one JSON array
)

// Result is what Peel found.
type Result struct {
	// Chain lists the steps taken, outermost first, e.g.
	// ["percent","base64","gzip","json"]. It ends in "json" or "ndjson"
	// exactly when JSON is true.
	Chain []string
	// Layers[i] is the output of step Chain[i]; for the final json or
	// ndjson step it is the JSON text (the same bytes as Data). Layers may
	// alias each other and the input: read them, never write them.
	Layers [][]byte
	// Data is the innermost bytes reached: the JSON text (whitespace-trimmed)
	// when JSON is true, otherwise what the last successful step produced
	// (the input itself when nothing was recognised). It may alias the input.
	Data []byte
	// JSON reports that Data is a JSON object or array. A JSON number,
	// string, true, false or null is not enough.
	JSON bool
	// Truncated: a compressed stream ended early; Data is the prefix.
	Truncated bool
	// LimitHit: a limit stopped the peel with more to decode; Limit names it.
	LimitHit bool
	// Limit is LimitDepth, LimitBytes or LimitRatio when LimitHit, else "".
	Limit string
	// PlusRepaired: Base64 was found by reading spaces as '+'.
	PlusRepaired bool
	// Unescaped is the input with its leading percent-encoding layers (and
	// JSON string quoting) removed: the text the first Base64, hex or
	// compression step consumed (with spaces turned back into '+' if
	// PlusRepaired), or else the text that was tried as JSON. It is the
	// text a Sensors Analytics crc covers. nil when the peel never got that
	// far.
	Unescaped []byte
	// Err describes why the last attempted step failed ("" if none did).
	Err string
}

// Steps counts the decoding steps in Chain, not counting the final json or
// ndjson.
func (r *Result) Steps() int {
	n := len(r.Chain)
	if r.JSON {
		n--
	}
	return n
}

// Has reports whether Chain contains step.
func (r *Result) Has(step string) bool {
	for _, s := range r.Chain {
		if s == step {
			return true
		}
	}
	return false
}

// Encoded reports whether the chain went through a binary-to-text encoding
// (base64, base64url, hex) or a decompression step: the value was packed,
// not merely escaped or quoted.
func (r *Result) Encoded() bool {
	for _, s := range r.Chain {
		switch s {
		case StepBase64, StepBase64URL, StepHex, StepGzip, StepZlib, StepDeflate, StepBrotli, StepZstd:
			return true
		}
	}
	return false
}

// Peel decodes b as far as it validly can. Each round it tries, in order:
// JSON (an object or array that parses) or NDJSON (two or more lines, each
// an object or array), which end the peel; raw deflate or brotli, only on
// the binary output of a Base64 or hex step that was accepted because of
// them (see the package doc); a compression magic (gzip 1f8b08, zstd
// 28b52ffd, zlib 78xx with a valid header check and at least one inflated
// byte); a JSON string whose content is worth peeling; percent-decoding when
// at least one valid %XX escape is present; hex, for an even run of at least
// MinHexLen hex digits (such a run is never read as Base64); and Base64. Hex
// and Base64 are taken only when their output validates. When no step
// applies the peel stops with what it has.
//
// Peel never percent-decodes '+' into a space: form values should be given to
// Peel already form-decoded (ParseForm's Value), and Peel turns spaces back
// into '+' inside Base64.
//
// A value that nothing applies to costs no allocation when it is shorter
// than about 340 bytes and not a quoted JSON string (tokens, digests, ids,
// words, URLs: see TestPeelNoiseAllocs); longer candidates are decoded on
// the heap.
func Peel(b []byte, lim Limits) Result {
	lim = lim.withDefaults()
	r := Result{Data: b}
	if int64(len(b)) > lim.MaxBytes {
		r.LimitHit, r.Limit, r.Err = true, LimitBytes, "decode: input exceeds byte limit"
		return r
	}
	data := b
	depth := 0
	var pending *trialResult // how the previous step's output validated by trial
	for stop := false; ; {
		// Terminal JSON first: cheap to test, and JSON text may contain
		// escapes that must not be percent-decoded.
		if t := trimJSONSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			if jsonDeeperThan(t, lim.MaxJSONDepth) {
				r.LimitHit, r.Limit = true, LimitJSONDepth
				r.Err = fmt.Sprintf("decode: JSON nested deeper than %d", lim.MaxJSONDepth)
				r.Data = data
				return r
			}
			step, final := StepJSON, t
			if !json.Valid(t) {
				step, final = StepNDJSON, nil
				if nd, ok := ndjson(t); ok {
					final = nd
				}
			}
			if final != nil {
				if r.Unescaped == nil {
					r.Unescaped = data
				}
				r.Chain, r.Layers = append(r.Chain, step), append(r.Layers, final)
				r.Data, r.JSON = final, true
				return r
			}
		}
		if stop {
			// A cut stream's prefix is JSON (only its trailer was lost) or
			// it is left alone: decoding a fragment further would only
			// mangle it.
			r.Data = data
			return r
		}
		if depth >= lim.MaxDepth {
			// Only look: the step would be one too many.
			if st := next(data, lim, pending, true); st.name != "" {
				r.LimitHit, r.Limit = true, LimitDepth
				r.Err = fmt.Sprintf("decode: depth limit %d reached before %s", lim.MaxDepth, st.name)
			}
			r.Data = data
			return r
		}
		st := next(data, lim, pending, false)
		pending = nil
		if st.name == "" {
			if st.err != nil {
				r.Err = st.err.Error()
			}
			r.Data = data
			return r
		}
		depth++
		r.Chain, r.Layers = append(r.Chain, st.name), append(r.Layers, st.out)
		switch st.name {
		case StepPercent, StepJSONStr:
		case StepBase64, StepBase64URL, StepHex:
			if r.Unescaped == nil {
				r.Unescaped = st.text
			}
			r.PlusRepaired = r.PlusRepaired || st.repaired
			pending = st.trial
		default: // decompression
			if r.Unescaped == nil {
				r.Unescaped = data
			}
			if st.err != nil {
				r.Err = st.err.Error()
			}
			if st.truncated {
				r.Truncated, stop = true, true
			}
			if st.limit {
				c, name := lim.outCap(len(data))
				r.LimitHit, r.Limit = true, name
				r.Err = fmt.Sprintf("decode: %s output exceeds %d bytes (%s limit)", st.name, c, name)
				r.Data = st.out
				return r
			}
		}
		data = st.out
		r.Data = data
	}
}

// step is one decoding step found by next.
type step struct {
	name      string       // "" when no step applies
	out       []byte       // the step's output
	text      []byte       // base64/hex: the text consumed, as the sender had it
	repaired  bool         // base64: spaces were read as '+'
	trial     *trialResult // base64/hex: the trial decode that validated out, if any
	truncated bool         // decompression: the stream ended early
	limit     bool         // decompression: output reached the cap
	err       error        // why a recognised step failed, or corruption after useful output
}

// next finds the decoding step that applies to data and, unless dry, performs
// it. pending is the trial decode that validated data, if any. The name is
// "" when no step applies; err then says why a step that was recognised by
// its magic failed.
func next(data []byte, lim Limits, pending *trialResult, dry bool) step {
	if pending != nil {
		// The Base64 or hex step that produced data was accepted because
		// this decode of it validated: take it as is.
		return step{name: pending.kind, out: pending.out, truncated: pending.truncated, limit: pending.limit, err: pending.err}
	}
	var err error
	if kind := compression(data); kind != "" {
		if dry {
			return step{name: kind}
		}
		c, _ := lim.outCap(len(data))
		inf := decompress(kind, data, c)
		if len(inf.out) > 0 || inf.limit {
			return step{name: kind, out: inf.out, truncated: inf.truncated, limit: inf.limit, err: inf.err}
		}
		// Nothing came out: the magic was a coincidence or the stream is
		// unusable. Let the other readings have a go.
		err = inf.err
		if err == nil {
			err = fmt.Errorf("decode: %s: empty stream", kind)
		}
	}
	if t := trimJSONSpace(data); len(t) > 1 && t[0] == '"' {
		if s, ok := jsonString(t, lim); ok {
			return step{name: StepJSONStr, out: s}
		}
	}
	if hasEscape(data) {
		if dry {
			return step{name: StepPercent}
		}
		return step{name: StepPercent, out: unescape(data, false)}
	}
	if isHexText(data) {
		// A long even run of hex digits is read as hex only: Base64 of
		// anything worth decoding (JSON "eyJ", gzip "H4sI", zlib "eJ", zstd
		// "KLUv") has letters beyond a-f, and digests are common.
		if h, ok := tryHex(data, lim.MaxDepth, lim); ok {
			return step{name: StepHex, out: h.out, text: h.text, trial: h.trial}
		}
	} else if bb, ok := tryBase64(data, lim.MaxDepth, lim); ok {
		name := StepBase64
		if bb.url {
			name = StepBase64URL
		}
		return step{name: name, out: bb.out, text: bb.text, repaired: bb.repaired, trial: bb.trial}
	}
	return step{err: err}
}

// jsonString unquotes a JSON string and keeps it only when its content is
// worth peeling further.
func jsonString(t []byte, lim Limits) ([]byte, bool) {
	var s string
	if !json.Valid(t) || json.Unmarshal(t, &s) != nil {
		return nil, false
	}
	c := trimJSONSpace([]byte(s))
	switch {
	case len(c) == 0:
		return nil, false
	case (c[0] == '{' || c[0] == '[') && (json.Valid(c) || isNDJSON(c)):
	case c[0] == '"' && json.Valid(c):
	default:
		if isHexText(c) && !isHexValid(c, lim.MaxDepth, lim) || !isHexText(c) && !isBase64Valid(c, lim.MaxDepth, lim) {
			return nil, false
		}
	}
	return []byte(s), true
}

// ndjson joins newline-delimited JSON objects/arrays into one JSON array.
// It needs at least two lines; blank lines are skipped.
func ndjson(t []byte) ([]byte, bool) {
	if !isNDJSON(t) {
		return nil, false
	}
	out := make([]byte, 0, len(t)+2)
	out = append(out, '[')
	for rest := t; len(rest) > 0; {
		var line []byte
		line, rest = nextLine(rest)
		if line = trimJSONSpace(line); len(line) == 0 {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, line...)
	}
	return append(out, ']'), true
}

// isNDJSON reports whether t holds two or more lines that are each a JSON
// object or array (blank lines aside), without allocating.
func isNDJSON(t []byte) bool {
	if bytes.IndexByte(t, '\n') < 0 {
		return false
	}
	n := 0
	for rest := t; len(rest) > 0; {
		var line []byte
		line, rest = nextLine(rest)
		if line = trimJSONSpace(line); len(line) == 0 {
			continue
		}
		if line[0] != '{' && line[0] != '[' || !json.Valid(line) {
			return false
		}
		n++
	}
	return n >= 2
}

// nextLine splits b at its first '\n'.
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// trimJSONSpace trims JSON whitespace and a leading UTF-8 byte order mark.
func trimJSONSpace(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		b = b[3:]
	}
	for len(b) > 0 && isJSONSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isJSONSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// jsonDeeperThan reports whether b, read as JSON, opens more than max
// objects and arrays at once. It only counts brackets outside strings: a
// cheap bound checked before any parser recurses into the text.
func jsonDeeperThan(b []byte, max int) bool {
	depth := 0
	inString, escaped := false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > max {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}
