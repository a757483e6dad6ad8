package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// curlCase sends the telemetry set on one connection with one curl run:
// the three transfers are chained with --next, which keeps the connection.
// Every transfer repeats the connection options, or curl would not reuse it.
func curlCase(ctx context.Context, c tcase, reqs []request, tmp, keylogPath string) error {
	scheme := "http"
	var connOpts []string
	switch {
	case c.version == tls.VersionTLS13:
		scheme = "https"
		connOpts = []string{"-k", "--tlsv1.3", "--tls-max", "1.3", "--tls13-ciphers", c.curlCS}
	case c.version == tls.VersionTLS12:
		scheme = "https"
		connOpts = []string{"-k", "--tlsv1.2", "--tls-max", "1.2", "--ciphers", c.curlCS}
	}
	switch {
	case c.h2c == "prior":
		connOpts = append(connOpts, "--http2-prior-knowledge")
	case c.h2:
		connOpts = append(connOpts, "--http2")
	default:
		connOpts = append(connOpts, "--http1.1")
	}
	connOpts = append(connOpts, "--resolve", fmt.Sprintf("%s:%d:127.0.0.1", c.host, c.port))
	base := scheme + "://" + c.host + ":" + strconv.Itoa(c.port)

	var args []string
	for i, r := range reqs {
		if i > 0 {
			args = append(args, "--next")
		}
		args = append(args, "-sS", "-o", "/dev/null", "-w", `%{http_code} %{http_version} %{num_connects}\n`)
		args = append(args, connOpts...)
		args = append(args, "-H", "X-Telltale-Case: "+c.name)
		if r.wire != nil {
			f := filepath.Join(tmp, fmt.Sprintf("body%d", i))
			if err := os.WriteFile(f, r.wire, 0o600); err != nil {
				return err
			}
			args = append(args, "--data-binary", "@"+f, "-H", "Content-Type: "+r.contentType)
			if r.contentEncoding != "" {
				args = append(args, "-H", "Content-Encoding: "+r.contentEncoding)
			}
		}
		args = append(args, base+r.path)
	}
	cmd := exec.CommandContext(ctx, "curl", args...)
	cmd.Env = append(os.Environ(), "SSLKEYLOGFILE="+keylogPath)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("curl: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	// One line per transfer: status, HTTP version, new connections.
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(reqs) {
		return fmt.Errorf("curl: %d transfers reported, want %d: %q", len(lines), len(reqs), out)
	}
	for i, l := range lines {
		ver := "1.1"
		if c.h2 {
			ver = "2" // an upgraded transfer counts as HTTP/2: its response is
		}
		conns := "0"
		if i == 0 {
			conns = "1"
		}
		if want := "200 " + ver + " " + conns; l != want {
			return fmt.Errorf("curl: transfer %d reported %q, want %q (status, HTTP version, new connections)", i+1, l, want)
		}
	}
	return nil
}
