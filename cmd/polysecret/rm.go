package main

import (
	"context"

	"github.com/polysecret/secrets"
	"github.com/spf13/cobra"
)

func newRm(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "rm KEY",
		Short: "Delete a secret of the exact scope, with all its versions",
		Example: `  polysecret rm OLD_TOKEN --env staging
  polysecret rm LEGACY_KEY            # the global one`,
		Args: args(1),
		RunE: a.withStore(func(ctx context.Context, s *secrets.Store, argv []string) error {
			return s.Delete(ctx, argv[0])
		}),
	}
}
