// Package plan is the fixed script of the impaired captures
// (samples/impaired): the addresses of the namespaces make.sh creates, the
// requests each client sends, byte for byte, and what the server answers.
// The server, the Go client, the curl payload files and the truth files all
// derive from it (and from samples/real/plan, whose Go client and curl
// payloads are reused), so only ports, timestamps, sequence numbers and the
// impairments themselves change from run to run.
package plan

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"

	"telltale/samples/internal/sensors"
	realplan "telltale/samples/real/plan"
)

// Addresses inside the namespaces make.sh creates. Both ends share one /24:
// the relay between them is an Ethernet bridge, not a router.
const (
	ClientIP   = "10.77.0.1"
	ServerIP   = "10.77.0.2"
	ServerPort = 18107
)

// ServerHost is the Host header every client sends.
var ServerHost = ServerIP + ":" + strconv.Itoa(ServerPort)

// OKBody is the server's answer to every telemetry request (the same as the
// real sample's, which its Go client checks).
const OKBody = realplan.OKBody

// Page is the HTML the server serves at /.
var Page = realplan.Page

// Requests the server answers before it exits: 4 from the reused real Go
// client, len(GoBatches())+1 from this sample's Go client, 4 from curl.
var Requests = len(realplan.Batches()) + 1 + len(GoBatches()) + 1 + 4

// Identity of the simulated device. Invented values (the IMEI is
// Luhn-valid, as in telemetry-formats.md §4.1).
const (
	AndroidID = "b71e04d9c2a85f36"
	IMEI      = "352099001761481"
	AnonID    = "5e0c3b7a-91d2-4c8e-a6f1-2b3c4d5e6f70"
	UserID    = "user-77"
)

const (
	t0 int64 = 1588665600000 // 2020-05-05T08:00:00Z
)

// GoTarget is the request-target of the Go client's Sensors batches.
const GoTarget = "/sa?project=impaired_sample&r=RO"

// CollectTarget is where the Go client POSTs its chunked JSON batch.
const CollectTarget = "/collect?app=impaired_sample"

// CurlTarget is the request-target of curl's Sensors batch.
const CurlTarget = "/sa?project=impaired_curl&r=RO"

// GoUA is the User-Agent of this sample's Go client (an Android WebView).
const GoUA = realplan.AndroidUA

var (
	screens = []string{"miui.globalbrowser.homepage.BrowserActivity", "miui.globalbrowser.news.NewsActivity", "miui.globalbrowser.video.VideoActivity"}
	titles  = []string{"浏览器", "Știri de azi", "天气预报", "Vremea în Cluj", "视频"}
	names   = []string{"page_load_event_finish", "$AppViewScreen", "search", "$AppClick", "video_play"}
)

// hexID is a fixed 32-digit hex id for event i.
func hexID(tag string, i int) string {
	sum := sha256.Sum256([]byte(tag + "/" + strconv.Itoa(i)))
	return hex.EncodeToString(sum[:16])
}

// token is a fixed base64url token of n characters for event i, like the
// push and advertising tokens SDKs attach. Tokens hardly compress, so the
// gzip bodies span many segments without a truth file of thousands of
// events.
func token(tag string, i, n int) string {
	var raw []byte
	for k := 0; len(raw)*4/3 < n; k++ {
		sum := sha256.Sum256([]byte(tag + "/" + strconv.Itoa(i) + "/" + strconv.Itoa(k)))
		raw = append(raw, sum[:]...)
	}
	return base64.RawURLEncoding.EncodeToString(raw)[:n]
}

// trackID is a signed 32-bit _track_id derived from i.
func trackID(i int) int64 {
	sum := sha256.Sum256([]byte("track/" + strconv.Itoa(i)))
	return int64(int32(uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])))
}

// androidEvent is event number i of the whole sample (i is global, so no two
// events are alike).
func androidEvent(i int) sensors.Object {
	name := names[i%len(names)]
	custom := sensors.Object{
		{Key: "request_id", Value: hexID("req", i)},
		{Key: "fcm_token", Value: token("fcm", i, 152)},
		{Key: "ad_token", Value: token("ad", i, 320)},
		{Key: "url", Value: fmt.Sprintf("https://news.example.org/story/%d?ref=impaired&pos=%d", 1000+i*37, i%9)},
		{Key: "$title", Value: titles[i%len(titles)]},
		{Key: "$screen_name", Value: screens[i%len(screens)]},
		{Key: "scroll_depth", Value: int64(i * 7 % 101)},
	}
	if i%10 == 0 {
		custom = append(custom, sensors.Member{Key: "$imei", Value: IMEI})
	}
	if name == "search" {
		custom = append(custom, sensors.Member{Key: "search_word", Value: "ploaie " + strconv.Itoa(i) + " 天气"},
			sensors.Member{Key: "is_incognito", Value: i%2 == 0})
	}
	props := sensors.Object{
		{Key: "$os", Value: "Android"},
		{Key: "$os_version", Value: "10"},
		{Key: "$manufacturer", Value: "Xiaomi"},
		{Key: "$model", Value: "Redmi Note 8"},
		{Key: "$app_version", Value: "12.5.1"},
		{Key: "$device_id", Value: AndroidID},
		{Key: "$wifi", Value: i%3 != 0},
		{Key: "uuid", Value: AnonID},
	}
	return sensors.Object{
		{Key: "_track_id", Value: trackID(i)},
		{Key: "time", Value: t0 + int64(i)*1733},
		{Key: "type", Value: "track"},
		{Key: "distinct_id", Value: AnonID},
		{Key: "anonymous_id", Value: AnonID},
		{Key: "identities", Value: sensors.Object{{Key: "$identity_android_id", Value: AndroidID}}},
		{Key: "lib", Value: sensors.Object{
			{Key: "$lib", Value: "Android"}, {Key: "$lib_version", Value: "5.1.0"},
			{Key: "$app_version", Value: "12.5.1"}, {Key: "$lib_method", Value: "code"},
		}},
		{Key: "event", Value: name},
		{Key: "properties", Value: append(props, custom...)},
	}
}

func events(from, n int) []sensors.Object {
	out := make([]sensors.Object, n)
	for i := range out {
		out[i] = androidEvent(from + i)
	}
	return out
}

// goBatchSizes are the event counts of the Go client's gzip=1 batches.
var goBatchSizes = []int{6, 16, 30, 10}

// GoBatches are the Go client's Sensors gzip=1 uploads, in order.
func GoBatches() []sensors.Batch {
	var out []sensors.Batch
	next := 0
	for k, n := range goBatchSizes {
		style := sensors.OrgJSON
		if k%2 == 1 {
			style = sensors.JSStringify
		}
		out = append(out, sensors.AndroidBatch(events(next, n), t0+int64(next+n)*1733+5000, style))
		next += n
	}
	return out
}

// CollectEvents is the generic JSON array the Go client POSTs to
// CollectTarget, uncompressed, with Transfer-Encoding: chunked.
func CollectEvents() []sensors.Object {
	var out []sensors.Object
	for i := 0; i < 16; i++ {
		out = append(out, sensors.Object{
			{Key: "event", Value: []string{"app_open", "button_click", "scroll", "share"}[i%4]},
			{Key: "distinct_id", Value: UserID},
			{Key: "time", Value: t0 + 600000 + int64(i)*2500},
			{Key: "properties", Value: sensors.Object{
				{Key: "android_id", Value: AndroidID},
				{Key: "session", Value: hexID("session", i/6)},
				{Key: "seq", Value: int64(i)},
				{Key: "trace", Value: token("trace", i, 480)},
				{Key: "note", Value: "ordinal " + strconv.Itoa(i) + " of the chunked batch"},
			}},
		})
	}
	return out
}

// CollectJSON is CollectEvents as sent.
func CollectJSON() []byte {
	evs := CollectEvents()
	arr := make([]any, len(evs))
	for i, e := range evs {
		arr[i] = e
	}
	return sensors.AppendJSON(nil, arr, sensors.JSStringify)
}

// CurlBatch is the gzip=1 batch curl POSTs to CurlTarget (events 300..).
func CurlBatch() sensors.Batch {
	return sensors.AndroidBatch(events(300, 20), t0+900000, sensors.OrgJSON)
}
