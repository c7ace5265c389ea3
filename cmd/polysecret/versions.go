package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/polysecret/secrets"
	"github.com/spf13/cobra"
)

func newVersions(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "versions KEY",
		Short: "List the versions of a secret of the exact scope, oldest first",
		Example: `  polysecret versions DATABASE_URL --env prod
  polysecret get DATABASE_URL --env prod --version "$(polysecret versions DATABASE_URL --env prod | awk 'NR==2{print $1}')"`,
		Args: args(1),
		RunE: a.withStore(func(ctx context.Context, s *secrets.Store, argv []string) error {
			vs, err := s.Versions(ctx, argv[0])
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "VERSION\tCREATED\tCURRENT")
			for _, v := range vs {
				cur := ""
				if v.Current {
					cur = "*"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", v.ID, fmtTime(v.CreatedAt), cur)
			}
			return w.Flush()
		}),
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
