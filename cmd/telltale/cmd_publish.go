package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"telltale/pipeline/publish"
)

func publishCommand() *cli.Command {
	return &cli.Command{
		Name:      "publish",
		Usage:     "write a copy of a dataset fit to publish: identifiers pseudonymized, free text dropped",
		ArgsUsage: "DIR --key FILE --out PUBDIR",
		Description: "Checks the dataset in DIR (written by telltale run) against its manifest.json, then writes every\n" +
			"table to PUBDIR by the rules below, and PUBDIR/publish.json: the hashes of the source manifest, of\n" +
			"the captures and of every source and published file, the key's fingerprint and the rules version.\n" +
			"The same dataset and key always give the same bytes. Flags may come before or after DIR.\n\n" +
			publish.RulesText,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "key", Aliases: []string{"k"}, Usage: "secret key `FILE`, at least 16 bytes (head -c 32 /dev/urandom > key)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "`PUBDIR` for the published copy (created if missing)"},
		},
		Action: func(c *cli.Context) error {
			dir, keyPath, out, err := publishArgs(c.Args().Slice(), c.String("key"), c.String("out"))
			if err != nil {
				return cli.Exit("publish: "+err.Error(), 2)
			}
			switch {
			case dir == "":
				return cli.Exit("publish: no dataset directory (telltale publish DIR --key FILE --out PUBDIR)", 2)
			case keyPath == "":
				return cli.Exit("publish: --key FILE is needed (make a key once with: head -c 32 /dev/urandom > key, and keep it)", 2)
			case out == "":
				return cli.Exit("publish: --out PUBDIR is needed", 2)
			}
			if inside(keyPath, out) {
				return cli.Exit(fmt.Sprintf("publish: the key %s is inside the output directory %s and would be published with it", keyPath, out), 2)
			}
			key, err := publish.LoadKey(keyPath)
			if err != nil {
				return cli.Exit(err.Error(), 2)
			}
			m, err := publish.Publish(c.Context, publish.Options{Dir: dir, OutDir: out, Key: key, Version: version})
			if err != nil {
				return err
			}
			printPublished(c.App.ErrWriter, out, m)
			return nil
		},
	}
}

// publishArgs takes the dataset directory and the flags that urfave/cli
// leaves among the arguments when they follow it (it stops parsing flags at
// the first argument). key and out are the values parsed before it.
func publishArgs(args []string, key, out string) (dir, k, o string, err error) {
	k, o = key, out
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			if dir != "" {
				return "", "", "", fmt.Errorf("one dataset directory only, got %q and %q", dir, a)
			}
			dir = a
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var dst *string
		switch name {
		case "key", "k":
			dst = &k
		case "out", "o":
			dst = &o
		default:
			return "", "", "", fmt.Errorf("unknown flag %q", a)
		}
		if !hasVal {
			if i+1 == len(args) {
				return "", "", "", fmt.Errorf("flag %q needs a value", a)
			}
			i++
			val = args[i]
		}
		if *dst != "" {
			return "", "", "", fmt.Errorf("flag %q given twice", a)
		}
		*dst = val
	}
	return dir, k, o, nil
}

// inside reports whether path lies within dir (or is dir).
func inside(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func printPublished(w io.Writer, out string, m *publish.Manifest) {
	fmt.Fprintf(w, "telltale: published %s (rules %d, key fingerprint %s)\n", out, m.RulesVersion, m.KeyFingerprint[:16])
	for _, o := range m.Outputs {
		fmt.Fprintf(w, "  %-24s %d rows\n", o.Name, o.Rows)
	}
}
