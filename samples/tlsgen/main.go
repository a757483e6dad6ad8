// Command tlsgen records real HTTPS, HTTP/2 and cleartext HTTP telemetry
// traffic on the loopback interface with tcpdump, for the TLS decryption,
// HTTP/2 and DNS tests of telltale:
//
//	go run ./samples/tlsgen -out samples/tls
//
// It writes https-go.pcap + https-go.keys (Go crypto/tls and net/http
// clients, names resolved through a tiny DNS server it runs on
// 127.0.0.1:53), https-curl.pcap + https-curl.keys (curl with
// SSLKEYLOGFILE), clear.pcap (HTTP/1.1, h2c with prior knowledge and h2c
// via Upgrade), https-go-dsb.pcapng (https-go.pcap with its keys in a
// Decryption Secrets Block, by editcap) and cases.tsv (one row per HTTP
// request). The content is fixed; the bytes are not (real TLS randoms and
// keys). Needs root, tcpdump, curl and editcap; tshark, when present,
// checks that every keyed request decrypts.
//
// Every check that fails (a tool missing, a packet not captured, a request
// not answered 200, a suite not negotiated) stops the run with a non-zero
// exit, and nothing is written to the output directory.
package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	out := flag.String("out", "samples/tls", "directory for the captures, key logs and cases.tsv")
	keep := flag.Bool("keep", false, "keep the work directory (printed) for debugging")
	flag.Parse()
	if err := run(*out, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "tlsgen: FAILED:", err)
		os.Exit(1)
	}
}

const maxCaptureBytes = 300 << 10

func run(out string, keep bool) error {
	// RSA key exchange suites are off by default since Go 1.22; set before
	// crypto/tls is first used (internal/godebug sees os.Setenv).
	if err := os.Setenv("GODEBUG", strings.Trim(os.Getenv("GODEBUG")+",tlsrsakex=1", ",")); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("must run as root (tcpdump on lo, DNS server on port 53)")
	}
	for _, tool := range []string{"tcpdump", "curl", "editcap"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is required but not installed", tool)
		}
	}
	if fi, err := os.Stat(out); err != nil || !fi.IsDir() {
		return fmt.Errorf("output directory %s: must exist (%v)", out, err)
	}
	tmp, err := os.MkdirTemp("", "tlsgen")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("tlsgen: work directory", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	reqs := telemetrySet()
	gos, curls, clears := goCases(), curlCases(), clearCases()
	all := append(append(append([]tcase{}, gos...), curls...), clears...)

	var names []string
	for _, c := range all {
		names = append(names, c.host)
	}
	names = append(names, cnameTarget, rawHost)
	rsaCert, ecCert, roots, err := certs(names)
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	srv, err := startServers(rsaCert, ecCert)
	if err != nil {
		return err
	}
	defer srv.close()
	dns, err := startDNS(dnsNames())
	if err != nil {
		return err
	}
	defer dns.close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	g := &gen{tmp: tmp, reqs: reqs, srv: srv, dns: dns}
	if err := g.goPhase(ctx, gos, roots); err != nil {
		return fmt.Errorf("%s: %w", capGo, err)
	}
	if err := g.curlPhase(ctx, curls); err != nil {
		return fmt.Errorf("%s: %w", capCurl, err)
	}
	if err := g.clearPhase(ctx, clears); err != nil {
		return fmt.Errorf("%s: %w", capClear, err)
	}
	ed := exec.Command("editcap", "--inject-secrets", "tls,"+g.path("https-go.keys"), g.path(capGo), g.path(capDSB))
	if b, err := ed.CombinedOutput(); err != nil {
		return fmt.Errorf("editcap --inject-secrets: %w: %s", err, b)
	}
	f, err := os.Create(g.path("cases.tsv"))
	if err != nil {
		return err
	}
	if err := writeCases(f, all, reqs); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := verifyTshark(tmp, all, reqs); err != nil {
		return err
	}

	files := []string{capGo, "https-go.keys", capDSB, capCurl, "https-curl.keys", capClear, "cases.tsv"}
	for _, name := range files {
		b, err := os.ReadFile(g.path(name))
		if err != nil {
			return err
		}
		if strings.Contains(name, "pcap") && len(b) > maxCaptureBytes {
			return fmt.Errorf("%s is %d bytes, over the %d limit", name, len(b), maxCaptureBytes)
		}
		if err := writeOwned(filepath.Join(out, name), b, out); err != nil {
			return err
		}
		fmt.Printf("tlsgen: wrote %s (%d bytes)\n", filepath.Join(out, name), len(b))
	}
	return nil
}

// writeOwned writes b to path with the owner of dir (the checkout's owner,
// not root).
func writeOwned(path string, b []byte, dir string) error {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if uid, gid, ok := owner(fi); ok {
		return os.Chown(path, uid, gid)
	}
	return nil
}

// gen runs the three capture phases.
type gen struct {
	tmp  string
	reqs []request
	srv  *servers
	dns  *dnsServer
}

func (g *gen) path(name string) string { return filepath.Join(g.tmp, name) }

func (g *gen) goPhase(ctx context.Context, cases []tcase, roots *x509.CertPool) error {
	keylog, err := os.Create(g.path("https-go.keys"))
	if err != nil {
		return err
	}
	defer keylog.Close()
	capt, err := startCapture(g.path(capGo), fmt.Sprintf("tcp port %d or tcp port %d or udp port 53", portTLS, portRaw))
	if err != nil {
		return err
	}
	var wantDNS []string
	for _, c := range cases {
		if err := goCase(ctx, c, g.reqs, roots, keylog); err != nil {
			capt.stop()
			return fmt.Errorf("case %s: %w", c.name, err)
		}
		if err := g.checkServer(c); err != nil {
			capt.stop()
			return err
		}
		wantDNS = append(wantDNS, "A "+c.host)
	}
	if err := rawFlow(ctx); err != nil {
		capt.stop()
		return err
	}
	wantDNS = append(wantDNS, "A "+rawHost)
	select {
	case b := <-g.srv.rawRecv:
		if string(b) != string(rawRequest) {
			capt.stop()
			return fmt.Errorf("raw tcp server got %q, want %q", b, rawRequest)
		}
	case err := <-g.srv.rawErr:
		capt.stop()
		return fmt.Errorf("raw tcp server: %w", err)
	case <-time.After(5 * time.Second):
		capt.stop()
		return errors.New("raw tcp server received nothing")
	}
	n, err := capt.stop()
	if err != nil {
		return err
	}
	if err := g.checkDNS(wantDNS); err != nil {
		return err
	}
	if err := checkCapture(g.path(capGo), n, map[uint16]int{portTLS: len(cases), portRaw: 1}, len(wantDNS)); err != nil {
		return err
	}
	if err := keylog.Close(); err != nil {
		return err
	}
	return checkKeyLog(g.path("https-go.keys"), cases)
}

func (g *gen) curlPhase(ctx context.Context, cases []tcase) error {
	keys := g.path("https-curl.keys")
	capt, err := startCapture(g.path(capCurl), fmt.Sprintf("tcp port %d", portTLS))
	if err != nil {
		return err
	}
	for _, c := range cases {
		if err := curlCase(ctx, c, g.reqs, g.tmp, keys); err != nil {
			capt.stop()
			return fmt.Errorf("case %s: %w", c.name, err)
		}
		if err := g.checkServer(c); err != nil {
			capt.stop()
			return err
		}
	}
	n, err := capt.stop()
	if err != nil {
		return err
	}
	if err := checkCapture(g.path(capCurl), n, map[uint16]int{portTLS: len(cases)}, 0); err != nil {
		return err
	}
	return checkKeyLog(keys, cases)
}

func (g *gen) clearPhase(ctx context.Context, cases []tcase) error {
	capt, err := startCapture(g.path(capClear), fmt.Sprintf("tcp port %d or tcp port %d or tcp port %d or udp port 53", portClear, portPrior, portUpgrade))
	if err != nil {
		return err
	}
	syns := map[uint16]int{}
	var wantDNS []string
	for _, c := range cases {
		var err error
		if c.client == "go" {
			err = goCase(ctx, c, g.reqs, nil, nil)
			wantDNS = append(wantDNS, "A "+c.host)
		} else {
			err = curlCase(ctx, c, g.reqs, g.tmp, "")
		}
		if err != nil {
			capt.stop()
			return fmt.Errorf("case %s: %w", c.name, err)
		}
		if err := g.checkServer(c); err != nil {
			capt.stop()
			return err
		}
		syns[uint16(c.port)]++
	}
	n, err := capt.stop()
	if err != nil {
		return err
	}
	if err := g.checkDNS(wantDNS); err != nil {
		return err
	}
	return checkCapture(g.path(capClear), n, syns, len(wantDNS))
}

// checkServer compares what the servers received with the case's plan:
// every request, in order, on a single connection, with the TLS parameters
// and name the case asked for.
func (g *gen) checkServer(c tcase) error {
	got, errs := g.srv.rec.take()
	if len(errs) > 0 {
		return fmt.Errorf("case %s: server errors: %s", c.name, strings.Join(errs, "; "))
	}
	if len(got) != len(g.reqs) {
		return fmt.Errorf("case %s: server saw %d requests, want %d", c.name, len(got), len(g.reqs))
	}
	for i, s := range got {
		r := g.reqs[i]
		// x/net's h2c serves the Upgrade request as it came, HTTP/1.1.
		proto := "HTTP/1.1"
		if c.httpVersion(i) == "HTTP/2" {
			proto = "HTTP/2.0"
		}
		want := seen{caseName: c.name, proto: proto, method: r.method, uri: r.path, host: c.host, sha: r.bodySHA256(),
			remote: got[0].remote, version: c.version, suite: c.suite}
		if c.version != 0 {
			want.sni = c.host
		}
		if s != want {
			return fmt.Errorf("case %s: request %d: server saw %+v, want %+v", c.name, i+1, s, want)
		}
	}
	return nil
}

func (g *gen) checkDNS(want []string) error {
	got, errs := g.dns.take()
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		return fmt.Errorf("dns queries %q, want %q", got, want)
	}
	return nil
}

// checkCapture checks the capture file against tcpdump's count and the
// connections and DNS exchanges the phase made.
func checkCapture(path string, captured int, syns map[uint16]int, dns int) error {
	st, err := readStats(path)
	if err != nil {
		return err
	}
	if st.packets != captured {
		return fmt.Errorf("%s holds %d packets, tcpdump said %d captured", path, st.packets, captured)
	}
	if fmt.Sprint(st.syns) != fmt.Sprint(syns) { // fmt prints maps sorted by key
		return fmt.Errorf("%s: SYNs by port %v, want %v (one connection per case)", path, st.syns, syns)
	}
	if st.dnsQueries != dns || st.dnsResponses != dns {
		return fmt.Errorf("%s: %d DNS queries and %d responses captured, want %d each", path, st.dnsQueries, st.dnsResponses, dns)
	}
	return nil
}

// checkKeyLog checks that the key log holds exactly the keyed connections:
// one CLIENT_RANDOM line per TLS 1.2 connection, one
// CLIENT_TRAFFIC_SECRET_0 line per TLS 1.3 connection.
func checkKeyLog(path string, cases []tcase) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("key log: %w", err)
	}
	got := map[string]int{}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 3 {
			got[f[0]]++
		}
	}
	want := map[string]int{}
	for _, c := range cases {
		switch {
		case !c.keyed:
		case c.version == 0x0303:
			want["CLIENT_RANDOM"]++
		default:
			want["CLIENT_HANDSHAKE_TRAFFIC_SECRET"]++
			want["SERVER_HANDSHAKE_TRAFFIC_SECRET"]++
			want["CLIENT_TRAFFIC_SECRET_0"]++
			want["SERVER_TRAFFIC_SECRET_0"]++
			if c.client == "curl" {
				want["EXPORTER_SECRET"]++
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("key log %s: lines by label %v, want %v", path, got, want)
	}
	return nil
}
