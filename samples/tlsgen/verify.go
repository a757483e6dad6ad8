package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// verifyTshark reads every capture with tshark, decrypting with the key
// logs (or the DSB), and checks that the requests it dissects are exactly
// the keyed rows of cases.tsv: the same (case, path) pairs, as many times.
// Without tshark it only says so.
func verifyTshark(dir string, cases []tcase, reqs []request) error {
	if _, err := exec.LookPath("tshark"); err != nil {
		fmt.Println("tlsgen: tshark not found; skipping the decryption cross-check")
		return nil
	}
	runs := []struct{ capture, keys string }{
		{capGo, "https-go.keys"},
		{capDSB, ""},
		{capCurl, "https-curl.keys"},
		{capClear, ""},
	}
	for _, r := range runs {
		args := []string{"-r", filepath.Join(dir, r.capture)}
		if r.keys != "" {
			args = append(args, "-o", "tls.keylog_file:"+filepath.Join(dir, r.keys))
		}
		if r.capture == capClear {
			// tshark has no TCP heuristic for HTTP/2 with prior knowledge.
			args = append(args, "-d", fmt.Sprintf("tcp.port==%d,http2", portPrior))
		}
		args = append(args, "-Y", "http.request || http2.type==1", "-T", "fields",
			"-E", "occurrence=a", "-E", "aggregator=|",
			"-e", "http.request.uri", "-e", "http.request.line", "-e", "http2.header.name", "-e", "http2.header.value")
		out, err := exec.Command("tshark", args...).Output()
		if err != nil {
			return fmt.Errorf("tshark %s: %w", r.capture, err)
		}
		got := tsharkPairs(string(out))
		var want []string
		src := r.capture
		if src == capDSB {
			src = capGo
		}
		for _, c := range cases {
			if c.capture == src && c.keyed {
				for _, q := range reqs {
					want = append(want, c.name+" "+q.path)
				}
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			return fmt.Errorf("tshark %s: dissected requests (case path)\n%s\nwant\n%s", r.capture, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		fmt.Printf("tlsgen: tshark %s: %d requests decrypted and dissected, as planned\n", r.capture, len(got))
	}
	return nil
}

// tsharkPairs turns tshark's field lines into "case path" pairs: HTTP/1
// request URIs paired with their X-Telltale-Case line, HTTP/2 :path values
// with the x-telltale-case header that follows them in the same block.
func tsharkPairs(out string) []string {
	var pairs []string
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		f := strings.Split(line, "\t")
		for len(f) < 4 {
			f = append(f, "")
		}
		var uris, cases []string
		if f[0] != "" {
			uris = strings.Split(f[0], "|")
		}
		for _, l := range strings.Split(f[1], "|") {
			if v, ok := strings.CutPrefix(l, "X-Telltale-Case: "); ok {
				cases = append(cases, strings.TrimSuffix(v, `\r\n`))
			}
		}
		for i := range min(len(uris), len(cases)) {
			pairs = append(pairs, cases[i]+" "+uris[i])
		}
		if len(uris) != len(cases) {
			pairs = append(pairs, fmt.Sprintf("UNPAIRED %q %q", uris, cases))
		}
		names, values := strings.Split(f[2], "|"), strings.Split(f[3], "|")
		path := ""
		for i := range min(len(names), len(values)) {
			switch names[i] {
			case ":path":
				path = values[i]
			case "x-telltale-case":
				pairs = append(pairs, values[i]+" "+path)
			}
		}
	}
	return pairs
}
