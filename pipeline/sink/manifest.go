package sink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// ManifestName is the manifest's file name in the dataset directory.
const ManifestName = "manifest.json"

// Manifest records how a dataset was made. Its presence marks the run
// complete. Field order is the JSON key order; nothing in it depends on the
// wall clock, so reruns give the same manifest.
type Manifest struct {
	Tool          string `json:"tool"` // "telltale"
	Version       string `json:"version"`
	SchemaVersion int    `json:"schema_version"` // WriteManifest fills in SchemaVersion when 0
	// Status says how the run ended: complete, damaged_input (some input
	// was truncated, corrupt or unreadable; the rest was read) or
	// interrupted (stopped by a signal; the dataset holds what was read).
	Status      string         `json:"status"`
	Args        []string       `json:"args"`    // command line, without the program name
	Options     map[string]any `json:"options"` // effective options; encoding/json sorts map keys
	Inputs      []Input        `json:"inputs"`
	NotCaptures []string       `json:"not_capture_files"` // files in input directories skipped as not captures
	Outputs     []OutputFile   `json:"outputs"`
	Counters    []Counter      `json:"counters"` // written sorted by name
}

// Input describes one capture file read.
type Input struct {
	Name    string   `json:"name"` // name as used in first_file/last_file columns
	Path    string   `json:"path"`
	Size    int64    `json:"size"`
	SHA256  string   `json:"sha256"`
	Format  string   `json:"format"` // e.g. pcap, pcapng, pcapng.gz
	Packets int64    `json:"packets"`
	FirstTS string   `json:"first_ts"` // TimeString of the first packet; "" when none
	LastTS  string   `json:"last_ts"`
	Errors  []string `json:"errors"`
}

// TimeString renders Unix nanoseconds as RFC 3339 in UTC with as many
// fractional digits as needed, the form the manifest uses.
func TimeString(ns int64) string {
	return time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
}

func manifestPath(dir string) string { return filepath.Join(dir, ManifestName) }

// WriteManifest writes m as dir/manifest.json: JSON with two-space indent
// and a final newline, through a temp file, fsync and rename. Write it
// after Writer.Close succeeded; it is what marks the dataset complete.
// Nil slices are written as [] and counters sorted by name; m is not
// modified.
func WriteManifest(dir string, m *Manifest) error {
	c := *m
	if c.Tool == "" {
		c.Tool = "telltale"
	}
	if c.SchemaVersion == 0 {
		c.SchemaVersion = SchemaVersion
	}
	c.Args = nonNil(c.Args)
	c.NotCaptures = nonNil(c.NotCaptures)
	if c.Options == nil {
		c.Options = map[string]any{}
	}
	c.Inputs = append([]Input{}, c.Inputs...)
	for i := range c.Inputs {
		c.Inputs[i].Errors = nonNil(c.Inputs[i].Errors)
	}
	c.Outputs = append([]OutputFile{}, c.Outputs...)
	c.Counters = append([]Counter{}, c.Counters...)
	sort.SliceStable(c.Counters, func(i, j int) bool { return c.Counters[i].Name < c.Counters[j].Name })

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<", ">" and "&" in args readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil { // Encode adds the final newline
		return fmt.Errorf("sink: manifest: %w", err)
	}
	return WriteFileAtomic(dir, ManifestName, buf.Bytes())
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// WriteFileAtomic writes dir/name via a hidden temp file, fsync and rename,
// then fsyncs the directory so the rename itself survives a crash.
func WriteFileAtomic(dir, name string, data []byte) (err error) {
	tmp := filepath.Join(dir, "."+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	return SyncDir(dir)
}

// SyncDir makes renames and removals in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sink: syncing %s: %w", dir, err)
	}
	return nil
}
