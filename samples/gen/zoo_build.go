package main

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"

	"telltale/samples/internal/sensors"
	"telltale/samples/internal/truth"
)

// zoo extends builder with what sdk-zoo records besides payloads and
// events: where the known values were put (leaks), the noise, and the
// opaque payloads.
type zoo struct {
	*builder
	known  knownValues
	pend   []leakTag // disguises placed in the request being built
	leaks  []truth.Leak
	noise  []truth.Noise
	opaque []truth.Opaque
}

type leakTag struct{ kind, disguise string }

// id returns the known value of kind in the named disguise and records that
// the request being built carries it.
func (z *zoo) id(kind, disguise string) string {
	z.tag(kind, disguise)
	return disguiseOf(z.known.value(kind), disguise).text()
}

// tag records a known value the request carries that was placed by code
// that does not go through id (e.g. the Sensors device's events).
func (z *zoo) tag(kind, disguise string) {
	disguiseOf(z.known.value(kind), disguise) // panics on a non-canonical name
	z.pend = append(z.pend, leakTag{kind, disguise})
}

// mark and wrapBase64 bracket a layer that is then Base64-encoded as a
// whole: every value placed in it as text also appears, Base64-encoded at
// some alignment, in the encoded layer.
func (z *zoo) mark() int { return len(z.pend) }

func (z *zoo) wrapBase64(from int) {
	for _, t := range slices.Clone(z.pend[from:]) {
		if !slices.Contains(baseForms, t.disguise) {
			panic("gen: a hashed or Base64 disguise inside a Base64 layer has no disguise name")
		}
		z.pend = append(z.pend, leakTag{t.kind, base64Name(t.disguise)})
	}
}

// send exchanges req on c and files the request's leaks under its index.
func (z *zoo) send(c *Conv, req Message, rep reply, o reqOpts) int {
	idx := z.exchange(c, req, rep, o)
	tags := slices.Clone(z.pend)
	z.pend = z.pend[:0]
	slices.SortFunc(tags, func(a, b leakTag) int {
		if d := slices.Index(knownKinds, a.kind) - slices.Index(knownKinds, b.kind); d != 0 {
			return d
		}
		return strings.Compare(a.disguise, b.disguise)
	})
	for _, t := range slices.Compact(tags) {
		z.leaks = append(z.leaks, truth.Leak{ClientPort: int(c.ClientPort), RequestIndex: idx, Kind: t.kind, Disguise: t.disguise})
	}
	return idx
}

// noiseAt records what the request idx on c (or its response) carries to
// look like telemetry.
func (z *zoo) noiseAt(c *Conv, idx int, what ...string) {
	for _, w := range what {
		z.noise = append(z.noise, truth.Noise{ClientPort: int(c.ClientPort), RequestIndex: idx, What: w})
	}
}

// zev is one event of a payload.
type zev struct {
	obj, env sensors.Object
	nested   []truth.Nested
}

// record files payload p of request idx on c and its events.
func (z *zoo) record(c *Conv, idx int, p truth.Payload, pathSeg string, evs ...zev) {
	p.ClientPort, p.RequestIndex, p.Events = int(c.ClientPort), idx, len(evs)
	z.payloads = append(z.payloads, p)
	for i, e := range evs {
		z.events = append(z.events, truth.NewEvent(truth.EventIn{
			ClientPort: int(c.ClientPort), RequestIndex: idx, Field: p.Field, Location: p.Location,
			SDK: p.SDK, EventIndex: i, Object: e.obj, Envelope: e.env, Nested: e.nested, PathSegment: pathSeg,
		}))
	}
}

// recordOpaque files an encrypted payload: a payload row without events
// and an opaque entry.
func (z *zoo) recordOpaque(c *Conv, idx int, p truth.Payload, encodedLen int) {
	p.Encrypted = true
	z.record(c, idx, p, "")
	z.opaque = append(z.opaque, truth.Opaque{ClientPort: int(c.ClientPort), RequestIndex: idx,
		SDK: p.SDK, Location: p.Location, Field: p.Field, EncodedLen: encodedLen})
}

// obj builds an ordered JSON object from alternating keys and values.
func obj(kv ...any) sensors.Object {
	if len(kv)%2 != 0 {
		panic("gen: obj needs key/value pairs")
	}
	o := make(sensors.Object, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		o = append(o, sensors.Member{Key: kv[i].(string), Value: kv[i+1]})
	}
	return o
}

// arr is a JSON array of objects.
func arr(objs ...sensors.Object) []any {
	out := make([]any, len(objs))
	for i, o := range objs {
		out[i] = o
	}
	return out
}

func jsonText(v any, st sensors.Style) string { return string(sensors.AppendJSON(nil, v, st)) }

// param is one name=value pair of a query or form, before encoding.
type param struct{ k, v string }

// params builds a parameter list from alternating names and values.
func params(kv ...string) []param {
	ps := make([]param, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, param{kv[i], kv[i+1]})
	}
	return ps
}

// encodeParams joins ps as name=value&..., escaping each side with esc.
func encodeParams(ps []param, esc func(string) string) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(esc(p.k) + "=" + esc(p.v))
	}
	return b.String()
}

// paramsObject is the truth object of a parameter-list event: every
// parameter as a string member, in wire order.
func paramsObject(lists ...[]param) sensors.Object {
	var o sensors.Object
	for _, ps := range lists {
		for _, p := range ps {
			o = append(o, sensors.Member{Key: p.k, Value: p.v})
		}
	}
	return o
}

// uriEncode is encodeURIComponent (browsers) and Uri.encode (Android).
func uriEncode(s string) string { return sensors.Escape(s, sensors.URIComponent) }

// javaURLEncode is java.net.URLEncoder.encode(s, "UTF-8"): letters,
// digits and ".-*_" stay, space becomes '+'. (Escape writes a space as %20,
// and no other escape contains "%20".)
func javaURLEncode(s string) string {
	return strings.ReplaceAll(sensors.Escape(s, ".-*_"), "%20", "+")
}

// okhttpFormEncode is OkHttp's FormBody encoding. Its FORM_ENCODE_SET leaves
// only "*-._" of ASCII punctuation unescaped, as URLEncoder does.
func okhttpFormEncode(s string) string { return javaURLEncode(s) }

// mustParse checks that a form survives Go's query parser: the generator
// never writes what a server could not read.
func mustParse(form string) {
	if _, err := url.ParseQuery(form); err != nil {
		panic(fmt.Sprintf("gen: unparsable form %.80q: %v", form, err))
	}
}

// entropy is the Shannon entropy of b in bits per byte.
func entropy(b []byte) float64 {
	var n [256]int
	for _, c := range b {
		n[c]++
	}
	var h float64
	for _, k := range n {
		if k > 0 {
			p := float64(k) / float64(len(b))
			h -= p * math.Log2(p)
		}
	}
	return h
}
