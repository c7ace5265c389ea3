package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/polysecret/secrets"
)

// app holds what every command shares: the streams and the global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	url, env       string
	// isTerminal says whether a stream is a terminal (copy's progress bar).
	isTerminal func(io.Writer) bool
}

// envPrefix: every flag --some-flag has an environment twin
// POLYSECRET_SOME_FLAG, used when the flag is not given.
const envPrefix = "POLYSECRET_"

func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "polysecret",
		Short: "Read, write, run with, export, import, copy and compare secrets in any store",
		Long: `polysecret works on any store the polysecret library opens by URL:
vault://, awssm://, locker://, file://, abeja://, datalayer://,
rest:// (a polysecret serve gateway), mem:// (credentials come from each
backend's own environment variables, never from the URL; see the library's
README).

Every flag has an environment twin: --url is POLYSECRET_URL, --env is
POLYSECRET_ENV, --from-file is POLYSECRET_FROM_FILE, and so on; a flag given
on the command line wins; an empty variable counts as unset. Values are printed only by get, export, and ls
--values; never in errors, logs or --dry-run plans.

` + exitHelp,
		Example: `  export POLYSECRET_URL='vault://secret/myapp'
  printf %s "$DSN" | polysecret set DATABASE_URL --env prod --type password
  polysecret get DATABASE_URL --env prod
  polysecret ls --all-envs
  polysecret exec --env prod -- ./server
  polysecret copy vault://secret/myapp 'awssm://myapp?region=eu-west-1' --dry-run`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyEnvTwins(cmd)
		},
	}
	root.PersistentFlags().StringVar(&a.url, "url", "", "the store's URL (env POLYSECRET_URL)")
	root.PersistentFlags().StringVar(&a.env, "env", "", "the environment scope; \"\" = the URL's, else global (env POLYSECRET_ENV)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newGet(a), newLs(a), newSet(a), newRm(a), newVersions(a), newEnvCmd(a),
		newExec(a), newExport(a), newImport(a), newCopy(a), newDiff(a), newServe(a))
	addCompletion(root)
	return root
}

// applyEnvTwins sets every flag that was not given from its environment
// twin, if set and not empty.
func applyEnvTwins(cmd *cobra.Command) error {
	var err error
	set := func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		v := os.Getenv(envName(f.Name))
		if v == "" { // unset and empty are alike
			return
		}
		if e := cmd.Flags().Set(f.Name, v); e != nil {
			err = usageError{fmt.Errorf("%s: %w", envName(f.Name), e)}
		}
	}
	cmd.Flags().VisitAll(set)
	return err
}

// open opens the store of --url, scoped to --env when given.
func (a *app) open(ctx context.Context) (*secrets.Store, error) {
	if a.url == "" {
		return nil, usageError{fmt.Errorf("no store: give --url or set POLYSECRET_URL")}
	}
	return openURL(ctx, a.url, a.env)
}

// withStore is a command's RunE that opens the store of --url and --env,
// runs f with it and the command's context, and closes it.
func (a *app) withStore(f func(ctx context.Context, s *secrets.Store, argv []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, argv []string) error {
		s, err := a.open(cmd.Context())
		if err != nil {
			return err
		}
		defer s.Close()
		return f(cmd.Context(), s, argv)
	}
}

func openURL(ctx context.Context, url, env string) (*secrets.Store, error) {
	s, err := secrets.OpenStore(ctx, url)
	if err != nil {
		return nil, err
	}
	if env != "" {
		s = s.In(env)
	}
	return s, nil
}

// args is cobra.ExactArgs whose error is a usage error.
func args(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := cobra.ExactArgs(n)(cmd, a); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// parseLabels turns k=v flags into a map.
func parseLabels(kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageError{fmt.Errorf("label %q: want key=value", kv)}
		}
		m[k] = v
	}
	return m, nil
}
