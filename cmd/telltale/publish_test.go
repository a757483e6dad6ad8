package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"telltale/pipeline"
	"telltale/pipeline/publish"
)

// runPublish runs an App holding only the publish command.
func runPublish(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	app := &cli.App{
		Name:           "telltale",
		Writer:         &out,
		ErrWriter:      &errb,
		ExitErrHandler: func(*cli.Context, error) {},
		Commands:       []*cli.Command{publishCommand()},
	}
	if err := app.RunContext(context.Background(), append([]string{"telltale", "publish"}, args...)); err != nil {
		errb.WriteString("telltale: " + err.Error() + "\n")
		code = 1
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			code = ec.ExitCode()
		}
	}
	return code, out.String(), errb.String()
}

// publishDataset runs household.pcap through the pipeline and writes a key.
func publishDataset(t *testing.T) (dir, key string) {
	t.Helper()
	tmp := t.TempDir()
	dir = filepath.Join(tmp, "dataset")
	if _, err := pipeline.Run(context.Background(), pipeline.Config{Inputs: []string{"../../samples/household.pcap"}, OutDir: dir}); err != nil {
		t.Fatal(err)
	}
	key = filepath.Join(tmp, "key")
	if err := os.WriteFile(key, []byte("0123456789abcdef0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, key
}

func TestPublishCommand(t *testing.T) {
	dir, key := publishDataset(t)
	tmp := t.TempDir()
	outs := []string{filepath.Join(tmp, "after"), filepath.Join(tmp, "before"), filepath.Join(tmp, "equals")}
	for i, args := range [][]string{
		{dir, "--key", key, "--out", outs[0]},
		{"--key", key, "-o", outs[1], dir},
		{"-k=" + key, dir, "--out=" + outs[2]},
	} {
		code, _, stderr := runPublish(t, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d, stderr:\n%s", args, code, stderr)
		}
		if !strings.Contains(stderr, "telltale: published "+outs[i]) || !strings.Contains(stderr, "identifiers.parquet") {
			t.Errorf("%q: summary:\n%s", args, stderr)
		}
	}
	// Whatever the flag order, the same bytes.
	names, err := os.ReadDir(outs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 10 {
		t.Fatalf("%d files published", len(names))
	}
	for _, n := range names {
		a, err := os.ReadFile(filepath.Join(outs[0], n.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs[1:] {
			if b, err := os.ReadFile(filepath.Join(o, n.Name())); err != nil || !bytes.Equal(a, b) {
				t.Errorf("%s differs in %s (%v)", n.Name(), o, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(outs[0], publish.ManifestName)); err != nil {
		t.Error(err)
	}
}

func TestPublishCommandErrors(t *testing.T) {
	dir, key := publishDataset(t)
	tmp := t.TempDir()
	short := filepath.Join(tmp, "short")
	if err := os.WriteFile(short, []byte("too short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inOut := filepath.Join(tmp, "pub", "key")
	if err := os.MkdirAll(filepath.Dir(inOut), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inOut, []byte("0123456789abcdef0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no dir", []string{"--key", key, "--out", out}, "no dataset directory"},
		{"no key", []string{dir, "--out", out}, "--key FILE is needed"},
		{"no out", []string{dir, "--key", key}, "--out PUBDIR is needed"},
		{"missing key", []string{dir, "--key", filepath.Join(tmp, "nokey"), "--out", out}, "nokey"},
		{"short key", []string{dir, "--key", short, "--out", out}, "10 bytes, need at least 16"},
		{"key dir", []string{dir, "--key", tmp, "--out", out}, "is not a regular file"},
		{"key in out", []string{dir, "--key", inOut, "--out", filepath.Dir(inOut)}, "inside the output directory"},
		{"two dirs", []string{dir, dir, "--key", key, "--out", out}, "one dataset directory only"},
		{"unknown flag", []string{dir, "--force", "--key", key, "--out", out}, `unknown flag "--force"`},
		{"flag without value", []string{dir, "--out", out, "--key"}, `flag "--key" needs a value`},
		{"twice", []string{"--key", key, dir, "--key", key, "--out", out}, "given twice"},
		{"not a dataset", []string{tmp, "--key", key, "--out", out}, "holds no manifest.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runPublish(t, tc.args...)
			if code == 0 {
				t.Fatal("exit 0, want failure")
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want it to mention %q", stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(out, publish.ManifestName)); err == nil {
				t.Error("publish.json written")
			}
		})
	}
}

func TestPublishHelpShowsRules(t *testing.T) {
	code, stdout, stderr := runPublish(t, "--help")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"HMAC-SHA256(key, value)", "head -c 32 /dev/urandom > key", "Dropped (null): http.request_body", "--out PUBDIR"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, stdout)
		}
	}
}
