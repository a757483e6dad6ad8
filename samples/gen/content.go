package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// Bodies of the non-telemetry traffic. Each must be something a pipeline
// could mistake for a payload (compressed, binary, JSON, form-encoded) yet
// must not report as telemetry.

// webViewUA is the User-Agent the browser's HttpURLConnection sends.
const webViewUA = "Mozilla/5.0 (Linux; Android 10; Redmi Note 8 Build/QKQ1.200114.002; wv) " +
	"AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/81.0.4044.138 Mobile Safari/537.36"

// browserUA is the UA of page loads (the same WebView, with the app token).
const browserUA = webViewUA + " XiaoMi/MintBrowser/3.4.0"

func htmlPage(title string, paras ...string) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
	b.WriteString(title)
	b.WriteString("</title></head>\n<body>\n<h1>" + title + "</h1>\n")
	for _, p := range paras {
		b.WriteString("<p>" + p + "</p>\n")
	}
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}

// gzipBytes compresses as a Go or nginx server would (OS byte 255 here).
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b) // writes to a bytes.Buffer cannot fail
	zw.Close()
	return buf.Bytes()
}

// pngImage draws a small deterministic gradient and encodes it as PNG.
func pngImage(w, h int, tint uint8) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), tint, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory image into a buffer cannot fail
	}
	return buf.Bytes()
}

// gif1x1 is the transparent 1x1 GIF a Sensors collector answers /sa.gif with.
var gif1x1 = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// uploadForm is a browser's multipart/form-data photo upload.
func uploadForm(photo []byte) (body []byte, contentType string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary("----WebKitFormBoundaryq3XkTb9sHc2mZ0aF"); err != nil {
		panic(err)
	}
	mw.WriteField("album", "Holiday 2020")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="photo"; filename="IMG_20200428_091532.png"`)
	h.Set("Content-Type", "image/png")
	pw, _ := mw.CreatePart(h) // cannot fail on a bytes.Buffer
	pw.Write(photo)
	mw.WriteField("caption", "view from the hotel, weather=sunny&temp=21")
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// clientHello is a TLS 1.2-framed ClientHello record offering TLS 1.3, with
// SNI, as a browser sends first on port 443. It is never HTTP, and its
// random fields are drawn from rng.
func clientHello(rng *rand.Rand, sni string) []byte {
	be := binary.BigEndian
	var ext []byte
	addExt := func(typ uint16, data []byte) {
		ext = be.AppendUint16(ext, typ)
		ext = be.AppendUint16(ext, uint16(len(data)))
		ext = append(ext, data...)
	}
	var sn []byte
	sn = be.AppendUint16(sn, uint16(3+len(sni)))
	sn = append(sn, 0) // host_name
	sn = be.AppendUint16(sn, uint16(len(sni)))
	sn = append(sn, sni...)
	addExt(0x0000, sn)                                               // server_name
	addExt(0x000a, []byte{0, 6, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18}) // supported_groups
	addExt(0x0010, []byte{0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'})
	addExt(0x002b, []byte{4, 0x03, 0x04, 0x03, 0x03}) // supported_versions
	key := randBytes(rng, 32)
	ks := append([]byte{0, 36, 0x00, 0x1d, 0, 32}, key...)
	addExt(0x0033, ks) // key_share x25519

	var hs []byte
	hs = append(hs, 0x03, 0x03)
	hs = append(hs, randBytes(rng, 32)...) // random
	hs = append(hs, 32)
	hs = append(hs, randBytes(rng, 32)...) // legacy session id
	suites := []uint16{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8}
	hs = be.AppendUint16(hs, uint16(2*len(suites)))
	for _, s := range suites {
		hs = be.AppendUint16(hs, s)
	}
	hs = append(hs, 1, 0) // compression: null
	hs = be.AppendUint16(hs, uint16(len(ext)))
	hs = append(hs, ext...)

	msg := []byte{1, byte(len(hs) >> 16), byte(len(hs) >> 8), byte(len(hs))}
	msg = append(msg, hs...)
	return tlsRecord(0x16, 0x0301, msg)
}

// serverFlight is what a TLS 1.3 server answers: a ServerHello-sized
// handshake record, ChangeCipherSpec, and encrypted application-data
// records (random bytes).
func serverFlight(rng *rand.Rand) []byte {
	hello := append([]byte{2, 0, 0, 86, 0x03, 0x03}, randBytes(rng, 86-2)...)
	out := tlsRecord(0x16, 0x0303, hello)
	out = append(out, tlsRecord(0x14, 0x0303, []byte{1})...)
	out = append(out, tlsRecord(0x17, 0x0303, randBytes(rng, 1200))...)
	return append(out, tlsRecord(0x17, 0x0303, randBytes(rng, 300))...)
}

func tlsRecord(typ byte, version uint16, body []byte) []byte {
	r := []byte{typ, byte(version >> 8), byte(version), byte(len(body) >> 8), byte(len(body))}
	return append(r, body...)
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}
