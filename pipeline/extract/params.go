package extract

import (
	"bytes"
	"strings"

	"telltale/pipeline/decode"
)

// Parameter-list SDKs (GA4 gtag, Universal Analytics, Adjust) send their
// events as k=v parameters: in the query, in a form body, or as one k=v&k=v
// line per event in a text body. Their payload is the parameters rendered as
// a JSON object per event (an array of them for a body of lines), so events
// and fields come out of the same machinery as JSON payloads.

// Chain steps of parameter-list payloads.
const (
	StepParams      = "params"
	StepParamsLines = "params_lines"
)

// paramsBody reports whether a whole-body value is a body of parameter
// lines (one event per line): at least one line, every non-empty line
// looking like k=v.
func (x *extractor) paramsBody(b []byte) bool {
	return len(paramLines(b)) > 0
}

func paramLines(b []byte) [][]byte {
	var lines [][]byte
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !looksLikeForm(line, false) {
			return nil
		}
		lines = append(lines, line)
	}
	return lines
}

// paramsPayload appends the payload of a parameter-list profile: one event
// from the query and form fields, or, for a body of several lines, one event
// per line with the query's fields first.
func (x *extractor) paramsPayload(query []decode.Field, parts []part) {
	prof := x.matched
	var form []decode.Field
	var lines [][]byte
	loc, encLen := LocQuery, 0
	for _, f := range query {
		encLen += len(f.Name) + 1 + len(f.Raw)
	}
	if ls := paramLines(x.req.Body); len(ls) > 1 {
		lines, loc, encLen = ls, LocBody, encLen+len(x.req.Body)
	} else {
		for _, p := range parts {
			if p.loc == LocForm {
				form = append(form, decode.Field{Name: p.name, Value: string(p.value), Raw: string(p.value)})
				loc = LocBody // the whole form is the payload
				encLen += len(p.name) + 1 + p.encLen
			}
		}
	}
	x.st.Candidates++
	var objs []string
	if len(lines) == 0 {
		if len(query)+len(form) == 0 {
			return
		}
		objs = append(objs, paramsJSON(query, form))
	} else {
		for _, l := range lines {
			objs = append(objs, paramsJSON(query, decode.ParseForm(l)))
		}
	}
	step := StepParams
	text := objs[0]
	if len(objs) > 1 {
		step, text = StepParamsLines, "["+strings.Join(objs, ",")+"]"
	}
	pl := Payload{
		Location:   loc,
		Chain:      []string{loc, step},
		SDK:        prof.Name,
		EncodedLen: encLen,
		JSON:       text,
		DecodedLen: len(text),
		Layers:     []Layer{{Step: step, Data: []byte(text)}},
	}
	fb := fieldBudget{perEvent: x.lim.MaxFields, bytes: x.lim.MaxFieldBytes}
	for _, o := range objs {
		e := x.buildEvent([]byte(o), nil, "", prof.Columns, prof.IDKinds, &fb)
		x.st.Fields += int64(len(e.Fields))
		pl.Events = append(pl.Events, e)
	}
	if fb.capped {
		x.st.LimitHits++
	}
	x.finish(&pl, false, false, false, false, false, false, fb.capped)
}

// paramsJSON renders fields as one JSON object, members in order (a repeated
// name gives repeated members), values as strings, invalid UTF-8 repaired.
func paramsJSON(lists ...[]decode.Field) string {
	var sb strings.Builder
	sb.WriteByte('{')
	n := 0
	for _, fs := range lists {
		for _, f := range fs {
			if n > 0 {
				sb.WriteByte(',')
			}
			name, _ := validUTF8([]byte(f.Name))
			val, _ := validUTF8([]byte(f.Value))
			sb.WriteString(jsonQuote(string(name)))
			sb.WriteByte(':')
			sb.WriteString(jsonQuote(string(val)))
			n++
		}
	}
	sb.WriteByte('}')
	return sb.String()
}

// jsonQuote writes s as a JSON string: quote, backslash and control
// characters escaped, everything else verbatim (s is valid UTF-8).
func jsonQuote(s string) string {
	const hex = "0123456789abcdef"
	var sb strings.Builder
	sb.Grow(len(s) + 2)
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c < 0x20:
			sb.WriteString(`\u00`)
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&15])
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
