package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// goCase sends the telemetry set on one connection with the Go client. The
// host name is resolved through the tiny DNS server just before dialing, so
// the capture holds the answer right before the flow.
func goCase(ctx context.Context, c tcase, reqs []request, roots *x509.CertPool, keylog io.Writer) error {
	dialer := &net.Dialer{Resolver: resolver(), Timeout: 5 * time.Second}
	dials := 0
	tr := &http.Transport{
		DisableCompression: true,
		MaxConnsPerHost:    1,
		// "tcp4": the resolver then asks for A records only.
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			dials++
			return dialer.DialContext(ctx, "tcp4", addr)
		},
	}
	scheme := "http"
	switch {
	case c.version != 0:
		scheme = "https"
		conf := &tls.Config{
			ServerName: c.host,
			RootCAs:    roots,
			MinVersion: c.version,
			MaxVersion: c.version,
			NextProtos: []string{"http/1.1"},
		}
		if c.h2 {
			conf.NextProtos = []string{"h2", "http/1.1"}
		}
		if c.version == tls.VersionTLS12 {
			conf.CipherSuites = []uint16{c.suite}
		}
		if c.keyed {
			conf.KeyLogWriter = keylog
		}
		tr.ForceAttemptHTTP2 = c.h2
		tr.DialTLSContext = func(ctx context.Context, _, addr string) (net.Conn, error) {
			dials++
			raw, err := dialer.DialContext(ctx, "tcp4", addr)
			if err != nil {
				return nil, err
			}
			tc := tls.Client(raw, conf)
			if err := tc.HandshakeContext(ctx); err != nil {
				raw.Close()
				return nil, err
			}
			st := tc.ConnectionState()
			wantALPN := "http/1.1"
			if c.h2 {
				wantALPN = "h2"
			}
			if st.Version != c.version || st.CipherSuite != c.suite || st.NegotiatedProtocol != wantALPN {
				tc.Close()
				return nil, fmt.Errorf("negotiated %s %s ALPN %q, want %s %s %q",
					tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), st.NegotiatedProtocol,
					tls.VersionName(c.version), tls.CipherSuiteName(c.suite), wantALPN)
			}
			return tc, nil
		}
	case c.h2c == "prior":
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	case c.h2c != "":
		return fmt.Errorf("the Go client does not do h2c %q", c.h2c)
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	base := scheme + "://" + net.JoinHostPort(c.host, strconv.Itoa(c.port))
	for i, r := range reqs {
		var body io.Reader
		if r.wire != nil {
			body = bytes.NewReader(r.wire)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, body)
		if err != nil {
			return err
		}
		if req.URL.RequestURI() != r.path {
			return fmt.Errorf("request target would be %q, want %q", req.URL.RequestURI(), r.path)
		}
		req.Header.Set("X-Telltale-Case", c.name)
		if r.contentType != "" {
			req.Header.Set("Content-Type", r.contentType)
		}
		if r.contentEncoding != "" {
			req.Header.Set("Content-Encoding", r.contentEncoding)
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("request %d: %w", i+1, err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("request %d: reading response: %w", i+1, err)
		}
		wantMajor := 1
		if c.h2 {
			wantMajor = 2
		}
		if resp.StatusCode != 200 || string(got) != `{"status":0}` || resp.ProtoMajor != wantMajor {
			return fmt.Errorf("request %d: got %s %s %q, want HTTP/%d 200 {\"status\":0}", i+1, resp.Proto, resp.Status, got, wantMajor)
		}
	}
	if dials != 1 {
		return fmt.Errorf("%d connections opened, want 1", dials)
	}
	return nil
}

// rawFlow sends rawRequest to the raw TCP listener, on a name that only DNS
// knows, and checks the reply.
func rawFlow(ctx context.Context) error {
	dialer := &net.Dialer{Resolver: resolver(), Timeout: 5 * time.Second}
	conn, err := dialer.DialContext(ctx, "tcp4", net.JoinHostPort(rawHost, strconv.Itoa(portRaw)))
	if err != nil {
		return fmt.Errorf("raw tcp: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(rawRequest); err != nil {
		return fmt.Errorf("raw tcp: %w", err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		return fmt.Errorf("raw tcp: %w", err)
	}
	got, err := io.ReadAll(conn)
	if err != nil {
		return fmt.Errorf("raw tcp: %w", err)
	}
	if !bytes.Equal(got, rawReply) {
		return fmt.Errorf("raw tcp: reply %q, want %q", got, rawReply)
	}
	return nil
}
