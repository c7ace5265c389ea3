package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/polysecret/secrets"
)

func newSet(a *app) *cobra.Command {
	var (
		fromFile, typ, desc string
		labels              []string
		expiresIn           time.Duration
	)
	c := &cobra.Command{
		Use:   "set KEY",
		Short: "Create or replace a secret; the value comes from stdin or --from-file, never an argument",
		Long: `set writes KEY in the exact --env scope (global without one): created if
absent, else its value and metadata replaced (Store.Put: metadata not given
is cleared). The value is read from --from-file exactly as the file holds it,
else from stdin with one trailing newline ("\n" or "\r\n") removed. A value
is never an argument, so that it stays out of shell history and ps.`,
		Example: `  printf %s "$PASSWORD" | polysecret set DB_PASSWORD --env prod --type password
  polysecret set TLS_KEY --from-file ./tls.key --type key --label team=web
  echo tok | polysecret set CI_TOKEN --expires-in 720h --description "CI deploy token"`,
		Args: args(1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			lm, err := parseLabels(labels)
			if err != nil {
				return err
			}
			value, err := readValue(a.stdin, fromFile)
			if err != nil {
				return err
			}
			sec := secrets.Secret{Key: argv[0], Value: value, Type: typ, Description: desc, Labels: lm}
			if expiresIn != 0 {
				sec.ExpiresAt = time.Now().Add(expiresIn).UTC().Truncate(time.Second)
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			_, err = s.Put(cmd.Context(), sec)
			return err
		},
	}
	c.Flags().StringVar(&fromFile, "from-file", "", "read the value from this file, byte for byte (env POLYSECRET_FROM_FILE)")
	c.Flags().StringVar(&typ, "type", "", "generic, password, key or token (env POLYSECRET_TYPE)")
	c.Flags().StringVar(&desc, "description", "", "the secret's description (env POLYSECRET_DESCRIPTION)")
	c.Flags().StringArrayVar(&labels, "label", nil, "a label key=value; repeat for more (env POLYSECRET_LABEL)")
	c.Flags().DurationVar(&expiresIn, "expires-in", 0, "expire after this duration, e.g. 720h (env POLYSECRET_EXPIRES_IN)")
	return c
}

func readValue(stdin io.Reader, fromFile string) (string, error) {
	if fromFile != "" {
		b, err := os.ReadFile(fromFile)
		if err != nil {
			return "", usageError{fmt.Errorf("--from-file: %w", err)}
		}
		return string(b), nil
	}
	b, err := io.ReadAll(stdin)
	if err != nil {
		return "", usageError{fmt.Errorf("reading the value from stdin: %w", err)}
	}
	v := string(b)
	if strings.HasSuffix(v, "\r\n") {
		v = v[:len(v)-2]
	} else {
		v = strings.TrimSuffix(v, "\n")
	}
	return v, nil
}
