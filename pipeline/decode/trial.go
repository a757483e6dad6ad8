package decode

import (
	"bytes"
	"encoding/json"
)

// Raw deflate and brotli have no magic number, so they are found by trial:
// only on the binary output of a Base64 or hex candidate, and only accepted
// when what comes out validates. Random tokens and digests are such binary
// outputs, and Peel sees many of them, so a cheap pre-check that allocates
// nothing (deflateMaybe, brotliMaybe) rejects almost all of them before a
// real decoder is built.

// trialProbe caps the output of a trial made only to validate a nested
// candidate (validates with top unset): a prefix that long judges it.
const trialProbe = 64 << 10

// minTrialPrefix is the least output a cut-short trial must have produced,
// all of it a valid JSON prefix, to be accepted: short prefixes like "[" or
// "{\"" come out of random bytes too often.
const minTrialPrefix = 16

// trialResult is a trial decode that validated.
type trialResult struct {
	kind string // StepDeflate or StepBrotli
	inflated
}

// trial decodes b as raw deflate, then as brotli, each with output capped at
// limit, and returns the first decode whose output validates (acceptTrial),
// or nil. b is not retained.
func trial(b []byte, limit int64) *trialResult {
	var src []byte // a heap copy of b, made once a pre-check passes
	if deflateMaybe(b) {
		src = bytes.Clone(b)
		if res := inflateRaw(src, limit); acceptTrial(res) {
			return &trialResult{kind: StepDeflate, inflated: res}
		}
	}
	if brotliMaybe(b) {
		if src == nil {
			src = bytes.Clone(b)
		}
		if res := unbrotli(src, limit); acceptTrial(res) {
			return &trialResult{kind: StepBrotli, inflated: res}
		}
	}
	return nil
}

// acceptTrial reports whether a trial decode produced something worth
// having: a stream without corruption (a stream found by trial has no magic
// to vouch for it) whose output starts with a compression magic, is a JSON
// object or array or NDJSON that parses, or, when the stream was cut short
// by truncation or the cap, is at least minTrialPrefix bytes of valid
// prefix of a JSON object or array.
func acceptTrial(res inflated) bool {
	if len(res.out) == 0 || res.err != nil {
		return false
	}
	if compression(res.out) != "" {
		return true
	}
	t := trimJSONSpace(res.out)
	if len(t) == 0 || t[0] != '{' && t[0] != '[' {
		return false
	}
	if json.Valid(t) || isNDJSON(t) {
		return true
	}
	return (res.truncated || res.limit) && len(t) >= minTrialPrefix && jsonPrefix(t)
}

// probeLen is how much output the pre-checks look at.
const probeLen = 16

// prefixOK reports whether p, the first bytes a trial would output, can
// start something acceptTrial takes: after JSON whitespace (or a byte order
// mark), a valid JSON prefix of an object or array, or such a JSON text
// followed by anything (a decoder that stops early on a cut stream would
// output just the text), or the start of a compression magic. Whitespace
// alone is undecided, so it passes.
func prefixOK(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(p, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(t) == 0:
		return true
	case t[0] == '{' || t[0] == '[':
		prefix, doc := scanJSON(t)
		return prefix || doc
	case t[0] == 0x1f:
		return bytes.HasPrefix([]byte{0x1f, 0x8b, 0x08}, t[:min(len(t), 3)])
	case t[0] == 0x28:
		return bytes.HasPrefix([]byte{0x28, 0xb5, 0x2f, 0xfd}, t[:min(len(t), 4)])
	case t[0] == 0x78:
		return len(t) == 1 || zlibHeader(t)
	}
	return false
}

// jsonPrefix reports whether t (starting with '{' or '[') is a prefix of a
// JSON text, or of several such texts one after another as in NDJSON: no
// byte so far breaks the grammar. Nesting deeper than 1024 gives up.
func jsonPrefix(t []byte) bool {
	prefix, _ := scanJSON(t)
	return prefix
}

// scanJSON is jsonPrefix, and also reports whether a whole top-level text
// ended before the first byte that breaks the grammar, if any.
func scanJSON(t []byte) (prefix, doc bool) {
	const (
		sValue      = iota // a value must follow
		sValueOrEnd        // after '[': a value or ']'
		sKeyOrEnd          // after '{': a key or '}'
		sKey               // after ',' in an object
		sColon             // after a key
		sCommaOrEnd        // after a value inside a container
		sTop               // between top-level texts
		sString            // inside a string
		sEscape            // after a backslash
		sUnicode           // inside \uXXXX (hex counts the digits)
		sNumber            // inside a number (num holds its state)
		sLiteral           // inside true/false/null (lit holds the rest)
	)
	var stack [16]uint64 // bit set: the container at that depth is an object
	depth := 0
	state := sTop
	var key bool   // the string being read is a key
	var hex int    // \u digits still to read
	var num byte   // number grammar state: '-', '0', '1' (int), '.', 'f' (frac), 'e', 's' (exp sign), 'x' (exp)
	var lit string // rest of a literal
	inObject := func() bool { return stack[(depth-1)/64]>>((depth-1)%64)&1 != 0 }
	afterValue := func() int {
		if depth == 0 {
			doc = true
			return sTop
		}
		return sCommaOrEnd
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch state {
		case sString:
			switch {
			case c == '"':
				if key {
					state = sColon
				} else {
					state = afterValue()
				}
			case c == '\\':
				state = sEscape
			case c < 0x20:
				return false, doc
			}
			continue
		case sEscape:
			switch c {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				state = sString
			case 'u':
				state, hex = sUnicode, 4
			default:
				return false, doc
			}
			continue
		case sUnicode:
			if !isHex(c) {
				return false, doc
			}
			if hex--; hex == 0 {
				state = sString
			}
			continue
		case sLiteral:
			if c != lit[0] {
				return false, doc
			}
			if lit = lit[1:]; lit == "" {
				state = afterValue()
			}
			continue
		case sNumber:
			digit := '0' <= c && c <= '9'
			switch {
			case num == '-' && c == '0':
				num = '0'
			case num == '-' && digit, num == '1' && digit:
				num = '1'
			case (num == '0' || num == '1') && c == '.':
				num = '.'
			case (num == '.' || num == 'f') && digit:
				num = 'f'
			case (num == '0' || num == '1' || num == 'f') && (c == 'e' || c == 'E'):
				num = 'e'
			case num == 'e' && (c == '+' || c == '-'):
				num = 's'
			case (num == 'e' || num == 's' || num == 'x') && digit:
				num = 'x'
			case num == '0' || num == '1' || num == 'f' || num == 'x':
				// The number ended; c belongs to what follows.
				state = afterValue()
				i--
			default:
				return false, doc
			}
			continue
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		switch state {
		case sTop:
			if c != '{' && c != '[' {
				return false, doc
			}
			state = sValue
			fallthrough
		case sValue, sValueOrEnd:
			switch {
			case c == ']' && state == sValueOrEnd:
				depth--
				state = afterValue()
			case c == '{' || c == '[':
				if depth == len(stack)*64 {
					return false, doc
				}
				bit := uint64(1) << (depth % 64)
				if c == '{' {
					stack[depth/64] |= bit
					state = sKeyOrEnd
				} else {
					stack[depth/64] &^= bit
					state = sValueOrEnd
				}
				depth++
			case c == '"':
				state, key = sString, false
			case c == '-' || '0' <= c && c <= '9':
				state, num = sNumber, '-'
				if c != '-' {
					i-- // reread the digit in the number state
				}
			case c == 't':
				state, lit = sLiteral, "rue"
			case c == 'f':
				state, lit = sLiteral, "alse"
			case c == 'n':
				state, lit = sLiteral, "ull"
			default:
				return false, doc
			}
		case sKeyOrEnd, sKey:
			switch {
			case c == '"':
				state, key = sString, true
			case c == '}' && state == sKeyOrEnd:
				depth--
				state = afterValue()
			default:
				return false, doc
			}
		case sColon:
			if c != ':' {
				return false, doc
			}
			state = sValue
		case sCommaOrEnd:
			obj := inObject()
			switch {
			case c == ',' && obj:
				state = sKey
			case c == ',':
				state = sValue
			case c == '}' && obj, c == ']' && !obj:
				depth--
				state = afterValue()
			default:
				return false, doc
			}
		}
	}
	return true, doc
}
