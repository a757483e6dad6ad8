package main

import (
	"slices"
	"strconv"
	"time"

	"github.com/google/gopacket/layers"

	"telltale/samples/internal/sensors"
	"telltale/samples/internal/truth"
)

// Sample is one generated capture set: its files (paths relative to the
// output directory) and the truth file describing them.
type Sample struct {
	Name      string
	Files     []OutFile
	TruthPath string
	Truth     *truth.File
	// Packets are the IPv4 packets in wire order, before framing; tests use
	// them to check the files.
	Packets []Packet
}

// OutFile is one file to write.
type OutFile struct {
	Path string
	Data []byte
}

// Samples builds every sample. It does no I/O.
func Samples() []*Sample {
	return []*Sample{phoneBrowser(), rotated(), pcapngSLL2(), pcapdroidTrailer(), sdkZoo(), household()}
}

var gateway = mustMAC("00:1a:2b:3c:4d:5e") // the Wi-Fi router's MAC

// Remote servers. Addresses are from the documentation ranges (RFC 5737).
func saServer() *Host { return server("sa.api.intl.miui.com", "203.0.113.10") }

// browserHeaders are the request fields of a page load in the WebView.
func browserHeaders(host, accept string, d *device) []hdr {
	return []hdr{
		{"Host", host},
		{"Connection", "keep-alive"},
		{"Upgrade-Insecure-Requests", "1"},
		{"User-Agent", browserUA},
		{"Accept", accept},
		{"X-Requested-With", d.App.ID},
		{"Accept-Encoding", "gzip, deflate"},
		{"Accept-Language", "ro-RO,ro;q=0.9,en-US;q=0.8,en;q=0.7"},
	}
}

const acceptHTML = "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,image/apng,*/*;q=0.8"

// page is one page load reported by the browser.
type page struct {
	url       string
	incognito bool
}

// pageLoads returns page_load_event_start/finish pairs for pages visited
// one after another, the last finishing `end` before now.
func (b *builder) pageLoads(pages []page, end time.Duration) []sensors.Object {
	return b.pageLoadsOf(b.dev, pages, end)
}

// pageLoadsOf is pageLoads on the browser of phone d.
func (b *builder) pageLoadsOf(d *device, pages []page, end time.Duration) []sensors.Object {
	var evs []sensors.Object
	for i, p := range pages {
		back := end + time.Duration(len(pages)-1-i)*4*time.Second
		// tab_id, page_id (per page load) and rid (per event) give the batch
		// the entropy real traffic has, so it does not compress to nothing.
		props := sensors.Object{
			{Key: "url", Value: p.url},
			{Key: "tab_id", Value: 1 + i%3},
			{Key: "page_id", Value: strconv.FormatUint(b.rng.Uint64(), 16)},
		}
		if p.incognito {
			props = append(props, sensors.Member{Key: "is_incognito", Value: true})
		}
		start := append(slices.Clip(props), sensors.Member{Key: "rid", Value: strconv.FormatUint(b.rng.Uint64(), 36)})
		evs = append(evs, d.event("page_load_event_start", b.ms(back+1200*time.Millisecond), "code", start))
		fin := append(slices.Clip(props),
			sensors.Member{Key: "rid", Value: strconv.FormatUint(b.rng.Uint64(), 36)},
			sensors.Member{Key: "load_time", Value: 1100 + 37*i})
		evs = append(evs, d.event("page_load_event_finish", b.ms(back), "code", fin))
	}
	return evs
}

// phoneBrowser: a phone's browser session seen from the home router.
func phoneBrowser() *Sample {
	b := newBuilder(time.Date(2020, 4, 28, 9, 15, 0, 0, time.UTC), 20200428, mintBrowser)
	d := b.dev
	phone := &Host{Name: "phone", IP: ip4("192.168.1.23"), MAC: mustMAC(d.MAC), TTL: 64}
	sa := saServer()
	news := server("news.example.org", "198.51.100.20")
	img := server("img.example.org", "198.51.100.21")
	search := server("search.example.com", "198.51.100.40")
	accounts := server("accounts.example.net", "198.51.100.30")
	shop := server("shop.example.cn", "203.0.113.20")
	upload := server("upload.example.net", "198.51.100.50")
	tlsSrv := server("www.example.com", "198.51.100.60")

	// Connection A: keep-alive to the collector, three batches.
	b.tl.Advance(600 * time.Millisecond)
	A := b.dial(phone, 43017, sa, 80, sa.Name)
	A.Note = "keep-alive: 3 POST /sa on one connection"
	imeiNum, _ := strconv.ParseInt(d.IMEI, 10, 64)
	b.postBatch(A, []sensors.Object{
		d.event("$AppStart", b.ms(2100*time.Millisecond), "autoTrack", sensors.Object{
			{Key: "$is_first_time", Value: false},
			{Key: "$resume_from_background", Value: false},
			{Key: "imei", Value: imeiNum},
		}),
		d.event("$AppInstall", b.ms(2000*time.Millisecond), "code", sensors.Object{
			{Key: "$ios_install_source", Value: d.installSource()},
			{Key: "$oaid", Value: d.OAID},
		}),
		d.event("$AppViewScreen", b.ms(1200*time.Millisecond), "autoTrack", sensors.Object{
			{Key: "$screen_name", Value: "miui.globalbrowser.homepage.BrowserActivity|HomeFragment"},
			{Key: "$title", Value: "Mint Browser"},
		}),
	}, sensors.JSStringify, okJSON(false), reqOpts{})

	// Page loads: two pages over one connection, gzip bodies (one chunked).
	b.tl.Advance(900 * time.Millisecond)
	N1 := b.dial(phone, 43019, news, 80, news.Name)
	home := htmlPage("Știri de azi", "Ediția de dimineață.", "Vremea: însorit, 21°C.")
	b.exchange(N1, newRequest("GET", "/", browserHeaders(news.Name, acceptHTML, d), nil), reply{
		status: 200, hdrs: []hdr{{"Content-Type", "text/html; charset=utf-8"}, {"Content-Encoding", "gzip"}, {"Vary", "Accept-Encoding"}},
		body: gzipBytes(home),
	}, reqOpts{Note: "gzip HTML, Content-Length"})
	b.tl.Advance(1500 * time.Millisecond)
	story := htmlPage("Story 123", "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
		"data=SGVsbG8gd29ybGQ= is not telemetry but looks like a parameter.")
	b.exchange(N1, newRequest("GET", "/story/123?ref=home", browserHeaders(news.Name, acceptHTML, d), nil), reply{
		status: 200, hdrs: []hdr{{"Content-Type", "text/html; charset=utf-8"}, {"Content-Encoding", "gzip"}},
		body: gzipBytes(story), chunks: []int{100, 150},
	}, reqOpts{Note: "gzip HTML, chunked"})
	N1.Close(C2S)

	N2 := b.dial(phone, 43021, img, 80, img.Name)
	b.exchange(N2, newRequest("GET", "/static/logo.png", browserHeaders(img.Name, "image/webp,image/apng,image/*,*/*;q=0.8", d), nil),
		reply{status: 200, hdrs: []hdr{{"Content-Type", "image/png"}, {"Cache-Control", "max-age=86400"}}, body: pngImage(48, 48, 90)},
		reqOpts{Note: "PNG image"})
	N2.Close(S2C)

	// Batch 2 in org.json style: URLs appear as https:\/\/ in the raw JSON.
	b.tl.Advance(2 * time.Second)
	ev2 := b.pageLoads([]page{{url: "http://news.example.org/"}, {url: "http://news.example.org/story/123?ref=home"}}, 1500*time.Millisecond)
	ev2 = append(ev2, d.event("$AppViewScreen", b.ms(700*time.Millisecond), "autoTrack", sensors.Object{
		{Key: "$screen_name", Value: "miui.globalbrowser.news.NewsFeedActivity"},
		{Key: "$title", Value: "新闻 - 今日要闻"},
		{Key: "page_title", Value: "Știri de azi – Ediția de dimineață"},
	}))
	b.postBatch(A, ev2, sensors.OrgJSON, okJSON(true), reqOpts{Note: "org.json style (\\/ escapes), chunked response"})

	// A search with ordinary query parameters: not telemetry.
	b.tl.Advance(1200 * time.Millisecond)
	N3 := b.dial(phone, 43023, search, 80, search.Name)
	b.exchange(N3, newRequest("GET", "/search?q=weather&lang=en", browserHeaders(search.Name, acceptHTML, d), nil),
		reply{status: 200, hdrs: []hdr{{"Content-Type", "text/html; charset=utf-8"}},
			body: htmlPage("weather - Search", "Bucharest: sunny, 21°C", "Cluj: cloudy, 17°C")},
		reqOpts{Note: "query parameters, plain HTML"})
	N3.Close(C2S)

	// Batch 3: searches, one of them in incognito mode.
	b.tl.Advance(2500 * time.Millisecond)
	b.postBatch(A, []sensors.Object{
		d.event("search", b.ms(2300*time.Millisecond), "code", sensors.Object{
			{Key: "used_searchengine", Value: "google"},
			{Key: "search_position", Value: "address_bar"},
			{Key: "search_method", Value: "input"},
			{Key: "search_word", Value: "weather"},
		}),
		d.event("page_load_event_finish", b.ms(2100*time.Millisecond), "code", sensors.Object{
			{Key: "url", Value: "http://search.example.com/search?q=weather&lang=en"},
		}),
		d.event("search", b.ms(900*time.Millisecond), "code", sensors.Object{
			{Key: "used_searchengine", Value: "duckduckgo"},
			{Key: "search_position", Value: "address_bar"},
			{Key: "search_method", Value: "input"},
			{Key: "search_word", Value: "天气 北京"},
			{Key: "is_incognito", Value: true},
		}),
		d.event("page_load_event_finish", b.ms(600*time.Millisecond), "code", sensors.Object{
			{Key: "url", Value: "https://duckduckgo.com/?q=%E5%A4%A9%E6%B0%94+%E5%8C%97%E4%BA%AC"},
			{Key: "is_incognito", Value: true},
		}),
	}, sensors.JSStringify, okJSON(false), reqOpts{})

	// A JSON login: a POST with a JSON body that is not telemetry.
	b.tl.Advance(1800 * time.Millisecond)
	N4 := b.dial(phone, 43025, accounts, 80, accounts.Name)
	loginHdrs := append(browserHeaders(accounts.Name, "application/json, text/plain, */*", d)[:4:4],
		hdr{"Content-Type", "application/json;charset=UTF-8"}, hdr{"Content-Length", ""},
		hdr{"Origin", "http://accounts.example.net"}, hdr{"Accept-Encoding", "gzip, deflate"})
	b.exchange(N4, newRequest("POST", "/api/login", loginHdrs, []byte(`{"username":"alice","remember":true}`)),
		reply{status: 200, hdrs: []hdr{{"Content-Type", "application/json"}, {"Set-Cookie", "sid=ZmFrZS1zZXNzaW9u; HttpOnly"}},
			body: []byte(`{"ok":true,"session":"c2Vzc2lvbi1hbGljZS0xMjM0NQ=="}`)},
		reqOpts{OneWrite: true, Note: "JSON login POST"})
	N4.Close(C2S)

	// A shop page using the Sensors web SDK: GET /sa.gif on port 8106.
	b.tl.Advance(1100 * time.Millisecond)
	W := b.dial(phone, 43027, shop, 8106, shop.Name+":8106")
	W.Note = "web SDK pixel on the Sensors on-premise port"
	b.webPixel(W, b.pageview(b.ms(300*time.Millisecond), b.ms(0), "http://shop.example.cn/item/42?from=home",
		"/item/42", "限时优惠 - 示例商城"), "http://shop.example.cn/item/42?from=home")
	W.Close(C2S)

	// A photo upload: multipart/form-data with a PNG inside.
	b.tl.Advance(2 * time.Second)
	N5 := b.dial(phone, 43029, upload, 80, upload.Name)
	form, ctype := uploadForm(pngImage(64, 40, 200))
	upHdrs := append(browserHeaders(upload.Name, "*/*", d)[:4:4],
		hdr{"Content-Type", ctype}, hdr{"Content-Length", ""}, hdr{"Accept-Encoding", "gzip, deflate"})
	b.exchange(N5, newRequest("POST", "/photos/upload", upHdrs, form),
		reply{status: 201, hdrs: []hdr{{"Content-Type", "application/json"}}, body: []byte(`{"id":"p_8812","status":"stored"}`)},
		reqOpts{Note: "multipart image upload"})
	N5.Close(C2S)

	// HTTPS: a TLS handshake and encrypted records, never HTTP.
	b.tl.Advance(700 * time.Millisecond)
	T := b.dial(phone, 43031, tlsSrv, 443, tlsSrv.Name)
	T.Protocol, T.Note = "tls", "ClientHello with SNI, then encrypted records"
	T.Write(C2S, clientHello(b.rng, tlsSrv.Name), WriteOpts{})
	b.tl.Advance(3 * time.Millisecond)
	T.Write(S2C, serverFlight(b.rng), WriteOpts{})
	T.Write(C2S, append(tlsRecord(0x14, 0x0303, []byte{1}), tlsRecord(0x17, 0x0303, randBytes(b.rng, 90))...), WriteOpts{})
	T.Write(S2C, tlsRecord(0x17, 0x0303, randBytes(b.rng, 700)), WriteOpts{})
	T.Close(C2S)

	A.Close(C2S)

	// Connection B: after the user signs in to a Mi account, a large batch
	// (segmented, one out-of-order pair, one retransmission) and a small one.
	b.tl.Advance(4 * time.Second)
	d.login()
	B := b.dial(phone, 43033, sa, 80, sa.Name)
	B.Note = "large body over several segments: segments 1 and 2 swapped, segment 0 retransmitted"
	ev4 := b.pageLoads([]page{
		{url: "https://www.wikipedia.org/"},
		{url: "https://ro.wikipedia.org/wiki/Bucure%C8%99ti"},
		{url: "http://news.example.org/story/124?ref=related"},
		{url: "https://video.example.com/watch?v=Zx81_q0Lm2A&t=42s"},
		{url: "https://baike.example.cn/item/北京天气"},
		{url: "https://private.example.net/gallery?id=77", incognito: true},
		{url: "https://private.example.net/gallery?id=78", incognito: true},
		{url: "http://shop.example.cn/item/42?from=home"},
		{url: "http://shop.example.cn/cart?add=42&qty=1"},
		{url: "https://mail.example.com/inbox?folder=work"},
		{url: "https://maps.example.com/@44.4268,26.1025,15z"},
		{url: "https://bank.example.ro/login?next=/accounts"},
		{url: "https://forum.example.org/t/weather-station-build/9911?page=2"},
		{url: "https://health.example.com/symptoms/headache"},
		{url: "https://jobs.example.com/search?title=nurse&city=Cluj"},
		{url: "https://private.example.net/search?q=%E7%A7%81%E4%BA%BA", incognito: true},
		{url: "https://tickets.example.ro/concert/2020-06-12"},
		{url: "https://recipes.example.com/sarmale?servings=4"},
		{url: "https://weather.example.com/ro/bucuresti/10-zile"},
		{url: "https://ro.wikipedia.org/wiki/Xiaomi"},
		{url: "https://video.example.com/results?search_query=mint+browser+review"},
		{url: "https://private.example.net/gallery?id=79&sort=new", incognito: true},
		{url: "https://news.example.org/live/elections-2020?update=17"},
		{url: "https://shop.example.cn/order/confirm?id=20200428-5531"},
	}, 2*time.Second)
	ev4 = append(ev4, d.event("incognito_reminder_show", b.ms(1500*time.Millisecond), "code", sensors.Object{
		{Key: "url", Value: "https://private.example.net/gallery?id=77"},
		{Key: "op", Value: "show"},
	}))
	b.postBatch(B, ev4, sensors.OrgJSON, okJSON(false), reqOpts{
		Body: WriteOpts{Swap: [][2]int{{1, 2}}, Retransmit: []int{0}},
		Note: "org.json style, large body: out-of-order pair and a retransmitted segment",
	})
	b.tl.Advance(3 * time.Second)
	b.postBatch(B, []sensors.Object{
		d.event("download_files", b.ms(2500*time.Millisecond), "code", sensors.Object{
			{Key: "op", Value: "start"},
			{Key: "suffix", Value: "pdf"},
			{Key: "url", Value: "https://private.example.net/files/report-2020.pdf"},
			{Key: "type", Value: "privacy"},
		}),
		d.event("$AppEnd", b.ms(400*time.Millisecond), "autoTrack", sensors.Object{
			{Key: "$event_duration", Value: 312},
			{Key: "$screen_name", Value: "miui.globalbrowser.homepage.BrowserActivity|HomeFragment"},
		}),
	}, sensors.JSStringify, okJSON(false), reqOpts{})
	B.Close(C2S)

	specs := append(d.identifierSpecs(), truth.IdentifierSpec{Kind: "web_cookie_id", Value: webCookieID})
	return b.ethernetSample("phone-browser",
		"A phone's Mint-Browser-like session seen on the home router (Ethernet): Sensors gzip=1 batches on a keep-alive connection and a second connection, a web-SDK pixel, and non-telemetry noise.",
		"frames under 60 bytes carry Ethernet padding beyond the IPv4 total length", specs)
}

// rotated: the same kind of traffic in a capture set rotated by size, as
// `tcpdump -C` names it (cap.pcap, cap.pcap1), split in the middle of a
// request body.
func rotated() *Sample {
	b := newBuilder(time.Date(2020, 4, 28, 10, 2, 0, 0, time.UTC), 20200429, mintBrowser)
	d := b.dev
	phone := &Host{Name: "phone", IP: ip4("192.168.1.23"), MAC: mustMAC(d.MAC), TTL: 64}
	sa := saServer()
	news := server("news.example.org", "198.51.100.20")

	b.tl.Advance(400 * time.Millisecond)
	A := b.dial(phone, 44101, sa, 80, sa.Name)
	A.Note = "spans both files: the split falls inside the second request's body"
	b.postBatch(A, []sensors.Object{
		d.event("$AppStart", b.ms(1500*time.Millisecond), "autoTrack", sensors.Object{{Key: "$is_first_time", Value: false}}),
		d.event("page_load_event_finish", b.ms(800*time.Millisecond), "code", sensors.Object{{Key: "url", Value: "http://news.example.org/"}}),
	}, sensors.JSStringify, okJSON(false), reqOpts{})

	b.tl.Advance(700 * time.Millisecond)
	N := b.dial(phone, 44103, news, 80, news.Name)
	b.exchange(N, newRequest("GET", "/world", browserHeaders(news.Name, acceptHTML, d), nil), reply{
		status: 200, hdrs: []hdr{{"Content-Type", "text/html; charset=utf-8"}, {"Content-Encoding", "gzip"}},
		body: gzipBytes(htmlPage("World", "Nothing to see here.")),
	}, reqOpts{Note: "gzip HTML"})
	N.Close(C2S)

	b.tl.Advance(5 * time.Second)
	var bodyStart int
	b.postBatch(A, b.pageLoads([]page{
		{url: "http://news.example.org/world"},
		{url: "https://ro.wikipedia.org/wiki/Cluj-Napoca"},
		{url: "https://video.example.com/watch?v=Pq3_7hYtR0c"},
		{url: "https://private.example.net/gallery?id=91", incognito: true},
		{url: "https://maps.example.com/@46.7712,23.6236,14z"},
		{url: "http://shop.example.cn/item/7?from=search"},
		{url: "https://baike.example.cn/item/克卢日"},
		{url: "https://forum.example.org/t/tcpdump-rotation/1203"},
		{url: "https://health.example.com/clinics?city=Cluj"},
		{url: "https://recipes.example.com/papanasi"},
		{url: "https://mail.example.com/inbox?folder=family"},
		{url: "https://tickets.example.ro/film/2020-05-02"},
	}, time.Second), sensors.OrgJSON, okJSON(false), reqOpts{BodyStart: &bodyStart, Note: "body split across the two files"})

	b.tl.Advance(2 * time.Second)
	b.postBatch(A, []sensors.Object{
		d.event("search", b.ms(1200*time.Millisecond), "code", sensors.Object{
			{Key: "used_searchengine", Value: "google"},
			{Key: "search_word", Value: "rotație fișiere tcpdump"},
		}),
	}, sensors.JSStringify, okJSON(false), reqOpts{})
	A.Close(S2C)

	// tcpdump -C starts a new file when the current one is full: here after
	// the first segment of the two-segment body.
	split := bodyStart + 1
	pkts := b.tl.Packets()
	var f0, f1 []Frame
	for i, p := range pkts {
		fr := Frame{Time: p.Time, Data: ethernetFrame(p, gateway)}
		if i < split {
			f0 = append(f0, fr)
		} else {
			f1 = append(f1, fr)
		}
	}
	names := []string{"rotated/cap.pcap", "rotated/cap.pcap1"}
	fileOf := func(i int) string {
		if i < split {
			return names[0]
		}
		return names[1]
	}
	tf := b.truthFile("rotated",
		"A size-rotated capture set (tcpdump -C naming); one keep-alive connection is cut mid-body across the two files and must come out as one flow.",
		[]truth.Capture{
			{Name: names[0], Format: "pcap", Packets: len(f0), LinkTypes: []int{linkEthernet}},
			{Name: names[1], Format: "pcap", Packets: len(f1), LinkTypes: []int{linkEthernet}},
		}, fileOf, func(c *Conv, f *truth.Flow) { f.LinkType = linkEthernet }, d.identifierSpecs())
	return &Sample{
		Name: "rotated",
		Files: []OutFile{
			{names[0], pcapBytes(layers.LinkTypeEthernet, f0)},
			{names[1], pcapBytes(layers.LinkTypeEthernet, f1)},
		},
		TruthPath: "rotated.truth.json", Truth: tf, Packets: pkts,
	}
}

// pcapngSLL2: a pcapng with two interfaces of different link types, as
// `dumpcap -i any -i eth0` writes: the web pixel on "any" (LINUX_SLL2,
// microsecond timestamps) and a batch POST on "eth0" (Ethernet, nanosecond
// timestamps). Each flow appears on one interface only.
func pcapngSLL2() *Sample {
	b := newBuilder(time.Date(2020, 4, 28, 11, 20, 0, 0, time.UTC), 20200430, mintBrowser)
	d := b.dev
	phone := &Host{Name: "phone", IP: ip4("192.168.1.23"), MAC: mustMAC(d.MAC), TTL: 64}
	sa := saServer()
	shop := server("shop.example.cn", "203.0.113.20")

	b.tl.Advance(250 * time.Millisecond)
	W := b.dial(phone, 45201, shop, 8106, shop.Name+":8106")
	A := b.dial(phone, 45203, sa, 80, sa.Name)
	b.webPixel(W, b.pageview(b.ms(200*time.Millisecond), b.ms(0), "http://shop.example.cn/cart?add=42&qty=1",
		"/cart", "购物车 - 示例商城"), "http://shop.example.cn/cart?add=42&qty=1")
	b.postBatch(A, []sensors.Object{
		d.event("page_load_event_finish", b.ms(900*time.Millisecond), "code", sensors.Object{
			{Key: "url", Value: "http://shop.example.cn/cart?add=42&qty=1"},
		}),
		d.event("search", b.ms(300*time.Millisecond), "code", sensors.Object{
			{Key: "used_searchengine", Value: "bing"},
			{Key: "search_word", Value: "示例商城 优惠券"},
		}),
	}, sensors.OrgJSON, okJSON(true), reqOpts{})
	W.Close(C2S)
	A.Close(C2S)

	ifaces := []NgInterface{
		{Name: "any", Description: "Pseudo-device that captures on all interfaces", LinkType: linkLinuxSLL2},
		{Name: "eth0", LinkType: linkEthernet, NanoTS: true},
	}
	ifaceOf := func(c *Conv) int {
		if c == W {
			return 0
		}
		return 1
	}
	pkts := b.tl.Packets()
	frames := make([]Frame, len(pkts))
	for i, p := range pkts {
		fr := Frame{Time: p.Time, Iface: ifaceOf(p.Conv)}
		if fr.Iface == 0 {
			fr.Data = sll2Frame(p, 3, gateway)
		} else {
			fr.Data = ethernetFrame(p, gateway)
		}
		frames[i] = fr
	}
	const name = "pcapng-sll2.pcapng"
	specs := append(d.identifierSpecs(), truth.IdentifierSpec{Kind: "web_cookie_id", Value: webCookieID})
	tf := b.truthFile("pcapng-sll2",
		"pcapng with two interfaces: \"any\" (LINKTYPE_LINUX_SLL2, µs timestamps) carries a web-SDK GET /sa.gif, \"eth0\" (Ethernet, if_tsresol=9) a gzip=1 batch POST.",
		[]truth.Capture{{Name: name, Format: "pcapng", Packets: len(frames), LinkTypes: []int{linkLinuxSLL2, linkEthernet}}},
		func(int) string { return name },
		func(c *Conv, f *truth.Flow) {
			f.Interface = ifaces[ifaceOf(c)].Name
			f.LinkType = int(ifaces[ifaceOf(c)].LinkType)
		}, specs)
	return &Sample{
		Name:      "pcapng-sll2",
		Files:     []OutFile{{name, pcapngBytes("telltale samples/gen", ifaces, frames)}},
		TruthPath: "pcapng-sll2.truth.json", Truth: tf, Packets: pkts,
	}
}

var miBrowserPro = app{
	ID: "com.mi.globalbrowser", Name: "Mi Browser Pro", Version: "12.1.3",
	Project:   "global_browser",
	LibDetail: "miui.globalbrowser.common_business.g.i##a##SourceFile##92",
}

// pcapdroidTrailer: what PCAPdroid exports with "PCAPdroid trailer" on: the
// VPN's IP packets behind a zeroed Ethernet header, each followed by a
// trailer naming the app (uid and name).
func pcapdroidTrailer() *Sample {
	b := newBuilder(time.Date(2020, 4, 28, 12, 40, 0, 0, time.UTC), 20200501, miBrowserPro)
	d := b.dev
	vpn := &Host{Name: "phone (PCAPdroid VPN)", IP: ip4("10.215.173.1"), TTL: 64}
	sa := saServer()
	gstatic := server("connectivitycheck.gstatic.com", "198.51.100.70")

	apps := map[*Conv]truth.App{}
	b.tl.Advance(300 * time.Millisecond)
	C := b.dial(vpn, 38114, gstatic, 80, gstatic.Name)
	apps[C] = truth.App{UID: 10087, Package: "com.android.chrome"}
	A := b.dial(vpn, 38116, sa, 80, sa.Name)
	apps[A] = truth.App{UID: 10123, Package: "com.mi.globalbrowser"}
	A.Note = "the package name is 20 bytes: PCAPdroid's trailer keeps 19 of them"
	b.exchange(C, newRequest("GET", "/generate_204", []hdr{
		{"User-Agent", "Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8 Build/QKQ1.200114.002)"},
		{"Host", gstatic.Name}, {"Connection", "Keep-Alive"}, {"Accept-Encoding", "gzip"},
	}, nil), reply{status: 204}, reqOpts{Note: "connectivity check"})
	b.postBatch(A, []sensors.Object{
		d.event("$AppStart", b.ms(1300*time.Millisecond), "autoTrack", sensors.Object{{Key: "$is_first_time", Value: false}}),
		d.event("page_load_event_finish", b.ms(500*time.Millisecond), "code", sensors.Object{
			{Key: "url", Value: "https://private.example.net/gallery?id=5"},
			{Key: "is_incognito", Value: true},
		}),
		d.event("search", b.ms(200*time.Millisecond), "code", sensors.Object{
			{Key: "used_searchengine", Value: "google"},
			{Key: "search_word", Value: "vpn capture android"},
		}),
	}, sensors.OrgJSON, okJSON(false), reqOpts{})
	C.Close(S2C)
	A.Close(C2S)

	pkts := b.tl.Packets()
	frames := make([]Frame, len(pkts))
	for i, p := range pkts {
		a := apps[p.Conv]
		frames[i] = Frame{Time: p.Time, Data: pcapdroidFrame(p, int32(a.UID), a.Package)}
	}
	const name = "pcapdroid-trailer.pcap"
	specs := d.identifierSpecs()
	tf := b.truthFile("pcapdroid-trailer",
		"PCAPdroid export with the PCAPdroid trailer: LINKTYPE_ETHERNET with zero MACs, IP packet, padding to 4 bytes, 32-byte trailer (magic 0x01072021, uid, appname[20], CRC-32 fcs).",
		[]truth.Capture{{Name: name, Format: "pcap", Packets: len(frames), LinkTypes: []int{linkEthernet},
			Note: "each frame ends with a PCAPdroid trailer after the IP packet"}},
		func(int) string { return name },
		func(c *Conv, f *truth.Flow) {
			a := apps[c]
			a.TrailerName = trailerName(a.Package)
			f.App = &a
			f.LinkType = linkEthernet
		}, specs)
	return &Sample{
		Name:      "pcapdroid-trailer",
		Files:     []OutFile{{name, pcapBytes(layers.LinkTypeEthernet, frames)}},
		TruthPath: "pcapdroid-trailer.truth.json", Truth: tf, Packets: pkts,
	}
}
