package h2

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/http2"

	"telltale/pipeline/h1"
	"telltale/reassembly"
)

func TestLooksLikePreface(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", false},
		{"P", true},
		{"PRI * HTTP/2.0\r\n", true},
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", true},
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04", true},
		{"PRI * HTTP/1.1\r\n", false},
		{"GET / HTTP/1.1\r\n", false},
		{"\x00\x00\x00\x04\x00\x00\x00\x00\x00", false},
	} {
		if got := LooksLikePreface([]byte(tc.in)); got != tc.want {
			t.Errorf("LooksLikePreface(%q) = %v", tc.in, got)
		}
	}
}

// exchange is a minimal valid conversation: SETTINGS both ways, then the
// test's frames.
func exchange() *conv {
	c := newConv(true)
	c.settings(0)
	c.settings(1)
	return c
}

func TestPushPromise(t *testing.T) {
	c := exchange()
	c.headers(0, 1, true, ":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/")
	blk := c.block(1, ":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/style.css")
	c.frames(1, func(fr *http2.Framer) {
		fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: blk, EndHeaders: true})
	})
	c.headers(1, 1, false, ":status", "200", "content-type", "text/html")
	c.data(1, 1, true, "<html></html>")
	c.headers(1, 2, false, ":status", "200", "content-type", "text/css")
	c.data(1, 2, true, "body{}")
	r := run(Config{}, c.events, nil)
	want := []string{
		`depth=1 flags=[] req[GET / "" flags=[]] resp[200 "<html></html>" flags=[]]`,
		`depth=2 flags=[] req[GET /style.css "" flags=[]] resp[200 "body{}" flags=[]]`,
	}
	if got := summaries(r.txs); !slices.Equal(got, want) {
		t.Fatalf("got\n%s", strings.Join(got, "\n"))
	}
	push := r.txs[1]
	if push.Request.Dir != 1 || push.Response.Dir != 1 || r.txs[0].Request.Dir != 0 {
		t.Errorf("pushed request dir %v", push.Request.Dir)
	}
	if r.stats.PushPromises != 1 || r.stats.Streams != 2 || r.stats.Requests != 2 || len(r.problems) != 0 {
		t.Errorf("stats %+v problems %v", r.stats, r.problems)
	}
}

// TestPaddingPriority uses PADDED and PRIORITY flags and a CONNECT.
func TestPaddingPriority(t *testing.T) {
	c := exchange()
	blk := c.block(0, ":method", "CONNECT", ":authority", "proxy.example:443")
	c.frames(0, func(fr *http2.Framer) {
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: blk, EndHeaders: true, PadLength: 7,
			Priority: http2.PriorityParam{StreamDep: 0, Weight: 200, Exclusive: true}})
	})
	c.frames(0, func(fr *http2.Framer) { fr.WriteDataPadded(1, true, []byte("tunnel bytes"), make([]byte, 5)) })
	c.headers(1, 1, false, ":status", "200")
	c.frames(1, func(fr *http2.Framer) { fr.WriteDataPadded(1, true, []byte("reply"), make([]byte, 255)) })
	r := run(Config{}, c.events, nil)
	want := []string{`depth=1 flags=[] req[CONNECT proxy.example:443 "tunnel bytes" flags=[]] resp[200 "reply" flags=[]]`}
	if got := summaries(r.txs); !slices.Equal(got, want) || len(r.problems) != 0 {
		t.Fatalf("got %v problems %v", got, r.problems)
	}
	if q := r.txs[0].Request; !reflect.DeepEqual(q.Headers, hdrs(":method", "CONNECT", ":authority", "proxy.example:443")) || q.WireBodyLen != 12 {
		t.Errorf("request %+v", q)
	}
}

// TestHeaderTableSize: an encoder may grow its dynamic table only as far
// as the decoder's SETTINGS_HEADER_TABLE_SIZE allows.
func TestHeaderTableSize(t *testing.T) {
	for _, tc := range []struct {
		name     string
		announce bool
		problems []string
	}{
		{"announced", true, nil},
		{"not announced", false, []string{"hpack_error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConv(true)
			if tc.announce {
				c.settings(0, http2.Setting{ID: http2.SettingHeaderTableSize, Val: 65536})
			} else {
				c.settings(0)
			}
			c.settings(1)
			c.enc[1].SetMaxDynamicTableSizeLimit(65536)
			c.enc[1].SetMaxDynamicTableSize(65536) // emits a size update of 65536
			long := strings.Repeat("v", 6000)      // over the default 4096: needs the bigger table to be indexed
			c.headers(0, 1, true, ":method", "GET", ":path", "/a")
			c.headers(1, 1, true, ":status", "200", "x-long", long)
			c.headers(0, 3, true, ":method", "GET", ":path", "/b")
			c.headers(1, 3, true, ":status", "200", "x-long", long) // indexed from the dynamic table
			r := run(Config{}, c.events, nil)
			if !slices.Equal(r.problems, tc.problems) {
				t.Fatalf("problems %v", r.problems)
			}
			if !tc.announce {
				if r.stats.HPACKErrors != 1 || len(r.txs) != 2 || r.txs[0].Flags != h1.FlagNoResponse {
					t.Errorf("stats %+v txs %v", r.stats, summaries(r.txs))
				}
				return
			}
			if len(r.txs) != 2 {
				t.Fatalf("txs %v", summaries(r.txs))
			}
			for _, tx := range r.txs {
				if v, _ := headerValue(tx.Response.Headers, "x-long"); v != long {
					t.Errorf("x-long lost in %s", summary(tx))
				}
			}
		})
	}
}

func TestProtocolErrors(t *testing.T) {
	get := []string{":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/"}
	for _, tc := range []struct {
		name     string
		build    func(c *conv)
		want     []string
		problems []string
		stats    func(s Stats) bool
	}{
		{
			name: "data interrupts header block",
			build: func(c *conv) {
				blk := c.block(0, get...)
				c.frames(0, func(fr *http2.Framer) {
					fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: blk[:3], EndStream: true})
					fr.WriteData(1, true, []byte("x"))
				})
				c.headers(1, 1, true, ":status", "204")
			},
			// The client direction stops; the response still comes.
			want:     []string{`depth=1 flags=[no_request] resp[204 "" flags=[]]`},
			problems: []string{"protocol_error"},
			stats:    func(s Stats) bool { return s.ProtocolErrors == 1 && s.AbandonedDirs == 1 },
		},
		{
			name: "frame over max frame size",
			build: func(c *conv) {
				c.headers(0, 1, false, get...)
				c.data(0, 1, true, strings.Repeat("x", 16385)) // the server announced no larger size
				c.headers(1, 1, true, ":status", "200")
			},
			want:     []string{`depth=1 flags=[] req[GET / "" flags=[incomplete]] resp[200 "" flags=[]]`},
			problems: []string{"frame_size", "protocol_error"},
			stats:    func(s Stats) bool { return s.ProtocolErrors == 1 },
		},
		{
			name: "larger frame size announced",
			build: func(c *conv) {
				c.settings(1, http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 20})
				c.headers(0, 1, false, get...)
				c.data(0, 1, true, strings.Repeat("x", 16385))
				c.headers(1, 1, true, ":status", "200")
			},
			want:  []string{`depth=1 flags=[] req[GET / "` + strings.Repeat("x", 16385) + `" flags=[]] resp[200 "" flags=[]]`},
			stats: func(s Stats) bool { return s.ProtocolErrors == 0 },
		},
		{
			name: "garbage header block",
			build: func(c *conv) {
				c.frames(0, func(fr *http2.Framer) {
					fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, EndStream: true, EndHeaders: true})
				})
			},
			problems: []string{"hpack_error"},
			stats:    func(s Stats) bool { return s.HPACKErrors == 1 && s.Transactions == 0 },
		},
		{
			name: "server reset, goaway, unknown frame, stream 0 data",
			build: func(c *conv) {
				c.headers(0, 1, false, append(get, "content-encoding", "gzip")...)
				c.data(0, 1, false, "\x1f\x8b")
				c.frames(1, func(fr *http2.Framer) {
					fr.WriteRawFrame(0xfa, 0, 0, []byte("ext"))
					fr.WriteRSTStream(1, http2.ErrCodeRefusedStream)
					fr.WriteGoAway(1, http2.ErrCodeNo, nil)
					fr.WriteData(0, false, []byte("bad"))
				})
			},
			want:     []string{`depth=1 flags=[no_response] req[GET / "" flags=[incomplete]]`},
			problems: []string{"protocol_error"},
			stats: func(s Stats) bool {
				return s.RSTStreams == 1 && s.GoAways == 1 && s.UnknownFrames == 1 && s.ProtocolErrors == 1 &&
					s.IncompleteMessages == 1 && s.DecodeErrors == 0 && s.UnansweredRequests == 1
			},
		},
		{
			name: "trailers and late frames",
			build: func(c *conv) {
				c.headers(0, 1, false, ":method", "POST", ":path", "/t")
				c.data(0, 1, false, "body")
				c.headers(0, 1, true, "grpc-status", "0")
				c.headers(1, 1, true, ":status", "200")
				c.data(1, 1, true, "late")              // after END_STREAM: ignored
				c.headers(1, 5, true, ":status", "200") // no request yet: a lone response
				c.headers(0, 3, true, ":method", "GET", ":path", "/x")
			},
			want: []string{
				`depth=1 flags=[] req[POST /t "body" flags=[]] resp[200 "" flags=[]]`,
				`depth=2 flags=[no_request] resp[200 "" flags=[]]`,
				`depth=3 flags=[no_response] req[GET /x "" flags=[]]`,
			},
			stats: func(s Stats) bool { return s.IgnoredFrames == 1 && s.UnpairedResponses == 1 },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := exchange()
			tc.build(c)
			r := run(Config{}, c.events, nil)
			if got := summaries(r.txs); !slices.Equal(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if !slices.Equal(r.problems, tc.problems) {
				t.Errorf("problems %v, want %v", r.problems, tc.problems)
			}
			if !tc.stats(r.stats) {
				t.Errorf("stats %+v", r.stats)
			}
			// Split-invariant too.
			if b := run(Config{}, c.events, byteSplit); !reflect.DeepEqual(b.txs, r.txs) || b.stats != r.stats {
				t.Errorf("byte split differs: %v", summaries(b.txs))
			}
		})
	}
}

// TestStart: a direction must open with the preface or SETTINGS.
func TestStart(t *testing.T) {
	for _, tc := range []struct {
		name     string
		events   []event
		problems []string
		reqKnown bool
	}{
		{"http/1.1", []event{{dir: 0, b: []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")}}, []string{"bad_preface", "protocol_error"}, false},
		{"broken preface", []event{{dir: 0, b: []byte("PRI * HTTP/1.1\r\n\r\n")}}, []string{"bad_preface", "protocol_error"}, false},
		{"preface only", []event{{dir: 0, b: []byte(http2.ClientPreface)}}, nil, true},
		{"cut preface", []event{{dir: 0, b: []byte(http2.ClientPreface[:10])}}, nil, false},
		{"ping first", func() []event {
			c := newConv(false)
			c.frames(1, func(fr *http2.Framer) { fr.WritePing(false, [8]byte{}) })
			return c.events
		}(), []string{"bad_preface", "protocol_error"}, false},
		{"cut frame", func() []event {
			c := newConv(true)
			c.settings(0)
			c.headers(0, 1, true, ":method", "GET", ":path", "/")
			c.events[2].b = c.events[2].b[:10] // header and one byte of a 2-byte block
			return c.events
		}(), []string{"truncated_frame"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(Config{}, tc.events, nil)
			if !slices.Equal(r.problems, tc.problems) || r.reqKnown != tc.reqKnown || len(r.txs) != 0 {
				t.Errorf("problems %v reqKnown %v txs %v", r.problems, r.reqKnown, summaries(r.txs))
			}
		})
	}
}

// TestMaxStreams: beyond MaxStreams open streams the oldest is emitted
// early, and its late response is ignored.
func TestMaxStreams(t *testing.T) {
	c := exchange()
	for _, id := range []uint32{1, 3, 5} {
		c.headers(0, id, true, ":method", "GET", ":path", "/"+string(rune('a'+id/2)))
	}
	c.headers(1, 1, true, ":status", "200")
	c.headers(1, 5, true, ":status", "404")
	r := run(Config{MaxStreams: 2}, c.events, nil)
	want := []string{
		`depth=1 flags=[no_response] req[GET /a "" flags=[]]`,
		`depth=3 flags=[] req[GET /c "" flags=[]] resp[404 "" flags=[]]`,
		`depth=2 flags=[no_response] req[GET /b "" flags=[]]`,
	}
	if got := summaries(r.txs); !slices.Equal(got, want) {
		t.Errorf("got\n%s", strings.Join(got, "\n"))
	}
	if r.stats.StreamLimits != 1 || r.stats.IgnoredFrames != 1 || !slices.Equal(r.problems, []string{"stream_limit"}) {
		t.Errorf("stats %+v problems %v", r.stats, r.problems)
	}
}

// TestCounters: names are stable, unique and prefixed.
func TestCounters(t *testing.T) {
	s := Stats{Frames: 3, UnpairedResponses: 4}
	cs := s.Counters()
	seen := map[string]bool{}
	for _, c := range cs {
		if !strings.HasPrefix(c.Name, "http2.") || seen[c.Name] {
			t.Errorf("counter %q", c.Name)
		}
		seen[c.Name] = true
	}
	if cs[0] != (Counter{"http2.frames", 3}) || cs[len(cs)-1] != (Counter{"http2.unpaired_responses", 4}) {
		t.Errorf("counters %v", cs)
	}
	if n := reflect.TypeOf(s).NumField(); n != len(cs) {
		t.Errorf("%d fields, %d counters", n, len(cs))
	}
}

var _ reassembly.Dir
