package sink

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestWriteManifest(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{
		Version: "v0.1.0",
		Status:  "complete",
		Args:    []string{"run", "--out", "a&b<c>"},
		Options: map[string]any{"workers": 4, "compression": "zstd", "max_body_bytes": 1 << 20},
		Inputs: []Input{{
			Name: "a.pcap", Path: "/cap/a.pcap", Size: 100, SHA256: "ab", Format: "pcap", Packets: 2,
			FirstTS: TimeString(t0 + 5e8), LastTS: TimeString(t0),
		}, {
			Name: "b.pcapng", Path: "/cap/b.pcapng", Format: "pcapng", Errors: []string{"capture: truncated at offset 24"},
		}},
		Outputs:  []OutputFile{{Name: "events.parquet", Rows: 1, Bytes: 10, SHA256: "cd"}},
		Counters: []Counter{{"tcp.segments", 9}, {"capture.files", 2}, {"rows.http", 0}},
	}
	before := slices.Clone(m.Counters)
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "tool": "telltale",
  "version": "v0.1.0",
  "schema_version": 3,
  "status": "complete",
  "args": [
    "run",
    "--out",
    "a&b<c>"
  ],
  "options": {
    "compression": "zstd",
    "max_body_bytes": 1048576,
    "workers": 4
  },
  "inputs": [
    {
      "name": "a.pcap",
      "path": "/cap/a.pcap",
      "size": 100,
      "sha256": "ab",
      "format": "pcap",
      "packets": 2,
      "first_ts": "2024-05-01T10:20:30.5Z",
      "last_ts": "2024-05-01T10:20:30Z",
      "errors": []
    },
    {
      "name": "b.pcapng",
      "path": "/cap/b.pcapng",
      "size": 0,
      "sha256": "",
      "format": "pcapng",
      "packets": 0,
      "first_ts": "",
      "last_ts": "",
      "errors": [
        "capture: truncated at offset 24"
      ]
    }
  ],
  "not_capture_files": [],
  "outputs": [
    {
      "name": "events.parquet",
      "rows": 1,
      "bytes": 10,
      "sha256": "cd"
    }
  ],
  "counters": [
    {
      "name": "capture.files",
      "value": 2
    },
    {
      "name": "rows.http",
      "value": 0
    },
    {
      "name": "tcp.segments",
      "value": 9
    }
  ]
}
`
	if string(got) != want {
		t.Errorf("manifest:\n%s\nwant:\n%s", got, want)
	}
	if !slices.Equal(m.Counters, before) || m.Inputs[0].Errors != nil {
		t.Error("WriteManifest modified its argument")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{ManifestName}) {
		t.Errorf("directory holds %q, want only the manifest", names)
	}

	// Empty manifest: every list is [] rather than null.
	must(t, WriteManifest(dir, &Manifest{}))
	got, _ = os.ReadFile(filepath.Join(dir, ManifestName))
	want = "{\n  \"tool\": \"telltale\",\n  \"version\": \"\",\n  \"schema_version\": 3,\n  \"status\": \"\",\n  \"args\": [],\n  \"options\": {},\n  \"inputs\": [],\n  \"not_capture_files\": [],\n  \"outputs\": [],\n  \"counters\": []\n}\n"
	if string(got) != want {
		t.Errorf("empty manifest:\n%s\nwant:\n%s", got, want)
	}

	if err := WriteManifest(filepath.Join(dir, "missing"), m); err == nil {
		t.Error("WriteManifest into a missing directory succeeded")
	}
}

func TestTimeString(t *testing.T) {
	for _, tt := range []struct {
		ns   int64
		want string
	}{
		{0, "1970-01-01T00:00:00Z"},
		{t0 + 123456789, "2024-05-01T10:20:30.123456789Z"},
		{t0 + 1000, "2024-05-01T10:20:30.000001Z"},
	} {
		if got := TimeString(tt.ns); got != tt.want {
			t.Errorf("TimeString(%d) = %q, want %q", tt.ns, got, tt.want)
		}
	}
}
