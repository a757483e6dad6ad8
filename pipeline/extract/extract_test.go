package extract

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"telltale/pipeline/decode"
)

// Three stored Sensors events, written the way the Android SDK stores them
// (org.json escapes '/' as "\/").
const (
	storedEv1 = `{"_track_id":1837402117,"time":1588339200123,"type":"track","distinct_id":"3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","anonymous_id":"3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","identities":{"$identity_android_id":"9774d56d682e549c"},"lib":{"$lib":"Android","$lib_version":"4.0.0"},"event":"page_load_event_start","properties":{"$os":"Android","$wifi":true,"$url":"https:\/\/www.example.com\/news?id=7","imei":358476101234565,"$is_first_day":false}}`
	storedEv2 = `{"_track_id":-12345,"time":1588339201456,"type":"track","distinct_id":"mi_12345678","login_id":"mi_12345678","event":"search","properties":{"search_word":"example query","used_searchengine":"duckduckgo","search_position":2,"extra":null,"tags":[],"loc":{}}}`
	storedEv3 = `{"_track_id":7,"time":1588339202,"type":"profile_set","distinct_id":"3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","properties":{"miui_region":"RO"}}`
	flushTime = `1588339215000`
)

// sensorsBatch assembles the data_list JSON as the SDK does: by string
// concatenation, each event's final '}' replaced by ,"_flush_time":ms}.
func sensorsBatch(events ...string) string {
	parts := make([]string, len(events))
	for i, e := range events {
		parts[i] = e[:len(e)-1] + `,"_flush_time":` + flushTime + `}`
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	io.WriteString(w, s)
	w.Close()
	return buf.Bytes()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func crcOf(s string) string { return strconv.Itoa(int(decode.JavaStringHash(s))) }

func form(kv ...string) []byte {
	var parts []string
	for i := 0; i < len(kv); i += 2 {
		parts = append(parts, kv[i]+"="+kv[i+1])
	}
	return []byte(strings.Join(parts, "&"))
}

func field(e Event, path string) (Field, bool) {
	for _, f := range e.Fields {
		if f.Path == path {
			return f, true
		}
	}
	return Field{}, false
}

func TestSensorsAndroidBatch(t *testing.T) {
	js := sensorsBatch(storedEv1, storedEv2, storedEv3)
	enc := b64(gz(t, js))
	esc := url.QueryEscape(enc)
	req := &Request{
		Method: "POST", Host: "sa.api.intl.miui.com", URI: "/sa?project=global_browser_mini&r=RO",
		Body: form("crc", crcOf(enc), "gzip", "1", "data_list", esc),
	}
	var st Stats
	ps := Extract(req, Limits{}, &st)
	if len(ps) != 1 {
		t.Fatalf("Extract = %d payloads, want 1: %+v", len(ps), ps)
	}
	p := ps[0]
	want := Payload{
		Location: "form", Field: "data_list", Chain: []string{"form:data_list", "percent", "base64", "gzip", "json"},
		SDK: "sensors_analytics", EncodedLen: len(esc), DecodedLen: len(js), JSON: js, CRC: crcOf(enc), CRCChecked: true, CRCOK: true,
	}
	got := p
	got.Events, got.Layers = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("payload = %+v\nwant %+v", got, want)
	}
	type head struct {
		Name, Type, Distinct, Login, Anon, Track string
		Time                                     int64
		HasTime                                  bool
	}
	wantHeads := []head{
		{"page_load_event_start", "track", "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "", "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "1837402117", 1588339200123, true},
		{"search", "track", "mi_12345678", "mi_12345678", "", "-12345", 1588339201456, true},
		{"profile_set", "profile_set", "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "", "", "7", 1588339202000, true}, // seconds scaled
	}
	if len(p.Events) != len(wantHeads) {
		t.Fatalf("%d events, want %d", len(p.Events), len(wantHeads))
	}
	for i, e := range p.Events {
		h := head{e.Name, e.Type, e.DistinctID, e.LoginID, e.AnonymousID, e.TrackID, e.TimeMillis, e.HasTime}
		if h != wantHeads[i] {
			t.Errorf("event %d = %+v, want %+v", i, h, wantHeads[i])
		}
	}
	if want := `{"$os":"Android","$wifi":true,"$url":"https:\/\/www.example.com\/news?id=7","imei":358476101234565,"$is_first_day":false}`; p.Events[0].Properties != want {
		t.Errorf("Properties = %s, want %s", p.Events[0].Properties, want)
	}
	for _, c := range []struct {
		ev   int
		path string
		want Field
	}{
		{0, "properties.$url", Field{"properties.$url", "https://www.example.com/news?id=7", "string", "url", ""}},
		{0, "properties.imei", Field{"properties.imei", "358476101234565", "number", "imei", ""}},
		{0, "properties.$wifi", Field{"properties.$wifi", "true", "bool", "", ""}},
		{0, "lib.$lib", Field{"lib.$lib", "Android", "string", "", ""}},
		{0, "identities.$identity_android_id", Field{"identities.$identity_android_id", "9774d56d682e549c", "string", "android_id", ""}},
		{0, "_flush_time", Field{"_flush_time", "1588339215000", "number", "", ""}},
		{1, "properties.search_word", Field{"properties.search_word", "example query", "string", "search_query", ""}},
	} {
		if f, _ := field(p.Events[c.ev], c.path); f != c.want {
			t.Errorf("event %d field %s = %+v, want %+v", c.ev, c.path, f, c.want)
		}
	}
	wantFields := []Field{
		{"_track_id", "-12345", "number", "", ""},
		{"time", "1588339201456", "number", "", ""},
		{"type", "track", "string", "", ""},
		{"distinct_id", "mi_12345678", "string", "account_id", ""},
		{"login_id", "mi_12345678", "string", "account_id", ""},
		{"event", "search", "string", "", ""},
		{"properties.search_word", "example query", "string", "search_query", ""},
		{"properties.used_searchengine", "duckduckgo", "string", "", ""},
		{"properties.search_position", "2", "number", "", ""},
		{"properties.extra", "", "null", "", ""},
		{"properties.tags", "[]", "array", "", ""},
		{"properties.loc", "{}", "object", "", ""},
		{"_flush_time", "1588339215000", "number", "", ""},
	}
	if !reflect.DeepEqual(p.Events[1].Fields, wantFields) {
		t.Errorf("event 1 fields = %+v\nwant %+v", p.Events[1].Fields, wantFields)
	}
	wantStats := Stats{Candidates: 2 + 3, Payloads: 1, Events: 3, Fields: int64(len(p.Events[0].Fields) + 13 + len(p.Events[2].Fields))}
	if st != wantStats {
		t.Errorf("stats = %+v, want %+v", st, wantStats)
	}
	if n := len(p.Events[2].Fields); n != 6 {
		t.Errorf("event 2 has %d fields, want 6", n)
	}
}

// b64WithPlus returns Base64 of gzip(batch) that contains a '+'.
func b64WithPlus(t *testing.T) (js, enc string) {
	for i := range 500 {
		js = sensorsBatch(storedEv2, fmt.Sprintf(`{"type":"track","event":"pad","distinct_id":"%d","properties":{}}`, i))
		enc = b64(gz(t, js))
		if strings.Contains(enc, "+") {
			return js, enc
		}
	}
	t.Fatal("no Base64 with '+'")
	return "", ""
}

func TestSensorsEncodingDamage(t *testing.T) {
	js, enc := b64WithPlus(t)
	esc := url.QueryEscape(enc)
	tests := []struct {
		name  string
		body  []byte
		chain []string
		crc   string
		flags []string
	}{
		{"plus left unescaped", form("crc", crcOf(enc), "gzip", "1", "data_list", strings.ReplaceAll(esc, "%2B", "+")),
			[]string{"form:data_list", "percent", "base64", "gzip", "json"}, "ok", []string{"plus_repaired"}},
		{"double percent-encoded", form("crc", crcOf(enc), "gzip", "1", "data_list", url.QueryEscape(esc)),
			[]string{"form:data_list", "percent", "percent", "base64", "gzip", "json"}, "ok", nil},
		{"crc mismatch", form("crc", crcOf(enc+"x"), "gzip", "1", "data_list", esc),
			[]string{"form:data_list", "percent", "base64", "gzip", "json"}, "mismatch", nil},
		{"crc last, old order", form("data_list", esc, "gzip", "1", "crc", crcOf(enc)),
			[]string{"form:data_list", "percent", "base64", "gzip", "json"}, "ok", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st Stats
			ps := Extract(&Request{Method: "POST", URI: "/sa?project=default", Body: tt.body}, Limits{}, &st)
			if len(ps) != 1 {
				t.Fatalf("Extract = %d payloads, want 1", len(ps))
			}
			p := ps[0]
			if !reflect.DeepEqual(p.Chain, tt.chain) || crcVerdict(p) != tt.crc || !reflect.DeepEqual(p.Flags, tt.flags) || p.JSON != js || len(p.Events) != 2 {
				t.Fatalf("payload chain %q crc %q flags %q events %d json-equal %v; want %q %q %q 2 true",
					p.Chain, p.CRC, p.Flags, len(p.Events), p.JSON == js, tt.chain, tt.crc, tt.flags)
			}
			if p.Events[0].Name != "search" || p.Events[1].Name != "pad" {
				t.Errorf("event names %q, %q; want search, pad", p.Events[0].Name, p.Events[1].Name)
			}
			if wantMismatch := int64(0); tt.crc == "mismatch" {
				wantMismatch = 1
				if st.CRCMismatch != wantMismatch {
					t.Errorf("CRCMismatch = %d, want 1", st.CRCMismatch)
				}
			}
		})
	}
}

func TestSensorsWeb(t *testing.T) {
	ev := `{"type":"track","event":"$pageview","time":1588339200999,"_track_id":9123,"distinct_id":"17a2b3c4d5e","lib":{"$lib":"js"},"properties":{"$url":"https://m.example.cn/p?q=1","$title":"中文标题","$latest_traffic_source_type":"直接流量","$screen_width":1920}}`
	enc := b64([]byte(ev))
	ext := url.QueryEscape("crc=" + crcOf(enc))
	pixelURI := "/sa.gif?project=default&data=" + url.QueryEscape(enc) + "&ext=" + ext
	check := func(t *testing.T, ps []Payload, loc string) {
		t.Helper()
		if len(ps) != 1 {
			t.Fatalf("Extract = %d payloads, want 1", len(ps))
		}
		p := ps[0]
		wantChain := []string{loc + ":data", "percent", "base64", "json"}
		if !reflect.DeepEqual(p.Chain, wantChain) || p.SDK != "sensors_analytics" || crcVerdict(p) != "ok" || p.JSON != ev || p.Flags != nil {
			t.Fatalf("payload chain %q sdk %q crc %q flags %q; want %q sensors_analytics ok []", p.Chain, p.SDK, p.CRC, p.Flags, wantChain)
		}
		e := p.Events[0]
		if e.Name != "$pageview" || e.DistinctID != "17a2b3c4d5e" || e.TimeMillis != 1588339200999 || e.TrackID != "9123" {
			t.Errorf("event = %q %q %d %q", e.Name, e.DistinctID, e.TimeMillis, e.TrackID)
		}
		if f, _ := field(e, "properties.$title"); f.Value != "中文标题" {
			t.Errorf("$title = %q, want 中文标题", f.Value)
		}
		if f, _ := field(e, "properties.$latest_traffic_source_type"); f.Value != "直接流量" {
			t.Errorf("$latest_traffic_source_type = %q", f.Value)
		}
	}
	t.Run("pixel GET", func(t *testing.T) {
		check(t, Extract(&Request{Method: "GET", URI: pixelURI}, Limits{}, nil), "query")
	})
	t.Run("absolute-form GET", func(t *testing.T) {
		check(t, Extract(&Request{Method: "GET", URI: "http://sa.example.com:8106" + pixelURI}, Limits{}, nil), "query")
	})
	t.Run("beacon text/plain", func(t *testing.T) {
		body := []byte("data=" + url.QueryEscape(enc) + "&ext=" + ext)
		check(t, Extract(&Request{Method: "POST", URI: "/sa?project=default", ContentType: "text/plain;charset=UTF-8", Body: body}, Limits{}, nil), "form")
	})
	t.Run("ajax form", func(t *testing.T) {
		body := []byte("data=" + url.QueryEscape(enc) + "&ext=" + ext)
		check(t, Extract(&Request{Method: "POST", URI: "/sa", ContentType: "application/x-www-form-urlencoded", Body: body}, Limits{}, nil), "form")
	})
	t.Run("batch_send", func(t *testing.T) {
		batch := "[" + ev + "," + strings.Replace(ev, "$pageview", "$WebClick", 1) + "]"
		esc := url.QueryEscape(b64([]byte(batch)))
		ps := Extract(&Request{Method: "POST", URI: "/sa?project=default", ContentType: "application/x-www-form-urlencoded", Body: []byte("data_list=" + esc)}, Limits{}, nil)
		if len(ps) != 1 {
			t.Fatalf("Extract = %d payloads, want 1", len(ps))
		}
		p := ps[0]
		if !reflect.DeepEqual(p.Chain, []string{"form:data_list", "percent", "base64", "json"}) || p.SDK != "sensors_analytics" || crcVerdict(p) != "" || len(p.Events) != 2 ||
			p.Events[0].Name != "$pageview" || p.Events[1].Name != "$WebClick" || p.EncodedLen != len(esc) || p.DecodedLen != len(batch) {
			t.Fatalf("payload = chain %q sdk %q crc %q events %d lens %d/%d", p.Chain, p.SDK, p.CRC, len(p.Events), p.EncodedLen, p.DecodedLen)
		}
	})
}

func TestSensorsEncrypted(t *testing.T) {
	js := `[{"ekey":"dGhpcyBpcyBub3QgYSByZWFsIGtleQ==","pkv":3,"payloads":["AAECAwQFBgcICQoLDA0ODw==","EBESExQVFhcYGRobHB0eHw=="],"flush_time":1588339215000}]`
	web := `{"key_id":7,"key_hash":"abc","nc":1,"payload":"U2FsdGVkX1+abc"}`
	tests := []struct {
		name string
		body []byte
		loc  string
		json string
	}{
		{"android gzip=9", form("crc", crcOf(js), "gzip", "9", "data_list", url.QueryEscape(js)), "form:data_list", js},
		{"android gzip=13", form("crc", crcOf(js), "gzip", "13", "data_list", url.QueryEscape(js)), "form:data_list", js},
		{"web aes plugin", form("data", url.QueryEscape(web), "ext", url.QueryEscape("crc="+crcOf(web)), "gzip", "9"), "form:data", web},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st Stats
			ps := Extract(&Request{Method: "POST", URI: "/sa?project=p", Body: tt.body}, Limits{}, &st)
			if len(ps) != 1 {
				t.Fatalf("Extract = %d payloads, want 1", len(ps))
			}
			p := ps[0]
			if !reflect.DeepEqual(p.Chain, []string{tt.loc, "percent", "json"}) || p.SDK != "sensors_analytics" || crcVerdict(p) != "ok" ||
				!reflect.DeepEqual(p.Flags, []string{"encrypted"}) || p.Events != nil || p.JSON != tt.json {
				t.Fatalf("payload chain %q sdk %q crc %q flags %q events %d", p.Chain, p.SDK, p.CRC, p.Flags, len(p.Events))
			}
			if st.Encrypted != 1 || st.Events != 0 {
				t.Errorf("stats encrypted %d events %d, want 1 0", st.Encrypted, st.Events)
			}
		})
	}
}

func TestMultipart(t *testing.T) {
	js := sensorsBatch(storedEv1, storedEv2)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("gzip", "1")
	w.WriteField("data_list", b64(gz(t, js)))
	fw, _ := w.CreateFormFile("avatar", "a.png")
	fw.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	w.Close()
	ps := Extract(&Request{Method: "POST", URI: "/upload", ContentType: w.FormDataContentType(), Body: buf.Bytes()}, Limits{}, nil)
	if len(ps) != 1 {
		t.Fatalf("Extract = %d payloads, want 1", len(ps))
	}
	p := ps[0]
	if p.Location != "multipart" || p.Field != "data_list" || !reflect.DeepEqual(p.Chain, []string{"multipart:data_list", "base64", "gzip", "json"}) ||
		p.SDK != "sensors_analytics" || len(p.Events) != 2 || p.Events[1].Name != "search" || p.JSON != js {
		t.Fatalf("payload = %s %s %q %s events %d", p.Location, p.Field, p.Chain, p.SDK, len(p.Events))
	}
}

func TestGenericJSON(t *testing.T) {
	tests := []struct {
		name    string
		ct      string
		body    string
		chain   []string
		json    string
		sdk     string
		events  []string // event names
		userIDs []string
	}{
		{"json batch array", "application/json", ` [{"event":"open","user_id":42,"time":1700000000},{"event":"close","user_id":"u2"}] `,
			[]string{"body", "json"}, `[{"event":"open","user_id":42,"time":1700000000},{"event":"close","user_id":"u2"}]`, "generic_json", []string{"open", "close"}, []string{"42", "u2"}},
		{"ndjson", "application/x-ndjson", "{\"event_type\":\"a\"}\n{\"event_type\":\"b\"}\n",
			[]string{"body", "ndjson"}, `[{"event_type":"a"},{"event_type":"b"}]`, "generic_json", []string{"a", "b"}, []string{"", ""}},
		{"events container", "application/json", `{"api_key":"k","events":[{"event_type":"x","user_id":"u"},{"name":"y"}]}`,
			[]string{"body", "json"}, `{"api_key":"k","events":[{"event_type":"x","user_id":"u"},{"name":"y"}]}`, "generic_json", []string{"x", "y"}, []string{"u", ""}},
		{"batch container without content type", "", `{"batch":[{"type":"track","userId":"1"}],"sentAt":"2024"}`,
			[]string{"body", "json"}, `{"batch":[{"type":"track","userId":"1"}],"sentAt":"2024"}`, "generic_json", []string{"track"}, []string{""}},
		{"single event object", "application/json", `{"en":"page_view","cid":"1.2"}`,
			[]string{"body", "json"}, `{"en":"page_view","cid":"1.2"}`, "generic_json", []string{"page_view"}, []string{""}},
		{"data container with events", "application/json", `{"data":[{"event":"e1"}]}`,
			[]string{"body", "json"}, `{"data":[{"event":"e1"}]}`, "generic_json", []string{"e1"}, []string{""}},
		{"gzip body without content-encoding", "text/plain", string(gz(t, `[{"event":"z"}]`)),
			[]string{"body", "gzip", "json"}, `[{"event":"z"}]`, "generic_json", []string{"z"}, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Extract(&Request{Method: "POST", URI: "/v1/collect", ContentType: tt.ct, Body: []byte(tt.body)}, Limits{}, nil)
			if len(ps) != 1 {
				t.Fatalf("Extract = %d payloads, want 1", len(ps))
			}
			p := ps[0]
			if p.Location != "body" || p.Field != "" || !reflect.DeepEqual(p.Chain, tt.chain) || p.JSON != tt.json || p.SDK != tt.sdk || p.EncodedLen != len(tt.body) {
				t.Fatalf("payload %s %q chain %q sdk %q json %s", p.Location, p.Field, p.Chain, p.SDK, p.JSON)
			}
			var names, ids []string
			for _, e := range p.Events {
				names = append(names, e.Name)
				ids = append(ids, e.UserID)
			}
			if !reflect.DeepEqual(names, tt.events) || !reflect.DeepEqual(ids, tt.userIDs) {
				t.Errorf("events %q user ids %q, want %q %q", names, ids, tt.events, tt.userIDs)
			}
		})
	}
}

func TestNoPayload(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	tests := []struct {
		name       string
		uri, ct    string
		body       string
		headers    []Header
		candidates int64
	}{
		{"html", "/", "text/html", "<!DOCTYPE html><html><body><p>data=x</p></body></html>", nil, 1},
		{"png", "/upload", "image/png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", nil, 1},
		{"json api call", "/login", "application/json", `{"username":"x","password":"y"}`, nil, 1},
		{"json api array", "/items", "application/json", `[{"id":1,"qty":2}]`, nil, 1},
		{"json primitive", "/n", "application/json", `"hello"`, nil, 1},
		{"form login", "/login", "application/x-www-form-urlencoded", "user=alice&pass=secret+word&remember=1", nil, 3},
		{"noise in query", "/api?q=test&w=dGVzdA%3D%3D&id=5649ca6c38e4131ca8fb7b90d25b0f03&u=3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d&token=" + jwt + "&aid=9774d56d682e549c&n=358476101234565", "", "", nil, 7},
		{"noise in headers and cookies", "/", "", "", []Header{
			{"Authorization", "Bearer " + jwt}, {"X-Request-Id", "5649ca6c38e4131ca8fb7b90d25b0f03"}, {"X-Token", jwt},
			{"Cookie", "sid=3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d; theme=dark; jwt=" + jwt},
		}, 5},
		{"generic ext and gzip names", "/download?data=report-2024&ext=pdf&gzip=yes", "", "", nil, 3},
		{"base64 of plain text", "/t?data=" + url.QueryEscape(b64([]byte("just some words, no telemetry here"))), "", "", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st Stats
			ps := Extract(&Request{Method: "POST", URI: tt.uri, ContentType: tt.ct, Body: []byte(tt.body), Headers: tt.headers}, Limits{}, &st)
			if len(ps) != 0 {
				t.Fatalf("Extract = %d payloads, want 0: %+v", len(ps), ps[0])
			}
			if st.Candidates != tt.candidates || st.Payloads != 0 {
				t.Errorf("stats = %+v, want %d candidates, 0 payloads", st, tt.candidates)
			}
		})
	}
}

// completeElems counts, with encoding/json as an independent oracle, the
// complete top-level array elements at the start of a cut JSON text.
func completeElems(t *testing.T, prefix []byte) int {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		t.Fatalf("prefix does not start an array: %v %v", tok, err)
	}
	n := 0
	for dec.More() {
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			break
		}
		n++
	}
	return n
}

func TestTruncated(t *testing.T) {
	var evs []string
	x := uint32(7)
	for i := range 60 {
		x = x*1664525 + 1013904223
		evs = append(evs, fmt.Sprintf(`{"type":"track","event":"e%d","distinct_id":"%08x","_track_id":%d,"properties":{"n":%d}}`, i, x, x, x>>7))
	}
	js := sensorsBatch(evs...)
	full := gz(t, js)
	cut := full[:len(full)/2]
	// What a correct decoder can recover: stdlib gzip over the same cut.
	zr, _ := gzip.NewReader(bytes.NewReader(cut))
	prefix, _ := io.ReadAll(zr)
	wantEvents := completeElems(t, prefix)
	if wantEvents < 5 {
		t.Fatalf("test data: only %d complete events in the prefix", wantEvents)
	}
	t.Run("gzip cut", func(t *testing.T) {
		var st Stats
		ps := Extract(&Request{Method: "POST", URI: "/sa", Body: form("gzip", "1", "data_list", url.QueryEscape(b64(cut)))}, Limits{}, &st)
		if len(ps) != 1 {
			t.Fatalf("Extract = %d payloads, want 1", len(ps))
		}
		p := ps[0]
		// Flate decoders may hold back a few bytes of a cut block, so the
		// prefix is compared with the stdlib's within a small margin, and the
		// events with what encoding/json finds complete in our own prefix.
		if !reflect.DeepEqual(p.Flags, []string{"truncated"}) || !reflect.DeepEqual(p.Chain, []string{"form:data_list", "percent", "base64", "gzip"}) ||
			!strings.HasPrefix(js, p.JSON) || len(p.JSON) < len(prefix)-64 || len(p.Events) != completeElems(t, []byte(p.JSON)) || p.SDK != "sensors_analytics" {
			t.Fatalf("payload flags %q chain %q events %d (stdlib prefix has %d) json %d bytes (stdlib %d) is prefix %v",
				p.Flags, p.Chain, len(p.Events), wantEvents, len(p.JSON), len(prefix), strings.HasPrefix(js, p.JSON))
		}
		for i, e := range p.Events {
			if want := fmt.Sprintf("e%d", i); e.Name != want {
				t.Errorf("event %d = %q, want %q", i, e.Name, want)
			}
		}
		if st.Truncated != 1 {
			t.Errorf("Truncated = %d, want 1", st.Truncated)
		}
	})
	t.Run("cut object", func(t *testing.T) {
		obj := `{"events":` + js + `}`
		c := gz(t, obj)
		ps := Extract(&Request{Method: "POST", URI: "/e", ContentType: "text/plain", Body: c[:len(c)/2]}, Limits{}, nil)
		if len(ps) != 1 || !reflect.DeepEqual(ps[0].Flags, []string{"truncated"}) || len(ps[0].Events) != 0 || !strings.HasPrefix(obj, ps[0].JSON) || ps[0].JSON == "" {
			t.Fatalf("Extract = %+v, want one truncated payload without events", ps)
		}
	})
	t.Run("body cut", func(t *testing.T) {
		body := []byte(js[:len(js)/2])
		want := completeElems(t, body)
		ps := Extract(&Request{Method: "POST", URI: "/e", ContentType: "application/json", Body: body, BodyTruncated: true}, Limits{}, nil)
		if len(ps) != 1 || !reflect.DeepEqual(ps[0].Flags, []string{"truncated"}) || len(ps[0].Events) != want || !reflect.DeepEqual(ps[0].Chain, []string{"body"}) {
			t.Fatalf("Extract = %d payloads, want 1 truncated with %d events", len(ps), want)
		}
	})
}

func TestBomb(t *testing.T) {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for range 32 {
		w.Write(zero)
	}
	w.Close()
	var st Stats
	lim := Limits{Decode: decode.Limits{MaxBytes: 1 << 20}}
	ps := Extract(&Request{Method: "POST", URI: "/c", Body: form("data", url.QueryEscape(b64(buf.Bytes())))}, lim, &st)
	if len(ps) != 1 {
		t.Fatalf("Extract = %d payloads, want 1", len(ps))
	}
	p := ps[0]
	if !reflect.DeepEqual(p.Flags, []string{"limit"}) || p.JSON != "" || p.Events != nil || !reflect.DeepEqual(p.Chain, []string{"form:data", "percent", "base64", "gzip"}) || p.Limit != "bytes" {
		t.Fatalf("payload flags %q json %.20q events %d chain %q limit %q", p.Flags, p.JSON, len(p.Events), p.Chain, p.Limit)
	}
	if st.LimitHits != 1 {
		t.Errorf("LimitHits = %d, want 1", st.LimitHits)
	}
}

func TestHeadersCookiesOrder(t *testing.T) {
	clientJS := `{"platform":{"os":"android"},"sdk":"21.1.0"}`
	cookieJS := `{"distinct_id":"17a2b3c4d5e","$device_id":"17a2b3c4d5e","props":{}}`
	req := &Request{
		Method: "POST", URI: "/track?e=" + url.QueryEscape(`[{"event":"q"}]`),
		ContentType: "application/x-www-form-urlencoded",
		Body:        []byte("events=" + url.QueryEscape(`[{"event":"f"}]`)),
		Headers: []Header{
			{"Host", "example.com"},
			{"Cookie", "a=1; sensorsdata2015jssdkcross=" + url.QueryEscape(cookieJS)},
			{"X-Firebase-Client", b64(gz(t, clientJS))},
		},
	}
	ps := Extract(req, Limits{}, nil)
	var got []string
	for _, p := range ps {
		got = append(got, strings.Join(p.Chain, ">")+" "+p.SDK)
	}
	want := []string{
		"query:e>percent>json generic_json",
		"form:events>percent>json generic_json",
		"header:X-Firebase-Client>base64>gzip>json generic_json",
		"cookie:sensorsdata2015jssdkcross>percent>json sensors_analytics",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("payloads = %q\nwant %q", got, want)
	}
	if ps[2].JSON != clientJS {
		t.Errorf("header JSON %s, want %s", ps[2].JSON, clientJS)
	}
	// The identity cookie names no event: a payload, but no event rows.
	if len(ps[3].Events) != 0 || !strings.Contains(ps[3].JSON, `"distinct_id":"17a2b3c4d5e"`) {
		t.Errorf("cookie payload: %d events, JSON %s; want 0 events and the distinct_id in the JSON", len(ps[3].Events), ps[3].JSON)
	}
}

func TestFields(t *testing.T) {
	obj := `{"event":"x","a.b":1,"items":[{"id":"p1","tags":["t1",null]},[]],"deep":{"n":-0.5e+3,"t":true},"s":"\u00e9\"q\\"}`
	fb := fieldBudget{perEvent: 100, bytes: 1 << 20}
	got := testX().flatten(nil, []byte(obj), "", "", &fb, 0)
	want := []Field{
		{"event", "x", "string", "", ""},
		{"a.b", "1", "number", "", ""},
		{"items[0].id", "p1", "string", "", ""},
		{"items[0].tags[0]", "t1", "string", "", ""},
		{"items[0].tags[1]", "", "null", "", ""},
		{"items[1]", "[]", "array", "", ""},
		{"deep.n", "-0.5e+3", "number", "", ""},
		{"deep.t", "true", "bool", "", ""},
		{"s", "é\"q\\", "string", "", ""},
	}
	if !reflect.DeepEqual(got, want) || fb.capped {
		t.Fatalf("flatten = %q (capped %v)\nwant %q", got, fb.capped, want)
	}
	fb = fieldBudget{perEvent: 3, bytes: 1 << 20}
	if got := testX().flatten(nil, []byte(obj), "", "", &fb, 0); len(got) != 3 || !fb.capped {
		t.Errorf("flatten with 3-field cap = %d fields, capped %v; want 3, true", len(got), fb.capped)
	}
	deep := strings.Repeat(`{"k":`, 40) + "1" + strings.Repeat("}", 40)
	fb = fieldBudget{perEvent: 100, bytes: 1 << 20}
	got = testX().flatten(nil, []byte(deep), "", "", &fb, 0)
	wantPath := strings.TrimSuffix(strings.Repeat("k.", maxFieldDepth), ".")
	wantVal := strings.Repeat(`{"k":`, 40-maxFieldDepth) + "1" + strings.Repeat("}", 40-maxFieldDepth)
	if len(got) != 1 || got[0] != (Field{wantPath, wantVal, "object", "", ""}) {
		t.Errorf("deep flatten = %+v, want one object field at depth %d", got, maxFieldDepth)
	}
}

func TestEventColumns(t *testing.T) {
	tests := []struct {
		obj     string
		sensors bool
		name    string
		typ     string
		ms      int64
		hasTime bool
		props   string
	}{
		{`{"event":"a","time":1588339200,"x":1}`, false, "a", "", 1588339200000, true, `{"x":1}`},
		{`{"type":"profile_set","distinct_id":"d","time":"1588339200123","properties":{"p":[1]}}`, true, "profile_set", "profile_set", 1588339200123, true, `{"p":[1]}`},
		{`{"name":"n","en":"e","time":1588339200.5}`, false, "n", "", 1588339200500, true, `{"en":"e"}`},
		{`{"event_type":"t","time":1588339200123456}`, false, "t", "", 1588339200123, true, `{}`},
		{`{"event":"a","type":"track","time":"2020-05-01T00:00:00Z","properties":"str"}`, true, "a", "track", 1588291200000, true, `{"properties":"str"}`},
		{`{"event":"a","time":"2020-05-01T00:00:00.250+02:00"}`, false, "a", "", 1588284000250, true, `{}`},
		{`{"event":"a","time":"2020-05-01"}`, false, "a", "", 0, false, `{}`},
		{`{"event":"","type":"track","time":0}`, true, "track", "track", 0, false, `{"event":""}`},
		{`{"event":{"nested":1},"name":"fallback","time":99}`, false, "fallback", "", 0, false, `{"event":{"nested":1}}`},
	}
	for _, tt := range tests {
		fb := fieldBudget{perEvent: 100, bytes: 1 << 20}
		cols := genericColumns
		if tt.sensors {
			cols = DefaultProfiles()[0].Columns
		}
		e := testX().buildEvent([]byte(tt.obj), nil, "", cols, nil, &fb)
		if e.Name != tt.name || e.Type != tt.typ || e.TimeMillis != tt.ms || e.HasTime != tt.hasTime || e.Properties != tt.props {
			t.Errorf("buildEvent(%s) = name %q type %q time %d/%v props %s; want %q %q %d/%v %s",
				tt.obj, e.Name, e.Type, e.TimeMillis, e.HasTime, e.Properties, tt.name, tt.typ, tt.ms, tt.hasTime, tt.props)
		}
	}
}

func TestCounters(t *testing.T) {
	s := Stats{Candidates: 1, Payloads: 2, Events: 3, Fields: 4, DecodeFailures: 5, LimitHits: 6, CRCMismatch: 7, Truncated: 8, Encrypted: 9}
	var sum Stats
	sum.Add(&s)
	sum.Add(&s)
	var names []string
	for i, c := range sum.Counters() {
		names = append(names, c.Name)
		if c.Value != int64(2*(i+1)) {
			t.Errorf("counter %s = %d, want %d", c.Name, c.Value, 2*(i+1))
		}
	}
	want := []string{"extract.candidates", "extract.payloads", "extract.events", "extract.fields", "extract.decode_failures",
		"extract.limit_hits", "extract.crc_mismatch", "extract.truncated", "extract.encrypted"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("counter names = %q, want %q", names, want)
	}
}

func FuzzExtract(f *testing.F) {
	js := sensorsBatch(storedEv1, storedEv2)
	enc := b64(gz(f, js))
	f.Add("", "/sa", "", form("crc", crcOf(enc), "gzip", "1", "data_list", url.QueryEscape(enc)), []byte(`{"code":0,"imei":"358476101234565"}`))
	f.Add("", "/sa.gif?data="+url.QueryEscape(b64([]byte(storedEv2))), "", []byte(nil), []byte(nil))
	f.Add("", "/e", "application/json", []byte(js), []byte(`{"code":0,"imei":"358476101234565"}`))
	f.Add("", "/e", "text/plain", gz(f, js)[:200], []byte(`{"code":0,"imei":"358476101234565"}`))
	f.Add("", "/e", "multipart/form-data; boundary=XX", []byte("--XX\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{\"event\":\"a\"}\r\n--XX--\r\n"), []byte(`{"code":0,"imei":"358476101234565"}`))
	f.Add("", "/e", "", []byte("{\"event\":\"a\"}\n{\"event\":\"b\"}\n{\"ev"), []byte(`{"code":0,"imei":"358476101234565"}`))
	f.Add("app.adjust.com", "/session", "application/x-www-form-urlencoded", []byte("gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d&partner_params=%7B%22a%22%3A1%7D"), []byte(`{"adid":"b0f3c5a9d2e14f6a8b7c9d0e1f2a3b4c"}`))
	f.Add("www.google-analytics.com", "/g/collect?v=2&tid=G-1&cid=1.2", "text/plain", []byte("en=a&ep.x=1\r\nen=b"), []byte(nil))
	f.Add("ulogs.umeng.com", "/unify_logs", "envelope/json", []byte("\x00\x01binary\xff\xfe"), []byte(nil))
	f.Add("api.segment.io", "/v1/batch", "application/json", []byte(`{"batch":[{"type":"track","event":"x","timestamp":"2024-01-02T03:04:05Z"}],"sentAt":"x"}`), []byte(nil))
	lim := Limits{Decode: decode.Limits{MaxDepth: 4, MaxBytes: 1 << 16}, MaxEvents: 50, MaxFields: 50}
	ex, err := New(nil, lim)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, host, uri, ct string, body, respBody []byte) {
		req := &Request{Method: "POST", Host: host, URI: uri, ContentType: ct, Body: body, Headers: []Header{{"Cookie", string(body)}, {"X-Umeng-Sdk", host}}}
		resp := &Response{StatusCode: 200, Body: respBody}
		var st Stats
		ps := ex.Extract(req, resp, &st)
		again := ex.Extract(req, resp, nil)
		if !reflect.DeepEqual(ps, again) {
			t.Fatal("Extract is not deterministic")
		}
		if st.Payloads != int64(len(ps)) {
			t.Fatalf("Payloads = %d, returned %d", st.Payloads, len(ps))
		}
		for _, p := range ps {
			if len(p.Chain) == 0 || !strings.HasPrefix(p.Chain[0], p.Location) {
				t.Fatalf("chain %q does not start with location %q", p.Chain, p.Location)
			}
			if len(p.Events) > lim.MaxEvents {
				t.Fatalf("%d events, limit %d", len(p.Events), lim.MaxEvents)
			}
			if int64(len(p.JSON)) > lim.Decode.MaxBytes*3 { // U+FFFD repair may triple invalid bytes
				t.Fatalf("JSON of %d bytes, limit %d", len(p.JSON), lim.Decode.MaxBytes)
			}
			if !utf8.ValidString(p.JSON) {
				t.Fatalf("JSON is not valid UTF-8: %.80q", p.JSON)
			}
			if p.JSON != "" && !hasFlag(p, "truncated") && !json.Valid([]byte(p.JSON)) {
				t.Fatalf("invalid JSON without truncated flag: %.80q", p.JSON)
			}
			for _, e := range p.Events {
				if len(e.Fields) > lim.MaxFields {
					t.Fatalf("%d fields, limit %d", len(e.Fields), lim.MaxFields)
				}
			}
		}
	})
}

func hasFlag(p Payload, f string) bool {
	for _, x := range p.Flags {
		if x == f {
			return true
		}
	}
	return false
}

func TestSensorsEdgeCases(t *testing.T) {
	js := sensorsBatch(storedEv2)
	enc := b64(gz(t, js))
	var wrapped strings.Builder
	for s := enc; len(s) > 0; {
		n := min(64, len(s))
		wrapped.WriteString(s[:n])
		if n < len(s) {
			wrapped.WriteString("\r\n")
		}
		s = s[n:]
	}
	tests := []struct {
		name   string
		uri    string
		body   []byte
		chain  []string
		sdk    string
		crc    string
		flags  []string
		events int
	}{
		{"undecodable data_list", "/sa?project=p", form("crc", crcOf("bm90IGd6aXA"), "gzip", "1", "data_list", "bm90IGd6aXA"),
			[]string{"form:data_list"}, "sensors_analytics", "ok", []string{"undecoded"}, 0},
		{"crc over CRLF-wrapped base64", "/sa", form("crc", crcOf(enc), "gzip", "1", "data_list", url.QueryEscape(wrapped.String())),
			[]string{"form:data_list", "percent", "base64", "gzip", "json"}, "sensors_analytics", "ok", nil, 1},
		{"sensors by event shape", "/collect", form("data", url.QueryEscape(b64([]byte(storedEv2)))),
			[]string{"form:data", "percent", "base64", "json"}, "sensors_analytics", "", nil, 1},
		{"mixpanel shape is mixpanel, not sensors", "/track", form("data", url.QueryEscape(b64([]byte(`{"event":"Signup","properties":{"distinct_id":"d","token":"t"}}`)))),
			[]string{"form:data", "base64", "json"}, "mixpanel", "", nil, 1},
		{"server sdk single object gzip", "/sa?project=default", form("data", url.QueryEscape(b64(gz(t, storedEv3))), "gzip", "1"),
			[]string{"form:data", "percent", "base64", "gzip", "json"}, "sensors_analytics", "", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st Stats
			ps := Extract(&Request{Method: "POST", URI: tt.uri, Body: tt.body}, Limits{}, &st)
			if len(ps) != 1 {
				t.Fatalf("Extract = %d payloads, want 1", len(ps))
			}
			p := ps[0]
			if !reflect.DeepEqual(p.Chain, tt.chain) || p.SDK != tt.sdk || crcVerdict(p) != tt.crc || !reflect.DeepEqual(p.Flags, tt.flags) || len(p.Events) != tt.events {
				t.Fatalf("payload chain %q sdk %q crc %q flags %q events %d; want %q %q %q %q %d",
					p.Chain, p.SDK, p.CRC, p.Flags, len(p.Events), tt.chain, tt.sdk, tt.crc, tt.flags, tt.events)
			}
			if tt.flags != nil && tt.flags[0] == "undecoded" && st.DecodeFailures != 1 {
				t.Errorf("DecodeFailures = %d, want 1", st.DecodeFailures)
			}
		})
	}
}

func TestCaps(t *testing.T) {
	body := `[{"event":"a","p":{"x":1,"y":2,"z":3}},{"event":"b"},{"event":"c"}]`
	var st Stats
	ps := Extract(&Request{Method: "POST", URI: "/e", Body: []byte(body)}, Limits{MaxEvents: 2, MaxFields: 3}, &st)
	if len(ps) != 1 {
		t.Fatalf("Extract = %d payloads, want 1", len(ps))
	}
	p := ps[0]
	if !reflect.DeepEqual(p.Flags, []string{"events_capped", "fields_capped"}) || len(p.Events) != 2 || len(p.Events[0].Fields) != 3 || len(p.Events[1].Fields) != 1 {
		t.Fatalf("flags %q events %d", p.Flags, len(p.Events))
	}
	if st.LimitHits != 1 || st.Fields != 4 {
		t.Errorf("LimitHits %d Fields %d, want 1 4", st.LimitHits, st.Fields)
	}
}

func TestNDJSONCut(t *testing.T) {
	body := "{\"event\":\"a\"}\n{\"event\":\"b\"}\n{\"event\":\"c"
	ps := Extract(&Request{Method: "POST", URI: "/e", Body: []byte(body), BodyTruncated: true}, Limits{}, nil)
	if len(ps) != 1 || !reflect.DeepEqual(ps[0].Flags, []string{"truncated"}) || len(ps[0].Events) != 2 || ps[0].Events[1].Name != "b" || ps[0].JSON != body {
		t.Fatalf("Extract = %+v, want one truncated payload with events a, b", ps)
	}
}

func TestUTF8Repair(t *testing.T) {
	body := "[{\"event\":\"a\xff\xfeb\"}]"
	ps := Extract(&Request{Method: "POST", URI: "/e", Body: []byte(body)}, Limits{}, nil)
	if len(ps) != 1 || !reflect.DeepEqual(ps[0].Flags, []string{"utf8_repaired"}) || ps[0].JSON != "[{\"event\":\"a\uFFFDb\"}]" || ps[0].Events[0].Name != "a\uFFFDb" {
		t.Fatalf("Extract = %+v", ps)
	}
}

// crcVerdict renders a payload's crc check as "ok", "mismatch" or "" (none).
func crcVerdict(p Payload) string {
	switch {
	case !p.CRCChecked:
		return ""
	case p.CRCOK:
		return "ok"
	}
	return "mismatch"
}

// testX is an extractor with the default profiles, for unit tests of its
// pieces.
func testX() *extractor {
	e, err := New(nil, Limits{})
	if err != nil {
		panic(err)
	}
	return &extractor{Extractor: e, req: &Request{}}
}
