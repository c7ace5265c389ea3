package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

func newCopy(a *app) *cobra.Command {
	var (
		dryRun bool
		conc   int
	)
	c := &cobra.Command{
		Use:   "copy SRC_URL DST_URL",
		Short: "Copy every environment and secret from one store to another",
		Long: `copy creates in DST every environment of SRC that DST lacks, with its
description and external URL (it updates those of an environment DST has
where they differ; a note says so where DST's environments are configured
and cannot hold them; SRC's configured environments have none to copy).
Where DST has no environments at all (abeja://, datalayer://) or cannot
create them, the secrets of those environments are skipped, each line says
so, and copy ends with Unimplemented's status. It sets every secret of every scope of SRC in DST
(Store.Put) with its description, type, labels and expiry — those DST
stores (its Capabilities); a line says what DST cannot hold. A secret DST
already holds identically is left alone, so a
re-run after a failure completes the copy with no duplicate and no new
version. Secrets only in DST are kept. The plan is printed first, then
the writes run, --concurrency at a time; the first failure stops them (a
re-run finishes). --dry-run prints the plan (create /
update / unchanged, and the fields that change), never a value.

A secret DST cannot hold at all (a value that is not UTF-8 on a text-only
store, an empty value where it has none, an expired secret where it stores
no expiry: it would live again) is reported and skipped; copy then
ends with Unimplemented (12) after copying the rest. --env is ignored: every
scope is copied. On a terminal, a progress bar (counts, never a key or
value) goes to stderr; off a terminal nothing is written there.`,
		Example: `  polysecret copy vault://secret/myapp 'awssm://myapp?region=eu-west-1' --dry-run
  polysecret copy vault://secret/myapp 'awssm://myapp?region=eu-west-1'
  polysecret diff vault://secret/myapp 'awssm://myapp?region=eu-west-1'`,
		Args: args(2),
		RunE: func(cmd *cobra.Command, argv []string) error {
			ctx := cmd.Context()
			if conc < 1 || conc > 64 {
				return usageError{fmt.Errorf("--concurrency %d: want 1-64", conc)}
			}
			src, dst, err := openPair(ctx, argv)
			if err != nil {
				return err
			}
			defer src.Close()
			defer dst.Close()
			out := a.stdout
			h := heldBy(dst.Capabilities())
			if lost := h.notHeld(); len(lost) > 0 {
				fmt.Fprintf(out, "note: the destination does not store %s: those are not copied\n", strings.Join(lost, ", "))
			}
			// Environments.
			senvs, _, have, err := environments(ctx, src, dst)
			if err != nil {
				return err
			}
			missing := map[string]bool{}
			for _, e := range senvs {
				if cur, ok := have[e.Name]; ok {
					if src.Capabilities().FixedEnvironments {
						continue // configured: no description or URL of its own to copy
					}
					if err := syncEnvironment(ctx, out, dst, e, cur, dryRun); err != nil {
						return err
					}
					continue
				}
				if why := cannotCreateEnvironments(dst.Capabilities()); why != "" {
					fmt.Fprintf(out, "cannot create environment %s: %s; its secrets are skipped\n", e.Name, why)
					missing[e.Name] = true
					continue
				}
				fmt.Fprintf(out, "create environment %s\n", e.Name)
				if dryRun {
					continue
				}
				if _, err := dst.CreateEnvironment(ctx, secrets.Environment{Name: e.Name, Description: e.Description, ExternalURL: e.ExternalURL}); err != nil && !errors.Is(err, secrets.ErrAlreadyExists) {
					return err
				}
			}
			// Secrets.
			sm, order, err := snapshot(ctx, src)
			if err != nil {
				return err
			}
			dm, _, err := snapshot(ctx, dst)
			if err != nil {
				return err
			}
			now := time.Now()
			skipped := 0
			var writes []secrets.Secret
			for _, r := range order {
				sec := sm[r]
				if missing[r.env] {
					skipped++
					continue
				}
				why := cannotHold(dst.Capabilities(), sec.Value)
				if why == "" && !h.expiry && sec.Expired(now) {
					why = "it has expired and the destination does not store expiry (it would live again)"
				}
				if why != "" {
					fmt.Fprintf(out, "cannot copy %s: %s\n", r, why)
					skipped++
					continue
				}
				want := secrets.Secret{Environment: r.env, Key: r.key, Value: sec.Value, Description: sec.Description}
				if h.types {
					want.Type = sec.Type
				}
				if h.labels {
					want.Labels = sec.Labels
				}
				if h.expiry {
					want.ExpiresAt = sec.ExpiresAt
				}
				action := "create " + r.String()
				if cur, ok := dm[r]; ok {
					d := differences(&want, cur, h)
					if len(d) == 0 {
						fmt.Fprintf(out, "unchanged %s\n", r)
						continue
					}
					action = "update " + r.String() + " (" + strings.Join(d, ", ") + ")"
				}
				fmt.Fprintln(out, action)
				writes = append(writes, want)
			}
			if !dryRun {
				if err := putAll(ctx, dst, writes, conc, newProgress(a.stderr, len(writes), a.isTerminal != nil && a.isTerminal(a.stderr))); err != nil {
					return err
				}
			}
			if dryRun {
				fmt.Fprintln(out, "dry run: nothing written")
			}
			if skipped > 0 {
				return &codedError{secrets.Unimplemented, fmt.Errorf("%d secrets could not be copied (listed above)", skipped)}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan, write nothing (env POLYSECRET_DRY_RUN)")
	c.Flags().IntVar(&conc, "concurrency", 4, "writes in flight at once, 1-64 (env POLYSECRET_CONCURRENCY)")
	return c
}

// syncEnvironment brings the description and external URL of dst's
// environment cur to those of e, the source's (a plan line; no write on a
// dry run). Where dst's environments are configured, it cannot: a note
// says what is not copied.
func syncEnvironment(ctx context.Context, out io.Writer, dst *secrets.Store, e, cur *secrets.Environment, dryRun bool) error {
	d := envDifferences(e, cur)
	if len(d) == 0 {
		return nil
	}
	if dst.Capabilities().FixedEnvironments {
		fmt.Fprintf(out, "note: environment %s: the destination's environments are configured: its %s not copied\n", e.Name, strings.Join(d, ", "))
		return nil
	}
	fmt.Fprintf(out, "update environment %s (%s)\n", e.Name, strings.Join(d, ", "))
	if dryRun {
		return nil
	}
	_, err := dst.ModifyEnvironment(ctx, e.Name, secrets.EnvironmentUpdate{Description: &e.Description, ExternalURL: &e.ExternalURL})
	return err
}

// cannotCreateEnvironments says why the destination cannot create an
// environment, or "".
func cannotCreateEnvironments(caps secrets.Capabilities) string {
	switch {
	case caps.GlobalOnly:
		return "the destination has no environments (it holds global secrets only)"
	case caps.FixedEnvironments:
		return "the destination's environments are configured"
	}
	return ""
}

// cannotHold says why a store with caps cannot hold v ("" if it can).
func cannotHold(caps secrets.Capabilities, v string) string {
	switch {
	case caps.TextOnly && !utf8.ValidString(v):
		return "the destination stores only UTF-8 values"
	case caps.NoEmptyValues && v == "":
		return "the destination cannot store an empty value"
	}
	return ""
}

// putAll writes secs with at most conc Puts in flight; the first error
// stops the rest. p counts each write done.
func putAll(ctx context.Context, dst *secrets.Store, secs []secrets.Secret, conc int, p progress) error {
	err := backend.ForEach(ctx, len(secs), conc, func(ctx context.Context, i int) error {
		if _, err := dst.Put(ctx, secs[i]); err != nil {
			return err
		}
		p.add()
		return nil
	})
	p.end()
	return err
}
