package main

import "github.com/spf13/cobra"

func newRm(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "rm KEY",
		Short: "Delete a secret of the exact scope, with all its versions",
		Example: `  polysecret rm OLD_TOKEN --env staging
  polysecret rm LEGACY_KEY            # the global one`,
		Args: args(1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			return s.Delete(cmd.Context(), argv[0])
		},
	}
}
