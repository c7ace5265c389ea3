package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/polysecret/secrets"
)

// A copy stopped half-way (its context cancelled — what Ctrl-C or SIGTERM
// does to the command — once the destination has taken half the creates)
// fails; a re-run completes it: every secret once, each with exactly one
// version (nothing written twice), diff finds nothing.
func TestCopyResumeAfterCancel(t *testing.T) {
	const n = 90
	r := newCopyRig(t, n)
	dst := r.dst()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var creates atomic.Int64
	hook := func(action string) {
		if action == "CreateSecret" && creates.Add(1) == n/2 {
			cancel()
		}
	}
	r.aws.onReq.Store(&hook)
	st, _, stderr := copyCmd(ctx, r.src, dst, "--concurrency", "4")
	r.aws.onReq.Store(nil)
	if st != 14 || !strings.HasPrefix(stderr, "polysecret: Canceled: ") {
		t.Errorf("cancelled copy: status %d, stderr %q; want 14 and the Canceled code", st, stderr)
	}
	if strings.Contains(stderr, "value-") {
		t.Errorf("a value in stderr: %q", stderr)
	}
	_, by := r.aws.reset()
	t.Logf("interrupted copy: awssm %s", fmtCounts(by))

	st, stdout, stderr := copyCmd(context.Background(), r.src, dst, "--concurrency", "4")
	if st != 0 {
		t.Fatalf("re-run: status %d: %s", st, stderr)
	}
	created, unchanged := strings.Count(stdout, "\ncreate app/"), strings.Count(stdout, "\nunchanged app/")
	if strings.HasPrefix(stdout, "create app/") {
		created++
	}
	if strings.HasPrefix(stdout, "unchanged app/") {
		unchanged++
	}
	if created+unchanged != n || unchanged < n/2-4 || created == 0 || strings.Contains(stdout, "update ") {
		t.Errorf("re-run: %d created, %d unchanged, want %d in all, at least %d unchanged, none updated:\n%s",
			created, unchanged, n, n/2-4, stdout)
	}
	_, by = r.aws.reset()
	t.Logf("re-run: %d created, %d unchanged; awssm %s", created, unchanged, fmtCounts(by))
	r.checkExact(t, dst)

	// One version each: nothing was written twice.
	ctx = context.Background()
	s, err := secrets.OpenStore(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range n {
		env, key := benchEnvs[i%len(benchEnvs)], fmt.Sprintf("app/key-%04d", i)
		vs, err := s.In(env).Versions(ctx, key)
		if err != nil {
			t.Fatalf("%s in %s: %v", key, env, err)
		}
		if len(vs) != 1 {
			t.Errorf("%s in %s has %d versions, want 1", key, env, len(vs))
		}
	}
}
