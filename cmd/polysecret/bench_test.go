package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/testenv"
)

// The copy benchmark and the interrupted-copy test: Vault (dev server) →
// AWS Secrets Manager (moto), as the target names it, with every
// request counted at a proxy in front of each server.

// counter is a reverse proxy in front of a test server that counts the
// requests it passes, by action (AWS's X-Amz-Target, else the method), and
// may run a hook on each before passing it on.
type counter struct {
	srv    *httptest.Server
	n      atomic.Int64
	mu     sync.Mutex
	by     map[string]int
	onReq  atomic.Pointer[func(action string)]
	target string
}

func newCounter(tb testing.TB, target string) *counter {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	c := &counter{by: map[string]int{}, target: target}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // a cancelled request is expected here
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := r.Header.Get("X-Amz-Target")
		if action == "" {
			action = r.Method
		}
		action = strings.TrimPrefix(action, "secretsmanager.")
		c.n.Add(1)
		c.mu.Lock()
		c.by[action]++
		c.mu.Unlock()
		if f := c.onReq.Load(); f != nil {
			(*f)(action)
		}
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(c.srv.Close)
	return c
}

// reset zeroes the counts and returns the previous ones.
func (c *counter) reset() (total int64, by map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total, by = c.n.Swap(0), c.by
	c.by = map[string]int{}
	return total, by
}

func fmtCounts(by map[string]int) string {
	var parts []string
	for k, v := range by {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// copyRig is a Vault source seeded with n secrets across 3 environments
// and the means to make fresh awssm:// destinations, both behind counters.
type copyRig struct {
	vault, aws *counter
	src        string
	n          int
	seq        atomic.Int64
	prefix     string
}

var benchEnvs = []string{"dev", "staging", "prod"}

// newCopyRig seeds vault://secret/<unique path> with n secrets, key
// app/key-NNNN in environment benchEnvs[i%3] (each environment with a
// description), and points this process's Vault and AWS clients at the
// counting proxies (VAULT_ADDR, AWS_ENDPOINT_URL_SECRETS_MANAGER).
func newCopyRig(tb testing.TB, n int) *copyRig {
	tb.Helper()
	testenv.Require(tb, vaultAddr != "", "no Vault server (VAULT_BIN, or VAULT_ADDR and VAULT_TOKEN)")
	testenv.Require(tb, motoEndpoint != "", "no moto_server (MOTO_SERVER)")
	r := &copyRig{vault: newCounter(tb, vaultAddr), aws: newCounter(tb, motoEndpoint), n: n,
		prefix: fmt.Sprintf("copy%d", time.Now().UnixNano())}
	setenv(tb, "VAULT_ADDR", r.vault.srv.URL)
	setenv(tb, "VAULT_TOKEN", vaultToken)
	setenv(tb, "AWS_ENDPOINT_URL_SECRETS_MANAGER", r.aws.srv.URL)
	r.src = "vault://secret/" + r.prefix
	ctx := context.Background()
	s, err := secrets.OpenStore(ctx, r.src)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	for _, e := range benchEnvs {
		if _, err := s.CreateEnvironment(ctx, secrets.Environment{Name: e, Description: "the " + e + " environment"}); err != nil {
			tb.Fatal(err)
		}
	}
	err = backend.ForEach(ctx, n, 8, func(ctx context.Context, i int) error {
		_, err := s.Put(ctx, secrets.Secret{Environment: benchEnvs[i%len(benchEnvs)], Key: fmt.Sprintf("app/key-%04d", i),
			Value: fmt.Sprintf("value-%d-%d", i, time.Now().UnixNano()), Description: "secret " + strconv.Itoa(i),
			Type: secrets.TypePassword, Labels: map[string]string{"team": "t" + strconv.Itoa(i%5)}})
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	r.vault.reset()
	r.aws.reset()
	return r
}

// setenv is Setenv for a test or a benchmark (both have it on testing.TB's
// concrete types).
func setenv(tb testing.TB, k, v string) {
	tb.(interface{ Setenv(string, string) }).Setenv(k, v)
}

// dst returns a fresh awssm:// destination.
func (r *copyRig) dst() string {
	return fmt.Sprintf("awssm://%s-dst%d?region=us-east-1", r.prefix, r.seq.Add(1))
}

// copyCmd runs `polysecret copy src dst` in this process (stdout and
// stderr returned; not a terminal).
func copyCmd(ctx context.Context, argv ...string) (status int, stdout, stderr string) {
	var out, errb strings.Builder
	status = runApp(ctx, &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, isTerminal: isTerminal},
		append([]string{"copy"}, argv...))
	return status, out.String(), errb.String()
}

// checkExact fails tb unless dst holds exactly the rig's n secrets, each
// once, and diff finds nothing.
func (r *copyRig) checkExact(tb testing.TB, dst string) {
	tb.Helper()
	ctx := context.Background()
	s, err := secrets.OpenStore(ctx, dst)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	seen := map[string]int{}
	for sec, err := range s.List(ctx, secrets.ListOptions{AllEnvironments: true}) {
		if err != nil {
			tb.Fatal(err)
		}
		seen[sec.Environment+"/"+sec.Key]++
	}
	if len(seen) != r.n {
		tb.Errorf("destination holds %d secrets, want %d", len(seen), r.n)
	}
	for k, c := range seen {
		if c != 1 {
			tb.Errorf("%s listed %d times", k, c)
		}
	}
	var out, errb strings.Builder
	if st := run(ctx, []string{"diff", r.src, dst}, strings.NewReader(""), &out, &errb); st != 0 {
		tb.Errorf("diff: status %d\n%s%s", st, out.String(), errb.String())
	}
}

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
