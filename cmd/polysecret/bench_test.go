package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
)

// benchSecrets is the number of secrets of BenchmarkCopy:
// POLYSECRET_BENCH_SECRETS, default 1,000 (the target).
func benchSecrets(b *testing.B) int {
	n := 1000
	if v := os.Getenv("POLYSECRET_BENCH_SECRETS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 3 {
			b.Fatalf("POLYSECRET_BENCH_SECRETS=%q: want a number ≥ 3", v)
		}
	}
	return n
}

// BenchmarkCopy copies 1,000 secrets (POLYSECRET_BENCH_SECRETS) across 3
// environments from Vault to a fresh awssm:// prefix on moto, as `polysecret
// copy` does (the command's own code, in this process), and reports the
// requests each server answered per copy. rerun is a copy to a destination
// that already holds everything (every secret unchanged). Each iteration
// is checked exact (every secret once, diff finds nothing) outside the
// timer. Run: go test -run '^$' -bench Copy -benchtime 1x .
func BenchmarkCopy(b *testing.B) {
	n := benchSecrets(b)
	r := newCopyRig(b, n)
	ctx := context.Background()
	report := func(b *testing.B, label string) {
		vt, vby := r.vault.reset()
		at, aby := r.aws.reset()
		b.ReportMetric(float64(vt)/float64(b.N), "vault-req/op")
		b.ReportMetric(float64(at)/float64(b.N), "awssm-req/op")
		b.ReportMetric(float64(n), "secrets")
		b.Logf("%s, %d secrets, b.N=%d: vault %s; awssm %s", label, n, b.N, fmtCounts(vby), fmtCounts(aby))
	}
	b.Run("fresh", func(b *testing.B) {
		var dsts []string
		r.vault.reset()
		r.aws.reset()
		for b.Loop() {
			dst := r.dst()
			dsts = append(dsts, dst)
			if st, _, e := copyCmd(ctx, r.src, dst, "--concurrency", "4"); st != 0 {
				b.Fatalf("copy: status %d: %s", st, e)
			}
		}
		report(b, "fresh")
		for _, d := range dsts {
			r.checkExact(b, d)
		}
	})
	b.Run("rerun", func(b *testing.B) {
		dst := r.dst()
		if st, _, e := copyCmd(ctx, r.src, dst, "--concurrency", "4"); st != 0 {
			b.Fatalf("copy: status %d: %s", st, e)
		}
		r.vault.reset()
		r.aws.reset()
		for b.Loop() {
			st, out, e := copyCmd(ctx, r.src, dst, "--concurrency", "4")
			if st != 0 {
				b.Fatalf("copy: status %d: %s", st, e)
			}
			if strings.Contains(out, "create ") || strings.Contains(out, "update ") {
				b.Fatalf("re-run wrote:\n%s", out)
			}
		}
		report(b, "rerun")
		r.checkExact(b, dst)
	})
}
