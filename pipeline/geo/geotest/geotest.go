// Package geotest writes MaxMind DB files for tests of code that reads them
// (pipeline/geo and the pipeline's --geoip and --asn).
package geotest

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Network is one record of a database: a CIDR prefix and its value.
type Network struct {
	Prefix string
	Value  mmdbtype.Map
}

// WriteDB writes a MaxMind DB of the given type holding nets, in order, into
// a temporary directory of t, and returns its path. Reserved networks are
// allowed, so that a private one can be in the file.
func WriteDB(t testing.TB, dbType string, nets ...Network) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, RecordSize: 28, IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nets {
		_, ipnet, err := net.ParseCIDR(n.Prefix)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(ipnet, n.Value); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), strings.ReplaceAll(dbType, " ", "_")+".mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
