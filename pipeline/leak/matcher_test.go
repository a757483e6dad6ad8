package leak

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Digests and Base64 texts below were computed with coreutils (md5sum,
// sha1sum, sha256sum, base64), not with this package; the IMEI's md5 is the
// one given in shared/reference/telemetry-formats.md.
const (
	imei       = "358476101234565"
	imeiMD5    = "5649ca6c38e4131ca8fb7b90d25b0f03"
	imeiSHA1   = "ae74f3c45d9d47fb7b921064aa6c88e17710c0e2"
	imeiSHA256 = "0c2d57d230665fa6dc85a3d060e7c85a047a2e36b387dcab2b014be1dbe8471e"
	mac        = "AA:BB:CC:DD:EE:FF"
	macSHA1Low = "317060aa70a5a9e8460261106ff8bc05a2f162b4" // sha1("aa:bb:cc:dd:ee:ff")
	email      = "alice@example.org"
	emailSHA   = "7A64ADF28737EA90719CBDF0B1A87A5EFFFF3753B79C91D717F4F4153EAD0498" // sha256, upper case
	email2     = "bob?>~@example.org"                                               // its Base64 holds '+' and '/'
)

func TestDisguisesIMEI(t *testing.T) {
	m := NewMatcher([]Known{{Kind: "imei", Value: imei}})
	want := []Disguise{
		{Name: "plain", Pattern: imei},
		{Name: "md5", Pattern: imeiMD5, Fold: true},
		{Name: "sha1", Pattern: imeiSHA1, Fold: true},
		{Name: "sha256", Pattern: imeiSHA256, Fold: true},
		// base64 of the value, of "x"+value and of "xy"+value, without the
		// characters that depend on the neighbours.
		{Name: "base64", Pattern: "MzU4NDc2MTAxMjM0NTY1"},
		{Name: "base64", Pattern: "M1ODQ3NjEwMTIzNDU2N"},
		{Name: "base64", Pattern: "zNTg0NzYxMDEyMzQ1Nj"},
	}
	if got := m.Disguises(0); !reflect.DeepEqual(got, want) {
		t.Errorf("Disguises =\n%v\nwant\n%v", got, want)
	}
}

func names(ds []Disguise) []string {
	var out []string
	for _, d := range ds {
		if len(out) == 0 || out[len(out)-1] != d.Name {
			out = append(out, d.Name)
		}
	}
	return out
}

func TestDisguiseNames(t *testing.T) {
	tests := []struct {
		k     Known
		names []string
		forms []string // the text forms, in order
	}{
		{
			k: Known{Kind: "mac", Value: mac},
			names: []string{"plain", "lower", "nosep", "nosep_lower",
				"md5", "sha1", "sha256", "md5(lower)", "sha1(lower)", "sha256(lower)",
				"md5(nosep)", "sha1(nosep)", "sha256(nosep)", "md5(nosep_lower)", "sha1(nosep_lower)", "sha256(nosep_lower)",
				"base64", "base64(lower)", "base64(nosep)", "base64(nosep_lower)"},
			forms: []string{mac, "aa:bb:cc:dd:ee:ff", "AABBCCDDEEFF", "aabbccddeeff"},
		},
		{
			k: Known{Kind: "phone", Value: "+49 170 1234567"},
			names: []string{"plain", "nosep", "national",
				"md5", "sha1", "sha256", "md5(nosep)", "sha1(nosep)", "sha256(nosep)",
				"md5(national)", "sha1(national)", "sha256(national)",
				"base64", "base64(nosep)", "base64(national)"},
			forms: []string{"+49 170 1234567", "491701234567", "1701234567"},
		},
		{
			// No country-code separator: no national form.
			k:     Known{Kind: "phone", Value: "+491701234567"},
			names: []string{"plain", "nosep", "md5", "sha1", "sha256", "md5(nosep)", "sha1(nosep)", "sha256(nosep)", "base64", "base64(nosep)"},
			forms: []string{"+491701234567", "491701234567"},
		},
		{
			// An e-mail address keeps its dots, dashes and plus signs.
			k: Known{Kind: "email", Value: "Alice.W-x+y@Example.org"},
			names: []string{"plain", "lower", "upper",
				"md5", "sha1", "sha256", "md5(lower)", "sha1(lower)", "sha256(lower)", "md5(upper)", "sha1(upper)", "sha256(upper)",
				"base64", "base64(lower)", "base64(upper)"},
			forms: []string{"Alice.W-x+y@Example.org", "alice.w-x+y@example.org", "ALICE.W-X+Y@EXAMPLE.ORG"},
		},
		{
			// nosep shorter than MinValueLen is dropped.
			k:     Known{Kind: "serial", Value: "ab-c-d-e"},
			names: []string{"plain", "upper", "md5", "sha1", "sha256", "md5(upper)", "sha1(upper)", "sha256(upper)", "base64", "base64(upper)"},
			forms: []string{"ab-c-d-e", "AB-C-D-E"},
		},
		{
			k: Known{Kind: "custom", Value: "abc"}, // too short: nothing at all
		},
	}
	for _, tt := range tests {
		t.Run(tt.k.Kind+" "+tt.k.Value, func(t *testing.T) {
			ds := NewMatcher([]Known{tt.k}).Disguises(0)
			if got := names(ds); !slices.Equal(got, tt.names) {
				t.Errorf("names =\n%q\nwant\n%q", got, tt.names)
			}
			var forms []string
			for _, d := range ds {
				if !d.Fold && !strings.HasPrefix(d.Name, "base64") {
					forms = append(forms, d.Pattern)
				}
			}
			if !slices.Equal(forms, tt.forms) {
				t.Errorf("forms = %q, want %q", forms, tt.forms)
			}
		})
	}
}

func TestNational(t *testing.T) {
	tests := map[string]string{
		"+49 170 1234567":   "1701234567",
		"+1-555-123-4567":   "5551234567",
		"+1 (555) 123-4567": "5551234567",
		"+353 87 123 4567":  "871234567",
		"+4917 01234567":    "", // four digits: not a country code
		"+491701234567":     "",
		"0170 1234567":      "",
		"+ 49 170":          "",
	}
	for in, want := range tests {
		if got := national(in); got != want {
			t.Errorf("national(%q) = %q, want %q", in, got, want)
		}
	}
}

func find(m *Matcher, data string) []Hit {
	var hits []Hit
	m.Find([]byte(data), func(h Hit) { hits = append(hits, h) })
	return hits
}

func TestFind(t *testing.T) {
	tests := []struct {
		name  string
		known []Known
		data  string
		want  []Hit
	}{
		{"imei plain", []Known{{Kind: "imei", Value: imei}},
			`{"imei":"358476101234565"}`, []Hit{{0, "plain", 9}}},
		{"imei md5 lower-case hex", []Known{{Kind: "imei", Value: imei}},
			`{"imei_md5":"` + imeiMD5 + `"}`, []Hit{{0, "md5", 13}}},
		{"imei md5 upper-case hex", []Known{{Kind: "imei", Value: imei}},
			`h=` + strings.ToUpper(imeiMD5), []Hit{{0, "md5", 2}}},
		{"imei md5 mixed-case hex", []Known{{Kind: "imei", Value: imei}},
			`h=5649Ca6C38e4131CA8fb7b90d25b0f03`, []Hit{{0, "md5", 2}}},
		{"reported once, at the first occurrence", []Known{{Kind: "imei", Value: imei}},
			`a=358476101234565&b=358476101234565&c=` + imeiSHA1 + `&d=358476101234565`,
			[]Hit{{0, "plain", 2}, {0, "sha1", 38}}},
		{"mac upper with colons, found as lower nosep and sha1 of lower", []Known{{Kind: "mac", Value: mac}},
			`mac=aabbccddeeff&h=` + macSHA1Low, []Hit{{0, "nosep_lower", 4}, {0, "sha1(lower)", 19}}},
		{"mac forms are case-sensitive", []Known{{Kind: "mac", Value: mac}},
			`aa:bb:cc:dd:ee:ff Aa:bB:cc:dd:ee:ff AABBCCDDEEFF AA:BB:CC:DD:EE:FF`,
			[]Hit{{0, "lower", 0}, {0, "nosep", 36}, {0, "plain", 49}}},
		{"sha256 upper-case hex of an e-mail", []Known{{Kind: "email", Value: email}},
			`{"em":"` + emailSHA + `"}`, []Hit{{0, "sha256", 7}}},
		{"no false hit on values sharing a prefix", []Known{{Kind: "imei", Value: imei}},
			"358476101234566 35847610123456 " + imeiMD5[:31] + " " + imeiMD5[:31] + "0 MzU4NDc2MTAxMjM0NTY",
			nil},
		{"overlapping values", []Known{{Kind: "custom", Value: "abcdef12"}, {Kind: "custom", Value: "ef123456"}},
			"xxabcdef123456yy", []Hit{{0, "plain", 2}, {1, "plain", 6}}},
		{"value inside another", []Known{{Kind: "custom", Value: "ABCDEF123456"}, {Kind: "custom", Value: "DEF123"}},
			"ABCDEF123456", []Hit{{0, "plain", 0}, {1, "plain", 3}}},
		{"inner value first in known order, outer first in data", []Known{{Kind: "custom", Value: "DEF123"}, {Kind: "custom", Value: "ABCDEF123456"}},
			"ABCDEF123456", []Hit{{1, "plain", 0}, {0, "plain", 3}}},
		{"ties by known index", []Known{{Kind: "imei", Value: imei}, {Kind: "meid", Value: imei}},
			"x" + imei, []Hit{{0, "plain", 1}, {1, "plain", 1}}},
		{"ordered by offset, not by known", []Known{{Kind: "imei", Value: imei}, {Kind: "email", Value: email}},
			email + " " + imei, []Hit{{1, "plain", 0}, {0, "plain", 18}}},
		{"phone national and nosep overlap", []Known{{Kind: "phone", Value: "+49 170 1234567"}},
			"tel=%2B491701234567&n=01701234567",
			[]Hit{{0, "nosep", 7}}}, // national lies inside nosep: one leak
		{"phone national alone", []Known{{Kind: "phone", Value: "+49 170 1234567"}},
			"n=01701234567", []Hit{{0, "national", 3}}},
		{"short value never reported", []Known{{Kind: "custom", Value: "abc"}}, "abcabc", nil},
		{"empty data", []Known{{Kind: "imei", Value: imei}}, "", nil},
		{"no known values", nil, imei, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := find(NewMatcher(tt.known), tt.data)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Find =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

// TestFindBase64 hides an e-mail address at each of the three alignments
// inside a longer Base64 text, in both alphabets. The expected offsets were
// worked out by hand: with P bytes before the address, its first character of
// its own is character ceil(8P/6) of the Base64 text, after "d=".
func TestFindBase64(t *testing.T) {
	tests := []struct {
		value, json string
		off         int
	}{
		{email, `{"e":"alice@example.org","n":1}`, 2 + 8},    // P=6
		{email, `{"em":"alice@example.org","n":1}`, 2 + 10},  // P=7
		{email, `{"ema":"alice@example.org","n":1}`, 2 + 11}, // P=8
		{email2, `{"e":"bob?>~@example.org","n":1}`, 2 + 8},
		{email2, `{"em":"bob?>~@example.org","n":1}`, 2 + 10},
		{email2, `{"ema":"bob?>~@example.org","n":1}`, 2 + 11},
	}
	for _, tt := range tests {
		m := NewMatcher([]Known{{Kind: "email", Value: tt.value}})
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			data := "d=" + enc.EncodeToString([]byte(tt.json))
			if tt.value == email2 && enc == base64.URLEncoding && !strings.ContainsAny(data, "-_") {
				t.Fatalf("%s: test value does not exercise the URL-safe alphabet", data)
			}
			got := find(m, data)
			want := []Hit{{0, "base64", tt.off}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Find(%s) = %v, want %v", data, got, want)
			}
		}
	}
	// Case matters in Base64: a lower-cased text must not match.
	m := NewMatcher([]Known{{Kind: "email", Value: email}})
	data := strings.ToLower(base64.StdEncoding.EncodeToString([]byte(email)))
	if got := find(m, data); got != nil {
		t.Errorf("Find(%s) = %v, want nothing", data, got)
	}
}

func TestCopies(t *testing.T) {
	known := []Known{{Kind: "imei", Value: imei}}
	m := NewMatcher(known)
	known[0].Value = "000000000000000"
	m.Known()[0].Value = "111111111111111"
	m.Disguises(0)[0].Pattern = "222222222222222"
	if got := find(m, imei); !reflect.DeepEqual(got, []Hit{{0, "plain", 0}}) {
		t.Errorf("Find after caller edits = %v", got)
	}
}

func TestFindAllocs(t *testing.T) {
	m := NewMatcher(benchKnown())
	data := benchData(64 << 10)
	n := 0
	fn := func(Hit) { n++ }
	m.Find(data, fn)
	if n != 4 { // imei plain, md5 (of another key), mac nosep_lower, email base64
		t.Fatalf("%d hits in the benchmark data, want 4", n)
	}
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	if a := testing.AllocsPerRun(20, func() { m.Find(data, fn) }); a != 0 {
		t.Errorf("Find allocates %v times per call", a)
	}
}

func TestFindConcurrent(t *testing.T) {
	m := NewMatcher(benchKnown())
	data := benchData(64 << 10)
	var want []Hit
	m.Find(data, func(h Hit) { want = append(want, h) })
	var wg sync.WaitGroup
	errs := make([]string, 4)
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				var got []Hit
				m.Find(data, func(h Hit) {
					// Find from inside fn must work too.
					m.Find([]byte(imei), func(Hit) {})
					got = append(got, h)
				})
				if !reflect.DeepEqual(got, want) {
					errs[g] = fmt.Sprintf("goroutine %d: got %v", g, got)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
}

// oracle finds the same hits as Find with bytes.Index over every pattern.
func oracle(m *Matcher, data []byte) []Hit {
	lower := bytes.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, data)
	if len(lower) != len(data) { // bytes.Map rewrote invalid UTF-8
		lower = make([]byte, len(data))
		for i, c := range data {
			lower[i] = asciiLower(c)
		}
	}
	type key struct {
		known, order int
		name         string
	}
	first, firstEnd := map[key]int{}, map[key]int{}
	for i := range m.Known() {
		order := map[string]int{}
		for _, d := range m.Disguises(i) {
			if _, ok := order[d.Name]; !ok {
				order[d.Name] = len(order)
			}
			hay := data
			if d.Fold {
				hay = lower
			}
			off := bytes.Index(hay, []byte(d.Pattern))
			if off < 0 {
				continue
			}
			k := key{i, order[d.Name], d.Name}
			end := off + len(d.Pattern)
			if old, ok := first[k]; !ok || off < old || off == old && end < firstEnd[k] {
				first[k], firstEnd[k] = off, end
			}
		}
	}
	keys := make([]key, 0, len(first))
	for k := range first {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if first[a] != first[b] {
			return first[a] - first[b]
		}
		if a.known != b.known {
			return a.known - b.known
		}
		return a.order - b.order
	})
	var out []Hit
	for _, k := range keys {
		// A hit inside a longer hit of the same value is not reported.
		inside := false
		for _, g := range keys {
			if g != k && g.known == k.known && first[g] <= first[k] && firstEnd[g] >= firstEnd[k] &&
				firstEnd[g]-first[g] > firstEnd[k]-first[k] {
				inside = true
			}
		}
		if !inside {
			out = append(out, Hit{Known: k.known, Disguise: k.name, Offset: first[k]})
		}
	}
	return out
}

func fuzzMatcher() *Matcher {
	return NewMatcher([]Known{
		{Kind: "imei", Value: imei},
		{Kind: "mac", Value: mac},
		{Kind: "email", Value: email2},
		{Kind: "phone", Value: "+49 170 1234567"},
		{Kind: "custom", Value: "abcdef12"},
		{Kind: "custom", Value: "ef123456"},
		{Kind: "meid", Value: imei}, // a duplicate value
	})
}

// FuzzFind compares Find with the bytes.Index oracle. The fuzzer may splice
// one of the matcher's patterns (case-flipped when pick is odd) into data,
// so that hits and near-hits are common.
func FuzzFind(f *testing.F) {
	m := fuzzMatcher()
	var all []Disguise
	for i := range m.Known() {
		all = append(all, m.Disguises(i)...)
	}
	f.Add([]byte(`{"imei":"358476101234565","mac":"aabbccddeeff"}`), uint16(0), uint16(0))
	f.Add([]byte("xxabcdef123456yy "+imeiMD5[:20]), uint16(2*5+1), uint16(17))
	f.Add([]byte("d="+base64.URLEncoding.EncodeToString([]byte(`{"e":"bob?>~@example.org"}`))), uint16(40), uint16(3))
	f.Add([]byte("tel=%2B491701234567&n=01701234567"), uint16(7), uint16(100))
	f.Fuzz(func(t *testing.T, data []byte, pick, pos uint16) {
		if p := int(pick) / 2; p < len(all) {
			pat := []byte(all[p].Pattern)
			if pick%2 == 1 {
				pat = bytes.ToUpper(pat)
			}
			at := 0
			if len(data) > 0 {
				at = int(pos) % (len(data) + 1)
			}
			data = slices.Concat(data[:at], pat, data[at:])
		}
		got := find(m, string(data))
		want := oracle(m, data)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Find(%q) =\n%v\noracle\n%v", data, got, want)
		}
	})
}

func benchKnown() []Known {
	return []Known{
		{Kind: "imei", Value: imei},
		{Kind: "imei", Value: "358476101234573"},
		{Kind: "android_id", Value: "9774d56d682e549c"},
		{Kind: "adid", Value: "38400000-8cf0-11bd-b23e-10b96e40000d"},
		{Kind: "oaid", Value: "7d5a9f1e-3b2c-4d8e-9f0a-1b2c3d4e5f60"},
		{Kind: "email", Value: email},
		{Kind: "phone", Value: "+49 170 1234567"},
		{Kind: "mac", Value: mac},
		{Kind: "serial", Value: "R58M123ABCD"},
		{Kind: "account", Value: "alice_1987"},
	}
}

// benchData returns about n bytes of JSON-like telemetry with a few hits.
func benchData(n int) []byte {
	var b bytes.Buffer
	x := uint32(12345)
	rnd := func() uint32 { x = x*1664525 + 1013904223; return x >> 8 } // fixed LCG
	const hexd = "0123456789abcdef"
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"_track_id":%d,"time":%d,"type":"track","event":"$AppViewScreen","distinct_id":"`, rnd(), 1588339200000+int(rnd()))
		for j := 0; j < 32; j++ {
			b.WriteByte(hexd[rnd()%16])
		}
		b.WriteString(`","properties":{"$screen_name":"com.example.MainActivity","$model":"Pixel 7","$os_version":"14","$wifi":true,"$carrier":"T-Mobile"`)
		switch i % 50 {
		case 7:
			b.WriteString(`,"$imei":"358476101234565"`)
		case 19:
			b.WriteString(`,"$oaid_md5":"` + strings.ToUpper(imeiMD5) + `"`)
		case 31:
			b.WriteString(`,"mac":"aabbccddeeff"`)
		case 43:
			b.WriteString(`,"u":"` + base64.StdEncoding.EncodeToString([]byte(`{"email":"alice@example.org"}`)) + `"`)
		}
		b.WriteString("}}\n")
	}
	return b.Bytes()
}

func BenchmarkFind(b *testing.B) {
	m := NewMatcher(benchKnown())
	data := benchData(1 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		m.Find(data, func(Hit) { n++ })
	}
	if n == 0 {
		b.Fatal("no hits")
	}
}

func BenchmarkNewMatcher(b *testing.B) {
	known := benchKnown()
	b.ReportAllocs()
	for b.Loop() {
		NewMatcher(known)
	}
}
