package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/polysecret/secrets"
)

func newImport(a *app) *cobra.Command {
	var format, fromFile string
	var dryRun bool
	c := &cobra.Command{
		Use:   "import",
		Short: "Set secrets from a dotenv or JSON document (stdin or --from-file)",
		Long: `import reads KEY=value lines (dotenv: # comments, an optional "export ",
double quotes with export's escapes, single quotes taken literally) or one
JSON object of strings, and sets each key in the exact --env scope. It is
idempotent: a key whose value is already the same is left alone (no new
version), others are created or replaced (Store.Put). --dry-run prints what
it would do — "create KEY", "update KEY", "unchanged KEY" — never a value.`,
		Example: `  polysecret import --env prod --format dotenv < .env
  polysecret import --env prod --format json --from-file secrets.json --dry-run`,
		Args: args(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var in io.Reader = a.stdin
			if fromFile != "" {
				f, err := os.Open(fromFile)
				if err != nil {
					return usageError{fmt.Errorf("--from-file: %w", err)}
				}
				defer f.Close()
				in = f
			}
			var (
				ps  []pair
				err error
			)
			switch format {
			case "dotenv":
				ps, err = parseDotenv(in)
			case "json":
				ps, err = parseJSON(in)
			default:
				return usageError{fmt.Errorf("--format %q: want dotenv or json", format)}
			}
			if err != nil {
				return err
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			for _, p := range ps {
				cur, err := exactGet(cmd, s, p.key)
				if err != nil {
					return err
				}
				action := "create"
				switch {
				case cur != nil && cur.Value == p.value:
					action = "unchanged"
				case cur != nil:
					action = "update"
				}
				if dryRun || action == "unchanged" {
					fmt.Fprintf(a.stdout, "%s %s\n", action, p.key)
					continue
				}
				if _, err := s.Put(cmd.Context(), secrets.Secret{Key: p.key, Value: p.value}); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s %s\n", action, p.key)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "dotenv", "dotenv or json (env POLYSECRET_FORMAT)")
	c.Flags().StringVar(&fromFile, "from-file", "", "read this file instead of stdin (env POLYSECRET_FROM_FILE)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan, change nothing (env POLYSECRET_DRY_RUN)")
	return c
}

// exactGet reads key in the store's exact scope (no global fallback): nil
// if absent.
func exactGet(cmd *cobra.Command, s *secrets.Store, key string) (*secrets.Secret, error) {
	sec, err := s.Get(cmd.Context(), key, secrets.IncludeExpired())
	switch {
	case errors.Is(err, secrets.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case sec.Environment != s.Environment():
		return nil, nil // the global fallback
	}
	return sec, nil
}

func parseJSON(r io.Reader) ([]pair, error) {
	var m map[string]string
	dec := json.NewDecoder(r)
	if err := dec.Decode(&m); err != nil {
		// json's messages quote no input string values of an object of strings
		// beyond a type name; keep only the kind of failure.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, usageError{fmt.Errorf("json: key %q: want a string value", te.Field)}
		}
		return nil, usageError{errors.New("json: want one object of string values")}
	}
	out := make([]pair, 0, len(m))
	for k, v := range m {
		out = append(out, pair{key: k, value: v})
	}
	slices.SortFunc(out, func(a, b pair) int { return strings.Compare(a.key, b.key) })
	return out, nil
}

// parseDotenv reads KEY=value lines. Errors name the line number, never its
// content.
func parseDotenv(r io.Reader) ([]pair, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var out []pair
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, usageError{fmt.Errorf("dotenv line %d: want KEY=value", n)}
		}
		v = strings.TrimSpace(v)
		switch {
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			uv, err := unescapeDotenv(v[1 : len(v)-1])
			if err != nil {
				return nil, usageError{fmt.Errorf("dotenv line %d: %w", n, err)}
			}
			v = uv
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			v = v[1 : len(v)-1]
		case strings.HasPrefix(v, `"`) || strings.HasPrefix(v, `'`):
			return nil, usageError{fmt.Errorf("dotenv line %d: unterminated quote", n)}
		}
		out = append(out, pair{key: k, value: v})
	}
	if err := sc.Err(); err != nil {
		return nil, usageError{fmt.Errorf("dotenv: %w", err)}
	}
	return out, nil
}

func unescapeDotenv(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", errors.New("a trailing backslash")
		}
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '\\', '"', '$':
			b.WriteByte(s[i])
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}
