package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newDiff(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "diff SRC_URL DST_URL",
		Short: "Show which environments and secrets differ between two stores (values by hash)",
		Long: `diff compares every environment and every secret of every scope:

  - NAME          only in SRC
  + NAME          only in DST
  ~ NAME (f, …)   in both, the fields f differ

Environments are compared by name, description and external URL (the last
two where neither store's environments are configured, as in a native
layout). Values are compared by their SHA-256 and never printed, not even
as a hash; description always, and type, labels and expiry where both
stores hold them (a first line says what is not compared). The exit status
is 0 when the stores hold the same, 1 when they differ. --env is ignored.`,
		Example: `  polysecret diff vault://secret/myapp 'awssm://myapp?region=eu-west-1'
  polysecret diff "$OLD" "$NEW" && echo same`,
		Args: args(2),
		RunE: func(cmd *cobra.Command, argv []string) error {
			ctx := cmd.Context()
			src, dst, err := openPair(ctx, argv)
			if err != nil {
				return err
			}
			defer src.Close()
			defer dst.Close()
			out := a.stdout
			h := heldBy(src.Capabilities(), dst.Capabilities())
			n := h.notHeld()
			if src.Capabilities().FixedEnvironments || dst.Capabilities().FixedEnvironments {
				n = append(n, "environment descriptions and external URLs")
			}
			if len(n) > 0 {
				fmt.Fprintf(out, "note: %s not compared (not stored by both)\n", strings.Join(n, ", "))
			}
			differ := false
			senvs, denvs, inDst, err := environments(ctx, src, dst)
			if err != nil {
				return err
			}
			// Configured environments (either side) have no description or
			// external URL of their own to compare.
			envMeta := !src.Capabilities().FixedEnvironments && !dst.Capabilities().FixedEnvironments
			inSrc := map[string]bool{}
			for _, e := range senvs {
				inSrc[e.Name] = true
				d, ok := inDst[e.Name]
				switch {
				case !ok:
					fmt.Fprintf(out, "- environment %s\n", e.Name)
					differ = true
				case envMeta:
					if f := envDifferences(e, d); len(f) > 0 {
						fmt.Fprintf(out, "~ environment %s (%s)\n", e.Name, strings.Join(f, ", "))
						differ = true
					}
				}
			}
			for _, e := range denvs {
				if !inSrc[e.Name] {
					fmt.Fprintf(out, "+ environment %s\n", e.Name)
					differ = true
				}
			}
			sm, sorder, err := snapshot(ctx, src)
			if err != nil {
				return err
			}
			dm, dorder, err := snapshot(ctx, dst)
			if err != nil {
				return err
			}
			for _, r := range sorder {
				d, ok := dm[r]
				switch {
				case !ok:
					fmt.Fprintf(out, "- %s\n", r)
					differ = true
				default:
					if f := differences(sm[r], d, h); len(f) > 0 {
						fmt.Fprintf(out, "~ %s (%s)\n", r, strings.Join(f, ", "))
						differ = true
					}
				}
			}
			for _, r := range dorder {
				if _, ok := sm[r]; !ok {
					fmt.Fprintf(out, "+ %s\n", r)
					differ = true
				}
			}
			if differ {
				return silentError{statusDiffer}
			}
			return nil
		},
	}
}
