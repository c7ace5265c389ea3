package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

func newExport(a *app) *cobra.Command {
	var prefix, format string
	c := &cobra.Command{
		Use:   "export",
		Short: "Print the scope's secrets (with global fallback) as dotenv, JSON or YAML",
		Long: `export prints the secrets exec would pass (the --env scope's, and the global
ones it lacks; --prefix filters and is removed; expired ones left out):

  dotenv  NAME="value" lines, names by exec's rule, values double-quoted with
          \\ \" \$ \n \r \t escaped (import --format dotenv reads them back)
  json    one object {"key": "value"}, keys as stored (prefix removed)
  yaml    one mapping key: "value", both double-quoted YAML scalars`,
		Example: `  polysecret export --env prod --format dotenv > .env
  polysecret export --env prod --prefix db/ --format json | jq .`,
		Args: args(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "dotenv" && format != "json" && format != "yaml" {
				return usageError{fmt.Errorf("--format %q: want dotenv, json or yaml", format)}
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			ps, err := collect(cmd.Context(), s, prefix)
			if err != nil {
				return err
			}
			switch format {
			case "dotenv":
				vars, err := envVars(ps)
				if err != nil {
					return err
				}
				return writeDotenv(a.stdout, vars)
			case "json":
				return writeJSON(a.stdout, ps)
			}
			return writeYAML(a.stdout, ps)
		},
	}
	c.Flags().StringVar(&prefix, "prefix", "", "only keys starting with this, removed from the name (env POLYSECRET_PREFIX)")
	c.Flags().StringVar(&format, "format", "dotenv", "dotenv, json or yaml (env POLYSECRET_FORMAT)")
	return c
}

var dotenvEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\n", `\n`, "\r", `\r`, "\t", `\t`)

func writeDotenv(w io.Writer, ps []pair) error {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.key + `="` + dotenvEscaper.Replace(p.value) + "\"\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeJSON(w io.Writer, ps []pair) error {
	var b strings.Builder
	b.WriteString("{")
	for i, p := range ps {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  " + jsonString(p.key) + ": " + jsonString(p.value))
	}
	if len(ps) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeYAML writes a block mapping of double-quoted scalars. A JSON string
// is a valid YAML double-quoted scalar (YAML's escapes are a superset of
// JSON's), so no YAML library is needed for a flat map of strings.
func writeYAML(w io.Writer, ps []pair) error {
	var b strings.Builder
	if len(ps) == 0 {
		b.WriteString("{}\n")
	}
	for _, p := range ps {
		b.WriteString(jsonString(p.key) + ": " + jsonString(p.value) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
