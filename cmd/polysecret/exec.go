package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/polysecret/secrets"
)

func newExec(a *app) *cobra.Command {
	var (
		prefix   string
		pristine bool
	)
	c := &cobra.Command{
		Use:   "exec [--prefix P] [--pristine] -- COMMAND [ARG...]",
		Short: "Run a command with the scope's secrets as environment variables",
		Long: `exec runs COMMAND with the secrets of the --env scope, and the global secrets
the scope lacks, as environment variables, on top of polysecret's own
environment (--pristine: the secrets alone). Only keys starting with
--prefix are passed, with the prefix removed. Expired secrets are left out.

Names: the key (prefix removed) upper-cased, every character other than
A-Z 0-9 _ (such as / . - + = @ and space) replaced by _, and a leading
digit preceded by _: "db/password" → DB_PASSWORD, "api.v2-token" →
API_V2_TOKEN. Two keys with one name are an InvalidArgument error.

The exit status is the command's own (128+N when killed by signal N);
SIGINT and SIGTERM are passed on to it.`,
		Example: `  polysecret exec --env prod -- ./server --port 8080
  polysecret exec --env prod --prefix payments/ --pristine -- env`,
		Args: func(cmd *cobra.Command, argv []string) error {
			if len(argv) == 0 {
				return usageError{errors.New("exec needs a command: polysecret exec [flags] -- COMMAND [ARG...]")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, argv []string) error {
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			ps, err := collect(cmd.Context(), s, prefix)
			s.Close()
			if err != nil {
				return err
			}
			vars, err := envVars(ps)
			if err != nil {
				return err
			}
			var env []string
			if !pristine {
				env = os.Environ()
			}
			for _, v := range vars {
				env = append(env, v.key+"="+v.value)
			}
			return runChild(a, argv, env)
		},
	}
	c.Flags().StringVar(&prefix, "prefix", "", "only keys starting with this, removed from the name (env POLYSECRET_PREFIX)")
	c.Flags().BoolVar(&pristine, "pristine", false, "start from an empty environment (env POLYSECRET_PRISTINE)")
	c.Flags().SetInterspersed(false) // the command's own flags are its own, "--" or not
	return c
}

func runChild(a *app, argv []string, env []string) error {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return &codedError{secrets.NotFound, fmt.Errorf("exec: %w", err)}
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.stdin, a.stdout, a.stderr
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return &codedError{secrets.FailedPrecondition, fmt.Errorf("exec %s: %w", argv[0], err)}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				_ = cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return silentError{128 + int(ws.Signal())}
		}
		return silentError{ee.ExitCode()}
	}
	if err != nil {
		return &codedError{secrets.Internal, fmt.Errorf("exec %s: %w", argv[0], err)}
	}
	return nil
}
