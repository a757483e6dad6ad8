package pipeline

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter/mmdbtype"

	"telltale/pipeline/geo/geotest"
	"telltale/pipeline/sink/sinktest"
)

// TestGeoIP runs the phone-browser sample with a country and an ASN
// database of the kind --geoip and --asn take, and checks each flow's
// server country and AS owner: "servers in Singapore, owned by Alibaba".
func TestGeoIP(t *testing.T) {
	iso := func(c string) mmdbtype.Map { return mmdbtype.Map{"iso_code": mmdbtype.String(c)} }
	country := geotest.WriteDB(t, "GeoLite2-Country",
		geotest.Network{Prefix: "198.51.100.0/26", Value: mmdbtype.Map{"country": iso("SG"), "registered_country": iso("CN")}},
		geotest.Network{Prefix: "203.0.113.0/28", Value: mmdbtype.Map{"registered_country": iso("RU")}}, // no located country: the registered one
	)
	asn := geotest.WriteDB(t, "GeoLite2-ASN",
		geotest.Network{Prefix: "198.51.100.0/24", Value: mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(45102), "autonomous_system_organization": mmdbtype.String("Alibaba (US) Technology Co., Ltd.")}},
	)
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Run(context.Background(), Config{Inputs: []string{filepath.Join(samplesDir, "phone-browser.pcap")}, OutDir: out, GeoIP: country, ASN: asn}); err != nil {
		t.Fatal(err)
	}
	got := sinktest.Query(t, `SELECT resp_h, coalesce(resp_country, '-'), coalesce(resp_asn::VARCHAR, '-'), coalesce(resp_as_org, '-')
		FROM read_parquet(?) GROUP BY ALL ORDER BY ALL`, filepath.Join(out, "flows.parquet"))
	alibaba := "Alibaba (US) Technology Co., Ltd."
	want := [][]string{
		{"198.51.100.20", "SG", "45102", alibaba},
		{"198.51.100.21", "SG", "45102", alibaba},
		{"198.51.100.30", "SG", "45102", alibaba},
		{"198.51.100.40", "SG", "45102", alibaba},
		{"198.51.100.50", "SG", "45102", alibaba},
		{"198.51.100.60", "SG", "45102", alibaba},
		{"203.0.113.10", "RU", "-", "-"},
		{"203.0.113.20", "-", "-", "-"}, // outside both databases
	}
	if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("flows:\n got %q\nwant %q", got, want)
	}

	// A missing database is an error naming the file, before anything is read.
	_, err := Run(context.Background(), Config{Inputs: []string{filepath.Join(samplesDir, "phone-browser.pcap")}, OutDir: filepath.Join(t.TempDir(), "o"), ASN: "/nonexistent/asn.mmdb"})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/asn.mmdb") {
		t.Errorf("missing ASN database: %v", err)
	}
}
