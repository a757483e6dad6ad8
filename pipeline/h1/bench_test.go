package h1

import (
	"fmt"
	"testing"

	"telltale/reassembly"
)

// keepAlive returns n small GET requests and their 200 responses, as a
// browser or SDK sends them on one kept-alive connection.
func keepAlive(n int) (reqs, resps [][]byte) {
	for i := 0; i < n; i++ {
		reqs = append(reqs, []byte(crlf(fmt.Sprintf("GET /api/v1/items/%d?fields=id,name HTTP/1.1\n"+
			"Host: api.example.com\nUser-Agent: Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36\n"+
			"Accept: application/json\nAccept-Encoding: gzip, deflate, br\nConnection: keep-alive\n"+
			"Cookie: session=0123456789abcdef\n\n", i))))
		body := fmt.Sprintf(`{"id":%d,"name":"x"}`, i)
		resps = append(resps, []byte(crlf(fmt.Sprintf("HTTP/1.1 200 OK\nContent-Type: application/json\n"+
			"Content-Length: %d\nConnection: keep-alive\n\n", len(body)))+body))
	}
	return reqs, resps
}

// playKeepAlive feeds the exchange to a fresh Conn, pushing chunk bytes at a
// time (0: each message whole).
func playKeepAlive(reqs, resps [][]byte, chunk int, st *Stats) int {
	n := 0
	c := NewConn(Config{}, func(*Transaction) { n++ }, st)
	var off [2]int64
	push := func(d reassembly.Dir, b []byte) {
		for len(b) > 0 {
			k := len(b)
			if chunk > 0 && k > chunk {
				k = chunk
			}
			c.Data(d, b[:k], reassembly.Position{Offset: off[d]})
			off[d] += int64(k)
			b = b[k:]
		}
	}
	for i := range reqs {
		push(reassembly.ClientToServer, reqs[i])
		push(reassembly.ServerToClient, resps[i])
	}
	c.End(&reassembly.ConnSummary{})
	return n
}

func BenchmarkKeepAliveGET(b *testing.B) {
	reqs, resps := keepAlive(100)
	var total int64
	for i := range reqs {
		total += int64(len(reqs[i]) + len(resps[i]))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	var st Stats
	for b.Loop() {
		if n := playKeepAlive(reqs, resps, 0, &st); n != 100 {
			b.Fatalf("got %d transactions, want 100", n)
		}
	}
}

// Pushing a keep-alive exchange byte by byte allocates no more than pushing
// it message by message, but for the growth of the one line buffer: nothing
// is allocated per byte.
func TestNoAllocationPerByte(t *testing.T) {
	reqs, resps := keepAlive(20)
	var st Stats
	whole := testing.AllocsPerRun(5, func() { playKeepAlive(reqs, resps, 0, &st) })
	bytewise := testing.AllocsPerRun(5, func() { playKeepAlive(reqs, resps, 1, &st) })
	t.Logf("allocations per connection of 20 transactions: whole %v, byte by byte %v", whole, bytewise)
	if bytewise > whole+10 {
		t.Errorf("byte-by-byte pushes allocated %v times, message pushes %v: more than the line buffer's growth", bytewise, whole)
	}
	if perTx := whole / 20; perTx > 30 {
		t.Errorf("%v allocations per transaction, want at most 30", perTx)
	}
}

// Once a direction is known not to be HTTP, pushes cost nothing.
func TestNonHTTPNoWork(t *testing.T) {
	var st Stats
	c := NewConn(Config{}, func(*Transaction) { t.Error("unexpected transaction") }, &st)
	hello := []byte(tlsHello)
	c.Data(reassembly.ClientToServer, hello, reassembly.Position{})
	allocs := testing.AllocsPerRun(100, func() {
		c.Data(reassembly.ClientToServer, hello, reassembly.Position{Offset: 1})
		c.Gap(reassembly.ClientToServer, 10, reassembly.Position{Offset: 1})
	})
	if allocs != 0 {
		t.Errorf("pushes to a non-HTTP direction allocated %v times, want 0", allocs)
	}
}
