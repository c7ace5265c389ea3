package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/polysecret/secrets"
)

func newGet(a *app) *cobra.Command {
	var field, version string
	var noNewline bool
	c := &cobra.Command{
		Use:   "get KEY",
		Short: "Print a secret's value (the scope's, else the global one)",
		Long: `get prints the value of KEY in the --env scope, or of the global KEY when the
scope has none, followed by a newline (none with -n). --field reads one field
of a value that is a JSON object; --version one version (the exact scope).`,
		Example: `  polysecret get DATABASE_URL --env prod
  polysecret get DATABASE --field password
  polysecret get API_TOKEN --version 3 -n > token.txt`,
		Args: args(1),
		RunE: a.withStore(func(ctx context.Context, s *secrets.Store, argv []string) error {
			key := argv[0]
			if field != "" {
				key += secrets.FieldSeparator + field
			}
			var opts []secrets.GetOption
			if version != "" {
				opts = append(opts, secrets.AtVersion(version))
			}
			sec, err := s.Get(ctx, key, opts...)
			if err != nil {
				return err
			}
			out := sec.Value
			if !noNewline {
				out += "\n"
			}
			_, err = a.stdout.Write([]byte(out))
			return err
		}),
	}
	c.Flags().StringVar(&field, "field", "", "print this field of a JSON-object value (env POLYSECRET_FIELD)")
	c.Flags().StringVar(&version, "version", "", "print this version, as `versions` lists it (env POLYSECRET_VERSION)")
	c.Flags().BoolVarP(&noNewline, "no-newline", "n", false, "print the value exactly, without a trailing newline (env POLYSECRET_NO_NEWLINE)")
	return c
}
