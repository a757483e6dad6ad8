package correlate

import (
	"reflect"
	"testing"
)

func TestClustersAndHubs(t *testing.T) {
	var (
		andA, imeiA, gaidA = ID{"android_id", "aaaa000000000001"}, ID{"imei", "358476101234565"}, ID{"advertising_id", "7e2b4c91-0000-4000-8000-00000000000a"}
		andB, imeiB, gaidB = ID{"android_id", "bbbb000000000002"}, ID{"imei", "490154203237518"}, ID{"advertising_id", "7e2b4c91-0000-4000-8000-00000000000b"}
		accX, accY, cookie = ID{"account_id", "1001"}, ID{"account_id", "2002"}, ID{"web_cookie_id", "17bdf1c2e8a41f-0b5c3e9d7a6f21-1c3b6650-13c680-17bdf1c2e8b9d4"}
		place              = ID{"android_id", "9774d56d682e549c"}
		ip                 = ID{"ipv4", "192.0.2.7"}
		appKey             = ID{"device_id", "app-key-000123"}
	)
	g := New()
	// Phone A: one connection, two payloads.
	g.Event(nil, "CA", 10, "sa.example", "sensors_analytics", []ID{andA, imeiA})
	g.Event(nil, "CA", 11, "sa.example", "sensors_analytics", []ID{andA, accX})
	g.EndPayload(1)
	g.Event(nil, "CA", 12, "t.appsflyer.com", "appsflyer", []ID{gaidA, place, andA})
	g.EndPayload(2)
	g.EndConnection("CA", 1)
	// The laptop, logged in as X.
	g.Event(nil, "CL", 20, "sa.example", "sensors_analytics", []ID{cookie, accX, ip})
	g.EndPayload(3)
	// Phone B.
	g.Event(nil, "CB", 30, "sa.example", "sensors_analytics", []ID{andB, imeiB, accY})
	g.EndPayload(4)
	g.Event(nil, "CB", 31, "t.appsflyer.com", "appsflyer", []ID{gaidB, place, andB, ip})
	g.EndPayload(5)
	// An app-wide constant that passed the identifier rules, on both phones.
	g.Event(nil, "CA2", 40, "c.example", "generic_json", []ID{appKey, andA})
	g.Event(nil, "CB2", 41, "c.example", "generic_json", []ID{appKey, andB})
	g.EndPayload(6)
	hA := g.Event(nil, "CA", 50, "x", "s", []ID{place, ip, imeiA})
	res := g.Finish()

	if got, want := res.EventCluster(hA), clusterName(accX); got != want {
		t.Errorf("event with a hub, an address and phone A's IMEI: cluster %s, want phone A's %s", got, want)
	}
	if got := res.EventCluster(g.Event(nil, "CZ", 60, "x", "s", []ID{ip})); got != "" {
		t.Errorf("event with only an address: cluster %q, want none", got)
	}

	cluster := map[ID]string{}
	hubs := map[ID]bool{}
	for _, r := range res.Identifiers {
		cluster[ID{r.Kind, r.Value}] = r.ClusterID
		if r.Hub {
			hubs[ID{r.Kind, r.Value}] = true
		}
	}
	// The known placeholder, and the constant seen with both phones'
	// Android IDs, are hubs; the shared (NAT) address is context: it links
	// nothing either.
	if !reflect.DeepEqual(hubs, map[ID]bool{place: true, appKey: true}) {
		t.Errorf("hubs = %v, want the placeholder and the app key", hubs)
	}
	x := []ID{andA, imeiA, gaidA, accX, cookie}
	y := []ID{andB, imeiB, gaidB, accY}
	for _, grp := range [][]ID{x, y} {
		for _, id := range grp[1:] {
			if cluster[id] != cluster[grp[0]] {
				t.Errorf("%v in cluster %s, %v in %s: want one cluster", id, cluster[id], grp[0], cluster[grp[0]])
			}
		}
	}
	if cluster[andA] == cluster[andB] || cluster[place] == cluster[andA] || cluster[place] == cluster[andB] || cluster[ip] == cluster[andA] || cluster[ip] == cluster[andB] || cluster[appKey] == cluster[andA] {
		t.Errorf("clusters merged: %v", cluster)
	}
	if want := clusterName(accX); cluster[andA] != want { // account_id sorts first in person X
		t.Errorf("cluster name %s, want %s (the least member's)", cluster[andA], want)
	}

	links := map[[2]ID]Link{}
	for _, l := range res.Links {
		links[[2]ID{{l.KindA, l.ValueA}, {l.KindB, l.ValueB}}] = l
	}
	for _, tt := range []struct {
		a, b  ID
		level string
		e, p  int64
		c     int64
	}{
		{imeiA, andA, LevelEvent, 1, 1, 1},
		{accX, imeiA, LevelPayload, 0, 1, 1},
		{advertising(gaidA), imeiA, LevelConnection, 0, 0, 1},
		{accX, cookie, LevelEvent, 1, 1, 1},
	} {
		a, b := tt.a, tt.b
		if compareID(a, b) > 0 {
			a, b = b, a
		}
		l, ok := links[[2]ID{a, b}]
		if !ok || l.Level != tt.level || l.Events != tt.e || l.Payloads != tt.p || l.Conns != tt.c {
			t.Errorf("link %v-%v = %+v (found %v), want %s %d/%d/%d", a, b, l, ok, tt.level, tt.e, tt.p, tt.c)
		}
	}
	if _, ok := links[[2]ID{accX, accY}]; ok {
		t.Error("accounts of two people linked")
	}
	for _, r := range res.Identifiers {
		if r.Kind == "account_id" && r.Value == "1001" {
			if r.Events != 2 || r.FirstTS != 11 || r.LastTS != 20 || !reflect.DeepEqual(r.Hosts, []string{"sa.example"}) || r.ClusterSize != 5 || r.Hub {
				t.Errorf("account row %+v", r)
			}
		}
	}
}

func advertising(id ID) ID { return id }

// TestDeterministic: the same events in another interleaving of
// connections give the same rows.
func TestDeterministic(t *testing.T) {
	build := func(order []int) Result {
		g := New()
		evs := []struct {
			uid string
			ids []ID
		}{
			{"C1", []ID{{"imei", "358476101234565"}, {"android_id", "aaaa000000000001"}}},
			{"C2", []ID{{"android_id", "aaaa000000000001"}, {"account_id", "7"}}},
			{"C3", []ID{{"email", "a@b.example"}}},
		}
		for i, o := range order {
			g.Event(nil, evs[o].uid, int64(o), "h", "s", evs[o].ids)
			g.EndPayload(int64(i))
		}
		return g.Finish()
	}
	a, b := build([]int{0, 1, 2}), build([]int{2, 1, 0})
	if !reflect.DeepEqual(a.Identifiers, b.Identifiers) || !reflect.DeepEqual(a.Links, b.Links) {
		t.Errorf("results differ with input order:\n%+v\n%+v", a, b)
	}
}

// TestHubRuleSpares: an Android ID seen with an old and a new advertising
// ID links them (a reset is defeated, which is a finding), and one person's
// account on two phones links the phones.
func TestHubRuleSpares(t *testing.T) {
	and1, and2 := ID{"android_id", "aaaa000000000001"}, ID{"android_id", "bbbb000000000002"}
	old, renewed := ID{"advertising_id", "7e2b4c91-0000-4000-8000-000000000001"}, ID{"advertising_id", "7e2b4c91-0000-4000-8000-000000000002"}
	acc := ID{"account_id", "1001"}
	g := New()
	g.Event(nil, "C1", 1, "h", "s", []ID{and1, old})
	g.Event(nil, "C1", 2, "h", "s", []ID{and1, renewed})
	g.Event(nil, "C2", 3, "h", "s", []ID{acc, and1})
	g.Event(nil, "C3", 4, "h", "s", []ID{acc, and2})
	res := g.Finish()
	for _, r := range res.Identifiers {
		if r.Hub || r.ClusterSize != 5 || r.ClusterID != res.Identifiers[0].ClusterID {
			t.Errorf("%+v: want one cluster of 5, no hub", r)
		}
	}
}

func TestCanonical(t *testing.T) {
	for _, tt := range []struct{ in, want ID }{
		{ID{"mac", "A4:50:46:3C:8E:71"}, ID{"mac", "a4:50:46:3c:8e:71"}},
		{ID{"mac", "a450463c8e71"}, ID{"mac", "a4:50:46:3c:8e:71"}},
		{ID{"mac", "A4-50-46-3C-8E-71"}, ID{"mac", "a4:50:46:3c:8e:71"}},
		{ID{"android_id", "A3F9C47E21D08B65"}, ID{"android_id", "a3f9c47e21d08b65"}},
		{ID{"advertising_id", "7e2b4c913d5a4f089b6e1c2d3e4f5a6b"}, ID{"advertising_id", "7e2b4c91-3d5a-4f08-9b6e-1c2d3e4f5a6b"}},
		{ID{"idfv", "5E0C9A71-3B2D-4F86-A1C4-9D8E7F6A5B43"}, ID{"idfv", "5e0c9a71-3b2d-4f86-a1c4-9d8e7f6a5b43"}},
		{ID{"anonymous_id", "not-hex-at-all"}, ID{"anonymous_id", "not-hex-at-all"}},
		{ID{"imei", "358476101234565"}, ID{"imei", "358476101234565"}},
		{ID{"account_id", "Ana"}, ID{"account_id", "Ana"}},
		{ID{"email", " Ana.Popescu@Example.RO"}, ID{"email", "ana.popescu@example.ro"}},
	} {
		if got := Canonical(tt.in); got != tt.want {
			t.Errorf("Canonical(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
