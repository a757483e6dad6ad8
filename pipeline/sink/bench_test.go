package sink

import (
	"path/filepath"
	"testing"
)

// BenchmarkHTTP measures appending one typical http row (the flush and
// encoding cost is spread over the rows of a row group).
func BenchmarkHTTP(b *testing.B) {
	w, err := Create(Options{Dir: filepath.Join(b.TempDir(), "out")})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Abort()
	row := &HTTPRow{
		UID: "CAAAAAAAAAAAAAAAA", TransDepth: 1, TS: t0, TSEnd: t0 + 1e6,
		OrigH: "10.0.0.1", OrigP: 40000, RespH: "203.0.113.9", RespP: 80,
		Method: "POST", Host: "sdk.example.cn", URI: "/sa?project=default", Path: "/sa", Query: "project=default", Version: "1.1",
		UserAgent:      "Dalvik/2.1.0 (Linux; U; Android 12)",
		RequestHeaders: []Header{{"Host", "sdk.example.cn"}, {"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Length", "512"}},
		RequestBody:    make([]byte, 512), RequestBodyLen: 512,
		HasResponse: true, StatusCode: 200, StatusMsg: "OK", ResponseBodyLen: 2,
		Flags: []string{"midstream"}, FirstFile: "a.pcap", FirstFrame: 1, LastFrame: 4,
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.HTTP(row); err != nil {
			b.Fatal(err)
		}
	}
}
