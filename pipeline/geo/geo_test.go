package geo

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter/mmdbtype"

	"telltale/pipeline/geo/geotest"
)

type network struct {
	prefix string
	value  mmdbtype.Map
}

func writeDB(t *testing.T, dbType string, nets ...network) string {
	ns := make([]geotest.Network, len(nets))
	for i, n := range nets {
		ns[i] = geotest.Network{Prefix: n.prefix, Value: n.value}
	}
	return geotest.WriteDB(t, dbType, ns...)
}

func iso(code string) mmdbtype.Map { return mmdbtype.Map{"iso_code": mmdbtype.String(code)} }

func asnValue(n uint32, org string) mmdbtype.Map {
	return mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(n), "autonomous_system_organization": mmdbtype.String(org)}
}

// countryNets are in the GeoLite2 Country layout; cityNets add what a City
// record carries besides.
var (
	countryNets = []network{
		{"93.184.216.0/24", mmdbtype.Map{"country": iso("US"), "registered_country": iso("US"), "continent": mmdbtype.Map{"code": mmdbtype.String("NA")}}},
		{"1.1.1.0/24", mmdbtype.Map{"registered_country": iso("AU")}}, // no located country
		{"2a00:1450::/32", mmdbtype.Map{"country": iso("IE"), "registered_country": iso("US")}},
		{"10.0.0.0/8", mmdbtype.Map{"country": iso("ZZ")}}, // private: never answered
		{"203.0.113.0/24", mmdbtype.Map{"country": mmdbtype.String("XX")}},
	}
	cityNets = []network{
		{"93.184.216.0/24", mmdbtype.Map{"city": mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("Norwell")}},
			"country": iso("US"), "location": mmdbtype.Map{"latitude": mmdbtype.Float64(42.1), "longitude": mmdbtype.Float64(-70.8)}}},
	}
	asnNets = []network{
		{"93.184.216.0/24", asnValue(15133, "Edgecast Inc.")},
		{"2a00:1450::/32", asnValue(15169, "Google LLC")},
		{"10.0.0.0/8", asnValue(64512, "private")},
		{"1.1.1.0/24", mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(13335)}}, // no organisation
	}
)

func TestLookup(t *testing.T) {
	country := writeDB(t, "GeoLite2-Country", countryNets...)
	city := writeDB(t, "GeoLite2-City", cityNets...)
	asn := writeDB(t, "GeoLite2-ASN", asnNets...)
	dbipCountry := writeDB(t, "DBIP-Country-Lite", countryNets...)
	dbipASN := writeDB(t, "DBIP-ASN-Lite (compat=GeoLite2-ASN)", asnNets...)
	type want struct {
		country string
		asn     uint32
		org     string
	}
	all := map[string]want{
		"93.184.216.34":          {"US", 15133, "Edgecast Inc."},
		"::ffff:93.184.216.34":   {"US", 15133, "Edgecast Inc."},
		"1.1.1.1":                {"AU", 13335, ""},
		"2a00:1450:4001:82b::e":  {"IE", 15169, "Google LLC"},
		"8.8.8.8":                {"", 0, ""},
		"10.1.2.3":               {"", 0, ""},
		"127.0.0.1":              {"", 0, ""},
		"fe80::1":                {"", 0, ""},
		"ff02::fb":               {"", 0, ""},
		"0.0.0.0":                {"", 0, ""},
		"fd00::1":                {"", 0, ""},
		"2001:4860:4860::8888":   {"", 0, ""},
		"203.0.113.7":            {"", 0, ""}, // a record of the wrong shape
		"93.184.217.1":           {"", 0, ""},
		"2a00:1451::1":           {"", 0, ""},
		"::ffff:10.1.2.3":        {"", 0, ""},
		"93.184.216.255":         {"US", 15133, "Edgecast Inc."},
		"2a00:1450:ffff:ffff::1": {"IE", 15169, "Google LLC"},
	}
	tests := []struct {
		name       string
		geo, asn   string
		lookups    map[string]want
		errorsWant int64
	}{
		{"geolite2 country and asn", country, asn, all, 1},
		{"dbip lite", dbipCountry, dbipASN, all, 1},
		{"city layout, no asn", city, "", map[string]want{"93.184.216.34": {"US", 0, ""}, "1.1.1.1": {"", 0, ""}}, 0},
		{"asn only", "", asn, map[string]want{"93.184.216.34": {"", 15133, "Edgecast Inc."}, "10.9.9.9": {"", 0, ""}}, 0},
		{"neither", "", "", map[string]want{"93.184.216.34": {"", 0, ""}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(tc.geo, tc.asn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for a, w := range tc.lookups {
				c, n, org := db.Lookup(netip.MustParseAddr(a))
				if c != w.country || n != w.asn || org != w.org {
					t.Errorf("Lookup(%s) = %q, %d, %q; want %q, %d, %q", a, c, n, org, w.country, w.asn, w.org)
				}
			}
			if db.Errors() != tc.errorsWant {
				t.Errorf("Errors() = %d, want %d", db.Errors(), tc.errorsWant)
			}
			if err := db.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	country := writeDB(t, "GeoLite2-Country", countryNets...)
	asn := writeDB(t, "GeoLite2-ASN", asnNets...)
	text := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(text, []byte("not a database\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.mmdb")
	tests := []struct {
		name, geo, asn string
		want           string // in the error
	}{
		{"missing country file", missing, "", "geo: open " + missing},
		{"missing asn file", country, missing, "geo: open " + missing},
		{"not a database", text, "", "geo: open " + text},
		{"asn database as the country one", asn, "", `geo: ` + asn + ` is a "GeoLite2-ASN" database, not a country one`},
		{"country database as the asn one", "", country, `geo: ` + country + ` is a "GeoLite2-Country" database, not an ASN one`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(tc.geo, tc.asn)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// A nil DB (no databases configured by the caller) answers unknown.
func TestNilDB(t *testing.T) {
	var db *DB
	if c, n, org := db.Lookup(netip.MustParseAddr("93.184.216.34")); c != "" || n != 0 || org != "" {
		t.Errorf("Lookup = %q, %d, %q", c, n, org)
	}
}
