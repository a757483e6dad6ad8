package main

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"telltale/samples/internal/sensors"
	"telltale/samples/internal/truth"
)

// The request builders of sdk-zoo, one per SDK form. Each writes the
// request the way the SDK does (research note §1, §3; details marked [mem]
// there are imitated, not copied from a capture), sends it, and records the
// payload, its events and the known values it carries.

// User agents.
const (
	dalvikUA = "Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8 Build/QKQ1.200114.002)"
	okhttpUA = "okhttp/4.9.1"
	chromeUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) " +
		"Chrome/93.0.4577.63 Safari/537.36"
	macAppUA      = "Notes%20Pro/3.2.1 CFNetwork/1128.0.1 Darwin/19.6.0"
	acceptLangRO  = "ro-RO,ro;q=0.9,en-US;q=0.8,en;q=0.7"
	acceptImage   = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
	formURLEnc    = "application/x-www-form-urlencoded"
	jsonUTF8      = "application/json; charset=utf-8"
	shopOrigin    = "https://shop.example.cn"
	shopAppID     = "com.example.shop"
	shopAppVer    = "4.2.0"
	laptopCookie  = "17bdf1c2e8a41f-0b5c3e9d7a6f21-1c3b6650-13c680-17bdf1c2e8b9d4"
	macAnonID     = "5E0C9A71-3B2D-4F86-A1C4-9D8E7F6A5B43"
	shopMixpanel  = "6d1c3a0f9e8b47a2b5c4d3e2f1a0b9c8"
	gaClientID    = "1751603294.1631607002"
	ga4Stream     = "G-8XK2P4Q1ZS"
	uaProperty    = "UA-48213377-1"
	sensorsCookie = "sensorsdata2015jssdkcross"
)

// Ids the SDKs and collectors make for the shop app's install or the
// laptop's browser (zooSpecs lists each with its kind). Per-event and
// per-request ids (_track_id, $insert_id, messageId, ...), session ids and
// app keys are not among them: they name no device or person.
const (
	mixpanelDeviceID   = "d2c1e0f9-8a7b-4c6d-9e5f-1a2b3c4d5e6f" // mixpanel-android $device_id (random UUID)
	segmentAnonID      = "0f8e2d6c-4b1a-4e97-8c35-2a7b9d1e6f04" // analytics-android anonymousId
	amplitudeDeviceID  = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d" // Amplitude HTTP API device_id
	adjustUUID         = "6e1d4c2b-9a8f-4e7d-b6c5-a4f3e2d1c0b9" // Adjust android_uuid
	adjustADID         = "b0f3c5a9d2e14f6a8b7c9d0e1f2a3b4c"     // the adid Adjust's answers hand out
	appsflyerUID       = "1631607001234-5482016387204519234"    // AppsFlyer uid (install ms, random)
	firebaseInstanceID = "c3f1a9e07b5d42869e1f0a2b3c4d5e6f"     // Firebase app_instance_id
	collectorDeviceID  = "dv-8c1f3e77b2a94d05"                  // the custom collector's answer
	gaDailyID          = "903122547.1631607002"                 // analytics.js _gid (24-hour client id)
)

// androidHeaders are the fields of an Android HTTP client (OkHttp, or
// HttpURLConnection, which is OkHttp inside): the app's own fields first,
// then what the bridge adds.
func androidHeaders(host, ctype, ua string, app ...hdr) []hdr {
	h := append([]hdr(nil), app...)
	if ctype != "" {
		h = append(h, hdr{"Content-Type", ctype})
	}
	return append(h, hdr{"Content-Length", ""}, hdr{"Host", host}, hdr{"Connection", "Keep-Alive"},
		hdr{"Accept-Encoding", "gzip"}, hdr{"User-Agent", ua})
}

// chromePost are the fields of a fetch/XHR/beacon POST from the laptop.
func chromePost(host, ctype, referer string, extra ...hdr) []hdr {
	h := []hdr{
		{"Host", host}, {"Connection", "keep-alive"}, {"Content-Length", ""},
		{"User-Agent", chromeUA}, {"Content-Type", ctype}, {"Accept", "*/*"},
		{"Origin", originOf(referer)}, {"Referer", referer},
		{"Accept-Encoding", "gzip, deflate"}, {"Accept-Language", acceptLangRO},
	}
	return append(h, extra...)
}

// chromeGet are the fields of a GET from the laptop.
func chromeGet(host, accept, referer string, extra ...hdr) []hdr {
	h := []hdr{{"Host", host}, {"Connection", "keep-alive"}, {"User-Agent", chromeUA}, {"Accept", accept}}
	if referer != "" {
		h = append(h, hdr{"Referer", referer})
	}
	h = append(h, hdr{"Accept-Encoding", "gzip, deflate"}, hdr{"Accept-Language", acceptLangRO})
	return append(h, extra...)
}

func originOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return u[:i+3+j]
		}
	}
	return u
}

func jsonReply(status int, body string, extra ...hdr) reply {
	return reply{status: status, hdrs: append([]hdr{{"Content-Type", "application/json;charset=UTF-8"}, {"Connection", "keep-alive"}}, extra...), body: []byte(body)}
}

// ---- Sensors Analytics ----

// sensorsAndroid posts events as the Android SDK does (gzip=1, org.json
// style) and records them. It returns the request index.
func (z *zoo) sensorsAndroid(c *Conv, events []sensors.Object, rep reply, note string) int {
	d := z.dev
	// Every event carries the Android ID (identities, $device_id); once the
	// user is logged in, the account id too (distinct_id, login_id).
	z.tag("android_id", "plain")
	if _, ok := events[0].Get("login_id"); ok {
		z.tag("account_id", "plain")
	}
	return z.sensorsAndroidTo(c, "/sa?project="+d.App.Project+"&r="+d.Country, webViewUA, events, sensors.OrgJSON, rep, note)
}

// sensorsAndroidTo posts events as the Android SDK does (gzip=1) to target
// with the given User-Agent and JSON style, and records them. Known values
// the events carry are the caller's to tag.
func (z *zoo) sensorsAndroidTo(c *Conv, target, ua string, events []sensors.Object, st sensors.Style, rep reply, note string) int {
	batch := sensors.AndroidBatch(events, z.tl.Now().UnixMilli(), st)
	req := newRequest("POST", target, androidHeaders(c.HostName, formURLEnc, ua), []byte(batch.Body))
	idx := z.send(c, req, rep, reqOpts{Telemetry: true, Note: note})
	crc, ok := batch.CRC, true
	evs := make([]zev, len(batch.Events))
	for i, ev := range batch.Events {
		evs[i] = zev{obj: ev}
	}
	z.record(c, idx, truth.Payload{SDK: "sensors_analytics", Location: "form", Field: "data_list",
		Chain: "percent>base64>gzip>json", Gzip: "1", CRC: &crc, CRCOK: &ok, Base64: batch.Base64}, "", evs...)
	return idx
}

// sensorsEncrypted posts a gzip=9 upload: every event encrypted under an
// AES key that only the collector's RSA key opens. Random bytes stand in
// for the ciphertexts.
func (z *zoo) sensorsEncrypted(c *Conv, project string, n int) {
	group := sensors.EncryptedGroup{EKey: base64.StdEncoding.EncodeToString(randBytes(z.rng, 256)), PKV: 3}
	for i := range n {
		// IV || AES-CBC of a gzip'd event of a few hundred bytes.
		group.Payloads = append(group.Payloads, base64.StdEncoding.EncodeToString(randBytes(z.rng, 16+16*(22+3*i))))
	}
	e := sensors.AndroidEncrypted([]sensors.EncryptedGroup{group}, z.tl.Now().UnixMilli())
	req := newRequest("POST", "/sa?project="+project, androidHeaders(c.HostName, formURLEnc, okhttpUA), []byte(e.Body))
	idx := z.send(c, req, jsonReply(200, `{"code":0}`), reqOpts{Telemetry: true, Note: "gzip=9: events encrypted with the collector's key"})
	crc, ok := e.CRC, true
	z.recordOpaque(c, idx, truth.Payload{SDK: "sensors_analytics", Location: "form", Field: "data_list",
		Chain: "percent>json", Gzip: "9", CRC: &crc, CRCOK: &ok}, len(e.Field))
}

// sensorsApple posts a batch from a macOS app built on the Apple SDK.
// wrap: Base64 in 76-column CRLF lines, everything but letters and digits
// escaped (older builds); otherwise no wrapping and URLQueryAllowed
// escaping, which leaves '+' raw for a form decoder to turn into a space.
func (z *zoo) sensorsApple(c *Conv, events []sensors.Object, wrap bool, note string) {
	keep := sensors.AppleQuery
	if wrap {
		keep = sensors.AppleAlnum
	}
	b := sensors.AppleBatch(events, z.tl.Now().UnixMilli(), wrap, keep)
	if !wrap && !strings.Contains(b.Base64, "+") {
		panic("gen: the unescaped-'+' batch has no '+' in its Base64; change its content")
	}
	req := newRequest("POST", "/sa?project=notes_mac", []hdr{
		{"Host", c.HostName}, {"Content-Type", formURLEnc}, {"Connection", "keep-alive"}, {"Accept", "*/*"}, {"User-Agent", macAppUA},
		{"Accept-Language", "ro-RO"}, {"Content-Length", ""}, {"Accept-Encoding", "gzip, deflate"},
	}, []byte(b.Body))
	idx := z.send(c, req, jsonReply(200, `{"code":0}`), reqOpts{Telemetry: true, Note: note})
	crc, ok := b.CRC, true
	evs := make([]zev, len(b.Events))
	for i, ev := range b.Events {
		evs[i] = zev{obj: ev}
	}
	z.record(c, idx, truth.Payload{SDK: "sensors_analytics", Location: "form", Field: "data_list",
		Chain: "percent>base64>gzip>json", Gzip: "1", CRC: &crc, CRCOK: &ok, Base64: b.Base64}, "", evs...)
}

// macEvent is one sa-sdk-mac event of the notes app.
func (z *zoo) macEvent(name string, timeMs int64, custom sensors.Object) sensors.Object {
	props := obj("$os", "macOS", "$os_version", "10.15.7", "$manufacturer", "Apple", "$model", "MacBookPro16,1",
		"$app_version", "3.2.1", "$lib", "macOS", "$lib_version", "2.1.4", "$screen_width", 1440, "$screen_height", 900,
		"$wifi", true, "$network_type", "WIFI", "$timezone_offset", -180, "$is_first_day", false)
	return obj("_track_id", int64(int32(z.rng.Uint32())), "time", timeMs, "type", "track",
		"distinct_id", macAnonID, "anonymous_id", macAnonID,
		"identities", obj("$identity_idfv", macAnonID),
		"lib", obj("$lib", "macOS", "$lib_version", "2.1.4", "$app_version", "3.2.1", "$lib_method", "code"),
		"event", name, "properties", append(props, custom...))
}

// sensorsWebCookie is the identity cookie the web SDK keeps on the shop's
// domain (.example.cn), so it also goes to the collector's subdomain.
func sensorsWebCookie() (header string, value sensors.Object) {
	value = obj("distinct_id", laptopCookie, "first_id", "",
		"props", obj("$latest_traffic_source_type", "直接流量", "$latest_search_keyword", "未取到值_直接打开", "$latest_referrer", ""),
		"$device_id", laptopCookie)
	return sensorsCookie + "=" + uriEncode(jsonText(value, sensors.JSStringify)), value
}

// recordWebCookie files the identity cookie of request idx as a payload.
func (z *zoo) recordWebCookie(c *Conv, idx int, value sensors.Object) {
	z.record(c, idx, truth.Payload{SDK: "sensors_analytics", Location: "cookie", Field: sensorsCookie,
		Chain: "percent>json", Object: value}, "")
}

// webEvent is a sa-sdk-javascript event of the shop page in the laptop's
// browser.
func (z *zoo) webEvent(name string, timeMs int64, pageURL, path, title string, custom sensors.Object) sensors.Object {
	props := obj("$timezone_offset", -180, "$screen_height", 900, "$screen_width", 1440,
		"$viewport_height", 789, "$viewport_width", 1440, "$lib", "js", "$lib_version", "1.19.8",
		"$latest_traffic_source_type", "直接流量", "$latest_search_keyword", "未取到值_直接打开", "$latest_referrer", "",
		"$referrer", "", "$url", pageURL, "$url_path", path, "$title", title, "$is_first_day", false)
	return obj("identities", obj("$identity_cookie_id", laptopCookie), "distinct_id", laptopCookie,
		"lib", obj("$lib", "js", "$lib_method", "code", "$lib_version", "1.19.8"),
		"properties", append(props, custom...), "anonymous_id", laptopCookie, "type", "track",
		"event", name, "time", timeMs, "_track_id", int64(100000000+z.rng.IntN(900000000)))
}

// sensorsWebPixel: GET /sa.gif?project=default&data=<b64>&ext=crc%3D<n>,
// the identity cookie alongside.
func (z *zoo) sensorsWebPixel(c *Conv, ev sensors.Object, referer string) {
	w := sensors.WebEvent(ev)
	cookie, cv := sensorsWebCookie()
	req := newRequest("GET", "/sa.gif?project=default&"+w.Params, chromeGet(c.HostName, acceptImage, referer,
		hdr{"Cookie", cookie}), nil)
	idx := z.send(c, req, reply{status: 200, hdrs: []hdr{{"Content-Type", "image/gif"}, {"Connection", "keep-alive"},
		{"Cache-Control", "no-cache"}}, body: gif1x1}, reqOpts{Telemetry: true, Note: "web SDK pixel, CJK values"})
	crc, ok := w.CRC, true
	z.record(c, idx, truth.Payload{SDK: "sensors_analytics", Location: "query", Field: "data",
		Chain: "percent>base64>json", CRC: &crc, CRCOK: &ok, Base64: w.Base64}, "", zev{obj: ev})
	z.recordWebCookie(c, idx, cv)
}

// sensorsWebBeacon: navigator.sendBeacon(url, "data=..&ext=..") — a form
// body labelled text/plain.
func (z *zoo) sensorsWebBeacon(c *Conv, ev sensors.Object, referer string) {
	w := sensors.WebEvent(ev)
	cookie, cv := sensorsWebCookie()
	req := newRequest("POST", "/sa?project=default", chromePost(c.HostName, "text/plain;charset=UTF-8", referer,
		hdr{"Cookie", cookie}), []byte(w.Params))
	idx := z.send(c, req, jsonReply(200, `{"code":0}`), reqOpts{Telemetry: true, Note: "sendBeacon: form body sent as text/plain"})
	crc, ok := w.CRC, true
	z.record(c, idx, truth.Payload{SDK: "sensors_analytics", Location: "form", Field: "data",
		Chain: "percent>base64>json", CRC: &crc, CRCOK: &ok, Base64: w.Base64}, "", zev{obj: ev})
	z.recordWebCookie(c, idx, cv)
}

// sensorsWebBatch: the batch_send queue flushed as data_list=<b64 JSON
// array>, no gzip, no crc.
func (z *zoo) sensorsWebBatch(c *Conv, events []sensors.Object, referer string) {
	b := sensors.WebBatch(events, z.tl.Now().UnixMilli())
	cookie, cv := sensorsWebCookie()
	req := newRequest("POST", "/sa?project=default", chromePost(c.HostName, formURLEnc, referer,
		hdr{"Cookie", cookie}), []byte(b.Body))
	idx := z.send(c, req, jsonReply(200, `{"code":0}`), reqOpts{Telemetry: true, Note: "batch_send: Base64 JSON array, no crc"})
	evs := make([]zev, len(b.Events))
	for i, ev := range b.Events {
		evs[i] = zev{obj: ev}
	}
	z.record(c, idx, truth.Payload{SDK: "sensors_analytics", Location: "form", Field: "data_list",
		Chain: "percent>base64>json", Base64: b.Base64}, "", evs...)
	z.recordWebCookie(c, idx, cv)
}

// ---- Mixpanel ----

// mixpanelAndroid: POST /track, body data=<Uri.encode(base64(JSON array))>
// (mixpanel-android: org.json array, Base64, no gzip).
func (z *zoo) mixpanelAndroid(c *Conv) {
	m := z.mark()
	account := z.id("account_id", "plain")
	props := func(timeS int64, extra ...any) sensors.Object {
		return append(obj("mp_lib", "android", "$lib_version", "5.9.1", "$os", "Android", "$os_version", "10",
			"$manufacturer", "Xiaomi", "$brand", "Redmi", "$model", "Redmi Note 8",
			"$google_play_services", "available", "$screen_dpi", 440, "$screen_height", 2130, "$screen_width", 1080,
			"$app_version", shopAppVer, "$app_version_string", shopAppVer, "$app_release", 420, "$app_build_number", "420",
			"$has_nfc", true, "$has_telephone", true, "$carrier", "Vodafone RO", "$wifi", true, "$bluetooth_enabled", false,
			"token", shopMixpanel, "time", timeS, "distinct_id", account,
			"$device_id", mixpanelDeviceID, "$user_id", account,
			"$had_persisted_distinct_id", true), obj(extra...)...)
	}
	now := z.tl.Now().Unix()
	events := arr(
		obj("event", "App Open", "properties", props(now-41, "launch_source", "icon")),
		obj("event", "Product Viewed", "properties", props(now-17, "product_id", "sku-42", "price", json.Number("199.90"), "currency", "RON")),
	)
	js := jsonText(events, sensors.OrgJSON)
	z.wrapBase64(m)
	b64 := base64.StdEncoding.EncodeToString([]byte(js))
	body := "data=" + uriEncode(b64)
	req := newRequest("POST", "/track", androidHeaders(c.HostName, formURLEnc, dalvikUA), []byte(body))
	idx := z.send(c, req, reply{status: 200, hdrs: []hdr{{"Content-Type", "application/json"}, {"Connection", "keep-alive"}},
		body: []byte("1\n")}, reqOpts{Telemetry: true, Note: "data = Base64 of a JSON array"})
	chain := "base64>json"
	if uriEncode(b64) != b64 {
		chain = "percent>" + chain // a percent step only when encoding changed the text
	}
	z.record(c, idx, truth.Payload{SDK: "mixpanel", Location: "form", Field: "data", Chain: chain, Base64: b64},
		"", zev{obj: events[0].(sensors.Object)}, zev{obj: events[1].(sensors.Object)})
}

// mixpanelJS: POST api-js.mixpanel.com/track/?ip=1&_=<ms>, body
// data=<encodeURIComponent(JSON array)> (mixpanel-js batch mode).
func (z *zoo) mixpanelJS(c *Conv, referer string) {
	account := z.id("account_id", "plain")
	nowMs := z.tl.Now().UnixMilli()
	secs := func(ms int64) json.Number { return json.Number(fmt.Sprintf("%d.%03d", ms/1000, ms%1000)) }
	props := func(ms int64, insert string, extra ...any) sensors.Object {
		return append(obj("$os", "Mac OS X", "$browser", "Chrome", "$current_url", referer, "$browser_version", 93,
			"$screen_height", 900, "$screen_width", 1440, "mp_lib", "web", "$lib_version", "2.41.0",
			"$insert_id", insert, "time", secs(ms), "distinct_id", account,
			"$device_id", laptopCookie,
			"$initial_referrer", "$direct", "$initial_referring_domain", "$direct", "$user_id", account,
			"token", shopMixpanel), obj(extra...)...)
	}
	events := arr(
		obj("event", "$mp_web_page_view", "properties", props(nowMs-5318, "k3x9q2m8w1z7v4b6",
			"current_page_title", "Ceas inteligent – Magazin", "current_url_path", "/product/sku-42")),
		obj("event", "Add to Cart", "properties", props(nowMs-1204, "p7d2r5t8y1u4i9o0", "product_id", "sku-42", "quantity", 1)),
	)
	js := jsonText(events, sensors.JSStringify)
	req := newRequest("POST", "/track/?ip=1&_="+strconv.FormatInt(nowMs, 10),
		chromePost(c.HostName, formURLEnc, referer), []byte("data="+uriEncode(js)))
	idx := z.send(c, req, reply{status: 200, hdrs: []hdr{{"Content-Type", "application/json"}, {"Connection", "keep-alive"},
		{"Access-Control-Allow-Origin", originOf(referer)}}, body: []byte("1")}, reqOpts{Telemetry: true, Note: "data = JSON array, percent-encoded"})
	z.record(c, idx, truth.Payload{SDK: "mixpanel", Location: "form", Field: "data", Chain: "percent>json"},
		"", zev{obj: events[0].(sensors.Object)}, zev{obj: events[1].(sensors.Object)})
}

// ---- Google Analytics ----

// ga4Shared are the page-level parameters gtag puts in the query.
func ga4Shared(hit int, page, title, account string) []param {
	return params("v", "2", "tid", ga4Stream, "gtm", "2oe990", "_p", "1284735521", "cid", gaClientID,
		"ul", "ro-ro", "sr", "1440x900", "uid", account, "_s", strconv.Itoa(hit), "sid", "1631607002",
		"sct", "4", "seg", "1", "dl", page, "dr", "https://www.example.com/", "dt", title)
}

// ga4Get: one event in the query of GET /g/collect.
func (z *zoo) ga4Get(c *Conv, page, title string) {
	ps := append(ga4Shared(1, page, title, z.id("account_id", "plain")),
		params("en", "page_view", "ep.content_group", "electronics", "_ee", "1")...)
	req := newRequest("GET", "/g/collect?"+encodeParams(ps, uriEncode), chromeGet(c.HostName, "*/*", page), nil)
	idx := z.send(c, req, reply{status: 204, hdrs: []hdr{{"Access-Control-Allow-Origin", originOf(page)}}},
		reqOpts{Telemetry: true, Note: "GA4 gtag, one event in the query"})
	z.record(c, idx, truth.Payload{SDK: "ga4", Location: "query", Chain: "params"}, "", zev{obj: paramsObject(ps)})
}

// ga4Post: shared parameters in the query, one event per body line
// (CRLF-separated), text/plain.
func (z *zoo) ga4Post(c *Conv, page, title string) {
	shared := ga4Shared(2, page, title, z.id("account_id", "plain"))
	lines := [][]param{
		params("en", "scroll", "epn.percent_scrolled", "90", "_et", "5123"),
		params("en", "view_item", "ep.item_id", "sku-42", "ep.item_name", "Ceas inteligent", "epn.value", "199.9", "_et", "2210"),
		params("en", "user_engagement", "_et", "15021"),
	}
	var body []string
	for _, l := range lines {
		body = append(body, encodeParams(l, uriEncode))
	}
	req := newRequest("POST", "/g/collect?"+encodeParams(shared, uriEncode),
		chromePost(c.HostName, "text/plain;charset=UTF-8", page), []byte(strings.Join(body, "\r\n")))
	idx := z.send(c, req, reply{status: 204, hdrs: []hdr{{"Access-Control-Allow-Origin", originOf(page)}}},
		reqOpts{Telemetry: true, Note: "GA4 gtag batch: shared query, one event per CRLF line"})
	var evs []zev
	for _, l := range lines {
		evs = append(evs, zev{obj: paramsObject(shared, l)})
	}
	z.record(c, idx, truth.Payload{SDK: "ga4", Location: "body", Chain: "params_lines"}, "", evs...)
}

// uaHit is one analytics.js hit.
func uaHit(hit string, s int, page, title, account string, extra ...string) []param {
	ps := params("v", "1", "_v", "j96", "a", "1284735521", "t", hit, "_s", strconv.Itoa(s), "dl", page,
		"ul", "ro-ro", "de", "UTF-8", "dt", title, "sd", "30-bit", "sr", "1440x900", "vp", "1440x789", "je", "0")
	ps = append(ps, params(extra...)...)
	return append(ps, params("_u", "QACAAEABAAAAAC~", "jid", "", "gjid", "", "cid", gaClientID, "uid", account,
		"tid", uaProperty, "_gid", gaDailyID, "z", strconv.Itoa(1486023587+s))...)
}

// uaGet: GET /collect with one pageview hit.
func (z *zoo) uaGet(c *Conv, page, title string) {
	ps := uaHit("pageview", 1, page, title, z.id("account_id", "plain"))
	req := newRequest("GET", "/collect?"+encodeParams(ps, uriEncode), chromeGet(c.HostName, acceptImage, page), nil)
	idx := z.send(c, req, reply{status: 200, hdrs: []hdr{{"Content-Type", "image/gif"}, {"Cache-Control", "no-cache, no-store, must-revalidate"}},
		body: gif1x1}, reqOpts{Telemetry: true, Note: "Universal Analytics pageview"})
	z.record(c, idx, truth.Payload{SDK: "universal_analytics", Location: "query", Chain: "params"}, "", zev{obj: paramsObject(ps)})
}

// uaBatch: POST /batch with two hits on newline-separated lines.
func (z *zoo) uaBatch(c *Conv, page, title string) {
	account := z.id("account_id", "plain")
	hits := [][]param{
		uaHit("event", 2, page, title, account, "ec", "video", "ea", "play", "el", "Unboxing sku-42", "ev", "1"),
		uaHit("timing", 3, page, title, account, "utc", "video", "utv", "load", "utt", "1834"),
	}
	req := newRequest("POST", "/batch", chromePost(c.HostName, "text/plain;charset=UTF-8", page),
		[]byte(encodeParams(hits[0], uriEncode)+"\n"+encodeParams(hits[1], uriEncode)))
	idx := z.send(c, req, reply{status: 200, hdrs: []hdr{{"Content-Type", "image/gif"}}, body: gif1x1},
		reqOpts{Telemetry: true, Note: "Universal Analytics /batch: one hit per line"})
	z.record(c, idx, truth.Payload{SDK: "universal_analytics", Location: "body", Chain: "params_lines"}, "",
		zev{obj: paramsObject(hits[0])}, zev{obj: paramsObject(hits[1])})
}

// firebaseMP: the GA4 Measurement Protocol, POST /mp/collect with a JSON
// body whose events array sits in an envelope.
func (z *zoo) firebaseMP(c *Conv) {
	micros := z.tl.Now().Add(-1200*time.Millisecond).UnixMicro() + 125
	env := obj("app_instance_id", firebaseInstanceID, "user_id", z.id("account_id", "plain"),
		"timestamp_micros", micros,
		"user_properties", obj("hashed_email", obj("value", z.id("email", "sha256(lower)")), "plan", obj("value", "free")),
		"non_personalized_ads", false)
	events := arr(
		obj("name", "purchase", "params", obj("currency", "RON", "value", json.Number("199.90"), "transaction_id", "T-20210914-0042",
			"items", arr(obj("item_id", "sku-42", "item_name", "Ceas inteligent", "quantity", 1)))),
		obj("name", "tutorial_complete", "params", obj("engagement_time_msec", "1200")),
	)
	root := append(slices.Clone(env), sensors.Member{Key: "events", Value: events})
	req := newRequest("POST", "/mp/collect?measurement_id="+ga4Stream+"&api_secret=Xq3mZ8vL_Q2Tn5bWk4RjYA",
		androidHeaders(c.HostName, "application/json", okhttpUA), []byte(jsonText(root, sensors.JSStringify)))
	idx := z.send(c, req, reply{status: 204}, reqOpts{Telemetry: true, Note: "GA4 Measurement Protocol"})
	z.record(c, idx, truth.Payload{SDK: "firebase_mp", Location: "body", Chain: "json"}, "",
		zev{obj: events[0].(sensors.Object), env: env}, zev{obj: events[1].(sensors.Object), env: env})
}

// ---- Segment ----

// segmentBatch: POST /v1/batch, JSON {batch, sentAt}, gzip'd with
// Content-Encoding and sent chunked, as analytics-android does.
func (z *zoo) segmentBatch(c *Conv) {
	account := z.id("account_id", "plain")
	anon := segmentAnonID
	iso := func(d time.Duration) string { return z.tl.Now().Add(-d).UTC().Format("2006-01-02T15:04:05.000Z") }
	ctx := obj(
		"app", obj("build", "420", "name", "Shop", "namespace", shopAppID, "version", shopAppVer),
		"device", obj("id", z.id("android_id", "plain"), "manufacturer", "Xiaomi", "model", "Redmi Note 8", "name", "ginkgo",
			"advertisingId", z.id("advertising_id", "plain"), "adTrackingEnabled", true),
		"library", obj("name", "analytics-android", "version", "4.10.0"),
		"locale", "ro-RO",
		"network", obj("wifi", true, "carrier", "Vodafone RO", "bluetooth", false, "cellular", false),
		"os", obj("name", "Android", "version", "10"),
		"screen", obj("density", json.Number("2.75"), "height", 2130, "width", 1080),
		"timezone", "Europe/Bucharest", "userAgent", dalvikUA)
	events := arr(
		obj("messageId", "3b9f6e1a-2c4d-4f58-9a0b-7e6d5c4b3a21", "type", "identify", "channel", "mobile", "context", ctx,
			"anonymousId", anon, "userId", account, "integrations", obj(), "timestamp", iso(3200*time.Millisecond),
			"traits", obj("anonymousId", anon, "email", z.id("email", "plain"), "phone", z.id("phone", "plain"), "userId", account)),
		obj("messageId", "8d7c6b5a-4e3f-4a21-b0c9-1f2e3d4c5b6a", "type", "track", "channel", "mobile", "context", ctx,
			"anonymousId", anon, "userId", account, "integrations", obj(), "timestamp", iso(2100*time.Millisecond),
			"event", "Product Viewed", "properties", obj("product_id", "sku-42", "price", json.Number("199.9"), "currency", "RON")),
		obj("messageId", "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "type", "screen", "channel", "mobile", "context", ctx,
			"anonymousId", anon, "userId", account, "integrations", obj(), "timestamp", iso(900*time.Millisecond),
			"name", "Checkout", "properties", obj("name", "Checkout")),
	)
	env := obj("sentAt", iso(0))
	root := obj("batch", events, "sentAt", env[0].Value)
	gz := sensors.JavaGzip([]byte(jsonText(root, sensors.JSStringify)))
	head := newRequest("POST", "/v1/batch", androidHeaders(c.HostName, "application/json", "analytics-android/4.10.0",
		hdr{"Content-Encoding", "gzip"},
		hdr{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("Rk2TqV8xLm3Nd7PcY0sWj4Hb:"))}), nil)
	// The bridge wrote Content-Length; a chunked upload has none.
	req := Message{Head: bytes.Replace(head.Head, []byte("Content-Length: 0\r\n"), []byte("Transfer-Encoding: chunked\r\n"), 1),
		Body: chunkBody(gz, nil), BodyLen: len(gz)}
	idx := z.send(c, req, jsonReply(200, `{"success":true}`), reqOpts{Telemetry: true, Note: "gzip request body (Content-Encoding), chunked"})
	evs := make([]zev, len(events))
	for i, e := range events {
		evs[i] = zev{obj: e.(sensors.Object), env: env}
	}
	z.record(c, idx, truth.Payload{SDK: "segment", Location: "body", Chain: "gzip>json"}, "", evs...)
}

// ---- Amplitude ----

// amplitudeV2: POST /2/httpapi, JSON {api_key, events, options}.
func (z *zoo) amplitudeV2(c *Conv) {
	account := z.id("account_id", "plain")
	now := z.tl.Now().UnixMilli()
	base := func(t int64, typ string, id int, extra ...any) sensors.Object {
		return append(obj("user_id", account, "device_id", amplitudeDeviceID, "event_type", typ,
			"time", t, "session_id", now-95000, "event_id", id, "insert_id", fmt.Sprintf("%08x-amp-%d", z.rng.Uint32(), id),
			"platform", "Android", "os_name", "android", "os_version", "10", "device_brand", "Redmi",
			"device_manufacturer", "Xiaomi", "device_model", "Redmi Note 8", "carrier", "Vodafone RO",
			"country", "RO", "language", "ro", "adid", z.id("advertising_id", "plain"),
			"library", "amplitude-android/2.32.1"), obj(extra...)...)
	}
	events := arr(
		base(now-4100, "checkout_started", 14, "event_properties", obj("cart_value", json.Number("199.9"), "items", 1),
			"user_properties", obj("$set", obj("plan", "free", "email_sha256", z.id("email", "sha256")))),
		base(now-900, "payment_method_selected", 15, "event_properties", obj("method", "card")),
	)
	env := obj("api_key", "4e8c1d2b7a9f3e6c0d5b8a1f2e7c9d3b", "options", obj("min_id_length", 1))
	root := obj("api_key", env[0].Value, "events", events, "options", env[1].Value)
	req := newRequest("POST", "/2/httpapi", androidHeaders(c.HostName, "application/json", okhttpUA, hdr{"Accept", "*/*"}),
		[]byte(jsonText(root, sensors.JSStringify)))
	idx := z.send(c, req, jsonReply(200, `{"code":200,"events_ingested":2,"payload_size_bytes":1874,"server_upload_time":`+
		strconv.FormatInt(z.tl.Now().UnixMilli()+30, 10)+`}`), reqOpts{Telemetry: true, Note: "Amplitude HTTP API v2"})
	z.record(c, idx, truth.Payload{SDK: "amplitude", Location: "body", Chain: "json"}, "",
		zev{obj: events[0].(sensors.Object), env: env}, zev{obj: events[1].(sensors.Object), env: env})
}

// amplitudeLegacy: POST / with form v=2&client=&e=<JSON array>&upload_time=
// &checksum=md5(v+client+e+upload_time) (amplitude-android before the HTTP
// API; OkHttp FormBody encoding).
func (z *zoo) amplitudeLegacy(c *Conv) {
	const apiKey = "9a4f1c7e2b8d3a6f0e5c1b9d7a2e4f8c"
	gaid := z.id("advertising_id", "plain")
	account := z.id("account_id", "plain")
	now := z.tl.Now().UnixMilli()
	ev := func(t int64, typ string, id, seq int) sensors.Object {
		return obj("event_type", typ, "timestamp", t, "user_id", account, "device_id", gaid, "session_id", now-61000,
			"uuid", fmt.Sprintf("%08x-4c2e-4d1a-9b3f-%012x", z.rng.Uint32(), z.rng.Uint64()&0xffffffffffff),
			"sequence_number", seq, "version_name", shopAppVer, "os_name", "android", "os_version", "10",
			"device_brand", "Redmi", "device_manufacturer", "Xiaomi", "device_model", "Redmi Note 8",
			"carrier", "Vodafone RO", "country", "RO", "language", "ro", "platform", "Android",
			"library", obj("name", "amplitude-android", "version", "2.23.2"),
			"api_properties", obj("androidADID", gaid, "limit_ad_tracking", false, "gps_enabled", false),
			"event_properties", obj("screen", "cart"), "user_properties", obj(), "groups", obj(), "event_id", id)
	}
	events := arr(ev(now-61000, "session_start", 7, 12), ev(now-3000, "cart_viewed", 8, 13))
	e := jsonText(events, sensors.OrgJSON)
	upload := strconv.FormatInt(now, 10)
	sum := md5.Sum([]byte("2" + apiKey + e + upload))
	body := encodeParams(params("v", "2", "client", apiKey, "e", e, "upload_time", upload,
		"checksum", hex.EncodeToString(sum[:])), okhttpFormEncode)
	mustParse(body)
	req := newRequest("POST", "/", androidHeaders(c.HostName, formURLEnc, okhttpUA), []byte(body))
	idx := z.send(c, req, reply{status: 200, hdrs: []hdr{{"Content-Type", "text/plain; charset=utf-8"}}, body: []byte("success")},
		reqOpts{Telemetry: true, Note: "legacy Amplitude upload: e = JSON array in a form field, md5 checksum"})
	z.record(c, idx, truth.Payload{SDK: "amplitude", Location: "form", Field: "e", Chain: "percent>json"}, "",
		zev{obj: events[0].(sensors.Object)}, zev{obj: events[1].(sensors.Object)})
}

// ---- Adjust ----

// adjustDevice are the device parameters of every Adjust package.
func (z *zoo) adjustDevice(createdAt string) []param {
	return params("app_token", "2fm9gkqubvpc", "app_version", shopAppVer, "attribution_deeplink", "1",
		"connectivity_type", "1", "country", "RO", "cpu_type", "arm64-v8a", "created_at", createdAt,
		"device_manufacturer", "Xiaomi", "device_name", "Redmi Note 8", "device_type", "phone",
		"display_height", "2130", "display_width", "1080", "environment", "production",
		"event_buffering_enabled", "0", "gps_adid", z.id("advertising_id", "plain"), "gps_adid_src", "service",
		"android_uuid", adjustUUID, "hardware_name", "QKQ1.200114.002",
		"language", "ro", "needs_response_details", "1", "os_build", "QKQ1.200114.002", "os_name", "android",
		"os_version", "10", "package_name", shopAppID, "screen_density", "high", "screen_format", "long",
		"screen_size", "normal", "tracking_enabled", "1")
}

// adjustTime is Adjust's created_at/sent_at format.
func adjustTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") + "+0000" }

// adjust posts one package (session or event) whose callback_params and
// partner_params are JSON strings, and records its event and the
// collector's answer (which hands the device its adid).
func (z *zoo) adjust(c *Conv, kind string, extra []param, callback, partner sensors.Object) {
	now := z.tl.Now()
	ps := z.adjustDevice(adjustTime(now.Add(-1500 * time.Millisecond)))
	ps = append(ps, extra...)
	var nested []truth.Nested
	for _, p := range []struct {
		name string
		v    sensors.Object
	}{{"callback_params", callback}, {"partner_params", partner}} {
		if p.v != nil {
			ps = append(ps, param{p.name, jsonText(p.v, sensors.OrgJSON)})
			nested = append(nested, truth.Nested{Path: p.name, Chain: "json", Object: p.v})
		}
	}
	ps = append(ps, param{"sent_at", adjustTime(now)})
	body := encodeParams(ps, javaURLEncode)
	mustParse(body)
	req := newRequest("POST", "/"+kind, androidHeaders(c.HostName, formURLEnc, dalvikUA,
		hdr{"Client-SDK", "android4.28.2"}), []byte(body))
	msg := "Session tracked"
	if kind == "event" {
		msg = "Event tracked"
	}
	resp := obj("app_token", "2fm9gkqubvpc", "adid", adjustADID,
		"timestamp", adjustTime(now.Add(40*time.Millisecond)), "message", msg)
	if kind == "session" {
		resp = append(resp, sensors.Member{Key: "attribution", Value: obj("tracker_token", "abc1234", "tracker_name", "Organic", "network", "Organic")})
	}
	idx := z.send(c, req, jsonReply(200, jsonText(resp, sensors.JSStringify)),
		reqOpts{Telemetry: true, Note: "Adjust " + kind + ": form body, JSON strings in callback_params/partner_params; the answer hands out the adid"})
	z.record(c, idx, truth.Payload{SDK: "adjust", Location: "body", Chain: "params"}, kind, zev{obj: paramsObject(ps), nested: nested})
	z.record(c, idx, truth.Payload{SDK: "adjust", Location: "response", Chain: "json", Object: resp}, "")
}

// ---- AppsFlyer ----

// appsflyer: POST /api/v6.3/androidevent?app_id=..&buildnumber=.., JSON
// body (org.json), eventValue a JSON string; the answer is a config with
// the device's AppsFlyer id.
func (z *zoo) appsflyer(c *Conv) {
	now := z.tl.Now()
	value := obj("af_revenue", "199.90", "af_currency", "RON", "af_content_id", "sku-42")
	uid := appsflyerUID
	ev := obj("af_timestamp", strconv.FormatInt(now.Add(-800*time.Millisecond).UnixMilli(), 10),
		"advertiserId", z.id("advertising_id", "plain"), "advertiserIdEnabled", "true",
		"android_id", z.id("android_id", "plain"), "imei", z.id("imei", "plain"), "uid", uid,
		"appsflyerKey", "Kd9xPcQ4mT2wZrL7nB3vHy", "app_version_code", "420", "app_version_name", shopAppVer,
		"brand", "Redmi", "model", "Redmi Note 8", "device", "ginkgo", "product", "ginkgo",
		"carrier", "Vodafone RO", "operator", "Vodafone RO", "network", "WIFI", "country", "RO", "lang", "română", "lang_code", "ro",
		"deviceType", "user", "sdk", "29", "platformextension", "android_native", "appUserId", z.id("account_id", "plain"),
		"eventName", "af_purchase", "eventValue", jsonText(value, sensors.OrgJSON),
		"counter", "3", "iaecounter", "1", "isFirstCall", "false",
		"date1", "2021-09-10_101502+0000", "installDate", "2021-09-10_101458+0000",
		"af_preinstalled", "false", "cksm_v1", "4a1f0c9e7b2d58e3a6c1f0b9d8e7a6c5b4")
	q := "/api/v6.3/androidevent?app_id=" + shopAppID + "&buildnumber=6.3.2"
	req := newRequest("POST", q, androidHeaders(c.HostName, "application/json", dalvikUA),
		[]byte(jsonText(ev, sensors.OrgJSON)))
	conf := obj("ol_id", "Xb2T", "ol_scheme", "https", "ol_domain", "shop.onelink.example.com",
		"af_uid", uid, "customer_user_id_required", false, "monitor", false, "gcd", obj("ttl", 86400, "enabled", true))
	idx := z.send(c, req, jsonReply(200, jsonText(conf, sensors.JSStringify)),
		reqOpts{Telemetry: true, Note: "AppsFlyer event, eventValue a JSON string; the answer is a config"})
	z.record(c, idx, truth.Payload{SDK: "appsflyer", Location: "body", Chain: "json"}, "",
		zev{obj: ev, nested: []truth.Nested{{Path: "eventValue", Chain: "json", Object: value}}})
	z.record(c, idx, truth.Payload{SDK: "appsflyer", Location: "response", Chain: "json", Object: conf}, "")
}

// ---- An unknown collector ----

// genericNDJSON: a custom SDK posting one JSON object per line; the answer
// hands the device an id.
func (z *zoo) genericNDJSON(c *Conv, anon string) {
	now := z.tl.Now().UnixMilli()
	account := z.id("account_id", "plain")
	events := []sensors.Object{
		obj("event", "app_open", "distinct_id", anon, "user_id", account, "time", now-5200,
			"props", obj("email", z.id("email", "lower"), "screen", "home", "net", "wifi")),
		obj("event", "profile_sync", "distinct_id", anon, "time", now-3100,
			"props", obj("u", z.id("email", "base64(lower)"), "plan", "free")),
		obj("event", "wifi_scan", "distinct_id", anon, "time", now-1400,
			"props", obj("wifi_mac", z.id("mac", "plain"), "networks_seen", 7)),
	}
	var body []byte
	for _, e := range events {
		body = append(append(body, jsonText(e, sensors.JSStringify)...), '\n')
	}
	req := newRequest("POST", "/v1/ingest", androidHeaders(c.HostName, "application/x-ndjson", okhttpUA,
		hdr{"X-SDK-Version", "collect-android/1.4.2"}), body)
	answer := obj("code", 0, "msg", "ok", "data", obj("device_id", collectorDeviceID, "config", obj("flush_interval", 30, "max_batch", 100)))
	idx := z.send(c, req, jsonReply(200, jsonText(answer, sensors.JSStringify)),
		reqOpts{Telemetry: true, Note: "NDJSON to a custom collector; the answer hands out a device_id"})
	evs := make([]zev, len(events))
	for i, e := range events {
		evs[i] = zev{obj: e}
	}
	z.record(c, idx, truth.Payload{SDK: "generic_json", Location: "body", Chain: "ndjson"}, "", evs...)
	z.record(c, idx, truth.Payload{SDK: "generic_json", Location: "response", Chain: "json", Object: answer}, "")
}

// genericNested: a JSON event whose ctx member is base64(gzip(JSON)).
func (z *zoo) genericNested(c *Conv, anon string) {
	ctx := obj("aid", z.id("android_id", "upper"), "imei_sha1", z.id("imei", "sha1"),
		"mac", z.id("mac", "nosep_lower"), "mac_md5", z.id("mac", "md5(nosep)"), "gaid", z.id("advertising_id", "nosep"),
		"os", "Android 10", "model", "Redmi Note 8", "root", false)
	packed := base64.StdEncoding.EncodeToString(sensors.JavaGzip([]byte(jsonText(ctx, sensors.JSStringify))))
	ev := obj("event", "device_report", "distinct_id", anon, "time", z.tl.Now().UnixMilli()-700,
		"ctx", packed, "sdk", "collect-android/1.4.2")
	req := newRequest("POST", "/v1/report", androidHeaders(c.HostName, "application/json", okhttpUA,
		hdr{"X-SDK-Version", "collect-android/1.4.2"}), []byte(jsonText(ev, sensors.JSStringify)))
	idx := z.send(c, req, jsonReply(200, `{"code":0,"msg":"ok"}`), reqOpts{Telemetry: true, Note: "JSON event, ctx = base64(gzip(JSON))"})
	z.record(c, idx, truth.Payload{SDK: "generic_json", Location: "body", Chain: "json"}, "",
		zev{obj: ev, nested: []truth.Nested{{Path: "ctx", Chain: "base64>gzip>json", Object: ctx}}})
}

// ---- Opaque vendors ----

// thriftEnvelope imitates Umeng's UMEnvelope in Thrift's binary protocol:
// readable header fields around a compressed-and-encrypted entity (random
// bytes here).
func thriftEnvelope(rng interface{ Uint32() uint32 }, tsSecs int64, entity []byte) []byte {
	var b []byte
	be := binary.BigEndian
	field := func(typ byte, id int16) { b = append(b, typ); b = be.AppendUint16(b, uint16(id)) }
	str := func(id int16, s []byte) { field(11, id); b = be.AppendUint32(b, uint32(len(s))); b = append(b, s...) }
	i32 := func(id int16, v int32) { field(8, id); b = be.AppendUint32(b, uint32(v)) }
	hexOf := func(n int) []byte {
		out := make([]byte, n/2)
		for i := range out {
			out[i] = byte(rng.Uint32())
		}
		return []byte(hex.EncodeToString(out))
	}
	str(1, []byte("1.0"))
	str(2, []byte("5f8a2c3e9b1d4a0017e6c3b2"))
	str(3, hexOf(64))
	i32(4, 17)
	i32(5, int32(tsSecs))
	i32(6, int32(len(entity)))
	str(7, entity)
	str(8, hexOf(32))
	str(9, hexOf(32))
	i32(10, 1) // codex: encrypted
	return append(b, 0)
}

// umeng: POST ulogs.umeng.com/unify_logs, an envelope/json Thrift envelope.
func (z *zoo) umeng(c *Conv) {
	body := thriftEnvelope(z.rng, z.tl.Now().Unix(), randBytes(z.rng, 1400))
	req := newRequest("POST", "/unify_logs", androidHeaders(c.HostName, "envelope/json", okhttpUA,
		hdr{"X-Umeng-UTC", strconv.FormatInt(z.tl.Now().UnixMilli(), 10)},
		hdr{"X-Umeng-Sdk", "Android/9.4.2 UMCommon/9.4.2 (Redmi Note 8/10/com.example.shop/4.2.0)"},
		hdr{"Msg-Type", "envelope/json"}, hdr{"X-Umeng-Pro-Ver", "1.0.0"}, hdr{"SM-IMP", "1"}), body)
	idx := z.send(c, req, reply{status: 200, hdrs: []hdr{{"Content-Type", "application/octet-stream"}},
		body: thriftEnvelope(z.rng, z.tl.Now().Unix(), randBytes(z.rng, 48))}, reqOpts{Telemetry: true, Note: "Umeng envelope: encrypted entity"})
	z.recordOpaque(c, idx, truth.Payload{SDK: "umeng", Location: "body"}, len(body))
}

// hianalytics: POST metrics1.data.hicloud.com:6447/common/hmshioperqrt,
// compressed and encrypted events (random bytes).
func (z *zoo) hianalytics(c *Conv) {
	body := randBytes(z.rng, 1100)
	req := newRequest("POST", "/common/hmshioperqrt", androidHeaders(c.HostName, "application/octet-stream", okhttpUA,
		hdr{"App-Id", "104523987"}, hdr{"App-Ver", shopAppVer}, hdr{"x-hasdk-productid", "736430079244623135"},
		hdr{"x-hasdk-resourceid", ""}, hdr{"x-hasdk-token", "3c1e9a7f5b2d4e6a8c0f1b3d5e7a9c2e"},
		hdr{"x-hasdk-clientid", "104523987"}, hdr{"Sdk-Ver", "6.2.0.300"}, hdr{"Device-Type", "Redmi Note 8"},
		hdr{"Sdk-Name", "hianalytics"}, hdr{"servicetag", "_openness_log_tag"}, hdr{"x-hasdk-log-region", "DE"},
		hdr{"Request-Id", "e4c2a1b9-7d3f-4e68-9a5b-0c1d2e3f4a5b"}), body)
	idx := z.send(c, req, jsonReply(200, `{"result":"0"}`), reqOpts{Telemetry: true, Note: "HiAnalytics: encrypted body"})
	z.recordOpaque(c, idx, truth.Payload{SDK: "hianalytics", Location: "body"}, len(body))
}

// onetrack: POST tracking.intl.miui.com/track/v4, Xiaomi OneTrack.
func (z *zoo) onetrack(c *Conv) {
	body := randBytes(z.rng, 700)
	req := newRequest("POST", "/track/v4", androidHeaders(c.HostName, "application/octet-stream", okhttpUA,
		hdr{"OT_SID", "8c2f4a6e1b3d5f7a"}, hdr{"OT_ts", strconv.FormatInt(z.tl.Now().UnixMilli(), 10)},
		hdr{"OT_net", "WIFI"}, hdr{"OT_sender", "com.miui.msa.global"}, hdr{"OT_protocol", "3.0"}), body)
	idx := z.send(c, req, jsonReply(200, `{"code":0,"message":"success"}`), reqOpts{Telemetry: true, Note: "OneTrack: encrypted body"})
	z.recordOpaque(c, idx, truth.Payload{SDK: "onetrack", Location: "body"}, len(body))
}
