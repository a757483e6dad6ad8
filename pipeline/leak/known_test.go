package leak

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Known
	}{
		{
			name: "mapping with unquoted numbers",
			in: "imei: 358476101234565\n" +
				"serial: 0012345678\n" + // leading zeros, octal-looking
				"imsi: 310150123456789\n" +
				"custom: 1.50000e10\n" + // would be a float
				"account: 0x1F2E3D\n", // would be a hex int
			want: []Known{
				{Kind: "imei", Value: "358476101234565"},
				{Kind: "serial", Value: "0012345678"},
				{Kind: "imsi", Value: "310150123456789"},
				{Kind: "custom", Value: "1.50000e10"},
				{Kind: "account", Value: "0x1F2E3D"},
			},
		},
		{
			name: "brief example",
			in: "imei: 358476101234565\n" +
				"email: [alice@example.org, alice.work@example.org]\n" +
				"mac: \"AA:BB:CC:DD:EE:FF\"\n",
			want: []Known{
				{Kind: "imei", Value: "358476101234565"},
				{Kind: "email", Value: "alice@example.org"},
				{Kind: "email", Value: "alice.work@example.org"},
				{Kind: "mac", Value: "AA:BB:CC:DD:EE:FF"},
			},
		},
		{
			name: "unquoted mac and phone, kind lower-cased, value trimmed",
			in:   "MAC: AA:BB:CC:DD:EE:FF\nphone: '  +49 170 1234567 '\n",
			want: []Known{
				{Kind: "mac", Value: "AA:BB:CC:DD:EE:FF"},
				{Kind: "phone", Value: "+49 170 1234567"},
			},
		},
		{
			name: "objects under a kind",
			in: "adid: {value: 38400000-8cf0-11bd-b23e-10b96e40000d, label: pixel-7}\n" +
				"imei:\n  - value: 358476101234565\n    label: slot 1\n  - 358476101234573\n",
			want: []Known{
				{Kind: "adid", Label: "pixel-7", Value: "38400000-8cf0-11bd-b23e-10b96e40000d"},
				{Kind: "imei", Label: "slot 1", Value: "358476101234565"},
				{Kind: "imei", Value: "358476101234573"},
			},
		},
		{
			name: "list form",
			in: "- kind: imei\n  value: 358476101234565\n  label: pixel-7 imei\n" +
				"- {kind: Email, value: alice@example.org}\n" +
				"- justsomevalue\n" +
				"- {kind: ssid, value: HomeNet-5G, label: ~}\n",
			want: []Known{
				{Kind: "imei", Label: "pixel-7 imei", Value: "358476101234565"},
				{Kind: "email", Value: "alice@example.org"},
				{Kind: "custom", Value: "justsomevalue"},
				{Kind: "ssid", Value: "HomeNet-5G"},
			},
		},
		{
			name: "exact repeats dropped, same value of another kind kept",
			in: "- {kind: imei, value: 358476101234565, label: first}\n" +
				"- {kind: imei, value: 358476101234565, label: second}\n" +
				"- {kind: meid, value: 358476101234565}\n",
			want: []Known{
				{Kind: "imei", Label: "first", Value: "358476101234565"},
				{Kind: "meid", Value: "358476101234565"},
			},
		},
		{
			name: "several documents, comments, scalar alias",
			in:   "# device A\nimei: &i 358476101234565\n---\n# nothing\n---\nmeid: *i\n",
			want: []Known{
				{Kind: "imei", Value: "358476101234565"},
				{Kind: "meid", Value: "358476101234565"},
			},
		},
		{
			name: "block scalar",
			in:   "custom: |\n  multi word value\n",
			want: []Known{{Kind: "custom", Value: "multi word value"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("k.yaml", []byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		line  int
		msg   string // exact Error()
		short bool   // errors.Is(err, ErrShortValue)
	}{
		{"syntax: unclosed flow list", "imei: 358476101234565\nemail: [a@example.org\n", 2,
			"leak: k.yaml:2: did not find expected ',' or ']'", false},
		{"syntax: list item after a mapping (parser error, library counts from 0)", "- 358476101234565\nimei: 358476101234573\n", 2,
			"leak: k.yaml:2: did not find expected '-' indicator", false},
		{"syntax: bad indentation", "imei: 358476101234565\nmac: AA:BB:CC:DD:EE:FF\n  x: y\n", 3,
			"leak: k.yaml:3: mapping values are not allowed in this context", false},
		{"short value", "imei: 358476101234565\nmac: 12345\n", 2,
			`leak: k.yaml:2: mac value "12345" is shorter than 6 bytes and would match almost anywhere`, true},
		{"short value in list under kind", "email:\n  - alice@example.org\n  - a@b.c\n", 3,
			`leak: k.yaml:3: email value "a@b.c" is shorter than 6 bytes and would match almost anywhere`, true},
		{"short value in object", "- kind: imei\n  value: 1234\n", 2,
			`leak: k.yaml:2: imei value "1234" is shorter than 6 bytes and would match almost anywhere`, true},
		{"missing value", "imei: 358476101234565\nmac:\n", 2,
			"leak: k.yaml:2: mac: missing value", false},
		{"duplicate kind", "imei: 358476101234565\nmac: AA:BB:CC:DD:EE:FF\nimei: 358476101234573\n", 3,
			`leak: k.yaml:3: kind "imei" already given on line 1 (write a list of values instead)`, false},
		{"unknown key", "- kind: imei\n  vaule: 358476101234565\n", 2,
			`leak: k.yaml:2: unknown key "vaule" (want kind, value, label)`, false},
		{"object without kind", "- value: 358476101234565\n", 1,
			"leak: k.yaml:1: object without kind", false},
		{"object without value", "- kind: imei\n  label: x\n", 1,
			"leak: k.yaml:1: object without value", false},
		{"kind inside kind mapping", "imei: {kind: imei, value: 358476101234565}\n", 1,
			`leak: k.yaml:1: unknown key "kind" (want value, label)`, false},
		{"bad kind", "my imei: 358476101234565\n", 1,
			`leak: k.yaml:1: kind "my imei": only a-z, 0-9, '_', '-' and '.' are allowed`, false},
		{"nested list", "imei: [[358476101234565]]\n", 1,
			"leak: k.yaml:1: imei: want a value, got a list", false},
		{"alias of a list", "imei: &x [358476101234565]\nmeid: *x\n", 2,
			"leak: k.yaml:2: meid: want a value, got an alias of a list or mapping", false},
		{"top-level scalar", "358476101234565\n", 1,
			"leak: k.yaml:1: want a mapping from kind to value or a list of {kind, value, label}", false},
		{"empty file", "# only a comment\n", 0, "leak: k.yaml: no known values", false},
		{"unknown anchor", "imei: *nope\n", 0, "leak: k.yaml: yaml: unknown anchor 'nope' referenced", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("k.yaml", []byte(tt.in))
			if err == nil {
				t.Fatalf("Parse = %q, want error", got)
			}
			if err.Error() != tt.msg {
				t.Errorf("error\n%s\nwant\n%s", err, tt.msg)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			if pe.File != "k.yaml" || pe.Line != tt.line {
				t.Errorf("ParseError at %s:%d, want k.yaml:%d", pe.File, pe.Line, tt.line)
			}
			if errors.Is(err, ErrShortValue) != tt.short {
				t.Errorf("errors.Is(ErrShortValue) = %v, want %v", !tt.short, tt.short)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "known.yaml")
	if err := os.WriteFile(path, []byte("imei: 358476101234565\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Known{{Kind: "imei", Value: "358476101234565"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %q, want %q", got, want)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("\n\nimei: 12\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if want := "leak: " + bad + ":3: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load(bad) error = %v, want prefix %q", err, want)
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "leak: ") {
		t.Errorf("Load(missing) error = %v, want a leak: error wrapping ErrNotExist", err)
	}
}

func TestParseFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    Known
		wantErr string
		short   bool
	}{
		{in: "imei=358476101234565", want: Known{Kind: "imei", Value: "358476101234565"}},
		{in: "mac:pixel-7 wifi=AA:BB:CC:DD:EE:FF", want: Known{Kind: "mac", Label: "pixel-7 wifi", Value: "AA:BB:CC:DD:EE:FF"}},
		{in: "custom=a=b=c==", want: Known{Kind: "custom", Value: "a=b=c=="}},
		{in: "Email: alice = alice@example.org ", want: Known{Kind: "email", Label: "alice", Value: "alice@example.org"}},
		{in: "phone:a:b=+49 170 1234567", want: Known{Kind: "phone", Label: "a:b", Value: "+49 170 1234567"}},
		{in: "358476101234565", wantErr: `leak: known value "358476101234565": want kind=value or kind:label=value`},
		{in: "=358476101234565", wantErr: `leak: known value "=358476101234565": empty kind`},
		{in: ":x=358476101234565", wantErr: `leak: known value ":x=358476101234565": empty kind`},
		{in: "im ei=358476101234565", wantErr: `leak: known value "im ei=358476101234565": kind "im ei": only a-z, 0-9, '_', '-' and '.' are allowed`},
		{in: "imei=12345", short: true,
			wantErr: `leak: known value "imei=12345": imei value "12345" is shorter than 6 bytes and would match almost anywhere`},
		{in: "imei=", short: true,
			wantErr: `leak: known value "imei=": imei value "" is shorter than 6 bytes and would match almost anywhere`},
	}
	for _, tt := range tests {
		got, err := ParseFlag(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseFlag(%q) error = %v, want %s", tt.in, err, tt.wantErr)
			}
			if errors.Is(err, ErrShortValue) != tt.short {
				t.Errorf("ParseFlag(%q): errors.Is(ErrShortValue) = %v", tt.in, !tt.short)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseFlag(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		"imei: 358476101234565\nemail: [alice@example.org, alice.work@example.org]\nmac: \"AA:BB:CC:DD:EE:FF\"\n",
		"- {kind: imei, value: 358476101234565, label: x}\n- alice@example.org\n",
		"adid: {value: 38400000-8cf0-11bd-b23e-10b96e40000d, label: pixel-7}\n",
		"imei: &x 358476101234565\nmeid: *x\n---\nserial: 0012345678\n",
		"imei: [358476101234565\n",
		"custom: |\n  multi word value\n",
		"a: &a [x, y]\nb: &b [*a, *a]\nc: [*b, *b]\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := Parse("fuzz.yaml", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "leak: fuzz.yaml") {
				t.Fatalf("error %v (%T) is not a ParseError naming the file", err, err)
			}
			return
		}
		if len(ks) == 0 {
			t.Fatal("no values and no error")
		}
		seen := map[Known]bool{}
		for _, k := range ks {
			if len(k.Value) < MinValueLen || k.Value != strings.TrimSpace(k.Value) {
				t.Fatalf("bad value %q", k.Value)
			}
			if _, err := normKind(k.Kind); err != nil || k.Kind != strings.ToLower(k.Kind) {
				t.Fatalf("bad kind %q", k.Kind)
			}
			kv := Known{Kind: k.Kind, Value: k.Value}
			if seen[kv] {
				t.Fatalf("repeat %q", kv)
			}
			seen[kv] = true
		}
	})
}
