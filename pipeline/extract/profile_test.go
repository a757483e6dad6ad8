package extract

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"telltale/pipeline/decode"
)

// eventHead is the column part of an Event, for compact expectations.
type eventHead struct {
	Name, Type, Distinct, Login, Anon, User, Device string
	TimeMs                                          int64
}

func headOf(e Event) eventHead {
	return eventHead{e.Name, e.Type, e.DistinctID, e.LoginID, e.AnonymousID, e.UserID, e.DeviceID, e.TimeMillis}
}

func fieldPaths(e Event) []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Path+"="+f.Value)
	}
	return out
}

func TestProfiles(t *testing.T) {
	mpEvents := `[{"event":"$mp_web_page_view","properties":{"token":"tok123","distinct_id":"$device:18c0a","$device_id":"18c0a","time":1700000000.123,"$current_url":"https://shop.example/"}}]`
	tests := []struct {
		name    string
		req     Request
		sdk     string
		loc     string
		chain   []string
		heads   []eventHead
		fields0 []string // fields of the first event, when given
	}{
		{
			name: "mixpanel base64 form",
			req:  Request{Method: "POST", Host: "api.mixpanel.com", URI: "/track?ip=1", ContentType: "application/x-www-form-urlencoded", Body: form("data", url.QueryEscape(b64([]byte(mpEvents))))},
			sdk:  "mixpanel", loc: "form", chain: []string{"form:data", "percent", "base64", "json"},
			heads: []eventHead{{Name: "$mp_web_page_view", Distinct: "$device:18c0a", Device: "18c0a", TimeMs: 1700000000123}},
		},
		{
			name: "mixpanel plain JSON form, custom host by signature",
			req:  Request{Method: "POST", Host: "mp.proxy.example", URI: "/track/?ip=1", ContentType: "application/x-www-form-urlencoded", Body: form("data", url.QueryEscape(mpEvents))},
			sdk:  "mixpanel", loc: "form", chain: []string{"form:data", "percent", "json"},
			heads: []eventHead{{Name: "$mp_web_page_view", Distinct: "$device:18c0a", Device: "18c0a", TimeMs: 1700000000123}},
		},
		{
			name: "ga4 query",
			req:  Request{Method: "GET", Host: "www.google-analytics.com", URI: "/g/collect?v=2&tid=G-ABC123&cid=1234.5678&en=page_view&dl=https%3A%2F%2Fex.com%2F%3Fq%3Dx&ep.section=news"},
			sdk:  "ga4", loc: "query", chain: []string{"query", "params"},
			heads:   []eventHead{{Name: "page_view", Distinct: "1234.5678"}},
			fields0: []string{"v=2", "tid=G-ABC123", "cid=1234.5678", "en=page_view", "dl=https://ex.com/?q=x", "dl?q=x", "ep.section=news"},
		},
		{
			name: "ga4 batch lines",
			req:  Request{Method: "POST", Host: "region1.google-analytics.com", URI: "/g/collect?v=2&tid=G-ABC123&cid=1.2&uid=user7", ContentType: "text/plain;charset=UTF-8", Body: []byte("en=scroll&epn.percent=90\r\nen=click&ep.link=https%3A%2F%2Fa.example%2F\r\nen=user_engagement")},
			sdk:  "ga4", loc: "body", chain: []string{"body", "params_lines"},
			heads: []eventHead{
				{Name: "scroll", Distinct: "1.2", User: "user7"},
				{Name: "click", Distinct: "1.2", User: "user7"},
				{Name: "user_engagement", Distinct: "1.2", User: "user7"},
			},
			fields0: []string{"v=2", "tid=G-ABC123", "cid=1.2", "uid=user7", "en=scroll", "epn.percent=90"},
		},
		{
			name: "firebase measurement protocol",
			req:  Request{Method: "POST", Host: "www.google-analytics.com", URI: "/mp/collect?measurement_id=G-X&api_secret=s", ContentType: "application/json", Body: []byte(`{"app_instance_id":"aid0123","user_id":"u1","timestamp_micros":"1700000000000000","events":[{"name":"purchase","params":{"value":3}}]}`)},
			sdk:  "firebase_mp", loc: "body", chain: []string{"body", "json"},
			heads:   []eventHead{{Name: "purchase", Distinct: "aid0123", User: "u1", TimeMs: 1700000000000}},
			fields0: []string{"name=purchase", "params.value=3", "envelope.app_instance_id=aid0123", "envelope.user_id=u1", "envelope.timestamp_micros=1700000000000000"},
		},
		{
			name: "universal analytics hit",
			req:  Request{Method: "GET", Host: "www.google-analytics.com", URI: "/collect?v=1&_v=j101&tid=UA-1234-1&cid=555.666&t=pageview&dp=%2Fhome"},
			sdk:  "universal_analytics", loc: "query", chain: []string{"query", "params"},
			heads: []eventHead{{Name: "pageview", Distinct: "555.666"}},
		},
		{
			name: "universal analytics batch",
			req:  Request{Method: "POST", Host: "www.google-analytics.com", URI: "/batch", ContentType: "text/plain", Body: []byte("v=1&tid=UA-1-1&cid=9&t=event&ea=play\nv=1&tid=UA-1-1&cid=9&t=pageview&dp=%2Fx\n")},
			sdk:  "universal_analytics", loc: "body", chain: []string{"body", "params_lines"},
			heads: []eventHead{{Name: "event", Distinct: "9"}, {Name: "pageview", Distinct: "9"}},
		},
		{
			name: "segment batch",
			req:  Request{Method: "POST", Host: "api.segment.io", URI: "/v1/batch", ContentType: "application/json", Body: []byte(`{"batch":[{"type":"track","event":"Opened","anonymousId":"anon1","userId":"u9","timestamp":"2024-01-02T03:04:05.678Z"},{"type":"screen","anonymousId":"anon1","timestamp":"2024-01-02T03:04:06Z"}],"sentAt":"2024-01-02T03:04:07Z"}`)},
			sdk:  "segment", loc: "body", chain: []string{"body", "json"},
			heads: []eventHead{
				{Name: "Opened", Type: "track", Distinct: "anon1", Anon: "anon1", User: "u9", TimeMs: 1704164645678},
				{Name: "screen", Type: "screen", Distinct: "anon1", Anon: "anon1", TimeMs: 1704164646000},
			},
			fields0: []string{"type=track", "event=Opened", "anonymousId=anon1", "userId=u9", "timestamp=2024-01-02T03:04:05.678Z", "envelope.sentAt=2024-01-02T03:04:07Z"},
		},
		{
			name: "amplitude v2",
			req:  Request{Method: "POST", Host: "api2.amplitude.com", URI: "/2/httpapi", ContentType: "application/json", Body: []byte(`{"api_key":"k1","events":[{"event_type":"session_start","user_id":"u2","device_id":"d-77","time":1700000000123}]}`)},
			sdk:  "amplitude", loc: "body", chain: []string{"body", "json"},
			heads: []eventHead{{Name: "session_start", Distinct: "d-77", User: "u2", Device: "d-77", TimeMs: 1700000000123}},
		},
		{
			name: "amplitude legacy form",
			req:  Request{Method: "POST", Host: "api.amplitude.com", URI: "/", ContentType: "application/x-www-form-urlencoded", Body: form("v", "2", "client", "k1", "e", url.QueryEscape(`[{"event_type":"open","device_id":"d-1","time":1700000000000}]`), "upload_time", "1700000000999", "checksum", "0cc175b9c0f1b6a831c399e269772661")},
			sdk:  "amplitude", loc: "form", chain: []string{"form:e", "percent", "json"},
			heads: []eventHead{{Name: "open", Distinct: "d-1", Device: "d-1", TimeMs: 1700000000000}},
		},
		{
			name: "adjust session with JSON in a form field",
			req:  Request{Method: "POST", Host: "app.adjust.com", URI: "/session", ContentType: "application/x-www-form-urlencoded", Body: form("app_token", "abc123def456", "gps_adid", "38400000-8cf0-11bd-b23e-10b96e40000d", "android_uuid", "b3f1c2d4-0000-4000-8000-000000000001", "created_at", url.QueryEscape("2024-01-02T03:04:05.678Z+0100"), "partner_params", url.QueryEscape(`{"user":"u5","tier":2}`))},
			sdk:  "adjust", loc: "body", chain: []string{"body", "params"},
			heads:   []eventHead{{Name: "session", Distinct: "b3f1c2d4-0000-4000-8000-000000000001", Device: "38400000-8cf0-11bd-b23e-10b96e40000d", TimeMs: 1704161045678}},
			fields0: []string{"app_token=abc123def456", "gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d", "android_uuid=b3f1c2d4-0000-4000-8000-000000000001", "created_at=2024-01-02T03:04:05.678Z+0100", `partner_params={"user":"u5","tier":2}`, "partner_params.user=u5", "partner_params.tier=2"},
		},
		{
			name: "appsflyer",
			req:  Request{Method: "POST", Host: "inapps.appsflyer.com", URI: "/api/v6.3/androidevent?app_id=com.example.app&buildnumber=6.3.2", ContentType: "application/json", Body: []byte(`{"advertiserId":"38400000-8cf0-11bd-b23e-10b96e40000d","uid":"1700000000000-1234567","eventName":"af_purchase","timestamp":"1700000000123"}`)},
			sdk:  "appsflyer", loc: "body", chain: []string{"body", "json"},
			heads: []eventHead{{Name: "af_purchase", Distinct: "1700000000000-1234567", Device: "38400000-8cf0-11bd-b23e-10b96e40000d", TimeMs: 1700000000123}},
		},
		{
			name: "appsflyer launch names no event",
			req:  Request{Method: "POST", Host: "launches.appsflyer.com", URI: "/api/v6.3/androidevent?app_id=com.example.app", ContentType: "application/json", Body: []byte(`{"advertiserId":"38400000-8cf0-11bd-b23e-10b96e40000d","uid":"u-1","date1":"2024-01-02_030405+0100"}`)},
			sdk:  "appsflyer", loc: "body", chain: []string{"body", "json"},
			heads: []eventHead{{Distinct: "u-1", Device: "38400000-8cf0-11bd-b23e-10b96e40000d"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Extract(&tt.req, Limits{}, nil)
			if len(ps) != 1 {
				t.Fatalf("%d payloads, want 1: %+v", len(ps), ps)
			}
			p := ps[0]
			if p.SDK != tt.sdk || p.Location != tt.loc || !reflect.DeepEqual(p.Chain, tt.chain) || p.Encrypted {
				t.Fatalf("payload sdk %q loc %q chain %q encrypted %v; want %q %q %q false", p.SDK, p.Location, p.Chain, p.Encrypted, tt.sdk, tt.loc, tt.chain)
			}
			var heads []eventHead
			for _, e := range p.Events {
				heads = append(heads, headOf(e))
			}
			if !reflect.DeepEqual(heads, tt.heads) {
				t.Errorf("events\n got %+v\nwant %+v", heads, tt.heads)
			}
			if tt.fields0 != nil {
				if got := fieldPaths(p.Events[0]); !reflect.DeepEqual(got, tt.fields0) {
					t.Errorf("fields of event 0\n got %q\nwant %q", got, tt.fields0)
				}
			}
		})
	}
}

// opaqueBody is deterministic high-entropy bytes: a SHA-256 chain.
func opaqueBody(n int) []byte {
	var out []byte
	h := sha256.Sum256([]byte("seed"))
	for len(out) < n {
		out = append(out, h[:]...)
		h = sha256.Sum256(h[:])
	}
	return out[:n]
}

func TestOpaque(t *testing.T) {
	body := opaqueBody(512)
	ent := decode.Entropy(body)
	tests := []struct {
		name     string
		req      Request
		sdk      string // "" = no payload
		evidence []Header
	}{
		{"umeng envelope", Request{Method: "POST", Host: "ulogs.umeng.com", URI: "/unify_logs", ContentType: "envelope/json",
			Headers: []Header{{"Host", "ulogs.umeng.com"}, {"Msg-Type", "envelope/json"}, {"Content-Type", "envelope/json"}, {"X-Umeng-UTC", "1700000000000"}, {"X-Umeng-Sdk", "Android/9.6.3 com.example/1.0"}}, Body: body},
			"umeng", []Header{{"Msg-Type", "envelope/json"}, {"Content-Type", "envelope/json"}, {"X-Umeng-UTC", "1700000000000"}, {"X-Umeng-Sdk", "Android/9.6.3 com.example/1.0"}}},
		{"onetrack", Request{Method: "POST", Host: "tracking.intl.miui.com", URI: "/track/v4", ContentType: "application/octet-stream",
			Headers: []Header{{"OT_SID", "s1"}, {"OT_ts", "1700000000000"}, {"OT_sender", "com.miui.securitycenter"}, {"OT_protocol", "3.0"}, {"Content-Type", "application/octet-stream"}}, Body: body},
			"onetrack", []Header{{"OT_SID", "s1"}, {"OT_ts", "1700000000000"}, {"OT_sender", "com.miui.securitycenter"}, {"OT_protocol", "3.0"}, {"Content-Type", "application/octet-stream"}}},
		{"hianalytics", Request{Method: "POST", Host: "metrics1.data.hicloud.com", URI: "/common/hmshioperqrt", ContentType: "application/octet-stream",
			Headers: []Header{{"App-Id", "com.huawei.x"}, {"servicetag", "_openness_config_tag"}, {"x-hasdk-clientid", "c1"}, {"User-Agent", "okhttp"}}, Body: body},
			"hianalytics", []Header{{"App-Id", "com.huawei.x"}, {"servicetag", "_openness_config_tag"}, {"x-hasdk-clientid", "c1"}}},
		{"unknown vendor with its headers", Request{Method: "POST", Host: "c.vendor.example", URI: "/v2/up", ContentType: "application/octet-stream",
			Headers: []Header{{"User-Agent", "okhttp/4"}, {"X-Vendor-Key", "k9"}, {"Content-Type", "application/octet-stream"}}, Body: body},
			"opaque", []Header{{"X-Vendor-Key", "k9"}}},
		{"octet-stream upload without vendor headers", Request{Method: "POST", Host: "upload.example", URI: "/put", ContentType: "application/octet-stream",
			Headers: []Header{{"User-Agent", "okhttp/4"}, {"Content-Type", "application/octet-stream"}}, Body: body}, "", nil},
		{"low-entropy binary with vendor headers", Request{Method: "POST", Host: "c.vendor.example", URI: "/v2/up", ContentType: "application/octet-stream",
			Headers: []Header{{"X-Vendor-Key", "k9"}}, Body: []byte(strings.Repeat("\x00\x01\x02\x03", 64))}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Extract(&tt.req, Limits{}, nil)
			if tt.sdk == "" {
				if len(ps) != 0 {
					t.Fatalf("got %d payloads, want none: %+v", len(ps), ps[0])
				}
				return
			}
			if len(ps) != 1 {
				t.Fatalf("%d payloads, want 1", len(ps))
			}
			p := ps[0]
			if p.SDK != tt.sdk || !p.Encrypted || p.Entropy != ent || p.EncodedLen != len(body) || p.DecodedLen != len(body) ||
				p.Events != nil || p.JSON != "" || !reflect.DeepEqual(p.Chain, []string{"body"}) || !reflect.DeepEqual(p.Flags, []string{"encrypted"}) {
				t.Errorf("payload sdk %q encrypted %v entropy %v lens %d/%d events %d json %q chain %q flags %q; want %q true %v 512/512 0 \"\" [body] [encrypted]",
					p.SDK, p.Encrypted, p.Entropy, p.EncodedLen, p.DecodedLen, len(p.Events), p.JSON, p.Chain, p.Flags, tt.sdk, ent)
			}
			if !reflect.DeepEqual(p.Evidence, tt.evidence) {
				t.Errorf("evidence %q, want %q", p.Evidence, tt.evidence)
			}
		})
	}
}

func TestResponsePayload(t *testing.T) {
	ex, err := New(nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{Method: "GET", Host: "api.example.net", URI: "/v1/config"}
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"identifier handed to the device", `{"code":0,"data":{"imei":"358476101234565","ttl":3600}}`, true},
		{"plain API answer", `{"code":0,"data":{"items":[{"title":"News","url":"https://news.example/"}]}}`, false},
		{"not JSON", `<html>ok</html>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := ex.Extract(req, &Response{StatusCode: 200, ContentType: "application/json", Body: []byte(tt.body)}, nil)
			if !tt.want {
				if len(ps) != 0 {
					t.Fatalf("got %+v, want no payload", ps)
				}
				return
			}
			if len(ps) != 1 {
				t.Fatalf("%d payloads, want 1", len(ps))
			}
			p := ps[0]
			if p.Location != "response" || p.SDK != "generic_json" || !reflect.DeepEqual(p.Chain, []string{"response", "json"}) || len(p.Events) != 1 || p.Events[0].Type != "response" {
				t.Fatalf("payload loc %q sdk %q chain %q events %d", p.Location, p.SDK, p.Chain, len(p.Events))
			}
			if got := fieldPaths(p.Events[0]); !reflect.DeepEqual(got, []string{"code=0", "data.imei=358476101234565", "data.ttl=3600"}) {
				t.Errorf("fields %q", got)
			}
		})
	}
	// A collector's acknowledgement is not telemetry; its encoded config is.
	amp := &Request{Method: "POST", Host: "api2.amplitude.com", URI: "/2/httpapi", Body: []byte(`{"api_key":"k","events":[{"event_type":"e"}]}`)}
	if ps := ex.Extract(amp, &Response{StatusCode: 200, Body: []byte(`{"code":200,"events_ingested":1}`)}, nil); len(ps) != 1 {
		t.Fatalf("collector acknowledgement: %d payloads, want only the request's", len(ps))
	}
	ps := ex.Extract(amp, &Response{StatusCode: 200, Body: []byte(b64([]byte(`{"sampling":0.5}`)))}, nil)
	if len(ps) != 2 || ps[1].Location != "response" || ps[1].SDK != "amplitude" || ps[1].Events[0].Type != "response" ||
		!reflect.DeepEqual(ps[1].Chain, []string{"response", "base64", "json"}) {
		t.Fatalf("encoded collector config: %d payloads %+v", len(ps), ps)
	}
}

func TestNestedJSON(t *testing.T) {
	inner := `{"imei":"358476101234565","apps":["a.b","c.d"]}`
	body := `{"event":"ctx","ctx":"` + b64(gz(t, inner)) + `","raw":"{\"k\":[1,{\"x\":\"y\"}]}","note":"not json {"}`
	ps := Extract(&Request{Method: "POST", Host: "c.example", URI: "/log", ContentType: "application/json", Body: []byte(body)}, Limits{}, nil)
	if len(ps) != 1 || len(ps[0].Events) != 1 {
		t.Fatalf("payloads %+v", ps)
	}
	var got []string
	for _, f := range ps[0].Events[0].Fields {
		got = append(got, f.Path+"="+f.Value+" via="+f.Via)
	}
	want := []string{
		"event=ctx via=",
		"ctx=" + b64(gz(t, inner)) + " via=",
		"ctx.imei=358476101234565 via=base64>gzip>json",
		"ctx.apps[0]=a.b via=base64>gzip>json",
		"ctx.apps[1]=c.d via=base64>gzip>json",
		`raw={"k":[1,{"x":"y"}]} via=`,
		"raw.k[0]=1 via=json",
		"raw.k[1].x=y via=json",
		"note=not json { via=",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields\n got %q\nwant %q", got, want)
	}
}

func TestProfilesRoundTrip(t *testing.T) {
	b, err := json.Marshal(DefaultProfiles())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadProfiles(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, DefaultProfiles()) {
		t.Fatalf("profiles changed in a JSON round trip")
	}
	if _, err := New([]Profile{{Name: "x", Form: "yaml"}}, Limits{}); err == nil {
		t.Error("New accepted an unknown form")
	}
	if _, err := New([]Profile{{Name: "x", Match: []Rule{{Params: []string{"v=("}}}}}, Limits{}); err == nil {
		t.Error("New accepted a bad parameter regexp")
	}
	// A user profile put first claims its collector.
	custom := append([]Profile{{Name: "acme", Match: []Rule{{Host: "t.acme.example"}}, Fields: []string{"p"}, Columns: Columns{Event: []string{"ev"}, DistinctID: []string{"uid"}}}}, DefaultProfiles()...)
	ex, err := New(custom, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ps := ex.Extract(&Request{Method: "GET", Host: "t.acme.example", URI: "/h?p=" + url.QueryEscape(b64([]byte(`{"ev":"tap","uid":"u3"}`)))}, nil, nil)
	if len(ps) != 1 || ps[0].SDK != "acme" || len(ps[0].Events) != 1 || headOf(ps[0].Events[0]) != (eventHead{Name: "tap", Distinct: "u3"}) {
		t.Fatalf("custom profile: %+v", ps)
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*/sa", "/sa", true}, {"*/sa", "/x/sa", true}, {"*/sa", "/sa.gif", false},
		{"*mixpanel.com", "api-js.mixpanel.com", true}, {"*mixpanel.com", "mixpanel.com.evil", false},
		{"tracking*.miui.com", "tracking.intl.miui.com", true}, {"/track*", "/track/", true},
		{"/v1/*", "/v1/batch", true}, {"/v1/*", "/v2/batch", false}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
		{"", "", true}, {"x", "", false},
	}
	for _, tt := range tests {
		if got := glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// TestPitfalls runs each decoding trap named in the research notes through
// Extract, with the exact chain and events expected.
func TestPitfalls(t *testing.T) {
	ev := `{"event":"open","distinct_id":"d-1","props":{"url":"https://ex.example/a?b=c"}}`
	var batch100 []string
	var names100 []string
	for i := range 100 {
		batch100 = append(batch100, `{"event":"e`+strconv.Itoa(i)+`","n":`+strconv.Itoa(i)+`}`)
		names100 = append(names100, "e"+strconv.Itoa(i))
	}
	var br bytes.Buffer
	bw := brotli.NewWriterLevel(&br, 5)
	bw.Write([]byte(ev))
	bw.Close()
	urlsafe := base64.RawURLEncoding.EncodeToString([]byte(`{"event":"??>>","distinct_id":"d-1"}`)) // has '-' or '_'
	if !strings.ContainsAny(urlsafe, "-_") {
		t.Fatalf("test value %q lacks URL-safe characters", urlsafe)
	}
	nested := `{"event":"ctx","ctx":"` + b64([]byte(`{"imei":"358476101234565"}`)) + `"}`
	tests := []struct {
		name  string
		req   Request
		chain []string
		names []string
	}{
		{"unpadded URL-safe Base64 in a query", Request{Method: "GET", URI: "/t?e=" + urlsafe},
			[]string{"query:e", "base64url", "json"}, []string{"??>>"}},
		{"Base64 in JSON in a form field", Request{Method: "POST", URI: "/t", ContentType: "application/x-www-form-urlencoded", Body: form("data", url.QueryEscape(nested))},
			[]string{"form:data", "percent", "json"}, []string{"ctx"}},
		{"gzip without a flag (text/plain body)", Request{Method: "POST", URI: "/e/", ContentType: "text/plain", Body: gz(t, "["+ev+"]")},
			[]string{"body", "gzip", "json"}, []string{"open"}},
		{"a JSON batch of 100 events", Request{Method: "POST", URI: "/batch", ContentType: "application/json", Body: []byte("[" + strings.Join(batch100, ",") + "]")},
			[]string{"body", "json"}, names100},
		{"hex of gzip", Request{Method: "GET", URI: "/t?d=" + hex.EncodeToString(gz(t, ev))},
			[]string{"query:d", "hex", "gzip", "json"}, []string{"open"}},
		{"Base64 of brotli", Request{Method: "GET", URI: "/t?d=" + url.QueryEscape(b64(br.Bytes()))},
			[]string{"query:d", "percent", "base64", "brotli", "json"}, []string{"open"}},
		{"NDJSON body", Request{Method: "POST", URI: "/i", ContentType: "application/x-ndjson", Body: []byte(ev + "\n" + ev + "\n")},
			[]string{"body", "ndjson"}, []string{"open", "open"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Extract(&tt.req, Limits{}, nil)
			if len(ps) != 1 {
				t.Fatalf("%d payloads, want 1: %+v", len(ps), ps)
			}
			p := ps[0]
			var names []string
			for _, e := range p.Events {
				names = append(names, e.Name)
			}
			if !reflect.DeepEqual(p.Chain, tt.chain) || !reflect.DeepEqual(names, tt.names) || p.SDK != "generic_json" {
				t.Errorf("chain %q events %q sdk %q; want %q %q generic_json", p.Chain, names, p.SDK, tt.chain, tt.names)
			}
		})
	}
	// The Base64 inside the JSON field is decoded into fields of its own.
	ps := Extract(&tests[1].req, Limits{}, nil)
	if got := fieldPaths(ps[0].Events[0]); !reflect.DeepEqual(got, []string{"event=ctx", "ctx=" + b64([]byte(`{"imei":"358476101234565"}`)), "ctx.imei=358476101234565"}) {
		t.Errorf("nested fields %q", got)
	}
}

// TestSearchInURL checks that a search term inside a visited URL becomes a
// field of its own, tagged search_query.
func TestSearchInURL(t *testing.T) {
	body := `{"event":"page","properties":{"$url":"https://www.baidu.com/s?ie=utf-8&wd=%E4%B8%AD%E6%96%87+%E6%90%9C%E7%B4%A2#top","ref":"https://news.example/a?id=7","q2":"https://ddg.example/?q=+"}}`
	ps := Extract(&Request{Method: "POST", URI: "/log", ContentType: "application/json", Body: []byte(body)}, Limits{}, nil)
	if len(ps) != 1 || len(ps[0].Events) != 1 {
		t.Fatalf("payloads %+v", ps)
	}
	var got []string
	for _, f := range ps[0].Events[0].Fields {
		got = append(got, f.Path+"="+f.Value+" via="+f.Via+" kind="+IDKind(f.Path, f.Value, f.Type))
	}
	want := []string{
		"event=page via= kind=",
		"properties.$url=https://www.baidu.com/s?ie=utf-8&wd=%E4%B8%AD%E6%96%87+%E6%90%9C%E7%B4%A2#top via= kind=url",
		"properties.$url?wd=中文 搜索 via=url kind=search_query",
		"properties.ref=https://news.example/a?id=7 via= kind=url",
		"properties.q2=https://ddg.example/?q=+ via= kind=url",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields\n got %q\nwant %q", got, want)
	}
}

func TestIDKindOverrides(t *testing.T) {
	ps := Extract(&Request{Method: "POST", Host: "t.appsflyer.com", URI: "/api/v6.3/androidevent?app_id=x", ContentType: "application/json",
		Body: []byte(`{"uid":"1631607001234-5482016387204519234","user_id":"u-77","advertiserId":"7e2b4c91-3d5a-4f08-9b6e-1c2d3e4f5a6b"}`)}, Limits{}, nil)
	amp := Extract(&Request{Method: "POST", Host: "api2.amplitude.com", URI: "/2/httpapi", ContentType: "application/json",
		Body: []byte(`{"api_key":"k","events":[{"event_type":"e","uuid":"049ebef6-4c2e-4d1a-9b3f-f437a30911b5","device_id":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"}]}`)}, Limits{}, nil)
	var got []string
	for _, p := range append(ps, amp...) {
		for _, f := range p.Events[0].Fields {
			got = append(got, f.Path+"="+f.Kind)
		}
	}
	want := []string{"uid=device_id", "user_id=account_id", "advertiserId=advertising_id",
		"event_type=", "uuid=", "device_id=anonymous_id", "envelope.api_key="}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kinds %q, want %q", got, want)
	}
}
