package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"telltale/samples/internal/truth"
)

// idKinds are telltale's id_kind names (pipeline/extract/ident.go), the
// vocabulary of the truth's identifier kinds.
var idKinds = []string{"imei", "meid", "imsi", "iccid", "android_id", "advertising_id", "oaid", "idfv",
	"anonymous_id", "web_cookie_id", "mac", "bssid", "ssid", "email", "phone", "ipv4", "ipv6", "geo",
	"url", "search_query", "account_id", "packed_ids", "device_id"}

// zooNotIdentifiers are the places in sdk-zoo's telemetry that hold
// id-looking text (see looksLikeID) that names no device or person, each
// with the reason. A place is a path suffix at a '.' boundary.
var zooNotIdentifiers = map[string]string{
	"_track_id":          "Sensors per-event random number (dedupe)",
	"rid":                "per-event random id of the browser's page loads",
	"page_id":            "per-page-load random id",
	"time":               "event time",
	"_flush_time":        "flush time",
	"timestamp":          "event time (Amplitude legacy)",
	"session_id":         "Amplitude session: its start time in ms",
	"af_timestamp":       "AppsFlyer event time",
	"installDate":        "AppsFlyer install date",
	"date1":              "AppsFlyer first-launch date",
	"created_at":         "Adjust package time",
	"sent_at":            "Adjust send time",
	"sentAt":             "Segment send time",
	"response.timestamp": "Adjust answer time",
	"timestamp_micros":   "Firebase MP event time",
	"sid":                "GA4 session id: the session start in seconds",
	"_p":                 "gtag page-load random number",
	"a":                  "analytics.js page-load random number",
	"z":                  "analytics.js cache buster",
	"sr":                 "screen resolution",
	"vp":                 "viewport size",
	"$insert_id":         "Mixpanel per-event dedupe id",
	"insert_id":          "Amplitude per-event dedupe id",
	"uuid":               "Amplitude legacy per-event UUID (the Sensors super property uuid carries the anonymous id and is explained by it)",
	"messageId":          "Segment per-message UUID",
	"transaction_id":     "a purchase's order number",
	"token":              "Mixpanel project token: names the app",
	"api_key":            "Amplitude project key: names the app",
	"app_token":          "Adjust app token: names the app",
	"appsflyerKey":       "AppsFlyer dev key: names the app",
	"tid":                "GA4 stream / UA property id: names the site",
	"miui_version":       "MIUI build",
	"os_build":           "Android build id",
	"hardware_name":      "Android build id",
	"cpu_type":           "CPU ABI",
	"cksm_v1":            "AppsFlyer request checksum",
	"imei_md5":           "hash of a known value: a leak, not an id value",
	"wmac_sha1":          "hash of a known value: a leak",
	"imei_sha1":          "hash of a known value: a leak",
	"mac_md5":            "hash of a known value: a leak",
	"em":                 "hash of a known value: a leak",
	"email_sha256":       "hash of a known value: a leak",
	"hashed_email.value": "hash of a known value: a leak",
	"props.u":            "Base64 of a known value: a leak",
}

// idLikeText is text an identifier detector could take for an id: one
// token of id characters, long enough, with a digit in it.
var idLikeText = regexp.MustCompile(`^[0-9A-Za-z._:@+=-]{8,}$`)

func looksLikeID(s string) bool {
	return idLikeText.MatchString(s) && strings.ContainsAny(s, "0123456789")
}

// zooLeaf is one scalar of sdk-zoo's telemetry as the truth holds it.
type zooLeaf struct {
	unit   int // index of the event or response document; -1 for a cookie document (not counted)
	path   string
	text   string
	number bool
}

// zooLeaves lists every string and number leaf of the truth's events (object,
// envelope, nested JSON) and of its payload documents, walking their JSON
// encoding rather than the generator's values. Paths are named as the
// truth's identifier paths are.
func zooLeaves(t *testing.T, tf *truth.File) []zooLeaf {
	var out []zooLeaf
	add := func(unit int, prefix string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var doc any
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for _, k := range slices.Sorted(maps.Keys(v)) {
					p := k
					if path != "" {
						p = path + "." + k
					}
					walk(p, v[k])
				}
			case []any:
				for i, e := range v {
					walk(path+"["+strconv.Itoa(i)+"]", e)
				}
			case string:
				out = append(out, zooLeaf{unit: unit, path: path, text: v})
			case json.Number:
				out = append(out, zooLeaf{unit: unit, path: path, text: v.String(), number: true})
			}
		}
		walk(prefix, doc)
	}
	for i, e := range tf.Events {
		add(i, "", e.Object)
		if len(e.Envelope) > 0 {
			add(i, "envelope", e.Envelope)
		}
		for _, n := range e.Nested {
			add(i, n.Path, n.Object)
		}
	}
	unit := len(tf.Events)
	for _, p := range tf.Payloads {
		switch {
		case p.Object == nil:
		case p.Location == "response":
			add(unit, "response", p.Object)
			unit++
		default:
			add(-1, p.Location, p.Object)
		}
	}
	return out
}

// TestZooIdentifiersComplete checks the sdk-zoo truth's identifier list
// against the telemetry it describes (whose events and response documents
// TestRoundTrip compares with what is on the wire): the list is zooSpecs,
// each value found, each kind an id_kind name; its counts and paths agree
// with an independent walk; and every id-looking leaf carries a listed
// value or sits at a place zooNotIdentifiers explains.
func TestZooIdentifiersComplete(t *testing.T) {
	checkIdentifiersComplete(t, sdkZoo().Truth, zooSpecs(), zooNotIdentifiers)
}

// checkIdentifiersComplete checks a truth's identifier list against its
// telemetry: specs are the values the generator lists, notIDs the places
// holding id-looking text that is no identifier.
func checkIdentifiersComplete(t *testing.T, tf *truth.File, specs []truth.IdentifierSpec, notIDs map[string]string) {
	t.Helper()
	if len(tf.Identifiers) != len(specs) {
		t.Errorf("truth lists %d identifiers, the generator %d: some value is not in the telemetry", len(tf.Identifiers), len(specs))
	}
	seen := map[string]bool{}
	for i, sp := range specs {
		if !slices.Contains(idKinds, sp.Kind) {
			t.Errorf("%q: kind %q is not an id_kind name", sp.Value, sp.Kind)
		}
		if seen[sp.Value] {
			t.Errorf("%q listed twice", sp.Value)
		}
		seen[sp.Value] = true
		if i < len(tf.Identifiers) && (tf.Identifiers[i].Kind != sp.Kind || tf.Identifiers[i].Value != sp.Value) {
			t.Errorf("identifier %d is %s %q, the generator lists %s %q", i, tf.Identifiers[i].Kind, tf.Identifiers[i].Value, sp.Kind, sp.Value)
		}
	}

	leaves := zooLeaves(t, tf)
	for _, id := range tf.Identifiers {
		units, paths := map[int]bool{}, map[string]bool{}
		for _, l := range leaves {
			if l.unit < 0 || (l.number && l.text != id.Value) || !strings.Contains(l.text, id.Value) {
				continue
			}
			units[l.unit] = true
			if l.number {
				paths[l.path+" (number)"] = true
			} else {
				paths[l.path] = true
			}
		}
		if id.Events != len(units) {
			t.Errorf("%s %q: truth says %d events, the walk finds %d", id.Kind, id.Value, id.Events, len(units))
		}
		if want := slices.Sorted(maps.Keys(paths)); !slices.Equal(id.Paths, want) {
			t.Errorf("%s %q: truth paths %v, the walk finds %v", id.Kind, id.Value, id.Paths, want)
		}
	}

	used := map[string]bool{}
	unexplained := map[string]string{}
leaf:
	for _, l := range leaves {
		if !looksLikeID(l.text) {
			continue
		}
		for _, sp := range specs {
			if strings.Contains(l.text, sp.Value) {
				continue leaf
			}
		}
		explained := false
		for place := range notIDs {
			if l.path == place || strings.HasSuffix(l.path, "."+place) {
				used[place], explained = true, true
			}
		}
		if !explained {
			unexplained[l.path] = l.text
		}
	}
	for _, p := range slices.Sorted(maps.Keys(unexplained)) {
		t.Errorf("id-looking %s = %q is neither a listed identifier nor explained as no identifier", p, unexplained[p])
	}
	for _, place := range slices.Sorted(maps.Keys(notIDs)) {
		if !used[place] {
			t.Errorf("the no-identifier list explains %q, where no id-looking value is", place)
		}
	}
}
