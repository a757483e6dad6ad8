package main

import (
	"slices"
	"strconv"
	"time"

	"telltale/samples/internal/sensors"
	"telltale/samples/internal/truth"
)

// household: two people and three devices on one home network, for linking
// identifiers that occur together in events into "everything known about
// this person" clusters. Person X uses phone A and the laptop, person Y
// phone B. X's phone and laptop share X's account id; nothing of Y's
// occurs with anything of X's except three hub values: a weather widget on
// both phones reports the famous duplicated Android ID 9774d56d682e549c, an
// install id baked into its build, and the router's BSSID.

const householdName = "household"

// Phone A (Xiaomi Mi 10T) and person X.
const (
	hhAndroidA = "b7e2c9a41f0d3e58"
	hhOAIDA    = "e8a1d3c5b7f90246"
	hhMACA     = "64:cc:2e:1a:7b:93" // also the phone's MAC on the wire
	hhAnonA    = "c4e8a2f6-1b3d-4f5a-9e7c-2d4b6f8a0c1e"
	hhGAIDA    = "3d6f9b21-7c4e-4a85-b2d0-9e1f3a5c7b64"
	hhAFUIDA   = "1634400012345-7391846205518273649" // AppsFlyer uid of the delivery app
	hhAccountX = "2847193650"
	hhCookieX  = "17c8a4e2b91d3f-0d6e2b8f4a7c19-4f6b2a1c-1296000-17c8a4e2b92a57" // the laptop's web cookie id
)

// Phone B (POCO X3 NFC) and person Y.
const (
	hhAndroidB = "4f1a8c6e2d9b0735"
	hhAnonB    = "7a3c5e9b-2f4d-4b6a-8c1e-5d7f9a2b4c6e"
	hhGAIDB    = "a9c2e4f6-8b1d-4e3a-9f5c-7d2b4a6e8c01"
	hhAmpB     = "e5b7d9f1-3a2c-4e6b-8d0f-1c3e5a7b9d2f" // Amplitude device_id of the fitness app
	hhAccountY = "5190372846"
)

// The hubs, all sent by the weather widget on both phones.
// 9774d56d682e549c is the ANDROID_ID that a whole generation of devices
// returned (the Android 2.2 bug); the widget's old SDK build still falls
// back to it. The install id is baked into the widget's build, so every
// install sends the same one. The BSSID is the home router's Wi-Fi radio
// (its LAN MAC, the gateway of every frame, ends in 5e).
const (
	hhDupAndroidID = "9774d56d682e549c"
	hhInstallID    = "5f3c1a2e-8d4b-4e6f-a7c9-0b1d2e3f4a5b"
	hhBSSID        = "00:1a:2b:3c:4d:5f"
)

// The devices' addresses.
const (
	hhIPA      = "192.168.1.23"
	hhIPB      = "192.168.1.37"
	hhIPLaptop = "192.168.1.42"
)

var (
	hhIMEIA = imei("86401104729163")
	hhIMEIB = imei("35291611038472")
)

var (
	mi10T = hardware{Manufacturer: "Xiaomi", Brand: "Xiaomi", Model: "Mi 10T", OSVersion: "10",
		Carrier: "Orange RO", ScreenW: 1080, ScreenH: 2400, MIUI: "V12.0.5.0.QJDEUXM", Language: "ro_RO"}
	pocoX3 = hardware{Manufacturer: "Xiaomi", Brand: "POCO", Model: "POCO X3 NFC", OSVersion: "11",
		Carrier: "Vodafone RO", ScreenW: 1080, ScreenH: 2400, MIUI: "V12.5.1.0.RJGEUXM", Language: "en_US"}
)

// hhWebViewUA are the Mint Browser's User-Agents on the two phones.
const (
	hhWebViewUAA = "Mozilla/5.0 (Linux; Android 10; M2007J3SG Build/QKQ1.200419.002; wv) " +
		"AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/94.0.4606.85 Mobile Safari/537.36"
	hhWebViewUAB = "Mozilla/5.0 (Linux; Android 11; M2007J20CG Build/RKQ1.200826.002; wv) " +
		"AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/94.0.4606.85 Mobile Safari/537.36"
	hhDalvikUAA = "Dalvik/2.1.0 (Linux; U; Android 10; M2007J3SG Build/QKQ1.200419.002)"
	hhDalvikUAB = "Dalvik/2.1.0 (Linux; U; Android 11; M2007J20CG Build/RKQ1.200826.002)"
)

// household builds the sample.
func household() *Sample {
	b := newBuilder(time.Date(2021, 10, 16, 17, 40, 0, 0, time.UTC), 20211016, mintBrowser)
	z := &zoo{builder: b} // no known values: no leaks are recorded
	dA := b.dev
	dA.AndroidID, dA.IMEI, dA.OAID, dA.MAC, dA.AnonID, dA.Account, dA.HW =
		hhAndroidA, hhIMEIA, hhOAIDA, hhMACA, hhAnonA, hhAccountX, mi10T
	dB := &device{AndroidID: hhAndroidB, IMEI: hhIMEIB, AnonID: hhAnonB, Account: hhAccountY, HW: pocoX3,
		App: mintBrowser, Country: "RO", rng: b.rng}

	phoneA := &Host{Name: "phone-a", IP: ip4(hhIPA), MAC: mustMAC(hhMACA), TTL: 64}
	phoneB := &Host{Name: "phone-b", IP: ip4(hhIPB), MAC: mustMAC("f4:60:e2:58:0c:d1"), TTL: 64}
	laptop := &Host{Name: "laptop", IP: ip4(hhIPLaptop), MAC: mustMAC("3c:22:fb:5e:81:07"), TTL: 64}
	sa := saServer()
	weather := server("sa.weather.example.cn", "203.0.113.41")
	community := server("sa.community.example.com", "203.0.113.42")
	appsflyer := server("launches.appsflyer.com", "198.51.100.108")
	amplitude := server("api2.amplitude.com", "198.51.100.105")
	cdn := server("cdn.example-feed.com", "198.51.100.111")
	news := server("news.example.org", "198.51.100.20")
	mintTarget := "/sa?project=" + mintBrowser.Project + "&r=RO"

	// Phone A wakes up: the browser's start and install events.
	b.tl.Advance(500 * time.Millisecond)
	A1 := b.dial(phoneA, 50101, sa, 80, sa.Name)
	A1.Note = "phone A, Mint Browser: $AppStart (IMEI as a number), $AppInstall (packed ids), then searches, one incognito"
	imeiA, _ := strconv.ParseInt(hhIMEIA, 10, 64)
	z.sensorsAndroidTo(A1, mintTarget, hhWebViewUAA, []sensors.Object{
		dA.event("$AppStart", b.ms(2100*time.Millisecond), "autoTrack", obj("$is_first_time", false,
			"$resume_from_background", false, "imei", imeiA)),
		dA.event("$AppInstall", b.ms(2000*time.Millisecond), "code", obj("$ios_install_source", dA.installSource(),
			"$oaid", hhOAIDA)),
		dA.event("$AppViewScreen", b.ms(1200*time.Millisecond), "autoTrack", obj(
			"$screen_name", "miui.globalbrowser.homepage.BrowserActivity|HomeFragment", "$title", "Mint Browser")),
	}, sensors.JSStringify, okJSON(false), "$AppStart, $AppInstall, $AppViewScreen")

	// A delivery app on phone A reports to AppsFlyer.
	b.tl.Advance(1500 * time.Millisecond)
	AF := b.dial(phoneA, 50103, appsflyer, 80, appsflyer.Name)
	z.hhAppsFlyer(AF)
	AF.Close(C2S)

	// The weather widget on phone A: the duplicated Android ID, the
	// baked-in install id and the router's BSSID, with the IMEI and the
	// Wi-Fi MAC.
	b.tl.Advance(2 * time.Second)
	WA := b.dial(phoneA, 50105, weather, 8106, weather.Name+":8106")
	WA.Note = "weather widget on phone A: hub values (duplicated Android ID, baked-in install id, BSSID) with phone A's IMEI and MAC"
	z.hhWeather(WA, hhDalvikUAA, dA.HW, obj("imei", hhIMEIA), obj("wifi_mac", hhMACA))
	WA.Close(C2S)

	// Phone B wakes up.
	b.tl.Advance(1800 * time.Millisecond)
	B1 := b.dial(phoneB, 50201, sa, 80, sa.Name)
	B1.Note = "phone B, Mint Browser: $AppStart (IMEI as a number), $AppViewScreen, two page loads"
	imeiB, _ := strconv.ParseInt(hhIMEIB, 10, 64)
	evB := []sensors.Object{
		dB.event("$AppStart", b.ms(9*time.Second), "autoTrack", obj("$is_first_time", false,
			"$resume_from_background", true, "imei", imeiB)),
		dB.event("$AppViewScreen", b.ms(8500*time.Millisecond), "autoTrack", obj(
			"$screen_name", "miui.globalbrowser.homepage.BrowserActivity|HomeFragment", "$title", "Mint Browser")),
	}
	evB = append(evB, b.pageLoadsOf(dB, []page{{url: "https://www.example-sport.ro/fotbal"},
		{url: "https://www.example-sport.ro/fotbal/liga-1/clasament"}}, 700*time.Millisecond)...)
	z.sensorsAndroidTo(B1, mintTarget, hhWebViewUAB, evB, sensors.OrgJSON, okJSON(false), "phone B's first batch (org.json style)")
	B1.Close(C2S)

	// The laptop opens the community forum (not signed in yet).
	b.tl.Advance(1200 * time.Millisecond)
	L := b.dial(laptop, 52101, community, 8106, community.Name+":8106")
	L.Note = "laptop, community forum: web SDK pixels before and after X signs in with the same account as on phone A"
	const forum = "https://community.example.com/"
	thread := forum + "thread/88412-baterie-mi-10t"
	z.hhWebPixel(L, hhWebEvent(z, "$pageview", b.ms(800*time.Millisecond), thread, "/thread/88412-baterie-mi-10t",
		"Baterie Mi 10T descarcă repede - Comunitate", obj("$is_first_time", true), ""), thread, "")

	// Phone B: a fitness app (Amplitude) signed in with Y's account.
	b.tl.Advance(1500 * time.Millisecond)
	AMP := b.dial(phoneB, 50203, amplitude, 80, amplitude.Name)
	z.hhAmplitude(AMP)
	AMP.Close(C2S)

	// The same weather widget on phone B: the same hub values, with phone
	// B's IMEI and advertising id.
	b.tl.Advance(1300 * time.Millisecond)
	WB := b.dial(phoneB, 50205, weather, 8106, weather.Name+":8106")
	WB.Note = "weather widget on phone B: the same hub values with phone B's IMEI and advertising id"
	z.hhWeather(WB, hhDalvikUAB, dB.HW, obj("imei", hhIMEIB, "$gaid", hhGAIDB), nil)
	WB.Close(C2S)

	// Noise: a feed image on phone B, a news page on the laptop.
	b.tl.Advance(900 * time.Millisecond)
	C := b.dial(phoneB, 50207, cdn, 80, cdn.Name)
	z.cdnImage(C)
	C.Close(S2C)
	b.tl.Advance(1100 * time.Millisecond)
	N := b.dial(laptop, 52103, news, 80, news.Name)
	z.newsSite(N)
	N.Close(S2C)

	// Phone A: searches, one in incognito (same connection as the start).
	b.tl.Advance(4 * time.Second)
	searchA := []sensors.Object{
		dA.event("search", b.ms(3800*time.Millisecond), "code", obj("used_searchengine", "google",
			"search_position", "address_bar", "search_method", "input", "search_word", "vremea cluj")),
	}
	searchA = append(searchA, b.pageLoadsOf(dA, []page{{url: "https://www.google.com/search?q=vremea+cluj"}}, 3*time.Second)...)
	searchA = append(searchA,
		dA.event("search", b.ms(1400*time.Millisecond), "code", obj("used_searchengine", "duckduckgo",
			"search_position", "address_bar", "search_method", "input", "search_word", "test sarcină rezultat",
			"is_incognito", true)),
		dA.event("page_load_event_finish", b.ms(900*time.Millisecond), "code", obj(
			"url", "https://duckduckgo.com/?q=test+sarcin%C4%83+rezultat", "is_incognito", true)))
	z.sensorsAndroidTo(A1, mintTarget, hhWebViewUAA, searchA, sensors.OrgJSON, okJSON(true),
		"searches, the second in incognito (org.json style, chunked answer)")
	A1.Close(S2C)

	// X signs in on the laptop; the forum's pages now carry the account id.
	b.tl.Advance(3 * time.Second)
	profile := forum + "user/me"
	z.hhWebPixel(L, hhWebEvent(z, "$pageview", b.ms(600*time.Millisecond), profile, "/user/me",
		"Profilul meu - Comunitate", obj("$is_first_time", false), hhAccountX), profile, hhAccountX)
	b.tl.Advance(2500 * time.Millisecond)
	z.hhWebPixel(L, hhWebEvent(z, "$WebClick", b.ms(300*time.Millisecond), thread, "/thread/88412-baterie-mi-10t",
		"Baterie Mi 10T descarcă repede - Comunitate", obj("$element_type", "button", "$element_content", "Răspunde",
			"$element_selector", "#reply > button"), hhAccountX), thread, hhAccountX)
	L.Close(C2S)

	// Phone B signs in to the browser, reads, searches.
	b.tl.Advance(2 * time.Second)
	dB.login()
	B2 := b.dial(phoneB, 50209, sa, 80, sa.Name)
	B2.Note = "phone B after Y's login: distinct_id and login_id are Y's account"
	evB2 := b.pageLoadsOf(dB, []page{{url: "https://www.example-sport.ro/tenis"}}, 5*time.Second)
	evB2 = append(evB2,
		dB.event("search", b.ms(3*time.Second), "code", obj("used_searchengine", "google",
			"search_position", "address_bar", "search_method", "input", "search_word", "bilete meci cfr")),
		dB.event("page_load_event_finish", b.ms(2500*time.Millisecond), "code", obj(
			"url", "https://www.google.com/search?q=bilete+meci+cfr")))
	z.sensorsAndroidTo(B2, mintTarget, hhWebViewUAB, evB2, sensors.JSStringify, okJSON(false), "phone B after login")
	B2.Close(C2S)

	// Phone A signs in to the browser; incognito pages after the login.
	b.tl.Advance(2 * time.Second)
	dA.login()
	A2 := b.dial(phoneA, 50107, sa, 80, sa.Name)
	A2.Note = "phone A after X's login: page loads, two in incognito"
	evA2 := b.pageLoadsOf(dA, []page{
		{url: "https://community.example.com/thread/88412-baterie-mi-10t"},
		{url: "https://www.bing.com/search?q=clinica+dermatologie+cluj", incognito: true},
		{url: "https://clinica.example.ro/programari", incognito: true},
	}, 1500*time.Millisecond)
	z.sensorsAndroidTo(A2, mintTarget, hhWebViewUAA, evA2, sensors.OrgJSON, okJSON(false), "phone A after login")
	A2.Close(C2S)

	s := b.ethernetSample(householdName,
		"A home network (Ethernet, plain HTTP) with two people: X uses phone A (Mint Browser, a delivery app "+
			"with AppsFlyer) and the laptop (a forum on the Sensors web SDK, signed in with the same account as "+
			"the phone); Y uses phone B (Mint Browser, a fitness app with Amplitude). A weather widget on both "+
			"phones sends the duplicated Android ID 9774d56d682e549c, a baked-in install id and the router's BSSID: hubs that must not "+
			"link X and Y. identity_groups are the people, hubs the values between them.",
		"", householdSpecs())
	s.Truth.Noise = z.noise
	s.Truth.IdentityGroups, s.Truth.Hubs, s.Truth.Devices = householdIdentity()
	return s
}

// hhWeather posts the weather widget's batch: an old Sensors Android SDK
// (3.x: no anonymous_id, no identities) whose distinct_id and $device_id
// are the duplicated Android ID, with the phone's own id in extra (every
// event) and wifi (the refresh, before the router's BSSID).
func (z *zoo) hhWeather(c *Conv, ua string, hw hardware, extra, wifi sensors.Object) {
	ev := func(name string, d time.Duration, custom sensors.Object) sensors.Object {
		props := obj("$os", "Android", "$os_version", hw.OSVersion, "$manufacturer", hw.Manufacturer,
			"$model", hw.Model, "$app_version", "2.8.1", "$lib", "Android", "$lib_version", "3.2.11",
			"$screen_width", hw.ScreenW, "$screen_height", hw.ScreenH, "$carrier", hw.Carrier,
			"$wifi", true, "$network_type", "WIFI", "$device_id", hhDupAndroidID, "install_id", hhInstallID)
		props = append(append(props, extra...), custom...)
		return obj("_track_id", int64(int32(z.rng.Uint32())), "time", z.ms(d), "type", "track",
			"distinct_id", hhDupAndroidID,
			"lib", obj("$lib", "Android", "$lib_version", "3.2.11", "$app_version", "2.8.1", "$lib_method", "code"),
			"event", name, "properties", props)
	}
	events := []sensors.Object{
		ev("$AppStart", 2500*time.Millisecond, obj("$is_first_time", false)),
		ev("weather_refresh", 1800*time.Millisecond, append(append(obj("city", "Cluj-Napoca", "temp_c", 14, "source", "wifi"),
			wifi...), sensors.Member{Key: "wifi_bssid", Value: hhBSSID})),
	}
	z.sensorsAndroidTo(c, "/sa?project=weather_widget", ua, events, sensors.OrgJSON, jsonReply(200, `{"code":0}`),
		"an old SDK build: distinct_id and $device_id are the duplicated Android ID")
}

// hhAppsFlyer: the delivery app's in-app event on phone A, with the
// advertising id, the Android ID and the AppsFlyer uid; the answer repeats
// the uid.
func (z *zoo) hhAppsFlyer(c *Conv) {
	now := z.tl.Now()
	value := obj("af_content_type", "restaurant", "af_content_id", "r-1187", "af_currency", "RON")
	ev := obj("af_timestamp", strconv.FormatInt(now.Add(-700*time.Millisecond).UnixMilli(), 10),
		"advertiserId", hhGAIDA, "advertiserIdEnabled", "true", "android_id", hhAndroidA, "uid", hhAFUIDA,
		"appsflyerKey", "Wm4qPz8sRt3LkN6vBx2cHj", "app_version_code", "311", "app_version_name", "3.11.0",
		"brand", "Xiaomi", "model", "M2007J3SG", "device", "apollo", "product", "apollo",
		"carrier", "Orange RO", "operator", "Orange RO", "network", "WIFI", "country", "RO", "lang", "română", "lang_code", "ro",
		"deviceType", "user", "sdk", "29", "platformextension", "android_native",
		"eventName", "af_content_view", "eventValue", jsonText(value, sensors.OrgJSON),
		"counter", "12", "iaecounter", "4", "isFirstCall", "false",
		"date1", "2021-10-16_153000+0000", "installDate", "2021-10-16_152958+0000",
		"af_preinstalled", "false", "cksm_v1", "7c2e9a1f4b8d03e6a5c7f1b9d2e4a6c8e0")
	req := newRequest("POST", "/api/v6.3/androidevent?app_id=com.example.delivery&buildnumber=6.3.2",
		androidHeaders(c.HostName, "application/json", hhDalvikUAA), []byte(jsonText(ev, sensors.OrgJSON)))
	conf := obj("ol_id", "Dq7L", "ol_scheme", "https", "ol_domain", "delivery.onelink.example.com",
		"af_uid", hhAFUIDA, "monitor", false)
	idx := z.send(c, req, jsonReply(200, jsonText(conf, sensors.JSStringify)),
		reqOpts{Telemetry: true, Note: "AppsFlyer in-app event, eventValue a JSON string; the answer is a config"})
	z.record(c, idx, truth.Payload{SDK: "appsflyer", Location: "body", Chain: "json"}, "",
		zev{obj: ev, nested: []truth.Nested{{Path: "eventValue", Chain: "json", Object: value}}})
	z.record(c, idx, truth.Payload{SDK: "appsflyer", Location: "response", Chain: "json", Object: conf}, "")
}

// hhAmplitude: the fitness app on phone B, Amplitude HTTP API v2, signed
// in with Y's account.
func (z *zoo) hhAmplitude(c *Conv) {
	now := z.tl.Now().UnixMilli()
	base := func(t int64, typ string, id int, extra ...any) sensors.Object {
		return append(obj("user_id", hhAccountY, "device_id", hhAmpB, "event_type", typ,
			"time", t, "session_id", now-610000, "event_id", id,
			"platform", "Android", "os_name", "android", "os_version", "11", "device_brand", "POCO",
			"device_manufacturer", "Xiaomi", "device_model", "M2007J20CG", "carrier", "Vodafone RO",
			"country", "RO", "language", "en", "adid", hhGAIDB,
			"library", "amplitude-android/2.32.1"), obj(extra...)...)
	}
	events := arr(
		base(now-600000, "workout_started", 41, "event_properties", obj("kind", "run")),
		base(now-2000, "workout_finished", 42, "event_properties", obj("kind", "run", "km", 5, "minutes", 31)),
	)
	env := obj("api_key", "b3e9d1c7a5f24e68", "options", obj("min_id_length", 1))
	root := obj("api_key", env[0].Value, "events", events, "options", env[1].Value)
	req := newRequest("POST", "/2/httpapi", androidHeaders(c.HostName, "application/json", okhttpUA, hdr{"Accept", "*/*"}),
		[]byte(jsonText(root, sensors.JSStringify)))
	idx := z.send(c, req, jsonReply(200, `{"code":200,"events_ingested":2,"payload_size_bytes":1032,"server_upload_time":`+
		strconv.FormatInt(now+25, 10)+`}`), reqOpts{Telemetry: true, Note: "Amplitude HTTP API v2"})
	z.record(c, idx, truth.Payload{SDK: "amplitude", Location: "body", Chain: "json"}, "",
		zev{obj: events[0].(sensors.Object), env: env}, zev{obj: events[1].(sensors.Object), env: env})
}

// hhWebEvent is a sa-sdk-javascript event of the forum in the laptop's
// browser; account is "" before the login, then the login id (distinct_id,
// login_id, identities).
func hhWebEvent(z *zoo, name string, timeMs int64, pageURL, path, title string, custom sensors.Object, account string) sensors.Object {
	props := obj("$timezone_offset", -180, "$screen_height", 900, "$screen_width", 1440,
		"$viewport_height", 789, "$viewport_width", 1440, "$lib", "js", "$lib_version", "1.21.13",
		"$latest_traffic_source_type", "直接流量", "$latest_search_keyword", "未取到值_直接打开", "$latest_referrer", "",
		"$referrer", "", "$url", pageURL, "$url_path", path, "$title", title, "$is_first_day", true)
	ids := obj("$identity_cookie_id", hhCookieX)
	head := obj("identities", ids, "distinct_id", hhCookieX)
	if account != "" {
		ids = append(ids, sensors.Member{Key: "$identity_login_id", Value: account})
		head = obj("identities", ids, "distinct_id", account, "login_id", account)
	}
	return append(head, obj("lib", obj("$lib", "js", "$lib_method", "code", "$lib_version", "1.21.13"),
		"properties", append(props, custom...), "anonymous_id", hhCookieX, "type", "track",
		"event", name, "time", timeMs, "_track_id", int64(100000000+z.rng.IntN(900000000)))...)
}

// hhWebPixel sends one web event as GET /sa.gif with the identity cookie
// (distinct_id the account once signed in, first_id the cookie id).
func (z *zoo) hhWebPixel(c *Conv, ev sensors.Object, referer, account string) {
	cv := obj("distinct_id", hhCookieX, "first_id", "",
		"props", obj("$latest_traffic_source_type", "直接流量", "$latest_search_keyword", "未取到值_直接打开", "$latest_referrer", ""),
		"$device_id", hhCookieX)
	if account != "" {
		cv[0].Value, cv[1].Value = account, hhCookieX
	}
	w := sensors.WebEvent(ev)
	req := newRequest("GET", "/sa.gif?project=community&"+w.Params, chromeGet(c.HostName, acceptImage, referer,
		hdr{"Cookie", sensorsCookie + "=" + uriEncode(jsonText(cv, sensors.JSStringify))}), nil)
	idx := z.send(c, req, reply{status: 200, hdrs: []hdr{{"Content-Type", "image/gif"}, {"Connection", "keep-alive"},
		{"Cache-Control", "no-cache"}}, body: gif1x1}, reqOpts{Telemetry: true, Note: "web SDK pixel"})
	crc, ok := w.CRC, true
	z.record(c, idx, truth.Payload{SDK: "sensors_analytics", Location: "query", Field: "data",
		Chain: "percent>base64>json", CRC: &crc, CRCOK: &ok, Base64: w.Base64}, "", zev{obj: ev})
	z.recordWebCookie(c, idx, cv)
}

// householdSpecs are every identifier household's telemetry carries, with
// the id_kind telltale's rules give it where it is a whole field value:
// person X's (phone A, the laptop, the account), person Y's, then the hubs.
func householdSpecs() []truth.IdentifierSpec {
	return []truth.IdentifierSpec{
		{Kind: "imei", Value: hhIMEIA},
		{Kind: "android_id", Value: hhAndroidA},
		{Kind: "oaid", Value: hhOAIDA},
		{Kind: "mac", Value: hhMACA},
		{Kind: "anonymous_id", Value: hhAnonA},
		{Kind: "advertising_id", Value: hhGAIDA},
		{Kind: "device_id", Value: hhAFUIDA},
		{Kind: "account_id", Value: hhAccountX},
		{Kind: "web_cookie_id", Value: hhCookieX},
		{Kind: "imei", Value: hhIMEIB},
		{Kind: "android_id", Value: hhAndroidB},
		{Kind: "anonymous_id", Value: hhAnonB},
		{Kind: "advertising_id", Value: hhGAIDB},
		{Kind: "anonymous_id", Value: hhAmpB},
		{Kind: "account_id", Value: hhAccountY},
		{Kind: "android_id", Value: hhDupAndroidID},
		{Kind: "anonymous_id", Value: hhInstallID},
		{Kind: "bssid", Value: hhBSSID},
	}
}

// householdIdentity is the ground truth of who owns what, written down from
// the scenario (not derived from the events: the generator test checks the
// events against it).
func householdIdentity() ([]truth.IdentityGroup, []truth.IdentifierRef, []truth.Device) {
	ref := func(kind, value string) truth.IdentifierRef { return truth.IdentifierRef{Kind: kind, Value: value} }
	phoneA := []truth.IdentifierRef{ref("imei", hhIMEIA), ref("android_id", hhAndroidA), ref("oaid", hhOAIDA),
		ref("mac", hhMACA), ref("anonymous_id", hhAnonA), ref("advertising_id", hhGAIDA), ref("device_id", hhAFUIDA),
		ref("account_id", hhAccountX)}
	laptop := []truth.IdentifierRef{ref("account_id", hhAccountX), ref("web_cookie_id", hhCookieX)}
	phoneB := []truth.IdentifierRef{ref("imei", hhIMEIB), ref("android_id", hhAndroidB), ref("anonymous_id", hhAnonB),
		ref("advertising_id", hhGAIDB), ref("anonymous_id", hhAmpB), ref("account_id", hhAccountY)}
	devices := []truth.Device{
		{Name: "phone-a", Person: "person-x", ClientIP: hhIPA, Identifiers: phoneA},
		{Name: "laptop", Person: "person-x", ClientIP: hhIPLaptop, Identifiers: laptop},
		{Name: "phone-b", Person: "person-y", ClientIP: hhIPB, Identifiers: phoneB},
	}
	// Every part of phone A's packed $ios_install_source also occurs as a
	// field of its own (the MAC in the weather widget's refresh), so the
	// groups are the same whether packed strings are split or not.
	groups := []truth.IdentityGroup{
		{Name: "person-x", Members: append(slices.Clone(phoneA), laptop[1:]...)},
		{Name: "person-y", Members: phoneB},
	}
	hubs := []truth.IdentifierRef{ref("android_id", hhDupAndroidID), ref("anonymous_id", hhInstallID), ref("bssid", hhBSSID)}
	return groups, hubs, devices
}
