package cache_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/cache"
	"github.com/polysecret/secrets/internal/testenv"
)

// These tests run the cache in front of the awssm driver against a real
// moto_server, which they start (and kill, and start again) themselves.

// moto is a moto_server on a fixed loopback port, which can be killed and
// started again on that port.
type moto struct {
	t    *testing.T
	bin  string
	port int
	proc *testenv.Moto
}

func startMoto(t *testing.T) *moto {
	bin := testenv.FindMoto()
	testenv.Require(t, bin != "", "no moto_server found (pyenv, PATH or MOTO_SERVER)")
	m := &moto{t: t, bin: bin}
	m.start()
	t.Cleanup(m.kill)
	return m
}

func (m *moto) url() string { return fmt.Sprintf("http://127.0.0.1:%d", m.port) }

// start starts moto: on a port the kernel picks the first time, then on
// the same port again (the backend coming back at the same address).
func (m *moto) start() {
	p, err := testenv.RunMoto(m.bin, m.port)
	if err != nil {
		m.t.Fatal(err)
	}
	m.proc, m.port = p, p.Port
}

func (m *moto) kill() {
	if m.proc != nil {
		m.proc.Stop()
		m.proc = nil
	}
}

func awsEnv(t *testing.T, endpoint string) {
	for k, v := range map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint, "AWS_ACCESS_KEY_ID": "test",
		"AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull} {
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN"} {
		if v, ok := os.LookupEnv(k); ok {
			os.Unsetenv(k)
			t.Cleanup(func() { os.Setenv(k, v) })
		}
	}
}

// countingProxy forwards to target, counting requests by X-Amz-Target, and
// holds GetSecretValue requests while held is open.
type countingProxy struct {
	mu     sync.Mutex
	counts map[string]int
	held   chan struct{} // nil: no hold
}

func (p *countingProxy) handler(target string) http.Handler {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := r.Header.Get("X-Amz-Target")
		p.mu.Lock()
		p.counts[op]++
		held := p.held
		p.mu.Unlock()
		if held != nil && op == "secretsmanager.GetSecretValue" {
			<-held
		}
		rp.ServeHTTP(w, r)
	})
}

func (p *countingProxy) count(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts["secretsmanager."+op]
}

// TestMotoSingleflight: 64 goroutines missing one key make exactly one
// GetSecretValue, counted at a proxy in front of moto; the store is opened
// by URL with cache_ttl (the parameter works on awssm://).
func TestMotoSingleflight(t *testing.T) {
	m := startMoto(t)
	p := &countingProxy{counts: map[string]int{}}
	srv := httptest.NewServer(p.handler(m.url()))
	defer srv.Close()
	awsEnv(t, srv.URL)
	ctx := context.Background()
	st, err := secrets.OpenStore(ctx, "awssm://cachetest?cache_ttl=1h")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var c *cache.Cache
	if !st.As(&c) {
		t.Fatal("no cache behind awssm://…?cache_ttl=1h")
	}
	if _, err := st.Put(ctx, secrets.Secret{Key: "HOT", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	before := p.count("GetSecretValue")
	p.mu.Lock()
	p.held = make(chan struct{})
	p.mu.Unlock()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Go(func() {
			v, err := st.Value(ctx, "HOT")
			if err == nil && v != "v" {
				err = fmt.Errorf("value %q", v)
			}
			errs <- err
		})
	}
	for c.Stats().Misses < 64 {
		time.Sleep(time.Millisecond)
	}
	p.mu.Lock()
	close(p.held)
	p.held = nil
	p.mu.Unlock()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := p.count("GetSecretValue") - before; n != 1 {
		t.Errorf("64 concurrent misses: %d GetSecretValue at the server, want 1", n)
	}
	t.Logf("requests at the server: %v", p.counts)
}

// TestMotoStaleWhileDown: moto killed: reads succeed from the stale value
// for MaxStale past the TTL, then fail Unavailable; moto back: a fresh
// value at the next read after the TTL.
func TestMotoStaleWhileDown(t *testing.T) {
	m := startMoto(t)
	awsEnv(t, m.url())
	ctx := context.Background()
	clock := newClock()
	u, _ := url.Parse("awssm://stale?max_retries=0&timeout=5s")
	drv, err := (&awssm.URLOpener{}).OpenDriverURL(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	c := cache.New(drv, cache.Options{TTL: time.Minute, MaxStale: time.Hour, Jitter: -1, RefreshAhead: -1, Clock: clock.Now})
	st := secrets.NewStore(c, secrets.StoreOptions{Scheme: "awssm"})
	defer st.Close()
	if _, err := st.Put(ctx, secrets.Secret{Key: "K", Value: "before"}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Value(ctx, "K"); err != nil || v != "before" {
		t.Fatal(v, err)
	}
	m.kill()
	steps := []struct {
		advance  time.Duration
		want     string
		wantCode secrets.Code
	}{
		{time.Minute, "before", 0},                  // past the TTL: stale
		{30 * time.Minute, "before", 0},             // still within MaxStale
		{30 * time.Minute, "", secrets.Unavailable}, // past TTL+MaxStale
	}
	for i, s := range steps {
		clock.Add(s.advance)
		v, err := st.Value(ctx, "K")
		if s.wantCode != 0 {
			if secrets.ErrorCode(err) != s.wantCode {
				t.Errorf("step %d: %q, %v; want %v", i, v, err, s.wantCode)
			}
		} else if err != nil || v != s.want {
			t.Errorf("step %d: %q, %v; want %q", i, v, err, s.want)
		}
	}
	if n := c.Stats().Stale; n != 2 {
		t.Errorf("Stats.Stale = %d, want 2", n)
	}
	m.start() // a new, empty moto
	// Written by another Store (no invalidation of this cache): the first
	// read after the backend is back fetches it.
	direct, err := secrets.OpenStore(ctx, "awssm://stale")
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if _, err := direct.Put(ctx, secrets.Secret{Key: "K", Value: "after"}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Value(ctx, "K"); err != nil || v != "after" {
		t.Errorf("backend back: %q, %v; want after", v, err)
	}
}
