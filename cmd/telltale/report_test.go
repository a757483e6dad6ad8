package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"telltale/pipeline"
)

// runReportCLI runs `telltale report ARGS...` on an app holding just the
// report command, as newApp configures it.
func runReportCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	app := &cli.App{
		Name: "telltale", Writer: &out, ErrWriter: &errb,
		ExitErrHandler: func(*cli.Context, error) {},
		Commands:       []*cli.Command{reportCommand()},
	}
	if err := app.RunContext(context.Background(), append([]string{"telltale", "report"}, args...)); err != nil {
		errb.WriteString(err.Error())
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			return ec.ExitCode(), out.String(), errb.String()
		}
		return 1, out.String(), errb.String()
	}
	return 0, out.String(), errb.String()
}

// householdDataset runs the pipeline on the household sample and returns
// the dataset directory and the number of telemetry hosts its truth lists.
func householdDataset(t *testing.T) (string, int) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ds")
	if _, err := pipeline.Run(context.Background(), pipeline.Config{Inputs: []string{"../../samples/household.pcap"}, OutDir: dir, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../samples/household.truth.json")
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		HTTP []struct {
			Host      string `json:"host"`
			Telemetry bool   `json:"telemetry"`
		} `json:"http"`
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	hosts := map[string]bool{}
	for _, h := range tr.HTTP {
		if h.Telemetry {
			hosts[h.Host] = true
		}
	}
	return dir, len(hosts)
}

func TestReportCommand(t *testing.T) {
	dir, nHosts := householdDataset(t)
	code, stdout, stderr := runReportCLI(t, dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{"SUMMARY", "DESTINATIONS (" + strconv.Itoa(nHosts) + ")", "IDENTIFIER KINDS", "CLUSTERS (", "SEARCHES (", "INCOGNITO EVENTS ("} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	page := filepath.Join(dir, "report.html")
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(html, []byte("<!DOCTYPE html>")) || !bytes.Contains(html, []byte(`<section id="plots">`)) {
		t.Errorf("%s is not the report page", page)
	}
	if want := "telltale: wrote " + page + "\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if fi, err := os.Stat(page); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("report mode: %v %v", fi.Mode(), err)
	}

	// --out writes elsewhere, the same bytes; the text is the same too.
	other := filepath.Join(t.TempDir(), "r.html")
	code, stdout2, stderr := runReportCLI(t, "--out", other, dir)
	if code != 0 {
		t.Fatalf("--out: exit %d:\n%s", code, stderr)
	}
	html2, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(html, html2) || stdout != stdout2 {
		t.Error("a second report of the same dataset differs")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(other), ".*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestReportCommandErrors(t *testing.T) {
	dir, _ := householdDataset(t)
	missing := filepath.Join(t.TempDir(), "nope")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no directory", nil, 2, "want one dataset directory"},
		{"two directories", []string{dir, dir}, 2, "want one dataset directory"},
		{"flag after the directory", []string{dir, "--out", "x.html"}, 2, `flag "--out" after the directory`},
		{"not a dataset", []string{missing}, 1, filepath.Join(missing, "manifest.json")},
		{"unwritable output", []string{"--out", filepath.Join(missing, "r.html"), dir}, 1, missing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runReportCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}
