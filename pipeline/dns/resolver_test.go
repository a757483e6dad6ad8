package dns

import (
	"fmt"
	"net/netip"
	"testing"
)

func resp(query string, answers ...Answer) *Message {
	return &Message{Response: true, Query: query, QType: "A", Answers: answers}
}

func a(name, addr string) Answer    { return Answer{Name: name, Type: "A", Data: addr} }
func aaaa(name, addr string) Answer { return Answer{Name: name, Type: "AAAA", Data: addr} }
func cname(name, tgt string) Answer { return Answer{Name: name, Type: "CNAME", Data: tgt} }
func addr(s string) netip.Addr      { return netip.MustParseAddr(s) }
func lookup(r *Resolver, s string, t int64) string {
	name, ok := r.Lookup(addr(s), t)
	if !ok {
		return "-"
	}
	return name
}

func TestResolver(t *testing.T) {
	type obs struct {
		t int64
		m *Message
	}
	type look struct {
		addr string
		t    int64
		want string // "-" when none
	}
	tests := []struct {
		name    string
		max     int
		observe []obs
		lookups []look
		n       int // entries held at the end
	}{
		{"cname chain maps to the queried name", 0, []obs{{10, resp("www.example.com",
			cname("www.example.com", "www.example.com.cdn.net"), cname("WWW.example.com.cdn.net", "e1.cdn.net"),
			a("e1.cdn.net", "192.0.2.1"), aaaa("E1.cdn.net", "2001:db8::1"), a("other.net", "192.0.2.9"))}},
			[]look{{"192.0.2.1", 10, "www.example.com"}, {"2001:db8::1", 99, "www.example.com"}, {"192.0.2.9", 10, "other.net"},
				{"192.0.2.1", 9, "-"}, {"::ffff:192.0.2.1", 10, "www.example.com"}, {"192.0.2.2", 10, "-"}}, 3},
		{"queries, answerless responses and other types are ignored", 0, []obs{
			{1, &Message{Query: "q.example", Answers: []Answer{a("q.example", "192.0.2.1")}}},
			{2, resp("x.example")},
			{3, resp("x.example", Answer{Name: "x.example", Type: "TXT", Data: "192.0.2.1"}, a("x.example", "not an address"))},
			{4, nil},
		}, []look{{"192.0.2.1", 100, "-"}}, 0},
		{"just before: the latest answer at or before the time", 0, []obs{
			{100, resp("a.example", a("a.example", "192.0.2.1"))},
			{300, resp("c.example", a("c.example", "192.0.2.1"))},
			{200, resp("b.example", a("b.example", "192.0.2.1"))}, // observed out of order
			{300, resp("d.example", a("d.example", "192.0.2.1"))}, // same time: the later observation wins
		}, []look{{"192.0.2.1", 99, "-"}, {"192.0.2.1", 100, "a.example"}, {"192.0.2.1", 199, "a.example"}, {"192.0.2.1", 200, "b.example"},
			{"192.0.2.1", 299, "b.example"}, {"192.0.2.1", 300, "d.example"}, {"192.0.2.1", 1 << 60, "d.example"}}, 4},
		{"a repeated answer renews its entry", 0, []obs{
			{100, resp("a.example", a("a.example", "192.0.2.1"))},
			{200, resp("a.example", a("a.example", "192.0.2.1"))},
		}, []look{{"192.0.2.1", 150, "a.example"}, {"192.0.2.1", 99, "-"}}, 1},
		{"mapped addresses in answers are unmapped", 0, []obs{{5, resp("m.example", aaaa("m.example", "::ffff:198.51.100.7"))}},
			[]look{{"198.51.100.7", 5, "m.example"}, {"::ffff:198.51.100.7", 5, "m.example"}}, 1},
		{"cname loop ends", 0, []obs{{1, resp("l.example", cname("l.example", "m.example"), cname("m.example", "l.example"), a("n.example", "192.0.2.3"))}},
			[]look{{"192.0.2.3", 1, "n.example"}}, 1},
		{"no question: the owner name", 0, []obs{{1, resp("", a("printer.local", "192.168.1.20"))}},
			[]look{{"192.168.1.20", 1, "printer.local"}}, 1},
		// max 3: five entries, the two observed first are evicted.
		{"eviction of the oldest observations", 3, []obs{
			{10, resp("a.example", a("a.example", "192.0.2.1"))},
			{20, resp("b.example", a("b.example", "192.0.2.2"))},
			{30, resp("c.example", a("c.example", "192.0.2.1"))},
			{5, resp("d.example", a("d.example", "192.0.2.3"))},
			{40, resp("e.example", a("e.example", "192.0.2.4"))},
		}, []look{{"192.0.2.1", 15, "-"}, {"192.0.2.1", 30, "c.example"}, {"192.0.2.2", 20, "-"}, {"192.0.2.3", 5, "d.example"}, {"192.0.2.4", 40, "e.example"}}, 3},
		// max 2: a renewed entry outlives one observed after it.
		{"renewal protects from eviction", 2, []obs{
			{10, resp("a.example", a("a.example", "192.0.2.1"))},
			{20, resp("b.example", a("b.example", "192.0.2.2"))},
			{30, resp("a.example", a("a.example", "192.0.2.1"))},
			{40, resp("c.example", a("c.example", "192.0.2.3"))},
		}, []look{{"192.0.2.1", 10, "a.example"}, {"192.0.2.2", 20, "-"}, {"192.0.2.3", 40, "c.example"}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewResolver(tc.max)
			for _, o := range tc.observe {
				r.Observe(o.t, o.m)
			}
			for _, l := range tc.lookups {
				if got := lookup(r, l.addr, l.t); got != l.want {
					t.Errorf("Lookup(%s, %d) = %q, want %q", l.addr, l.t, got, l.want)
				}
			}
			if r.Len() != tc.n {
				t.Errorf("Len() = %d, want %d", r.Len(), tc.n)
			}
		})
	}
}

// Under a long run of observations the Resolver holds exactly max entries,
// its queue stays bounded, and which entries remain is the last max
// observed.
func TestResolverBounded(t *testing.T) {
	const max = 50
	r := NewResolver(max)
	for i := range 10000 {
		ip := fmt.Sprintf("10.0.%d.%d", i%7, i%13) // 91 addresses, renewed and replaced
		name := fmt.Sprintf("n%d.example", i%5)
		r.Observe(int64(i), resp(name, a(name, ip)))
		if r.Len() > max {
			t.Fatalf("after %d: %d entries", i, r.Len())
		}
		if live := len(r.queue) - r.head; live > 2*max+64+1 {
			t.Fatalf("after %d: queue of %d", i, live)
		}
	}
	if r.Len() != max {
		t.Errorf("Len() = %d, want %d", r.Len(), max)
	}
	// The last observation of each address that is among the last max
	// distinct entries is found.
	i := 9999
	if got := lookup(r, fmt.Sprintf("10.0.%d.%d", i%7, i%13), int64(i)); got != fmt.Sprintf("n%d.example", i%5) {
		t.Errorf("latest lookup = %q", got)
	}
}
