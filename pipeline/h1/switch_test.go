package h1

import "testing"

// TestSwitched checks that a connection leaving HTTP/1.x says where, per
// direction, the next protocol starts, whatever the split of the deliveries.
func TestSwitched(t *testing.T) {
	req := crlf("GET /h2 HTTP/1.1\nHost: a\nConnection: Upgrade, HTTP2-Settings\nUpgrade: h2c\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\n\n")
	resp := crlf("HTTP/1.1 101 Switching Protocols\nConnection: Upgrade\nUpgrade: h2c\n\n")
	settings := "\x00\x00\x00\x04\x00\x00\x00\x00\x00"
	connect := crlf("CONNECT t.example:443 HTTP/1.1\nHost: t.example:443\n\n")
	ok := crlf("HTTP/1.1 200 Connection established\n\n")
	tests := []struct {
		name     string
		evs      []ev
		protocol string
		off      [2]int64
	}{
		{"h2c", []ev{c2s(req), s2c(resp + settings), c2s("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")}, "h2c", [2]int64{int64(len(req)), int64(len(resp))}},
		{"connect", []ev{c2s(connect), s2c(ok + "\x16\x03\x01"), c2s("\x16\x03\x01\x02\x00")}, "", [2]int64{int64(len(connect)), int64(len(ok))}},
	}
	for _, tt := range tests {
		for _, sp := range splits {
			var sw *Switch
			feedWith(Config{}, tt.evs, sp.f, func(c *Conn) {
				if s := c.Switched(); s != nil && sw == nil {
					sw = s
				}
			})
			if sw == nil {
				t.Errorf("%s/%s: not switched", tt.name, sp.name)
				continue
			}
			if sw.Protocol != tt.protocol || sw.Offset != tt.off || sw.Request == nil || sw.Response == nil {
				t.Errorf("%s/%s: switch %q at %v (request %v), want %q at %v", tt.name, sp.name, sw.Protocol, sw.Offset, sw.Request != nil, tt.protocol, tt.off)
			}
		}
	}
	var st Stats
	c := NewConn(Config{}, func(*Transaction) {}, &st)
	if c.Switched() != nil {
		t.Error("a new Conn says it switched")
	}
}
