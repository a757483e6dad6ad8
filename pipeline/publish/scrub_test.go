package publish

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// testScrubber knows three identifiers, a client address and the
// disguises md5 and lower of a MAC address.
func testScrubber() *scrubber {
	ps := newPseudonymizer(keyA)
	var es []entry
	for _, v := range []string{"358476101234565", "abcdef12", "ef123456", "192.168.1.23", "a4:50:46:3c:8e:71"} {
		es = append(es, entry{v, ps.of(v)})
	}
	es = append(es, entry{"A4:50:46:3C:8E:71", ps.of("A4:50:46:3C:8E:71")})
	es = append(es, entry{"a450463c8e71", disguised("nosep_lower", ps.of("A4:50:46:3C:8E:71"))})
	return &scrubber{ps: ps, d: newDict(es), clients: map[string]struct{}{"192.168.1.23": {}}}
}

func TestScrubRules(t *testing.T) {
	s := testScrubber()
	P := keyA.Pseudonym
	for _, tc := range []struct {
		rule, in, want string
	}{
		{"text", "", ""},
		{"text", "okhttp/4.9.1", "okhttp/4.9.1"},
		{"text", "imei=358476101234565&x=1", "imei=" + P("358476101234565") + "&x=1"},
		{"text", "358476101234565", P("358476101234565")},
		// Case is ignored; an exact spelling gets its own pseudonym, another
		// spelling the least one's.
		{"text", "mac A4:50:46:3C:8E:71", "mac " + P("A4:50:46:3C:8E:71")},
		{"text", "mac a4:50:46:3c:8e:71", "mac " + P("a4:50:46:3c:8e:71")},
		{"text", "mac A4:50:46:3c:8e:71", "mac " + P("A4:50:46:3C:8E:71")},
		{"text", "wmac=A450463C8E71;", "wmac=nosep_lower(" + P("A4:50:46:3C:8E:71") + ");"},
		// Overlapping values: both go.
		{"text", "xabcdef123456y", "x" + P("abcdef12") + P("ef123456") + "y"},
		{"text", "from 192.168.1.230", "from " + P("192.168.1.23") + "0"},
		{"text", "mail Ana.P@example.ro now", "mail " + P("Ana.P@example.ro") + " now"},
		{"text", "not@mail, @x.ro, a@b", "not@mail, @x.ro, a@b"},
		{"text", "id 0123456789abcdef0 x", "id " + P("0123456789abcdef0") + " x"},
		{"text", "0123456789abcde", "0123456789abcde"},                     // 15 bytes
		{"text", "sensorsdata2015jssdkcross", "sensorsdata2015jssdkcross"}, // a name
		{"text", "YW5hLnBvcGVzY3VAZXhhbXBsZS5ybw==", P("YW5hLnBvcGVzY3VAZXhhbXBsZS5ybw==")},
		{"text", "q8zj3k2m9x0p1l7w", P("q8zj3k2m9x0p1l7w")}, // a quarter digits
		{"text", "Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8 Build/QKQ1.200114.002)", "Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8 Build/QKQ1.200114.002)"},
		{"text", "2021-09-14T08:30:25.551Z+0000", "2021-09-14T08:30:25.551Z+0000"},
		{"pseud", "", ""},
		{"pseud", "x", P("x")},
		{"server", "203.0.113.10", "203.0.113.10"},
		{"server", "192.168.1.23", P("192.168.1.23")},
		{"path", "/api/v6.3/androidevent", "/api/v6.3/androidevent"},
		{"path", "/v1/0123456789abcdef0/x", "/v1/" + P("0123456789abcdef0") + "/x"},
		{"path", "/u/ana%40x.ro/p", "/u/" + P("ana@x.ro") + "/p"},
		{"path", "/u/a%20b", "/u/a%20b"},
		{"path", "/d/358476101234565.json", "/d/" + P("358476101234565") + ".json"},
		{"query", "", ""},
		{"query", "a=1&b=&c&&d=x%20y+z", "a=" + P("1") + "&b=&" + P("c") + "&&d=" + P("x y z")},
		{"query", "bad=%zz", "bad=" + P("%zz")},
		{"uri", "/sa?project=mini&r=RO", "/sa?project=" + P("mini") + "&r=" + P("RO")},
		{"uri", "http://user:pw@h.example/p/a?x=1#frag", "http://" + P("user:pw") + "@h.example/p/a?x=" + P("1") + "#" + P("frag")},
		{"uri", "https://h.example", "https://h.example"},
		{"uri", "*", "*"},
		{"uri", "/a?", "/a?"},
		{"uri", "/a#", "/a#"},
	} {
		var got string
		switch tc.rule {
		case "text":
			got = s.text(tc.in)
		case "pseud":
			got = s.pseud(tc.in)
		case "server":
			got = s.server(tc.in)
		case "path":
			got = s.path(tc.in)
		case "query":
			got = s.query(tc.in)
		case "uri":
			got = s.uri(tc.in)
		}
		if got != tc.want {
			t.Errorf("%s(%q) = %q, want %q", tc.rule, tc.in, got, tc.want)
		}
	}
}

func TestScrubHeaders(t *testing.T) {
	s := testScrubber()
	P := keyA.Pseudonym
	for _, tc := range []struct {
		name, in, want string
	}{
		{"cookie", "a=1; b=2;c", "a=" + P("1") + "; b=" + P("2") + ";" + P("c")},
		{"cookie", "sid=; ", "sid=; "},
		{"set-cookie", "sid=abc; Path=/; HttpOnly", "sid=" + P("abc") + "; Path=/; HttpOnly"},
		{"authorization", "Bearer eyJ.x.y", P("Bearer eyJ.x.y")},
		{"referer", "https://shop.example.cn/product/sku-42", P("https://shop.example.cn/product/sku-42")},
		{"x-forwarded-for", "192.168.1.23, 10.0.0.1", P("192.168.1.23, 10.0.0.1")},
		{"user-agent", "okhttp/4.9.1", "okhttp/4.9.1"},
		{"x-umeng-sdk", "Android/9.4.2 UMCommon/9.4.2 (Redmi Note 8/10/com.example.shop/4.2.0)", "Android/9.4.2 UMCommon/9.4.2 (Redmi Note 8/10/com.example.shop/4.2.0)"},
		{"x-request-id", "9b52cc2b-f37d-4a99-8423-686cae707ccf", P("9b52cc2b-f37d-4a99-8423-686cae707ccf")},
		{"x-device", "imei 358476101234565", "imei " + P("358476101234565")},
		{"authorization", "", ""},
	} {
		if got := s.header(tc.name, tc.in); got != tc.want {
			t.Errorf("header(%s: %q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestScrubFieldValue(t *testing.T) {
	s := testScrubber()
	P := keyA.Pseudonym
	long := strings.Repeat("word ", 13) // 65 bytes
	for _, tc := range []struct {
		v      string
		idKind bool
		typ    string
		path   string
		want   string
	}{
		{"358476101234565", true, "number", "properties.imei", P("358476101234565")},
		{"https://x.example/a?q=b", true, "string", "properties.$url", P("https://x.example/a?q=b")},
		{"", true, "string", "distinct_id", ""},
		{"1631608198336", false, "number", "time", "1631608198336"},
		{"true", false, "bool", "properties.is_incognito", "true"},
		{"Baterie Mi 10T", false, "string", "properties.$title", P("Baterie Mi 10T")},
		{"Ceas", false, "string", "items[0].Title", P("Ceas")},
		{"Ceas", false, "string", "items[0].subtitle", "Ceas"},
		{long, false, "string", "properties.note", Redacted},
		{long[:64], false, "string", "properties.note", long[:64]},
		{"imei:358476101234565", false, "string", "ctx.x", "imei:" + P("358476101234565")},
		{"Android", false, "string", "lib.$lib", "Android"},
	} {
		if got := s.fieldValue(tc.v, tc.idKind, tc.typ, tc.path); got != tc.want {
			t.Errorf("fieldValue(%q, %v, %s, %s) = %q, want %q", tc.v, tc.idKind, tc.typ, tc.path, got, tc.want)
		}
	}
}

func TestDisguised(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"plain", "p:1"}, {"md5", "md5(p:1)"}, {"lower", "lower(p:1)"},
		{"sha1(lower)", "sha1(lower(p:1))"}, {"base64(nosep_upper)", "base64(nosep_upper(p:1))"},
	} {
		if got := disguised(tc.name, "p:1"); got != tc.want {
			t.Errorf("disguised(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestKey(t *testing.T) {
	k16 := []byte("0123456789abcdef")
	k, err := NewKey(k16)
	if err != nil {
		t.Fatal(err)
	}
	// The pseudonym is the documented HMAC, whatever the value.
	for _, v := range []string{"", "358476101234565", "Ana.Popescu@example.ro", "\x00\xff"} {
		m := hmac.New(sha256.New, k16)
		m.Write([]byte(v))
		want := "p:" + hex.EncodeToString(m.Sum(nil))[:16]
		if got := k.Pseudonym(v); got != want {
			t.Errorf("Pseudonym(%q) = %s, want %s", v, got, want)
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(k.Fingerprint()) || k.Fingerprint() == keyA.Fingerprint() {
		t.Errorf("fingerprint %s", k.Fingerprint())
	}
	if _, err := NewKey(k16[:15]); !errors.Is(err, ErrShortKey) || !strings.Contains(err.Error(), "15 bytes, need at least 16") {
		t.Errorf("15-byte key: %v", err)
	}
	if _, err := NewKey(make([]byte, MaxKeyLen+1)); err == nil || !strings.Contains(err.Error(), "not a key file") {
		t.Errorf("long key: %v", err)
	}

	dir := t.TempDir()
	file := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if k2, err := LoadKey(file("k16", k16)); err != nil || k2.Fingerprint() != k.Fingerprint() {
		t.Errorf("LoadKey: %v", err)
	}
	// A newline is key too.
	if k2, err := LoadKey(file("k17", append(k16, '\n'))); err != nil || k2.Fingerprint() == k.Fingerprint() {
		t.Errorf("LoadKey with newline: %v", err)
	}
	for _, tc := range []struct{ path, want string }{
		{file("short", []byte("short\n")), "key too short: 6 bytes"},
		{file("empty", nil), "key too short: 0 bytes"},
		{file("big", make([]byte, 5000)), "not a key file"},
		{filepath.Join(dir, "missing"), "missing"},
		{dir, "not a regular file"},
	} {
		if _, err := LoadKey(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadKey(%s): %v, want %q", tc.path, err, tc.want)
		}
	}
}

// TestDocHasRules keeps the package documentation and RulesText (what
// `telltale publish --help` prints) saying the same.
func TestDocHasRules(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if doc := norm(f.Doc.Text()); !strings.Contains(doc, norm(RulesText)) {
		t.Error("doc.go does not hold RulesText: copy it over")
	}
}

// FuzzScrub checks that no rule panics and that none lets a dictionary value
// through, whatever the text around it.
func FuzzScrub(f *testing.F) {
	for _, s := range []string{
		"", "imei=358476101234565", "/u/ana%40x.ro?q=1#f", "http://u@h/p?a=b&c", "a=1; b=2",
		"xabcdef123456y", "A4:50:46:3C:8E:71", "192.168.1.230", "@@a@b.c", "%%%", "sid=abc; Path=/",
	} {
		f.Add(s)
	}
	secrets := []string{"358476101234565", "abcdef12", "ef123456", "192.168.1.23", "a4:50:46:3c:8e:71"}
	// Bytes of a pseudonym next to bytes of the text may spell a secret by
	// chance; only the bytes outside pseudonyms count.
	pseudonym := regexp.MustCompile(`p:[0-9a-f]{16}`)
	s := testScrubber() // the fuzz function is never called concurrently
	f.Fuzz(func(t *testing.T, in string) {
		outs := map[string]string{
			"text": s.text(in), "path": s.path(in), "query": s.query(in), "uri": s.uri(in),
			"cookie": s.header("cookie", in), "set-cookie": s.header("set-cookie", in), "header": s.header("x", in),
			"field": s.fieldValue(in, false, "string", "p"),
		}
		for rule, out := range outs {
			lo := strings.ToLower(pseudonym.ReplaceAllString(out, "\x00"))
			for _, sec := range secrets {
				if strings.Contains(lo, sec) {
					t.Errorf("%s(%q) = %q holds %q", rule, in, out, sec)
				}
			}
			// Parquet strings must stay UTF-8.
			if utf8.ValidString(in) && !utf8.ValidString(out) {
				t.Errorf("%s(%q) = %q is not UTF-8", rule, in, out)
			}
		}
	})
}
