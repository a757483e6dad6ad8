package main

import (
	"strconv"
	"time"

	"telltale/samples/internal/sensors"
	"telltale/samples/internal/truth"
)

// zooKnown are the sdk-zoo phone's and user's values (sdk-zoo.known.yaml).
// The IMEI is the research note's synthetic test value (§4.1), whose md5
// the note gives.
var zooKnown = knownValues{
	IMEI:      imei("35847610123456"),
	AndroidID: "a3f9c47e21d08b65",
	GAID:      "7e2b4c91-3d5a-4f08-9b6e-1c2d3e4f5a6b",
	Email:     "Ana.Popescu@example.ro",
	Phone:     "+40721555123",
	MAC:       "A4:50:46:3C:8E:71",
	Account:   "1174029385",
}

const (
	zooPhoneAnon = "9b2e4f71-6c3d-4a85-b1e0-7d5c3a9f2e48" // Sensors anonymous id on the phone
	zooOAID      = "d4e5f60718293a4b"
	zooGenericID = "e1c7a2d4-5b6f-4a38-9c0d-2e4f6a8b0c1d" // the custom collector's install id
)

// sdkZoo: a phone and a laptop on a home network (Ethernet, seen at the
// router), talking plain HTTP to every SDK form the pipeline profiles, to
// vendors whose payloads are encrypted, and to ordinary services whose
// traffic only looks like telemetry.
func sdkZoo() *Sample {
	b := newBuilder(time.Date(2021, 9, 14, 8, 30, 0, 0, time.UTC), 20210914, mintBrowser)
	z := &zoo{builder: b, known: zooKnown}
	d := b.dev
	d.AndroidID, d.IMEI, d.OAID, d.AnonID, d.Account = zooKnown.AndroidID, zooKnown.IMEI, zooOAID, zooPhoneAnon, zooKnown.Account
	d.MAC = baseForm(zooKnown.MAC, "lower")

	phone := &Host{Name: "phone", IP: ip4("192.168.1.23"), MAC: mustMAC(zooKnown.MAC), TTL: 64}
	laptop := &Host{Name: "laptop", IP: ip4("192.168.1.42"), MAC: mustMAC("3c:22:fb:71:0e:5a"), TTL: 64}
	srv := server
	sa := saServer()
	fin := srv("fin.datasink.example.cn", "203.0.113.31")
	sensorsWeb := srv("sensors.example.cn", "203.0.113.32")
	mixpanel := srv("api.mixpanel.com", "198.51.100.101")
	mixpanelJS := srv("api-js.mixpanel.com", "198.51.100.102")
	ga := srv("www.google-analytics.com", "198.51.100.103")
	segment := srv("api.segment.io", "198.51.100.104")
	amp2 := srv("api2.amplitude.com", "198.51.100.105")
	amp1 := srv("api.amplitude.com", "198.51.100.106")
	adjust := srv("app.adjust.com", "198.51.100.107")
	appsflyer := srv("t.appsflyer.com", "198.51.100.108")
	collect := srv("collect.example.cn", "203.0.113.33")
	umeng := srv("ulogs.umeng.com", "203.0.113.34")
	hicloud := srv("metrics1.data.hicloud.com", "203.0.113.35")
	onetrack := srv("tracking.intl.miui.com", "203.0.113.36")
	feed := srv("api.example-feed.com", "198.51.100.110")
	cdn := srv("cdn.example-feed.com", "198.51.100.111")
	upload := srv("upload.example.com", "198.51.100.112")
	news := srv("news.example.org", "198.51.100.20")
	web := srv("www.example.com", "198.51.100.113")

	const shopPage = "https://shop.example.cn/product/sku-42"
	const shopTitle = "Ceas inteligent – Magazin"

	// The phone wakes up: the browser's Sensors SDK reports the start and
	// the (identifier-dense) install event.
	b.tl.Advance(400 * time.Millisecond)
	A := b.dial(phone, 51001, sa, 80, sa.Name)
	A.Note = "Sensors Android gzip=1: $AppStart, $AppInstall ($ios_install_source packed ids), $AppViewScreen"
	z.sensorsAndroid(A, []sensors.Object{
		d.event("$AppStart", b.ms(2100*time.Millisecond), "autoTrack", obj("$is_first_time", false, "$resume_from_background", false)),
		d.event("$AppInstall", b.ms(2000*time.Millisecond), "code", obj(
			"$ios_install_source", "android_id="+z.id("android_id", "plain")+"##imei="+z.id("imei", "plain")+
				"##mac="+z.id("mac", "lower")+"##oaid="+zooOAID,
			"$oaid", zooOAID, "$gaid", z.id("advertising_id", "plain"))),
		d.event("$AppViewScreen", b.ms(1200*time.Millisecond), "autoTrack", obj(
			"$screen_name", "miui.globalbrowser.homepage.BrowserActivity|HomeFragment", "$title", "Mint Browser")),
	}, okJSON(false), "gzip=1 batch with the install event")

	// The laptop opens a news site.
	b.tl.Advance(800 * time.Millisecond)
	N := b.dial(laptop, 52009, news, 80, news.Name)
	z.newsSite(N)

	// The shop app starts on the phone: opaque vendors, attribution SDKs.
	b.tl.Advance(time.Second)
	U := b.dial(phone, 51021, umeng, 80, umeng.Name)
	z.umeng(U)
	b.tl.Advance(600 * time.Millisecond)
	H := b.dial(phone, 51023, hicloud, 6447, hicloud.Name+":6447")
	z.hianalytics(H)
	b.tl.Advance(500 * time.Millisecond)
	ADJ := b.dial(phone, 51015, adjust, 80, adjust.Name)
	ADJ.Note = "Adjust session and event on one connection; the answers hand out the adid"
	z.adjust(ADJ, "session", params("session_count", "3", "subsession_count", "1", "session_length", "0", "time_spent", "0"),
		obj("uid", z.id("account_id", "plain")),
		obj("imei_md5", z.id("imei", "md5"), "wmac_sha1", z.id("mac", "sha1")))
	b.tl.Advance(500 * time.Millisecond)
	AF := b.dial(phone, 51017, appsflyer, 80, appsflyer.Name)
	z.appsflyer(AF)
	U.Close(S2C)
	H.Close(C2S)
	AF.Close(C2S)

	// The laptop visits the shop: Sensors web pixel, GA4 and UA.
	b.tl.Advance(1200 * time.Millisecond)
	SW := b.dial(laptop, 52001, sensorsWeb, 8106, sensorsWeb.Name+":8106")
	SW.Note = "Sensors web SDK: pixel, beacon, batch_send on one connection, identity cookie on each"
	z.sensorsWebPixel(SW, z.webEvent("$pageview", b.ms(900*time.Millisecond), shopPage, "/product/sku-42",
		"限时优惠 - 智能手表 | 示例商城", obj("$is_first_time", false, "product_category", "智能手表")), shopPage)
	b.tl.Advance(time.Second)
	GA := b.dial(laptop, 52007, ga, 80, ga.Name)
	GA.Note = "GA4 and Universal Analytics hits on one keep-alive connection"
	z.ga4Get(GA, shopPage, shopTitle)
	b.tl.Advance(150 * time.Millisecond)
	z.uaGet(GA, shopPage, shopTitle)

	// The shop app reports to Firebase, Mixpanel and Segment.
	b.tl.Advance(1500 * time.Millisecond)
	FMP := b.dial(phone, 51007, ga, 80, ga.Name)
	z.firebaseMP(FMP)
	FMP.Close(C2S)
	b.tl.Advance(time.Second)
	MP := b.dial(phone, 51005, mixpanel, 80, mixpanel.Name)
	z.mixpanelAndroid(MP)
	MP.Close(C2S)
	b.tl.Advance(1200 * time.Millisecond)
	SEG := b.dial(phone, 51009, segment, 80, segment.Name)
	z.segmentBatch(SEG)
	SEG.Close(C2S)

	b.tl.Advance(2 * time.Second)
	MPJ := b.dial(laptop, 52005, mixpanelJS, 80, mixpanelJS.Name)
	z.mixpanelJS(MPJ, shopPage)
	MPJ.Close(C2S)

	// Ordinary apps and sites: the noise.
	b.tl.Advance(1500 * time.Millisecond)
	F := b.dial(phone, 51027, feed, 80, feed.Name)
	z.feedAPI(F)
	F.Close(C2S)
	C := b.dial(phone, 51029, cdn, 80, cdn.Name)
	z.cdnImage(C)
	C.Close(S2C)
	b.tl.Advance(2 * time.Second)
	W := b.dial(laptop, 52011, web, 80, web.Name)
	z.settingsSite(W)
	W.Close(C2S)
	N.Close(S2C)

	// An Adjust in-app event (purchase), with a hashed e-mail.
	b.tl.Advance(4 * time.Second)
	z.adjust(ADJ, "event", params("event_token", "x7k2qp", "event_count", "1", "revenue", "199.90", "currency", "RON"),
		obj("em", z.id("email", "md5(lower)")), obj("sku", "sku-42", "qty", "1"))
	ADJ.Close(C2S)

	// Amplitude, both upload forms.
	b.tl.Advance(3 * time.Second)
	AMP2 := b.dial(phone, 51011, amp2, 80, amp2.Name)
	z.amplitudeV2(AMP2)
	AMP2.Close(C2S)
	b.tl.Advance(2 * time.Second)
	AMP1 := b.dial(phone, 51013, amp1, 80, amp1.Name)
	z.amplitudeLegacy(AMP1)
	AMP1.Close(C2S)

	// The custom collector: NDJSON, then a JSON event with a packed ctx.
	b.tl.Advance(2 * time.Second)
	GEN := b.dial(phone, 51019, collect, 80, collect.Name)
	z.genericNDJSON(GEN, zooGenericID)
	b.tl.Advance(1500 * time.Millisecond)
	z.genericNested(GEN, zooGenericID)
	GEN.Close(C2S)

	b.tl.Advance(2 * time.Second)
	OT := b.dial(phone, 51025, onetrack, 80, onetrack.Name)
	z.onetrack(OT)
	OT.Close(C2S)

	// The laptop leaves the product page: GA4 batch, UA batch, Sensors
	// beacon, then the web SDK's batch_send queue.
	b.tl.Advance(3 * time.Second)
	z.ga4Post(GA, shopPage, shopTitle)
	b.tl.Advance(200 * time.Millisecond)
	z.uaBatch(GA, shopPage, shopTitle)
	GA.Close(C2S)
	b.tl.Advance(500 * time.Millisecond)
	z.sensorsWebBeacon(SW, z.webEvent("$WebPageLeave", b.ms(100*time.Millisecond), shopPage, "/product/sku-42",
		"限时优惠 - 智能手表 | 示例商城", obj("event_duration", 24518)), shopPage)
	b.tl.Advance(6 * time.Second)
	cart := "https://shop.example.cn/cart"
	z.sensorsWebBatch(SW, []sensors.Object{
		z.webEvent("$WebClick", b.ms(4800*time.Millisecond), cart, "/cart", "购物车 - 示例商城",
			obj("$element_type", "button", "$element_content", "去结算", "$element_selector", "#checkout > button")),
		z.webEvent("$WebStay", b.ms(1200*time.Millisecond), cart, "/cart", "购物车 - 示例商城",
			obj("event_duration", 3600, "$viewport_position", 412)),
	}, cart)
	SW.Close(C2S)

	// A notes app on the laptop (Sensors' Apple SDK, shared by iOS and
	// macOS): one batch with CRLF-wrapped Base64, one with '+' unescaped.
	b.tl.Advance(4 * time.Second)
	MAC := b.dial(laptop, 52003, sensorsWeb, 8106, sensorsWeb.Name+":8106")
	MAC.Note = "Apple SDK bodies: CRLF-wrapped Base64, then '+' left unescaped"
	z.sensorsApple(MAC, []sensors.Object{
		z.macEvent("$AppStart", b.ms(3000*time.Millisecond), obj("$is_first_time", false)),
		z.macEvent("NoteCreated", b.ms(1800*time.Millisecond), obj("words", 120, "title", "Listă de cumpărături", "folder", "Personal")),
		z.macEvent("NoteShared", b.ms(600*time.Millisecond), obj("channel", "mail", "recipients", 2)),
	}, true, "CRLF-wrapped Base64, every punctuation byte escaped")
	b.tl.Advance(2 * time.Second)
	z.sensorsApple(MAC, []sensors.Object{
		z.macEvent("NoteEdited", b.ms(1500*time.Millisecond), obj("words", 131, "title", "Listă de cumpărături")),
		z.macEvent("$AppEnd", b.ms(200*time.Millisecond), obj("$event_duration", 41)),
	}, false, "'+' of the Base64 left unescaped: form decoding turns it into a space")
	MAC.Close(C2S)

	b.tl.Advance(3 * time.Second)
	UP := b.dial(phone, 51031, upload, 80, upload.Name)
	z.uploads(UP)
	UP.Close(C2S)
	A.Close(S2C) // the collector's keep-alive timeout

	// The user signs in to the browser and reads for two minutes; the SDK
	// then flushes 100 page loads 50 at a time. The second half is answered
	// 500, kept in the SDK's database and sent again 15 s later: the same
	// events, _track_id included, with a new _flush_time.
	b.tl.Advance(20 * time.Second)
	d.login()
	b.tl.Advance(150 * time.Second)
	var pages []page
	for i := range 50 {
		pages = append(pages, page{url: zooSites[i%len(zooSites)] + "?p=" + strconv.Itoa(1+i/len(zooSites)),
			incognito: i%17 == 5})
	}
	loads := b.pageLoads(pages, 3*time.Second)
	B := b.dial(phone, 51033, sa, 80, sa.Name)
	B.Note = "100 events flushed as 50 + 50; the second half answered 500 and re-sent (repeat events)"
	z.sensorsAndroid(B, loads[:50], okJSON(false), "first 50 of 100 events")
	b.tl.Advance(300 * time.Millisecond)
	z.sensorsAndroid(B, loads[50:], reply{status: 500, hdrs: []hdr{{"Content-Type", "text/html"}, {"Connection", "keep-alive"}},
		body: []byte("<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")},
		"last 50 of 100 events: the collector fails (500)")
	b.tl.Advance(15 * time.Second)
	z.sensorsAndroid(B, loads[50:], okJSON(false), "the same 50 events re-sent after the 500")
	B.Close(C2S)

	// A wallet app with Sensors' event encryption (gzip=9).
	b.tl.Advance(2 * time.Second)
	E := b.dial(phone, 51003, fin, 8106, fin.Name+":8106")
	z.sensorsEncrypted(E, "wallet", 3)
	E.Close(C2S)

	truth.MarkRepeats(b.events)
	s := b.ethernetSample(zooName,
		"A phone and a laptop on a home network (Ethernet, plain HTTP): every SDK form telltale profiles "+
			"(Sensors Android/Apple/web, Mixpanel, GA4, Firebase MP, UA, Segment, Amplitude, Adjust, AppsFlyer, "+
			"an unknown JSON collector), encrypted vendors (Umeng, HiAnalytics, OneTrack, Sensors gzip=9), "+
			"collector answers that hand out ids, known values in disguises, and look-alike noise.",
		"", zooSpecs())
	s.Truth.Opaque, s.Truth.Leaks, s.Truth.Noise = z.opaque, z.leaks, z.noise
	s.Files = append(s.Files, OutFile{"sdk-zoo.known.yaml", zooKnown.yaml()})
	return s
}

const zooName = "sdk-zoo"

// zooSites are the pages of the 100-event batch.
var zooSites = []string{
	"https://www.wikipedia.org/", "https://ro.wikipedia.org/wiki/Cluj-Napoca", "http://news.example.org/story/311",
	"https://video.example.com/watch", "https://baike.example.cn/item/智能手表", "https://private.example.net/gallery",
	"http://shop.example.cn/item/42", "https://mail.example.com/inbox", "https://maps.example.com/search",
	"https://bank.example.ro/login", "https://forum.example.org/t/smartwatch-battery/4411", "https://health.example.com/sleep",
	"https://jobs.example.com/search", "https://tickets.example.ro/concert/2021-10-02", "https://recipes.example.com/ciorba",
	"https://weather.example.com/ro/cluj", "https://ro.wikipedia.org/wiki/Ceas", "https://news.example.org/live/2021-09-14",
	"https://shop.example.cn/order/confirm", "https://travel.example.com/flights", "https://learn.example.org/course/go",
	"https://music.example.com/playlist/morning", "https://realestate.example.ro/apartamente", "https://cars.example.com/used",
	"https://docs.example.com/shared/budget",
}

// zooSpecs are the identifiers the truth reports occurrences of: every
// device or person identifier the generator puts in sdk-zoo's telemetry
// (events, envelopes, nested JSON, response documents), with the kind an
// identifier detector should give it (telltale's id_kind names). The known
// values appear in their base forms only (their hashes and Base64 are in
// the leaks list); the SDK-made ids follow. TestZooIdentifiersComplete
// checks that no other id-like value is left in the telemetry.
func zooSpecs() []truth.IdentifierSpec {
	k := zooKnown
	return []truth.IdentifierSpec{
		{Kind: "imei", Value: k.IMEI},
		{Kind: "android_id", Value: k.AndroidID},
		{Kind: "advertising_id", Value: k.GAID},
		{Kind: "oaid", Value: zooOAID},
		{Kind: "mac", Value: k.MAC},
		{Kind: "mac", Value: baseForm(k.MAC, "lower")},
		{Kind: "mac", Value: baseForm(k.MAC, "nosep_lower")},
		{Kind: "email", Value: k.Email},
		{Kind: "email", Value: baseForm(k.Email, "lower")},
		{Kind: "phone", Value: k.Phone},
		{Kind: "account_id", Value: k.Account},
		{Kind: "anonymous_id", Value: zooPhoneAnon},
		{Kind: "web_cookie_id", Value: laptopCookie},
		// Known values in another base form (the collector's packed ctx).
		{Kind: "android_id", Value: baseForm(k.AndroidID, "upper")},
		{Kind: "advertising_id", Value: baseForm(k.GAID, "nosep")},
		// The notes app's Sensors Apple SDK identifies the Mac by its IDFV.
		{Kind: "idfv", Value: macAnonID},
		// SDK-made install UUIDs.
		{Kind: "anonymous_id", Value: mixpanelDeviceID},
		{Kind: "anonymous_id", Value: segmentAnonID},
		{Kind: "anonymous_id", Value: amplitudeDeviceID},
		{Kind: "anonymous_id", Value: adjustUUID},
		{Kind: "anonymous_id", Value: zooGenericID},
		// Vendors' own device and install ids of other shapes.
		{Kind: "device_id", Value: gaClientID},
		{Kind: "device_id", Value: gaDailyID},
		{Kind: "device_id", Value: firebaseInstanceID},
		{Kind: "device_id", Value: adjustADID},
		{Kind: "device_id", Value: appsflyerUID},
		{Kind: "device_id", Value: collectorDeviceID},
	}
}
