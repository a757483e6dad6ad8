package pipeline

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"telltale/pipeline/sink/sinktest"
)

// The captures under samples/tls are real traffic recorded by tcpdump
// (samples/tlsgen): Go's crypto/tls and curl against a Go HTTPS server, and
// the same requests in clear. cases.tsv is their truth: one row per request.

type httpsCase struct {
	capture, name, client, tlsVersion, cipher, httpVersion, h2c, host, method, path, bodySHA string
	keyed                                                                                    bool
}

func loadHTTPSCases(t *testing.T) []httpsCase {
	t.Helper()
	f, err := os.Open(filepath.Join(samplesDir, "tls", "cases.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []httpsCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 0; sc.Scan(); n++ {
		c := strings.Split(sc.Text(), "\t")
		if n == 0 {
			if strings.Join(c, ",") != "capture,case,client,tls_version,cipher_suite,http_version,h2c,host,method,path,body_sha256,keyed" {
				t.Fatalf("cases.tsv header %q", c)
			}
			continue
		}
		out = append(out, httpsCase{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11] == "true"})
	}
	if len(out) != 111 {
		t.Fatalf("cases.tsv has %d requests, want 111", len(out))
	}
	return out
}

// httpsRun is one run over a capture of samples/tls.
type httpsRun struct {
	capture string   // as cases.tsv names it
	keylogs []string // relative to samples/tls
}

var httpsRuns = []httpsRun{
	{"https-go.pcap", []string{"https-go.keys"}},
	{"https-go-dsb.pcapng", nil}, // the keys are in the capture
	{"https-curl.pcap", []string{"https-curl.keys"}},
	{"clear.pcap", nil},
}

func runHTTPS(t *testing.T, capture string, keylogs []string, workers int) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	var keys []string
	for _, k := range keylogs {
		keys = append(keys, filepath.Join(samplesDir, "tls", k))
	}
	if _, err := Run(context.Background(), Config{Inputs: []string{filepath.Join(samplesDir, "tls", capture)}, OutDir: out, Workers: workers, Version: "test", KeyLogs: keys}); err != nil {
		t.Fatalf("Run(%s): %v", capture, err)
	}
	return out
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// TestHTTPSRequests checks that every request of every capture is in the http
// table exactly as sent (case, method, host, target, version, body), marked
// decrypted when it came over TLS, and that nothing else is: the request of
// the connection whose key was withheld is not there.
func TestHTTPSRequests(t *testing.T) {
	cases := loadHTTPSCases(t)
	for _, hr := range httpsRuns {
		t.Run(hr.capture, func(t *testing.T) {
			out := runHTTPS(t, hr.capture, hr.keylogs, 2)
			got := sinktest.Query(t, `SELECT list_filter(request_headers, h -> lower(h.name) = 'x-telltale-case')[1].value, method,
				regexp_replace(host, ':[0-9]+$', ''), uri, version, coalesce(sha256(request_body), '`+emptySHA256+`'), decrypted, status_code,
				stream_id IS NOT NULL, array_to_string(flags, ' ')
				FROM read_parquet(?) ORDER BY 1, 2, 4`, filepath.Join(out, "http.parquet"))
			var want [][]string
			for _, c := range cases {
				if c.capture != hr.capture || !c.keyed {
					continue
				}
				version := strings.TrimPrefix(c.httpVersion, "HTTP/")
				if c.h2c == "upgrade" && c.method == "GET" {
					version = "2" // sent after the upgrade; the upgrade request itself is answered on stream 1
				}
				want = append(want, []string{c.name, c.method, c.host, c.path, version, c.bodySHA,
					boolString(c.tlsVersion != "none"), "200", boolString(version == "2" || c.h2c == "upgrade"), ""})
			}
			slices.SortFunc(want, func(a, b []string) int {
				return strings.Compare(a[0]+"\x00"+a[1]+"\x00"+a[3], b[0]+"\x00"+b[1]+"\x00"+b[3])
			})
			if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
				t.Errorf("http rows differ from cases.tsv:\n%s", diffRows(want, got))
			}
		})
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func diffRows(want, got [][]string) string {
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g []string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if !slices.Equal(w, g) {
			b.WriteString("row " + strconv.Itoa(i) + ":\n want " + strings.Join(w, " | ") + "\n  got " + strings.Join(g, " | ") + "\n")
			if b.Len() > 4000 {
				break
			}
		}
	}
	return b.String()
}

var ja4Shape = regexp.MustCompile(`^t1[23][di]\d{4}(h2|h1|00)_[0-9a-f]{12}_[0-9a-f]{12}$`)

// TestHTTPSTLSMetadata checks the tls table of each TLS capture, with and
// without its keys: one row per connection with the version, cipher suite,
// SNI and ALPN the generator negotiated, a JA4 and JA3, and the decryption
// outcome; without keys nothing is decrypted and nothing is an error.
func TestHTTPSTLSMetadata(t *testing.T) {
	cases := loadHTTPSCases(t)
	for _, hr := range []httpsRun{httpsRuns[0], httpsRuns[2], {"https-go.pcap", nil}} {
		withKeys := len(hr.keylogs) > 0
		t.Run(hr.capture+map[bool]string{true: "+keys", false: "-nokeys"}[withKeys], func(t *testing.T) {
			out := runHTTPS(t, hr.capture, hr.keylogs, 1)
			rows := sinktest.Query(t, `SELECT server_name, version, cipher, alpn_offered::VARCHAR, coalesce(alpn, ''), keys, decrypted, decrypt_errors,
				undecrypted_bytes = 0, orig_decrypted_bytes > 0 AND resp_decrypted_bytes > 0, ja4, ja3_hash, length(client_random), orig_records > 0, resp_records > 0,
				orig_app_bytes > 0 AND resp_app_bytes > 0
				FROM read_parquet(?) ORDER BY server_name`, filepath.Join(out, "tls.parquet"))
			seen := map[string]bool{}
			var want []httpsCase
			for _, c := range cases {
				if c.capture == hr.capture && !seen[c.name] {
					seen[c.name] = true
					want = append(want, c)
				}
			}
			slices.SortFunc(want, func(a, b httpsCase) int { return strings.Compare(a.host, b.host) })
			if len(rows) != len(want) {
				t.Fatalf("%d tls rows, want %d (one per case)", len(rows), len(want))
			}
			for i, c := range want {
				r := rows[i]
				decrypted := withKeys && c.keyed
				alpn := ""
				switch {
				case c.httpVersion == "HTTP/2":
					alpn = "h2"
				case c.client == "curl" || c.tlsVersion == "1.2":
					alpn = "http/1.1"
				}
				if c.tlsVersion == "1.3" && !decrypted {
					alpn = "" // in TLS 1.3 the choice is encrypted
				}
				if c.client == "go" && c.tlsVersion == "1.3" && c.httpVersion == "HTTP/1.1" && decrypted {
					alpn = "http/1.1"
				}
				wantRow := []string{c.host, "TLS " + c.tlsVersion, c.cipher, "", alpn, boolString(decrypted), boolString(decrypted), "0",
					boolString(decrypted), boolString(decrypted), "", "", "64", "true", "true", "true"}
				wantRow[3], wantRow[10], wantRow[11] = r[3], r[10], r[11]
				if !slices.Equal(r, wantRow) {
					t.Errorf("%s:\n got %q\nwant %q", c.name, r, wantRow)
				}
				if !ja4Shape.MatchString(r[10]) || len(r[11]) != 32 {
					t.Errorf("%s: ja4 %q, ja3_hash %q", c.name, r[10], r[11])
				}
				if !strings.Contains(r[3], "http/1.1") {
					t.Errorf("%s: alpn_offered %s", c.name, r[3])
				}
			}
			if n := counter(t, out, "tls.decrypt_errors"); n != 0 {
				t.Errorf("tls.decrypt_errors = %d", n)
			}
			if !withKeys {
				if got := sinktest.Query(t, `SELECT count(*) FROM read_parquet(?)`, filepath.Join(out, "http.parquet")); got[0][0] != "0" {
					t.Errorf("%s http rows without keys", got[0][0])
				}
			}
		})
	}
}

// counter reads one counter of a dataset's manifest.
func counter(t *testing.T, out, name string) int64 {
	t.Helper()
	got := sinktest.Query(t, `SELECT c.value FROM (SELECT unnest(counters) AS c FROM read_json_auto(?)) WHERE c.name = ?`, filepath.Join(out, "manifest.json"), name)
	if len(got) != 1 {
		t.Fatalf("counter %s: %q", name, got)
	}
	v, err := strconv.ParseInt(got[0][0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestHTTPSSameAsClear checks that what the decrypted captures yield is what
// the same requests yield in clear: per connection the same payloads,
// events and fields, whatever the TLS version, cipher suite, HTTP version or
// client.
func TestHTTPSSameAsClear(t *testing.T) {
	type view struct{ payloads, events, fields [][]string }
	read := func(out string) view {
		pq := func(table string) string { return filepath.Join(out, table+".parquet") }
		return view{
			payloads: sinktest.Query(t, `SELECT location, coalesce(field, ''), chain::VARCHAR, json, coalesce(crc_ok::VARCHAR, ''), count(DISTINCT uid) FROM read_parquet(?) GROUP BY ALL ORDER BY ALL`, pq("payloads")),
			events:   sinktest.Query(t, `SELECT event, coalesce(distinct_id, ''), coalesce(anonymous_id, ''), coalesce(user_id, ''), coalesce(device_id, ''), event_time::VARCHAR, properties, count(DISTINCT uid) FROM read_parquet(?) GROUP BY ALL ORDER BY ALL`, pq("events")),
			fields:   sinktest.Query(t, `SELECT path, value, json_type, coalesce(id_kind, ''), coalesce(via, ''), count(DISTINCT uid) FROM read_parquet(?) GROUP BY ALL ORDER BY ALL`, pq("fields")),
		}
	}
	// Connections per capture that carried the three requests.
	conns := map[string]int{"https-go.pcap": 12, "https-go-dsb.pcapng": 12, "https-curl.pcap": 8, "clear.pcap": 3}
	views := map[string]view{}
	for _, hr := range httpsRuns {
		v := read(runHTTPS(t, hr.capture, hr.keylogs, 2))
		// Normalise the connection counts to "every connection".
		for _, rows := range [][][]string{v.payloads, v.events, v.fields} {
			for _, r := range rows {
				if r[len(r)-1] == strconv.Itoa(conns[hr.capture]) {
					r[len(r)-1] = "all"
				}
			}
		}
		views[hr.capture] = v
	}
	clear := views["clear.pcap"]
	if len(clear.payloads) < 3 || len(clear.events) < 3 || len(clear.fields) < 10 {
		t.Fatalf("clear capture gave too little: %d payloads, %d events, %d fields", len(clear.payloads), len(clear.events), len(clear.fields))
	}
	for _, r := range slices.Concat(clear.payloads, clear.events, clear.fields) {
		if r[len(r)-1] != "all" {
			t.Errorf("clear: %q is not in every connection", r)
		}
	}
	for name, v := range views {
		for _, p := range []struct {
			what      string
			got, want [][]string
		}{{"payloads", v.payloads, clear.payloads}, {"events", v.events, clear.events}, {"fields", v.fields, clear.fields}} {
			if !slices.EqualFunc(p.got, p.want, slices.Equal[[]string]) {
				t.Errorf("%s %s differ from clear.pcap's:\n%s", name, p.what, diffRows(p.want, p.got))
			}
		}
	}
}

// TestHTTPSServerNames checks flows.server_name: the HTTP Host of a
// decrypted connection, the SNI of one without keys, the DNS answer for the
// flow that is neither HTTP nor TLS; and the dns table's answers, CNAME
// chain included.
func TestHTTPSServerNames(t *testing.T) {
	cases := loadHTTPSCases(t)
	for _, hr := range []httpsRun{httpsRuns[0], {"https-go.pcap", nil}} {
		withKeys := len(hr.keylogs) > 0
		out := runHTTPS(t, hr.capture, hr.keylogs, 1)
		got := sinktest.Query(t, `SELECT server_name, server_name_source, coalesce(app_proto, ''), tls, decrypted, array_to_string(problems, ' ') FROM read_parquet(?) ORDER BY server_name`, filepath.Join(out, "flows.parquet"))
		seen := map[string]bool{}
		want := [][]string{{"raw.telemetry.test", "dns", "", "false", "false", ""}}
		for _, c := range cases {
			if c.capture != hr.capture || seen[c.name] {
				continue
			}
			seen[c.name] = true
			src, proto, problems := "sni", "tls", "tls_no_keys"
			if withKeys && c.keyed {
				src, proto, problems = "http", map[string]string{"HTTP/1.1": "http1", "HTTP/2": "http2"}[c.httpVersion], ""
			}
			want = append(want, []string{c.host, src, proto, "true", boolString(withKeys && c.keyed), problems})
		}
		slices.SortFunc(want, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
		if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
			t.Errorf("keys %v: flows differ:\n%s", withKeys, diffRows(want, got))
		}
		dnsRows := sinktest.Query(t, `SELECT query, qtype, rcode, answers::VARCHAR FROM read_parquet(?) WHERE query = 'api.mixpanel.test' AND qtype = 'A'`, filepath.Join(out, "dns.parquet"))
		if len(dnsRows) != 1 || !strings.Contains(dnsRows[0][3], "'type': CNAME, 'ttl':") || !strings.Contains(dnsRows[0][3], "'data': api-lb.mixpanel.test") || !strings.Contains(dnsRows[0][3], "'data': 127.0.0.1") {
			t.Errorf("dns rows for api.mixpanel.test: %q", dnsRows)
		}
	}
}

// TestHTTPSAgreesWithTshark decrypts the HTTPS captures with tshark and the
// same key log and checks that both list the same requests.
func TestHTTPSAgreesWithTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: the cross-check needs it (.ci/run installs it)")
	}
	for _, hr := range []httpsRun{httpsRuns[0], httpsRuns[2]} {
		out := runHTTPS(t, hr.capture, hr.keylogs, 1)
		ours := sinktest.Query(t, `SELECT method || ' ' || uri FROM read_parquet(?) ORDER BY 1`, filepath.Join(out, "http.parquet"))
		cmd := exec.Command("tshark", "-n", "-r", filepath.Join(samplesDir, "tls", hr.capture),
			"-o", "tls.keylog_file:"+filepath.Join(samplesDir, "tls", hr.keylogs[0]),
			"-Y", "http.request || http2.headers.method", "-T", "fields",
			"-E", "occurrence=a", "-E", "aggregator=|",
			"-e", "http.request.method", "-e", "http.request.uri", "-e", "http2.headers.method", "-e", "http2.headers.path")
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		var theirs []string
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f := strings.Split(line, "\t")
			for i := 0; i+1 < len(f); i += 2 {
				ms, us := strings.Split(f[i], "|"), strings.Split(f[i+1], "|")
				if f[i] == "" || len(ms) != len(us) {
					continue
				}
				for j := range ms {
					theirs = append(theirs, ms[j]+" "+us[j])
				}
			}
		}
		slices.Sort(theirs)
		var flat []string
		for _, r := range ours {
			flat = append(flat, r[0])
		}
		if !slices.Equal(flat, theirs) {
			t.Errorf("%s: telltale %d requests, tshark %d:\n telltale %q\n tshark %q", hr.capture, len(flat), len(theirs), flat, theirs)
		}
	}
}
