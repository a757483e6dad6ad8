package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzRender renders a report whose strings come from the fuzzer (as they
// come from captures): the HTML must stay script-free and hold no raw
// markup from the data, and the terminal text no control character.
func FuzzRender(f *testing.F) {
	f.Add("sa.example.com", "$pageview", "https://x.example/?q=a b", "properties.url")
	f.Add(`"><script>alert(1)</script>`, "<img src=x onerror=y>", "\x1b[2J\u202e\x00", "a\tb\nc")
	f.Add("", "", "\xff\xfe", "")
	f.Fuzz(func(t *testing.T, host, event, value, path string) {
		r := &Report{
			Tool: "telltale", Version: value, Flows: 1, Events: 1, First: 1e18, Last: 1e18 + 5e9,
			Captures:       []Capture{{Name: path, Format: "pcap"}},
			Destinations:   []Destination{{Host: host, Payloads: 1, Events: 1, SDKs: []string{event}, IDs: map[string]int64{path: 1}}},
			IDKinds:        []string{path},
			HasIdentifiers: true,
			Clusters:       []Cluster{{ID: "K1", Members: []ID{{path, value}}, Hosts: []string{host}, Events: -1, Hubs: []ID{{event, value}}}},
			Hubs:           []Hub{{ID: ID{event, value}, Hosts: []string{host}, Clusters: []string{"K1"}}},
			Timeline:       Timeline{Start: 1e18, Step: 1e9, Hosts: []string{host}, Counts: [][]int64{{1}}},
		}
		x := Example{TS: 1e18, Host: host, Event: event, Path: path, Value: value, Incognito: true, Search: value, URL: value}
		r.URLs = Examples{Total: 1, Rows: []Example{x}}
		r.Searches, r.Incognito = r.URLs, r.URLs
		var h, txt bytes.Buffer
		if err := r.WriteHTML(&h); err != nil {
			t.Fatal(err)
		}
		html := h.String()
		for _, bad := range []string{"<script", "<img", "<iframe"} {
			if strings.Contains(html, bad) {
				t.Fatalf("HTML holds %q", bad)
			}
		}
		if err := r.WriteText(&txt); err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(h.Bytes()) || !utf8.Valid(txt.Bytes()) {
			for i, l := range strings.Split(h.String()+txt.String(), "\n") {
				if !utf8.ValidString(l) {
					t.Logf("line %d: %q", i, l)
				}
			}
			t.Fatal("output is not valid UTF-8")
		}
		for _, c := range txt.String() {
			if c != '\n' && unicode.IsControl(c) {
				t.Fatalf("terminal text holds %U", c)
			}
		}
		if v := visible(value); strings.ContainsFunc(v, hidden) {
			t.Fatalf("visible(%q) = %q still hides characters", value, v)
		}
	})
}
