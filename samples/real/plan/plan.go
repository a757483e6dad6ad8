// Package plan is the fixed script of the real loopback capture
// (samples/real): which client sends which request, with which exact bytes,
// and what the server answers. The server, the Go
// client, make.sh (through the client's -curl-dir output) and the truth file
// all derive from it, so the truth does not depend on the run: only the
// clients' ephemeral ports, capture timestamps, sequence numbers and packet
// counts do.
package plan

import (
	"bytes"
	"compress/gzip"

	"telltale/samples/internal/sensors"
)

// ServerPort is the port the local server listens on (127.0.0.1).
const ServerPort = 18106

// Ports are the local (ephemeral) ports the clients used in one run; the
// truth names connections by them. They are read from curl -w
// '%{local_port}' and from the Go client, not fixed: a fixed port can stay
// in TIME_WAIT for a minute after a run, whichever side closes first.
type Ports struct {
	CurlPost int // curl: web SDK ajax POST /sa (data=&ext=)
	CurlGif  int // curl: web SDK pixel GET /sa.gif
	CurlPage int // curl: GET / (not telemetry)
	Go       int // Go client: keep-alive, 3 x POST /sa gzip=1 + POST /batch
}

// OKBody is the server's answer to every telemetry request.
const OKBody = `{"code":0}`

// Page is the HTML the server serves at /.
var Page = []byte("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>telltale loopback sample</title></head>\n" +
	"<body><p>Nothing to see here: this page is not telemetry.</p></body></html>\n")

// Requests is how many requests the server answers before it exits.
const Requests = 7

// Identity of the simulated client device. Invented values.
const (
	AndroidID = "a3f09c7e5b1d2468"
	IMEI      = "358476101234565" // Luhn-valid synthetic value (telemetry-formats.md §4.1)
	AnonID    = "8d2f6a1c-3b4e-4f5a-9c6d-7e8f9a0b1c2d"
	CookieID  = "1763f0a2b4c5d6-0e1f2a3b4c5d6e-26021051-250000-1763f0a2b4c7e8"
	UserID    = "user-42"
)

// Times of the events, fixed (Unix ms): the capture's own timestamps are
// whenever make.sh runs.
const (
	t0    int64 = 1588579200000 // 2020-05-04T08:00:00Z
	flush int64 = t0 + 15000
)

// SensorsTarget is the request-target of the Go client's batches.
const SensorsTarget = "/sa?project=loopback_sample&r=RO"

// AndroidUA is the User-Agent of the batches (an Android WebView).
const AndroidUA = "Mozilla/5.0 (Linux; Android 10; Redmi Note 8 Build/QKQ1.200114.002; wv) AppleWebKit/537.36 " +
	"(KHTML, like Gecko) Version/4.0 Chrome/81.0.4044.138 Mobile Safari/537.36"

func androidEvent(trackID, at int64, name string, custom sensors.Object) sensors.Object {
	props := sensors.Object{
		{Key: "$os", Value: "Android"},
		{Key: "$os_version", Value: "10"},
		{Key: "$manufacturer", Value: "Xiaomi"},
		{Key: "$model", Value: "Redmi Note 8"},
		{Key: "$app_version", Value: "3.4.0"},
		{Key: "$device_id", Value: AndroidID},
		{Key: "$wifi", Value: true},
		{Key: "uuid", Value: AnonID},
		{Key: "miui_region", Value: "RO"},
	}
	return sensors.Object{
		{Key: "_track_id", Value: trackID},
		{Key: "time", Value: at},
		{Key: "type", Value: "track"},
		{Key: "distinct_id", Value: AnonID},
		{Key: "anonymous_id", Value: AnonID},
		{Key: "identities", Value: sensors.Object{{Key: "$identity_android_id", Value: AndroidID}}},
		{Key: "lib", Value: sensors.Object{
			{Key: "$lib", Value: "Android"}, {Key: "$lib_version", Value: "4.0.0"},
			{Key: "$app_version", Value: "3.4.0"}, {Key: "$lib_method", Value: "code"},
		}},
		{Key: "event", Value: name},
		{Key: "properties", Value: append(props, custom...)},
	}
}

// Batches are the Go client's three gzip=1 uploads, in order.
func Batches() []sensors.Batch {
	return []sensors.Batch{
		sensors.AndroidBatch([]sensors.Object{
			androidEvent(-1418235601, t0+1000, "$AppStart", sensors.Object{{Key: "$imei", Value: IMEI}}),
			androidEvent(982734115, t0+1800, "$AppViewScreen", sensors.Object{
				{Key: "$screen_name", Value: "miui.globalbrowser.homepage.BrowserActivity"},
				{Key: "$title", Value: "浏览器"},
			}),
		}, flush, sensors.OrgJSON),
		sensors.AndroidBatch([]sensors.Object{
			androidEvent(20517733, t0+4000, "page_load_event_finish", sensors.Object{
				{Key: "url", Value: "https://news.example.org/story/9?ref=loopback"},
			}),
			androidEvent(-77013290, t0+6500, "search", sensors.Object{
				{Key: "used_searchengine", Value: "duckduckgo"},
				{Key: "search_word", Value: "天气 Cluj"},
				{Key: "is_incognito", Value: true},
			}),
			androidEvent(1204950027, t0+7100, "page_load_event_finish", sensors.Object{
				{Key: "url", Value: "https://duckduckgo.com/?q=%E5%A4%A9%E6%B0%94+Cluj"},
				{Key: "is_incognito", Value: true},
			}),
		}, flush+20000, sensors.OrgJSON),
		sensors.AndroidBatch([]sensors.Object{
			androidEvent(655321901, t0+30000, "$AppEnd", sensors.Object{{Key: "$event_duration", Value: 29}}),
		}, flush+40000, sensors.JSStringify),
	}
}

// GenericBatch is the JSON array the Go client POSTs to /batch with
// Content-Encoding: gzip: a generic analytics batch, not Sensors.
func GenericBatch() []sensors.Object {
	return []sensors.Object{
		{{Key: "event", Value: "app_open"}, {Key: "distinct_id", Value: UserID}, {Key: "time", Value: t0 + 50000},
			{Key: "properties", Value: sensors.Object{{Key: "android_id", Value: AndroidID}, {Key: "cold_start", Value: true}}}},
		{{Key: "event", Value: "button_click"}, {Key: "distinct_id", Value: UserID}, {Key: "time", Value: t0 + 52500},
			{Key: "properties", Value: sensors.Object{{Key: "button", Value: "share"}, {Key: "screen", Value: "article/9"}}}},
	}
}

// GenericBatchJSON is GenericBatch as sent (before gzip).
func GenericBatchJSON() []byte {
	evs := GenericBatch()
	arr := make([]any, len(evs))
	for i, e := range evs {
		arr[i] = e
	}
	return sensors.AppendJSON(nil, arr, sensors.JSStringify)
}

// GenericBatchBody is the gzip-compressed request body.
func GenericBatchBody() []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(GenericBatchJSON()) // writes to a bytes.Buffer cannot fail
	zw.Close()
	return buf.Bytes()
}

func webEvent(trackID, at int64, name, url, title string, extra sensors.Object) sensors.Object {
	props := sensors.Object{
		{Key: "$timezone_offset", Value: -180},
		{Key: "$screen_height", Value: 900},
		{Key: "$screen_width", Value: 1440},
		{Key: "$lib", Value: "js"},
		{Key: "$lib_version", Value: "1.27.5"},
		{Key: "$latest_traffic_source_type", Value: "直接流量"},
		{Key: "$url", Value: url},
		{Key: "$title", Value: title},
	}
	return sensors.Object{
		{Key: "identities", Value: sensors.Object{{Key: "$identity_cookie_id", Value: CookieID}}},
		{Key: "distinct_id", Value: CookieID},
		{Key: "lib", Value: sensors.Object{{Key: "$lib", Value: "js"}, {Key: "$lib_method", Value: "code"}, {Key: "$lib_version", Value: "1.27.5"}}},
		{Key: "properties", Value: append(props, extra...)},
		{Key: "anonymous_id", Value: CookieID},
		{Key: "type", Value: "track"},
		{Key: "event", Value: name},
		{Key: "time", Value: at},
		{Key: "_track_id", Value: trackID},
		{Key: "_flush_time", Value: at + 120},
	}
}

// CurlPostEvent is the web SDK event curl POSTs to /sa?project=default the
// "ajax" way; CurlPost is its encoding (Params is the body).
func CurlPostEvent() sensors.Object {
	return webEvent(482915007, t0+60000, "$WebClick",
		"http://127.0.0.1:18106/?utm_source=loopback", "telltale loopback sample",
		sensors.Object{{Key: "$element_content", Value: "Înscrie-te"}, {Key: "$element_type", Value: "button"}})
}

func CurlPost() sensors.Web { return sensors.WebEvent(CurlPostEvent()) }

// CurlGifEvent is the web SDK pixel curl GETs as
// /sa.gif?project=default&<CurlGif().Params>.
func CurlGifEvent() sensors.Object {
	return webEvent(730118264, t0+61000, "$pageview", "http://127.0.0.1:18106/", "telltale loopback sample", nil)
}

func CurlGif() sensors.Web { return sensors.WebEvent(CurlGifEvent()) }
