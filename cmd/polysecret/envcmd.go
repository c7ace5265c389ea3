package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/polysecret/secrets"
)

func newEnvCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "env",
		Short: "List, create and delete environments",
		Example: `  polysecret env ls
  polysecret env create staging --description "pre-production"
  polysecret env rm staging`,
	}
	ls := &cobra.Command{
		Use:     "ls",
		Short:   "List the environments",
		Example: `  polysecret env ls --url vault://secret/myapp`,
		Args:    args(0),
		RunE: a.withStore(func(ctx context.Context, s *secrets.Store, _ []string) error {
			envs, err := s.ListEnvironments(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tDESCRIPTION\tEXTERNAL_URL")
			for _, e := range envs {
				fmt.Fprintf(w, "%s\t%s\t%s\n", e.Name, dash(e.Description), dash(e.ExternalURL))
			}
			return w.Flush()
		}),
	}
	var desc, extURL string
	create := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create an environment (AlreadyExists if it does)",
		Example: `  polysecret env create prod --description "production" --external-url https://app.example.com`,
		Args:    args(1),
		RunE: a.withStore(func(ctx context.Context, s *secrets.Store, argv []string) error {
			_, err := s.CreateEnvironment(ctx, secrets.Environment{Name: argv[0], Description: desc, ExternalURL: extURL})
			return err
		}),
	}
	create.Flags().StringVar(&desc, "description", "", "the environment's description (env POLYSECRET_DESCRIPTION)")
	create.Flags().StringVar(&extURL, "external-url", "", "the environment's external URL (env POLYSECRET_EXTERNAL_URL)")
	rm := &cobra.Command{
		Use:     "rm NAME",
		Short:   "Delete an empty environment (FailedPrecondition while it holds secrets)",
		Example: `  polysecret env rm staging`,
		Args:    args(1),
		RunE: a.withStore(func(ctx context.Context, s *secrets.Store, argv []string) error {
			return s.DeleteEnvironment(ctx, argv[0])
		}),
	}
	c.AddCommand(ls, create, rm)
	return c
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
