package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"strings"
)

// Capture file names.
const (
	capGo    = "https-go.pcap"
	capCurl  = "https-curl.pcap"
	capClear = "clear.pcap"
	capDSB   = "https-go-dsb.pcapng"
)

// Fixed ports, one per server.
const (
	portTLS     = 18443 // HTTPS (RSA and ECDSA certificates, ALPN h2 and http/1.1)
	portRaw     = 18499 // plain TCP, not HTTP
	portClear   = 18080 // HTTP/1.1 only
	portPrior   = 18081 // HTTP/1.1 and h2c with prior knowledge (net/http Protocols)
	portUpgrade = 18082 // h2c via Upgrade (x/net/http2/h2c)
	dnsAddr     = "127.0.0.1:53"
)

// tcase is one connection: the same telemetry set is sent on it.
type tcase struct {
	capture string
	name    string
	client  string // "go" or "curl"
	version uint16 // tls.VersionTLS12, tls.VersionTLS13, or 0 for cleartext
	suite   uint16 // expected negotiated suite (0 for cleartext)
	curlCS  string // curl's name for the suite (--ciphers / --tls13-ciphers)
	h2      bool
	h2c     string // "", "prior", "upgrade"
	host    string
	port    int
	keyed   bool // false: the key is deliberately kept out of the key log
}

func (c tcase) versionName() string {
	switch c.version {
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return "none"
}

func (c tcase) suiteName() string {
	if c.suite == 0 {
		return ""
	}
	return tls.CipherSuiteName(c.suite)
}

// httpVersion is the version of the i-th request of the case on the wire.
// With h2c via Upgrade the first request goes out as HTTP/1.1 and is
// answered on stream 1 of the HTTP/2 connection.
func (c tcase) httpVersion(i int) string {
	if !c.h2 || c.h2c == "upgrade" && i == 0 {
		return "HTTP/1.1"
	}
	return "HTTP/2"
}

// Host names. Every case has its own name so that SNI and DNS-derived names
// identify the connection; the SDK-like prefix says whose collector it
// imitates. cnameHost is answered by DNS with a CNAME to cnameTarget.
const (
	cnameHost   = "api.mixpanel.test"
	cnameTarget = "api-lb.mixpanel.test"
	rawHost     = "raw.telemetry.test"
	unkeyedCase = "go-t13-h1-nokeys"
)

func goCases() []tcase {
	c := func(name string, v, s uint16, h2 bool, host string) tcase {
		return tcase{capture: capGo, name: name, client: "go", version: v, suite: s, h2: h2, host: host, port: portTLS, keyed: true}
	}
	const t12, t13 = tls.VersionTLS12, tls.VersionTLS13
	cs := []tcase{
		c("go-t13-h1", t13, tls.TLS_AES_128_GCM_SHA256, false, "sa.telemetry.test"),
		c("go-t13-h2", t13, tls.TLS_AES_128_GCM_SHA256, true, cnameHost),
		c("go-t12-ecdhe-rsa-aes128gcm-h1", t12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, false, "api.segment.test"),
		c("go-t12-ecdhe-rsa-aes256gcm-h1", t12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, false, "ulogs.umeng.test"),
		c("go-t12-ecdhe-rsa-chacha20-h1", t12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, false, "api2.amplitude.test"),
		c("go-t12-ecdhe-ecdsa-aes128gcm-h1", t12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, false, "t.appsflyer.test"),
		c("go-t12-ecdhe-rsa-aes128cbc-h1", t12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, false, "app.adjust.test"),
		c("go-t12-ecdhe-rsa-aes256cbc-h1", t12, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, false, "us.i.posthog.test"),
		c("go-t12-ecdhe-rsa-aes128cbcsha256-h1", t12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, false, "api2.branch.test"),
		c("go-t12-rsa-aes128gcm-h1", t12, tls.TLS_RSA_WITH_AES_128_GCM_SHA256, false, "app-measurement.firebase.test"),
		c("go-t12-ecdhe-rsa-aes256gcm-h2", t12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, true, "api.growingio.test"),
		c("go-t12-ecdhe-rsa-chacha20-h2", t12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, true, "tracking.braze.test"),
		c(unkeyedCase, t13, tls.TLS_AES_128_GCM_SHA256, false, "hidden.telemetry.test"),
	}
	cs[len(cs)-1].keyed = false
	return cs
}

func curlCases() []tcase {
	c := func(name string, v, s uint16, curlName string, h2 bool, host string) tcase {
		return tcase{capture: capCurl, name: name, client: "curl", version: v, suite: s, curlCS: curlName, h2: h2, host: host, port: portTLS, keyed: true}
	}
	const t12, t13 = tls.VersionTLS12, tls.VersionTLS13
	return []tcase{
		c("curl-t13-aes128gcm-h1", t13, tls.TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", false, "sa1.curl.test"),
		c("curl-t13-aes128gcm-h2", t13, tls.TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", true, "sa2.curl.test"),
		c("curl-t13-aes256gcm-h1", t13, tls.TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", false, "mp1.curl.test"),
		c("curl-t13-aes256gcm-h2", t13, tls.TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", true, "mp2.curl.test"),
		c("curl-t13-chacha20-h1", t13, tls.TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", false, "seg1.curl.test"),
		c("curl-t13-chacha20-h2", t13, tls.TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", true, "seg2.curl.test"),
		c("curl-t12-ecdhe-rsa-aes256gcm-h1", t12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", false, "um1.curl.test"),
		c("curl-t12-ecdhe-rsa-chacha20-h1", t12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", false, "um2.curl.test"),
	}
}

func clearCases() []tcase {
	return []tcase{
		{capture: capClear, name: "go-clear-h1", client: "go", host: "sa.clear.test", port: portClear, keyed: true},
		{capture: capClear, name: "go-clear-h2c-prior", client: "go", h2: true, h2c: "prior", host: "mp.clear.test", port: portPrior, keyed: true},
		{capture: capClear, name: "curl-clear-h2c-upgrade", client: "curl", h2: true, h2c: "upgrade", host: "um.clear.test", port: portUpgrade, keyed: true},
	}
}

// dnsNames are the names the DNS server answers (Go clients only; curl
// gets its addresses from --resolve).
func dnsNames() []string {
	var names []string
	for _, c := range append(goCases(), clearCases()...) {
		if c.client == "go" {
			names = append(names, c.host)
		}
	}
	return append(names, rawHost)
}

var tsvHeader = []string{"capture", "case", "client", "tls_version", "cipher_suite", "http_version", "h2c", "host", "method", "path", "body_sha256", "keyed"}

// writeCases writes cases.tsv: one row per HTTP request per capture, in the
// order sent. https-go-dsb.pcapng repeats the rows of https-go.pcap.
func writeCases(w io.Writer, cases []tcase, reqs []request) error {
	var b strings.Builder
	b.WriteString(strings.Join(tsvHeader, "\t") + "\n")
	row := func(capture string, c tcase) {
		for i, r := range reqs {
			fields := []string{capture, c.name, c.client, c.versionName(), c.suiteName(), c.httpVersion(i), c.h2c, c.host, r.method, r.path, r.bodySHA256(), fmt.Sprint(c.keyed)}
			b.WriteString(strings.Join(fields, "\t") + "\n")
		}
	}
	for _, c := range cases {
		row(c.capture, c)
	}
	for _, c := range cases {
		if c.capture == capGo {
			row(capDSB, c)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
