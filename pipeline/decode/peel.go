package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Defaults for a zero Limits.
const (
	DefaultMaxDepth = 6
	DefaultMaxBytes = 16 << 20
)

// Limits bounds one Peel. Zero values mean the defaults.
type Limits struct {
	MaxDepth int   // decoding steps (pct, base64, gzip, zlib, zstd, jsonstr); the final json does not count
	MaxBytes int64 // bytes of input, and of output of each step
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// Chain step names.
const (
	StepPct     = "pct"     // one layer of percent-decoding (RFC 3986: '+' stays '+')
	StepBase64  = "base64"  // standard or URL-safe, padded or not
	StepGzip    = "gzip"    // multi-member
	StepZlib    = "zlib"    // RFC 1950
	StepZstd    = "zstd"    // Zstandard frames
	StepJSONStr = "jsonstr" // a JSON string whose content is JSON, Base64 or a JSON string
	StepJSON    = "json"    // final: a JSON object or array
	StepNDJSON  = "ndjson"  // final: newline-delimited objects/arrays, returned as one JSON array
)

// Result is what Peel found.
type Result struct {
	// Chain lists the steps taken, outermost first, e.g.
	// ["pct","base64","gzip","json"]. It ends in "json" or "ndjson" exactly
	// when JSON is true.
	Chain []string
	// Data is the innermost bytes reached: the JSON text (whitespace-trimmed)
	// when JSON is true, otherwise what the last successful step produced
	// (the input itself when nothing was recognised). It may alias the input.
	Data []byte
	// JSON reports that Data is a JSON object or array. A JSON number,
	// string, true, false or null is not enough.
	JSON bool
	// Truncated: a compressed stream ended early; Data is the prefix.
	Truncated bool
	// LimitHit: MaxDepth or MaxBytes stopped the peel with more to decode.
	LimitHit bool
	// PlusRepaired: Base64 was found by reading spaces as '+'.
	PlusRepaired bool
	// Unescaped is the input with its leading percent-encoding layers (and
	// JSON string quoting) removed: the text the first Base64 or compression
	// step consumed (with spaces turned back into '+' if PlusRepaired), or
	// else the text that was tried as JSON. It is the text a Sensors
	// Analytics crc covers. nil when the peel never got that far.
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

// Peel decodes b as far as it validly can. Each round it tries, in order:
// a compression magic (gzip 1f8b08, zstd 28b52ffd, zlib 78xx with a valid
// header check and at least one inflated byte); JSON (object or array that
// parses) or NDJSON (two or more lines, each an object or array), which end
// the peel; a JSON string whose content is JSON, Base64 or another JSON
// string; percent-decoding when at least one valid %XX escape is present; and
// Base64 whose output validates (see the package doc). When no step applies
// the peel stops with what it has.
//
// Peel never percent-decodes '+' into a space: form values should be given to
// Peel already form-decoded (ParseForm's Value), and Peel turns spaces back
// into '+' inside Base64.
func Peel(b []byte, lim Limits) Result {
	lim = lim.withDefaults()
	r := Result{Data: b}
	if int64(len(b)) > lim.MaxBytes {
		r.LimitHit, r.Err = true, "decode: input exceeds byte limit"
		return r
	}
	data := b
	depth := 0
	for stop := false; ; {
		// Terminal JSON first: cheap to test, and JSON text may contain
		// escapes that must not be percent-decoded.
		if t := trimJSONSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
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
				r.Chain, r.Data, r.JSON = append(r.Chain, step), final, true
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
			if step, _, _ := next(data, lim, true); step != "" {
				r.LimitHit = true
				r.Err = fmt.Sprintf("decode: depth limit %d reached before %s", lim.MaxDepth, step)
			}
			r.Data = data
			return r
		}
		step, out, err := next(data, lim, false)
		if step == "" {
			if err != nil {
				r.Err = err.Error()
			}
			r.Data = data
			return r
		}
		depth++
		r.Chain = append(r.Chain, step)
		switch step {
		case StepPct, StepJSONStr:
			data = out.([]byte)
		case StepBase64:
			bb := out.(b64)
			if r.Unescaped == nil {
				r.Unescaped = bb.text
			}
			r.PlusRepaired = r.PlusRepaired || bb.repaired
			data = bb.out
		default: // compression
			if r.Unescaped == nil {
				r.Unescaped = data
			}
			inf := out.(inflated)
			if inf.err != nil {
				r.Err = inf.err.Error()
			}
			data = inf.out
			if inf.truncated {
				r.Truncated, stop = true, true
			}
			if inf.limit {
				r.LimitHit = true
				r.Err = fmt.Sprintf("decode: %s output exceeds %d bytes", step, lim.MaxBytes)
				r.Data = data
				return r
			}
		}
		r.Data = data
	}
}

// next finds the decoding step that applies to data and, unless dry, performs
// it. It returns "" when none applies; err then says why a step that was
// recognised by its magic failed.
func next(data []byte, lim Limits, dry bool) (step string, out any, err error) {
	if kind := compression(data); kind != "" {
		if dry {
			return kind, nil, nil
		}
		inf := decompress(kind, data, lim.MaxBytes)
		if len(inf.out) > 0 || inf.limit {
			return kind, inf, nil
		}
		// Nothing came out: the magic was a coincidence or the stream is
		// unusable. Let the other readings have a go.
		err = inf.err
		if err == nil {
			err = fmt.Errorf("decode: %s: empty stream", kind)
		}
	}
	if t := trimJSONSpace(data); len(t) > 1 && t[0] == '"' {
		if s, ok := jsonString(t, lim.MaxDepth); ok {
			return StepJSONStr, s, nil
		}
	}
	if hasEscape(data) {
		if dry {
			return StepPct, nil, nil
		}
		return StepPct, unescape(data, false), nil
	}
	if bb, ok := tryBase64(data, lim.MaxDepth); ok {
		return StepBase64, bb, nil
	}
	return "", nil, err
}

// jsonString unquotes a JSON string and keeps it only when its content is
// worth peeling further.
func jsonString(t []byte, nest int) ([]byte, bool) {
	var s string
	if !json.Valid(t) || json.Unmarshal(t, &s) != nil {
		return nil, false
	}
	c := trimJSONSpace([]byte(s))
	switch {
	case len(c) == 0:
		return nil, false
	case (c[0] == '{' || c[0] == '[') && json.Valid(c):
	case c[0] == '"' && json.Valid(c):
	default:
		if _, ok := tryBase64(c, nest); !ok {
			return nil, false
		}
	}
	return []byte(s), true
}

// ndjson joins newline-delimited JSON objects/arrays into one JSON array.
// It needs at least two lines; blank lines are skipped.
func ndjson(t []byte) ([]byte, bool) {
	if bytes.IndexByte(t, '\n') < 0 {
		return nil, false
	}
	out := make([]byte, 0, len(t)+2)
	out = append(out, '[')
	n := 0
	for line := range bytes.SplitSeq(t, []byte{'\n'}) {
		line = trimJSONSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' && line[0] != '[' || !json.Valid(line) {
			return nil, false
		}
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, line...)
		n++
	}
	if n < 2 {
		return nil, false
	}
	return append(out, ']'), true
}

// trimJSONSpace trims JSON whitespace and a leading UTF-8 byte order mark.
func trimJSONSpace(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return bytes.Trim(b, " \t\r\n")
}
