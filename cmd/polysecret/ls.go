package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/polysecret/secrets"
)

// listed is one secret as ls --json prints it. Value is present only with
// --values.
type listed struct {
	Environment string            `json:"environment"`
	Key         string            `json:"key"`
	Type        string            `json:"type"`
	Description string            `json:"description,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	ExpiresAt   *time.Time        `json:"expires_at,omitempty"`
	Version     string            `json:"version,omitempty"`
	UpdatedAt   *time.Time        `json:"updated_at,omitempty"`
	Value       *string           `json:"value,omitempty"`
}

func newLs(a *app) *cobra.Command {
	var (
		prefix, typ         string
		labels              []string
		allEnvs, js, values bool
	)
	c := &cobra.Command{
		Use:   "ls",
		Short: "List secrets (never their values unless --values)",
		Long: `ls lists the secrets of the exact --env scope (the global ones without it),
or of every scope with --all-envs: a table of ENV, KEY, TYPE, LABELS, EXPIRES
and UPDATED, or a JSON array with --json. Values are never printed unless
--values is given.`,
		Example: `  polysecret ls --env prod
  polysecret ls --all-envs --prefix db/ --json
  polysecret ls --type password --label team=web`,
		Args: args(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			lm, err := parseLabels(labels)
			if err != nil {
				return err
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			var out []listed
			opts := secrets.ListOptions{AllEnvironments: allEnvs, Prefix: prefix, Type: typ, Labels: lm, WithValues: values}
			for sec, err := range s.List(cmd.Context(), opts) {
				if err != nil {
					return err
				}
				out = append(out, toListed(sec, values))
			}
			slices.SortFunc(out, func(x, y listed) int {
				if c := strings.Compare(x.Environment, y.Environment); c != 0 {
					return c
				}
				return strings.Compare(x.Key, y.Key)
			})
			if js {
				if out == nil {
					out = []listed{}
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			head := "ENV\tKEY\tTYPE\tLABELS\tEXPIRES\tUPDATED"
			if values {
				head += "\tVALUE"
			}
			fmt.Fprintln(w, head)
			for _, l := range out {
				env := l.Environment
				if env == "" {
					env = "(global)"
				}
				line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", env, l.Key, l.Type, fmtLabels(l.Labels), fmtPtrTime(l.ExpiresAt), fmtPtrTime(l.UpdatedAt))
				if values {
					line += "\t" + fmt.Sprintf("%q", *l.Value)
				}
				fmt.Fprintln(w, line)
			}
			return w.Flush()
		},
	}
	c.Flags().StringVar(&prefix, "prefix", "", "only keys starting with this (env POLYSECRET_PREFIX)")
	c.Flags().StringVar(&typ, "type", "", "only secrets of this type (env POLYSECRET_TYPE)")
	c.Flags().StringArrayVar(&labels, "label", nil, "only secrets with this label key=value; repeat for more (env POLYSECRET_LABEL)")
	c.Flags().BoolVar(&allEnvs, "all-envs", false, "list every scope, not only --env's (env POLYSECRET_ALL_ENVS)")
	c.Flags().BoolVar(&js, "json", false, "print a JSON array (env POLYSECRET_JSON)")
	c.Flags().BoolVar(&values, "values", false, "print the values too (env POLYSECRET_VALUES)")
	return c
}

func toListed(sec *secrets.Secret, values bool) listed {
	l := listed{Environment: sec.Environment, Key: sec.Key, Type: sec.Type, Description: sec.Description,
		Labels: sec.Labels, Version: sec.Version}
	if l.Type == "" {
		l.Type = secrets.TypeGeneric
	}
	if !sec.ExpiresAt.IsZero() {
		t := sec.ExpiresAt.UTC()
		l.ExpiresAt = &t
	}
	if !sec.UpdatedAt.IsZero() {
		t := sec.UpdatedAt.UTC()
		l.UpdatedAt = &t
	}
	if values {
		v := sec.Value
		l.Value = &v
	}
	return l
}

func fmtPtrTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return fmtTime(*t)
}

func fmtLabels(m map[string]string) string {
	if len(m) == 0 {
		return "-"
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + m[k])
	}
	return b.String()
}
