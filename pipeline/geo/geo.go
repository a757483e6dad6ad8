// Package geo tells the country and the autonomous system of an address
// from MaxMind DB files the user supplies.
//
// Two databases may be given, each optional: a country one (GeoLite2 or
// GeoIP2 Country or City, DB-IP's IP-to-Country or IP-to-City Lite, which
// share their layout) and an ASN one (GeoLite2-ASN, DB-IP's IP-to-ASN
// Lite). Lookups of addresses that are not global unicast (private,
// loopback, link-local, multicast, unspecified) answer "unknown" without
// reading a file: a database's answer for them would be meaningless. A DB
// is safe for concurrent use.
package geo

import (
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/oschwald/maxminddb-golang/v2"
)

// DB answers lookups from the files opened.
type DB struct {
	country, asn *maxminddb.Reader
	errors       atomic.Int64
}

// Open opens the country database at geoipPath and the ASN database at
// asnPath; either may be "" (its answers are then unknown). A file that is
// not a MaxMind DB, or whose database type says it holds the other kind of
// data (an ASN database given as the country one, or the reverse), is an
// error naming the file.
func Open(geoipPath, asnPath string) (*DB, error) {
	d := &DB{}
	var err error
	if geoipPath != "" {
		if d.country, err = open(geoipPath, false); err != nil {
			return nil, err
		}
	}
	if asnPath != "" {
		if d.asn, err = open(asnPath, true); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

func open(path string, asn bool) (*maxminddb.Reader, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geo: open %s: %w", path, err)
	}
	t := r.Metadata.DatabaseType
	isASN := strings.Contains(strings.ToUpper(t), "ASN")
	isGeo := strings.Contains(t, "Country") || strings.Contains(t, "City")
	if asn && isGeo && !isASN || !asn && isASN {
		r.Close()
		want := "a country"
		if asn {
			want = "an ASN"
		}
		return nil, fmt.Errorf("geo: %s is a %q database, not %s one", path, t, want)
	}
	return r, nil
}

// countryRecord is the part of a Country or City record read here.
type countryRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	// RegisteredCountry is where the network is registered; some
	// networks (anycast, satellite) have no located country.
	RegisteredCountry struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
}

type asnRecord struct {
	Number uint32 `maxminddb:"autonomous_system_number"`
	Org    string `maxminddb:"autonomous_system_organization"`
}

// Lookup returns a's country (ISO 3166-1 alpha-2 code, the located country
// or else the registered one), autonomous system number and organisation;
// "", 0 and "" for what is unknown. IPv4-mapped IPv6 addresses are looked
// up as IPv4.
func (d *DB) Lookup(a netip.Addr) (country string, asn uint32, asOrg string) {
	a = a.Unmap()
	if d == nil || !a.IsGlobalUnicast() || a.IsPrivate() {
		return "", 0, ""
	}
	if d.country != nil {
		var rec countryRecord
		if err := d.country.Lookup(a).Decode(&rec); err != nil {
			d.errors.Add(1)
		} else if country = rec.Country.ISOCode; country == "" {
			country = rec.RegisteredCountry.ISOCode
		}
	}
	if d.asn != nil {
		var rec asnRecord
		if err := d.asn.Lookup(a).Decode(&rec); err != nil {
			d.errors.Add(1)
		} else {
			asn, asOrg = rec.Number, rec.Org
		}
	}
	return country, asn, asOrg
}

// Errors returns how many lookups found a record they could not decode
// (a corrupt database); their answers were unknown.
func (d *DB) Errors() int64 { return d.errors.Load() }

// Close releases the files.
func (d *DB) Close() error {
	var err error
	for _, r := range []*maxminddb.Reader{d.country, d.asn} {
		if r != nil {
			if e := r.Close(); e != nil && err == nil {
				err = fmt.Errorf("geo: close: %w", e)
			}
		}
	}
	d.country, d.asn = nil, nil
	return err
}
