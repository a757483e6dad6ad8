package main

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"telltale/samples/internal/truth"
)

// householdNotIdentifiers are the places in household's telemetry that hold
// id-looking text naming no device or person.
var householdNotIdentifiers = map[string]string{
	"_track_id":    "Sensors per-event random number (dedupe)",
	"rid":          "per-event random id of the browser's page loads",
	"page_id":      "per-page-load random id",
	"time":         "event time",
	"_flush_time":  "flush time",
	"session_id":   "Amplitude session: its start time in ms",
	"af_timestamp": "AppsFlyer event time",
	"installDate":  "AppsFlyer install date",
	"date1":        "AppsFlyer first-launch date",
	"miui_version": "MIUI build",
	"model":        "phone model number (AppsFlyer)",
	"device_model": "phone model number (Amplitude)",
	"appsflyerKey": "AppsFlyer dev key: names the app",
	"cksm_v1":      "AppsFlyer request checksum",
	"api_key":      "Amplitude project key: names the app",
}

// TestHouseholdIdentifiersComplete: the truth lists every identifier the
// telemetry carries (as TestZooIdentifiersComplete for sdk-zoo).
func TestHouseholdIdentifiersComplete(t *testing.T) {
	checkIdentifiersComplete(t, household().Truth, householdSpecs(), householdNotIdentifiers)
}

// unionFind is a disjoint-set forest over identifier values.
type unionFind map[string]string

func (u unionFind) find(x string) string {
	for u[x] != x {
		u[x] = u[u[x]]
		x = u[x]
	}
	return x
}

func (u unionFind) union(a, b string) { u[u.find(a)] = u.find(b) }

// components returns the sets of u, each sorted, in sorted order.
func (u unionFind) components() [][]string {
	by := map[string][]string{}
	for x := range u {
		by[u.find(x)] = append(by[u.find(x)], x)
	}
	var out [][]string
	for _, c := range by {
		slices.Sort(c)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// householdUnits lists, per event or response document of the truth, the
// identifiers (truth kind and value) that occur in it as a whole field
// value: a string leaf equal to the value or a number whose text is it.
// Leaves are read from the truth's JSON (zooLeaves), not from the
// generator's values.
func householdUnits(t *testing.T, tf *truth.File) [][]truth.IdentifierRef {
	kindOf := map[string]string{}
	for _, id := range tf.Identifiers {
		kindOf[id.Value] = id.Kind
	}
	var units [][]truth.IdentifierRef
	for _, l := range zooLeaves(t, tf) {
		kind, ok := kindOf[l.text]
		if l.unit < 0 || !ok {
			continue
		}
		for len(units) <= l.unit {
			units = append(units, nil)
		}
		r := truth.IdentifierRef{Kind: kind, Value: l.text}
		if !slices.Contains(units[l.unit], r) {
			units[l.unit] = append(units[l.unit], r)
		}
	}
	return units
}

// clusters links the identifiers occurring together in a unit, leaving out
// the values in skip, and returns the components.
func clusters(units [][]truth.IdentifierRef, skip []truth.IdentifierRef) [][]string {
	u := unionFind{}
	for _, unit := range units {
		var prev string
		for _, r := range unit {
			if slices.Contains(skip, r) {
				continue
			}
			if _, ok := u[r.Value]; !ok {
				u[r.Value] = r.Value
			}
			if prev != "" {
				u.union(prev, r.Value)
			}
			prev = r.Value
		}
	}
	return u.components()
}

func refValues(rs []truth.IdentifierRef) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Value)
	}
	slices.Sort(out)
	return out
}

// TestHouseholdIdentityGroups proves the ground truth recoverable from the
// events: linking the identifiers that occur together as whole field values
// in one event (union-find), hubs left out, gives exactly the identity
// groups; letting any one hub in merges the two people. It also checks the
// groups, hubs and devices against each other, the identifier list and the
// flows each device sent.
func TestHouseholdIdentityGroups(t *testing.T) {
	tf := household().Truth
	if len(tf.IdentityGroups) != 2 || len(tf.Hubs) == 0 || len(tf.Devices) != 3 {
		t.Fatalf("%d groups, %d hubs, %d devices", len(tf.IdentityGroups), len(tf.Hubs), len(tf.Devices))
	}
	listed := map[truth.IdentifierRef]bool{}
	for _, id := range tf.Identifiers {
		listed[truth.IdentifierRef{Kind: id.Kind, Value: id.Value}] = true
	}
	units := householdUnits(t, tf)
	whole := map[truth.IdentifierRef]bool{}
	for _, u := range units {
		for _, r := range u {
			whole[r] = true
		}
	}

	// Every listed identifier is a group member or a hub, once; one that
	// occurred only inside a longer string (a packed install source) could
	// be neither.
	where := map[truth.IdentifierRef]string{}
	place := func(r truth.IdentifierRef, w string) {
		if !listed[r] {
			t.Errorf("%s %s %q is not in the identifier list (or under another kind)", w, r.Kind, r.Value)
		}
		if !whole[r] {
			t.Errorf("%s %s %q occurs in no event as a whole field value", w, r.Kind, r.Value)
		}
		if prev, dup := where[r]; dup {
			t.Errorf("%s %q is in %s and in %s", r.Kind, r.Value, prev, w)
		}
		where[r] = w
	}
	var groups [][]string
	for _, g := range tf.IdentityGroups {
		for _, m := range g.Members {
			place(m, g.Name)
		}
		groups = append(groups, refValues(g.Members))
	}
	for _, h := range tf.Hubs {
		place(h, "hubs")
	}
	var packedOnly []string
	for r := range listed {
		if _, ok := where[r]; !ok {
			if whole[r] {
				t.Errorf("%s %q occurs as a whole value but is neither a group member nor a hub", r.Kind, r.Value)
			} else {
				packedOnly = append(packedOnly, r.Value)
			}
		}
	}
	slices.Sort(packedOnly)
	// household has none: every part of a packed string is also a field
	// of its own, so splitting packed strings or not gives the same groups.
	if len(packedOnly) != 0 {
		t.Errorf("identifiers only inside packed strings: %v", packedOnly)
	}

	// The proof: the groups are the components without the hubs ...
	slices.SortFunc(groups, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	if got := clusters(units, tf.Hubs); !slices.EqualFunc(got, groups, slices.Equal[[]string]) {
		t.Errorf("components without the hubs:\n%v\nidentity groups:\n%v", got, groups)
	}
	// ... and each hub alone joins the two people into one component.
	for _, h := range tf.Hubs {
		rest := slices.DeleteFunc(slices.Clone(tf.Hubs), func(x truth.IdentifierRef) bool { return x == h })
		got := clusters(units, rest)
		if len(got) != 1 || len(got[0]) != len(groups[0])+len(groups[1])+1 {
			t.Errorf("with hub %s %q the events give %d components %v, want the two people merged", h.Kind, h.Value, len(got), got)
		}
	}
	// A hub occurs in events of both people.
	for _, h := range tf.Hubs {
		with := map[string]bool{}
		for _, u := range units {
			if !slices.Contains(u, h) {
				continue
			}
			for _, r := range u {
				if w := where[r]; w != "hubs" && w != "" {
					with[w] = true
				}
			}
		}
		if len(with) != 2 {
			t.Errorf("hub %s %q occurs with %v", h.Kind, h.Value, slices.Sorted(maps.Keys(with)))
		}
	}

	// Devices: each lists what its flows' telemetry carries (whole or
	// inside a longer string), hubs left out; a person's group is the
	// union of their devices' identifiers without the packed-only ones.
	portIP := map[int]string{}
	for _, f := range tf.Flows {
		portIP[f.ClientPort] = f.ClientIP
	}
	leaves := zooLeaves(t, tf)
	unitPort := map[int]int{}
	for i, e := range tf.Events {
		unitPort[i] = e.ClientPort
	}
	n := len(tf.Events)
	for _, p := range tf.Payloads {
		if p.Location == "response" && p.Object != nil {
			unitPort[n] = p.ClientPort
			n++
		}
	}
	byPerson := map[string][]string{}
	for _, d := range tf.Devices {
		carried := map[string]bool{}
		for _, l := range leaves {
			if l.unit < 0 || portIP[unitPort[l.unit]] != d.ClientIP {
				continue
			}
			for r := range listed {
				if strings.Contains(l.text, r.Value) && !slices.Contains(tf.Hubs, r) {
					carried[r.Value] = true
				}
			}
		}
		if got, want := slices.Sorted(maps.Keys(carried)), refValues(d.Identifiers); !slices.Equal(got, want) {
			t.Errorf("device %s (%s): its telemetry carries %v, truth lists %v", d.Name, d.ClientIP, got, want)
		}
		for _, r := range d.Identifiers {
			if !listed[r] {
				t.Errorf("device %s: %s %q is not in the identifier list", d.Name, r.Kind, r.Value)
			}
			if whole[r] && !slices.Contains(byPerson[d.Person], r.Value) {
				byPerson[d.Person] = append(byPerson[d.Person], r.Value)
			}
		}
	}
	for _, g := range tf.IdentityGroups {
		got := slices.Sorted(slices.Values(byPerson[g.Name]))
		if want := refValues(g.Members); !slices.Equal(got, want) {
			t.Errorf("%s: the devices give %v, the group lists %v", g.Name, got, want)
		}
	}
}
