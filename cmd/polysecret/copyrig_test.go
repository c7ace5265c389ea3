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

// What the copy benchmark (bench_test.go) and the interrupted-copy test
// (resume_test.go) share: Vault (dev server) → AWS Secrets Manager (moto),
// as the target names it, with every request counted at a proxy in
// front of each server.

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
