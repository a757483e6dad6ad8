package main

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The noise of sdk-zoo: traffic that carries what a telemetry or identifier
// detector could mistake for its subject (Base64 tokens, hex digests, UUIDs,
// JWTs, JSON, binary bodies) and is neither. Each piece is listed in the
// truth as "<class>:<where>[:<name>]"; the generator test checks each one
// is what its class says.

// b64Token is a random token of n bytes, standard Base64 with padding, as
// session and CSRF tokens are made.
func (z *zoo) b64Token(n int) string { return base64.StdEncoding.EncodeToString(randBytes(z.rng, n)) }

// uuid4 is a random (version 4) UUID.
func (z *zoo) uuid4() string {
	b := randBytes(z.rng, 16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// jwt is an HS256 token whose claims name no person or device.
func (z *zoo) jwt(scope string, iat int64) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims := enc.EncodeToString(fmt.Appendf(nil, `{"sub":"sess_%08x","scope":%q,"iat":%d,"exp":%d}`,
		z.rng.Uint32(), scope, iat, iat+3600))
	return head + "." + claims + "." + enc.EncodeToString(randBytes(z.rng, 32))
}

// feedAPI: a news-feed app's API on the phone. Requests signed with an md5
// or sha1 over their parameters and a secret, a random nonce, a UUID request
// id, a JWT bearer token, session cookies; a JSON login; JSON answers
// without identifiers.
func (z *zoo) feedAPI(c *Conv) {
	ts := z.tl.Now().Unix()
	sessionCookie := "session=" + z.b64Token(24) + "; auth=" + z.jwt("feed:read", ts-600)
	get := func(page int, digest string) int {
		nonce, rid := z.b64Token(18), z.uuid4()
		q := params("page", strconv.Itoa(page), "nonce", nonce, "ts", strconv.FormatInt(ts, 10), "request_id", rid)
		base := encodeParams(q, uriEncode)
		var sig string
		if digest == "sign" {
			s := md5.Sum([]byte(base + "&key=f3e1c9a7b5d3"))
			sig = hex.EncodeToString(s[:])
		} else {
			s := sha1.Sum([]byte(base + "&key=f3e1c9a7b5d3"))
			sig = hex.EncodeToString(s[:])
		}
		target := "/v2/feed?" + base + "&" + digest + "=" + sig
		req := newRequest("GET", target, androidHeaders(c.HostName, "", okhttpUA,
			hdr{"Authorization", "Bearer " + z.jwt("feed:read", ts)}, hdr{"X-Request-ID", z.uuid4()},
			hdr{"Cookie", sessionCookie}), nil)
		items := fmt.Sprintf(`{"items":[{"id":%d,"title":"Vremea în weekend","tags":["meteo"]},{"id":%d,"title":"Cum alegi un ceas","tags":["tech","review"]}],"next_page":%d}`,
			8800+page*2, 8801+page*2, page+1)
		return z.send(c, req, jsonReply(200, items), reqOpts{Note: "API call: signed parameters, tokens; not telemetry"})
	}
	idx := get(1, "sign")
	z.noiseAt(c, idx, "b64-token:query:nonce", "hex-digest:query:sign", "uuid:query:request_id",
		"jwt:header:Authorization", "uuid:header:X-Request-ID", "b64-token:cookie:session", "jwt:cookie:auth", "json-api:response")

	z.tl.Advance(900 * time.Millisecond)
	login := `{"username":"ana_p","password":"Pl0aie-de-vara!","remember":true}`
	req := newRequest("POST", "/v2/auth/login", androidHeaders(c.HostName, "application/json; charset=utf-8", okhttpUA,
		hdr{"X-Request-ID", z.uuid4()}), []byte(login))
	idx = z.send(c, req, jsonReply(200, `{"ok":true,"expires_in":3600,"scopes":["feed:read","feed:write"]}`),
		reqOpts{Note: "JSON login: no event, no identifier"})
	z.noiseAt(c, idx, "json-api:request", "uuid:header:X-Request-ID", "json-api:response")

	z.tl.Advance(1400 * time.Millisecond)
	idx = get(2, "hash")
	z.noiseAt(c, idx, "b64-token:query:nonce", "hex-digest:query:hash", "uuid:query:request_id",
		"jwt:header:Authorization", "uuid:header:X-Request-ID", "b64-token:cookie:session", "jwt:cookie:auth", "json-api:response")
}

// cdnImage: a cover image for the feed.
func (z *zoo) cdnImage(c *Conv) {
	req := newRequest("GET", "/img/cover-8803.png", androidHeaders(c.HostName, "", okhttpUA), nil)
	idx := z.send(c, req, reply{status: 200, hdrs: []hdr{{"Content-Type", "image/png"}, {"Cache-Control", "max-age=604800"}},
		body: pngImage(64, 36, 120)}, reqOpts{Note: "PNG image"})
	z.noiseAt(c, idx, "image:response")
}

// lowEntropyBlob is a binary log of fixed-size records that are mostly
// zeros and small counters: a binary body that is clearly not ciphertext.
func lowEntropyBlob(n int) []byte {
	b := []byte("TLOG\x01\x00\x00\x00")
	for i := 0; len(b) < n; i++ {
		var rec [16]byte
		binary.LittleEndian.PutUint32(rec[0:], uint32(i))
		rec[4] = 1
		rec[8] = byte(i % 4)
		b = append(b, rec[:]...)
	}
	return b[:n]
}

// uploads: two application/octet-stream uploads with no vendor header: a
// high-entropy one (an encrypted backup) and a low-entropy one.
func (z *zoo) uploads(c *Conv) {
	for i, body := range [][]byte{randBytes(z.rng, 3000), lowEntropyBlob(2048)} {
		req := newRequest("POST", "/v1/blobs?name=backup-"+strconv.Itoa(i+1)+".bin",
			androidHeaders(c.HostName, "application/octet-stream", okhttpUA), body)
		idx := z.send(c, req, jsonReply(201, fmt.Sprintf(`{"id":"b_%d","size":%d}`, 1842+i, len(body))),
			reqOpts{Note: "octet-stream upload without vendor headers"})
		what := "octet-stream:request:high-entropy"
		if i == 1 {
			what = "octet-stream:request:low-entropy"
		}
		z.noiseAt(c, idx, what, "json-api:response")
		z.tl.Advance(300 * time.Millisecond)
	}
}

// newsSite: the laptop reads a news page (gzip HTML) and its hero image.
func (z *zoo) newsSite(c *Conv) {
	page := htmlPage("Știri de azi", "Vremea: însorit, 24°C.",
		"sessionId=SGVsbG8gd29ybGQ= appears in prose, not in a request.",
		`{"event":"not telemetry, just text in a page"}`)
	idx := z.send(c, newRequest("GET", "/", chromeGet(c.HostName, acceptHTML, ""), nil), reply{status: 200,
		hdrs: []hdr{{"Content-Type", "text/html; charset=utf-8"}, {"Content-Encoding", "gzip"}, {"Vary", "Accept-Encoding"}},
		body: gzipBytes(page)}, reqOpts{Note: "gzip HTML"})
	z.noiseAt(c, idx, "gzip-html:response")
	z.tl.Advance(120 * time.Millisecond)
	idx = z.send(c, newRequest("GET", "/img/hero.png", chromeGet(c.HostName, acceptImage, "http://news.example.org/"), nil),
		reply{status: 200, hdrs: []hdr{{"Content-Type", "image/png"}}, body: pngImage(80, 45, 30)}, reqOpts{Note: "PNG image"})
	z.noiseAt(c, idx, "image:response")
}

// settingsSite: a web app on the laptop: a page, a settings call with
// Base64 state/nonce parameters and token cookies whose answer looks like
// JSON but does not parse, and a POST of a JavaScript object literal.
func (z *zoo) settingsSite(c *Conv) {
	cookie := "csrftoken=" + z.b64Token(32) + "; sessionid=" + z.b64Token(20) + "; jwt=" + z.jwt("web", z.tl.Now().Unix()-60)
	idx := z.send(c, newRequest("GET", "/", chromeGet(c.HostName, acceptHTML, "", hdr{"Cookie", cookie}), nil),
		reply{status: 200, hdrs: []hdr{{"Content-Type", "text/html; charset=utf-8"}},
			body: htmlPage("Setări", "Tema: întunecată", "Limba: română")}, reqOpts{Note: "HTML page"})
	z.noiseAt(c, idx, "b64-token:cookie:csrftoken", "b64-token:cookie:sessionid", "jwt:cookie:jwt", "html:response")

	z.tl.Advance(350 * time.Millisecond)
	q := params("state", z.b64Token(12), "nonce", z.b64Token(48), "v", "3")
	idx = z.send(c, newRequest("GET", "/api/settings?"+encodeParams(q, uriEncode),
		chromeGet(c.HostName, "application/json, text/plain, */*", "http://www.example.com/", hdr{"Cookie", cookie}), nil),
		reply{status: 200, hdrs: []hdr{{"Content-Type", "application/json"}},
			body: []byte(`{"theme":"dark","lang":"ro","shortcuts":{"save":"Ctrl+S",},}` + "\n")},
		reqOpts{Note: "JSON-looking answer with trailing commas: does not parse"})
	z.noiseAt(c, idx, "b64-token:query:state", "b64-token:query:nonce", "b64-token:cookie:csrftoken",
		"b64-token:cookie:sessionid", "jwt:cookie:jwt", "bad-json:response")

	z.tl.Advance(2 * time.Second)
	body := `{event: 'theme_change', theme: 'light', fontSize: 14}`
	idx = z.send(c, newRequest("POST", "/api/prefs", chromePost(c.HostName, "text/plain;charset=UTF-8",
		"http://www.example.com/", hdr{"Cookie", cookie}), []byte(body)),
		jsonReply(200, `{"saved":true}`), reqOpts{Note: "a JavaScript object literal, not JSON"})
	z.noiseAt(c, idx, "bad-json:request", "b64-token:cookie:csrftoken", "b64-token:cookie:sessionid",
		"jwt:cookie:jwt", "json-api:response")
}

// noiseClasses are the classes a Noise entry may name.
var noiseClasses = []string{"b64-token", "hex-digest", "uuid", "jwt", "json-api", "bad-json", "html",
	"gzip-html", "image", "octet-stream"}

func noiseClass(what string) string { c, _, _ := strings.Cut(what, ":"); return c }
