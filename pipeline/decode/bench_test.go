package decode

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkPeelNoise measures Peel over values that are not encoded (the
// common case for query and form values); ns/op is per value.
func BenchmarkPeelNoise(b *testing.B) {
	vals := noise()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Peel(vals[i%len(vals)], Limits{})
	}
}

// sensorsBatch is a Sensors Analytics Android batch of n track events.
func sensorsBatch(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("[")
	for i := range n {
		if i > 0 {
			buf.WriteString(",")
		}
		fmt.Fprintf(&buf, `{"_track_id":%d,"time":%d,"type":"track","distinct_id":"a1b2c3d4e5f60718","anonymous_id":"a1b2c3d4e5f60718",`+
			`"lib":{"$lib":"Android","$lib_version":"6.2.1","$lib_method":"code","$app_version":"12.1.0"},"event":"$AppViewScreen",`+
			`"properties":{"$os":"Android","$os_version":"10","$model":"MI 9","$manufacturer":"Xiaomi","$screen_width":1080,"$screen_height":2340,`+
			`"$wifi":true,"$network_type":"WIFI","$carrier":"中国移动","$device_id":"a1b2c3d4e5f60718","$screen_name":"com.example.ui.MainActivity%d",`+
			`"$title":"首页","$is_first_day":false,"$latest_traffic_source_type":"直接流量","$timezone_offset":-480}}`, 1837402117+i*7919, 1588339200123+int64(i)*1000, i)
	}
	buf.WriteString("]")
	return buf.Bytes()
}

// BenchmarkPeelSensors measures Peel over Sensors Analytics payloads as the
// form parser hands them over: Base64 of gzip (Android, gzip=1), plain
// Base64 (web), and Base64 with its '+' turned into spaces.
func BenchmarkPeelSensors(b *testing.B) {
	js := sensorsBatch(10)
	gzB64 := b64s(gz(b, js))
	cases := []struct {
		name string
		in   []byte
	}{
		{"android-gzip", gzB64},
		{"web-base64", b64s(sensorsBatch(1))},
		{"plus-as-space", bytes.ReplaceAll(gzB64, []byte("+"), []byte(" "))},
	}
	for _, c := range cases {
		if r := Peel(c.in, Limits{}); !r.JSON {
			b.Fatalf("%s: chain %q", c.name, r.Chain)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				Peel(c.in, Limits{})
			}
		})
	}
}
