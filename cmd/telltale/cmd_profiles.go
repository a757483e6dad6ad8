package main

import (
	"encoding/json"

	"github.com/urfave/cli/v2"

	"telltale/pipeline/extract"
)

// profilesCommand prints the built-in SDK profiles as the JSON that
// run --profiles reads, so a user can copy one and adapt it.
func profilesCommand() *cli.Command {
	return &cli.Command{
		Name:  "profiles",
		Usage: "print the built-in SDK profiles as JSON (the format run --profiles reads)",
		Action: func(c *cli.Context) error {
			enc := json.NewEncoder(c.App.Writer)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			return enc.Encode(extract.DefaultProfiles())
		},
	}
}
