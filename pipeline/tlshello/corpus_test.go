package tlshello

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"telltale/pipeline/capture"

	"telltale/pipeline/corpustest"
)

// corpusDir is /work/shared/corpus/captures seen from this package.
var corpusDir = corpustest.Path("captures")

// corpusHello is a ClientHello found whole in the first TLS record of one
// TCP segment (hellos spread over segments are left to tlsrec's tests).
type corpusHello struct {
	frame uint64
	body  []byte
}

// scanHellos returns the single-segment ClientHellos of one capture file.
func scanHellos(path string) ([]corpusHello, error) {
	set, err := capture.Open([]string{path})
	if err != nil {
		return nil, err
	}
	defer set.Close()
	var out []corpusHello
	for {
		f, err := set.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		// Cheap filter before decoding: a handshake record header.
		if !bytes.Contains(f.Data, []byte{0x16, 0x03}) {
			continue
		}
		p := gopacket.NewPacket(f.Data, layers.LinkType(f.LinkType), gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			continue
		}
		pl := tcp.Payload
		if len(pl) < 9 || pl[0] != 0x16 || pl[1] != 3 || pl[5] != TypeClientHello {
			continue
		}
		recLen := int(pl[3])<<8 | int(pl[4])
		msgLen := int(pl[6])<<16 | int(pl[7])<<8 | int(pl[8])
		if 4+msgLen > recLen || 9+msgLen > len(pl) {
			continue
		}
		out = append(out, corpusHello{f.Frame, bytes.Clone(pl[9 : 9+msgLen])})
	}
	return out, nil
}

// tsharkHello is tshark's dissection of one ClientHello frame.
type tsharkHello struct {
	ja3Full, ja3, sni string
	sigs              []string // tls.handshake.sig_hash_alg, all occurrences
	alpn              []string
	versions          []string // supported_versions entries
	legacy            string   // tls.handshake.version
}

var tsharkFields = []string{
	"frame.number", "tls.handshake.ja3_full", "tls.handshake.ja3", "tls.handshake.extensions_server_name",
	"tls.handshake.sig_hash_alg", "tls.handshake.extensions_alpn_str", "tls.handshake.extensions.supported_version",
	"tls.handshake.version",
}

func runTshark(path string) (map[uint64]tsharkHello, error) {
	args := []string{"-n", "-r", path, "-Y", "tls.handshake.type == 1", "-T", "fields",
		"-E", "occurrence=a", "-E", "aggregator=|", "-E", "separator=/t"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	out, err := exec.Command("tshark", args...).Output()
	var exit *exec.ExitError
	// tshark exits 2 on a cut-short file after printing what it read.
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 2 && len(out) > 0) {
		return nil, fmt.Errorf("tshark %s: %w", path, err)
	}
	res := map[uint64]tsharkHello{}
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != len(tsharkFields) {
			return nil, fmt.Errorf("tshark %s: line %q", path, line)
		}
		n, err := strconv.ParseUint(c[0], 10, 64)
		if err != nil {
			return nil, err
		}
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, "|")
		}
		res[n] = tsharkHello{
			ja3Full: c[1], ja3: c[2], sni: c[3], sigs: split(c[4]), alpn: split(c[5]),
			versions: split(c[6]), legacy: c[7],
		}
	}
	return res, nil
}

// referenceJA4 computes JA4 from tshark's dissection, independently of this
// package's parser: ciphers and extensions from tshark's JA3 string (which
// already drops GREASE), the rest from tshark's fields. ok is false when
// tshark's fields cannot say (several hellos in a frame, or signature
// algorithm fields that may come from other extensions).
func referenceJA4(th tsharkHello) (ja4 string, ok bool) {
	parts := strings.Split(th.ja3Full, ",")
	if len(parts) != 5 || strings.Contains(th.ja3, "|") {
		return "", false
	}
	dec := func(s string) []uint16 {
		var out []uint16
		for _, f := range strings.Split(s, "-") {
			if f == "" {
				continue
			}
			v, _ := strconv.ParseUint(f, 10, 16)
			out = append(out, uint16(v))
		}
		return out
	}
	ciphers, exts := dec(parts[1]), dec(parts[2])
	for _, e := range exts {
		// signature_algorithms_cert and delegated_credentials also hold
		// tls.handshake.sig_hash_alg fields.
		if e == 50 || e == 34 {
			return "", false
		}
	}
	hex4 := func(vs []uint16) string {
		s := make([]string, len(vs))
		for i, v := range vs {
			s[i] = fmt.Sprintf("%04x", v)
		}
		return strings.Join(s, ",")
	}
	hash := func(s string) string {
		if s == "" {
			return "000000000000"
		}
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])[:12]
	}

	var best uint64
	if slices.Contains(exts, 43) {
		for _, v := range th.versions {
			n, _ := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 16)
			if !IsGREASE(uint16(n)) && n > best {
				best = n
			}
		}
	} else {
		best, _ = strconv.ParseUint(strings.TrimPrefix(th.legacy, "0x"), 16, 16)
	}
	ver := map[uint64]string{0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2"}[best]
	if ver == "" {
		ver = "00"
	}
	sni := "i"
	if slices.Contains(exts, 0) {
		sni = "d"
	}
	alpn := "00"
	if len(th.alpn) > 0 && th.alpn[0] != "" {
		a := th.alpn[0]
		alpn = a[:1] + a[len(a)-1:]
		isAlnum := func(c byte) bool { return c < 128 && (c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z') }
		if !isAlnum(a[0]) || !isAlnum(a[len(a)-1]) {
			return "", false // tshark escapes such strings; covered by TestJA4Rules
		}
	}
	a := fmt.Sprintf("t%s%s%02d%02d%s", ver, sni, min(len(ciphers), 99), min(len(exts), 99), alpn)

	slices.Sort(ciphers)
	var rest []uint16
	for _, e := range exts {
		if e != 0 && e != 16 {
			rest = append(rest, e)
		}
	}
	slices.Sort(rest)
	c := hex4(rest)
	var sigs []string
	for _, s := range th.sigs {
		n, _ := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 16)
		if !IsGREASE(uint16(n)) {
			sigs = append(sigs, fmt.Sprintf("%04x", n))
		}
	}
	if len(sigs) > 0 && c != "" {
		c += "_" + strings.Join(sigs, ",")
	}
	return a + "_" + hash(hex4(ciphers)) + "_" + hash(c), true
}

// TestCorpusAgainstTshark parses every single-segment ClientHello in the
// shared corpus and compares SNI, JA3 and JA4 with tshark's dissection of the
// same frame.
func TestCorpusAgainstTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tshark on about 25 captures")
	}
	corpustest.Need(t, "captures")
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	type fileResult struct {
		name   string
		hellos []corpusHello
		ref    map[uint64]tsharkHello
		err    error
	}
	results := make([]fileResult, len(entries))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, e := range entries {
		results[i].name = e.Name()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := &results[i]
			r.hellos, r.err = scanHellos(filepath.Join(corpusDir, r.name))
			if r.err == nil && len(r.hellos) > 0 {
				r.ref, r.err = runTshark(filepath.Join(corpusDir, r.name))
			}
		}()
	}
	wg.Wait()

	var compared, ja4Compared, notDissected int
	for _, r := range results {
		if r.err != nil {
			t.Errorf("%s: %v", r.name, r.err)
			continue
		}
		for _, h := range r.hellos {
			th, ok := r.ref[h.frame]
			if !ok {
				notDissected++ // tshark did not see TLS there (port heuristics)
				continue
			}
			ch, err := ParseClientHello(h.body)
			if err != nil {
				t.Errorf("%s frame %d: %v", r.name, h.frame, err)
				continue
			}
			compared++
			full, md5hex := ch.JA3()
			if full != th.ja3Full || md5hex != th.ja3 {
				t.Errorf("%s frame %d: JA3 %s %s\ntshark          %s %s", r.name, h.frame, full, md5hex, th.ja3Full, th.ja3)
			}
			if ch.ServerName != th.sni {
				t.Errorf("%s frame %d: SNI %q, tshark %q", r.name, h.frame, ch.ServerName, th.sni)
			}
			if want, ok := referenceJA4(th); ok {
				ja4Compared++
				if got := ch.JA4('t'); got != want {
					t.Errorf("%s frame %d: JA4 %s, from tshark's fields %s (raw %s)", r.name, h.frame, got, want, ch.JA4R('t'))
				}
			}
		}
	}
	t.Logf("compared %d hellos with tshark (JA4 on %d); %d not dissected as TLS by tshark", compared, ja4Compared, notDissected)
	if compared < 150 || ja4Compared < 100 {
		t.Errorf("only %d hellos (%d for JA4) compared; the corpus or the scanner changed", compared, ja4Compared)
	}
}

// TestCorpusPublishedJA4 checks hellos whose JA4 other implementations
// published: Arkime's test expectations (tests/pcap/*.test) for the same
// captures, and FoxIO's own snapshot for https-connect.pcap
// (rust/ja4/src/snapshots/ja4__insta@https-connect.pcap.snap).
func TestCorpusPublishedJA4(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not available at %s: %v", corpusDir, err)
	}
	tests := []struct {
		file            string
		ja4, ja4r       string
		ja3full, ja3md5 string
	}{
		{
			file:    "arkime_https-connect.pcap",
			ja4:     "t12i860500_e18388e7f3a3_a1e935682795",
			ja4r:    "t12i860500_0004,0005,0007,000a,000d,0010,0013,0016,002f,0030,0031,0032,0033,0035,0036,0037,0038,0039,003c,003d,003e,003f,0040,0041,0042,0043,0044,0045,0067,0068,0069,006a,006b,0084,0085,0086,0087,0088,0096,0097,0098,0099,009a,009c,009d,009e,009f,00a0,00a1,00a2,00a3,00a4,00a5,00ff,c002,c003,c004,c005,c007,c008,c009,c00a,c00c,c00d,c00e,c00f,c011,c012,c013,c014,c023,c024,c025,c026,c027,c028,c029,c02a,c02b,c02c,c02d,c02e,c02f,c030,c031,c032_000a,000b,000d,000f,0023_0601,0602,0603,0501,0502,0503,0401,0402,0403,0301,0302,0303,0201,0202,0203",
			ja3full: "771,49200-49196-49192-49188-49172-49162-165-163-161-159-107-106-105-104-57-56-55-54-136-135-134-133-49202-49198-49194-49190-49167-49157-157-61-53-132-49199-49195-49191-49187-49171-49161-164-162-160-158-103-64-63-62-51-50-49-48-154-153-152-151-69-68-67-66-49201-49197-49193-49189-49166-49156-156-60-47-150-65-49170-49160-22-19-16-13-49165-49155-10-7-49169-49159-49164-49154-5-4-255,11-10-35-13-15,23-25-24-22,0-1-2",
			ja3md5:  "b288289af2999820648eb3ca4d8304c5",
		},
		{
			file:    "arkime_curl-enabled-tls13.pcap",
			ja4:     "t13d0413h2_16476d049b0b_ffceb19bae65",
			ja4r:    "t13d0413h2_00ff,1301,1302,1303_000a,000b,000d,0015,0016,0017,002b,002d,0031,0033,3374_0403,0503,0603,0807,0808,0809,080a,080b,0804,0805,0806,0401,0501,0601",
			ja3full: "771,4866-4867-4865-255,0-11-10-13172-16-22-23-49-13-43-45-51-21,29-23-30-25-24,0-1-2",
			ja3md5:  "eeadfd2f446a45ded96f804720a0c75b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			hellos, err := scanHellos(filepath.Join(corpusDir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(hellos) != 1 {
				t.Fatalf("found %d hellos, want 1", len(hellos))
			}
			ch, err := ParseClientHello(hellos[0].body)
			if err != nil {
				t.Fatal(err)
			}
			if got := ch.JA4('t'); got != tt.ja4 {
				t.Errorf("JA4 = %s, want %s", got, tt.ja4)
			}
			if got := ch.JA4R('t'); got != tt.ja4r {
				t.Errorf("JA4R = %s\nwant   %s", got, tt.ja4r)
			}
			full, h := ch.JA3()
			if full != tt.ja3full || h != tt.ja3md5 {
				t.Errorf("JA3 = %s %s\nwant  %s %s", full, h, tt.ja3full, tt.ja3md5)
			}
		})
	}
}
