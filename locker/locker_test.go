package locker_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/locker"
	"github.com/polysecret/secrets/locker/lockertest"
)

var ctx = context.Background()

type env struct {
	srv  *lockertest.Server
	proj *lockertest.Project
	key  *lockertest.AccessKey
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := lockertest.NewServer()
	t.Cleanup(srv.Close)
	p := srv.CreateProject("test")
	k, err := p.CreateAccessKey(lockertest.KeyOptions{Permission: lockertest.ReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv, p, k}
}

// client builds a Client on the test server for k; the test's cleanup
// releases its connections.
func (e *env) client(t testing.TB, k *lockertest.AccessKey, mod ...func(*locker.ClientOptions)) (*locker.Client, error) {
	o := locker.ClientOptions{APIBase: e.srv.URL(), AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	for _, m := range mod {
		m(&o)
	}
	c, err := locker.NewClient(ctx, o)
	if err == nil {
		t.Cleanup(c.CloseIdleConnections)
	}
	return c, err
}

func (e *env) mustClient(t testing.TB, k *lockertest.AccessKey, mod ...func(*locker.ClientOptions)) *locker.Client {
	t.Helper()
	c, err := e.client(t, k, mod...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// open makes a Store with New on a Client of its own.
func (e *env) open(t testing.TB, k *lockertest.AccessKey, mod ...func(*locker.ClientOptions)) (*secrets.Store, error) {
	c, err := e.client(t, k, mod...)
	if err != nil {
		return nil, err
	}
	st, err := locker.New(c, locker.Options{})
	if err == nil {
		t.Cleanup(func() { st.Close() })
	}
	return st, err
}

func (e *env) mustOpen(t testing.TB, k *lockertest.AccessKey, mod ...func(*locker.ClientOptions)) *secrets.Store {
	t.Helper()
	st, err := e.open(t, k, mod...)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			e := newEnv(t)
			return func(t *testing.T) *secrets.Store {
				st, err := locker.New(e.mustClient(t, e.key), locker.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		},
		Want: backend.Capabilities{AtomicMove: true},
		CheckAs: func(t *testing.T, s *secrets.Store) {
			var c *locker.Client
			if !s.As(&c) || c == nil || c.ProjectID() == 0 {
				t.Error("As(**locker.Client) failed")
			}
		},
	})
}

// TestURL opens through locker:// with credentials from the environment.
func TestURL(t *testing.T) {
	e := newEnv(t)
	t.Setenv("LOCKER_ACCESS_KEY_ID", e.key.ID)
	t.Setenv("LOCKER_SECRET_ACCESS_KEY", e.key.Secret)
	st, err := secrets.OpenStore(ctx, "locker://"+e.srv.Host()+"/locker_secrets?scheme=http&env=prod")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.In("").CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	// legacy variable names
	t.Setenv("LOCKER_ACCESS_KEY_ID", "")
	t.Setenv("LOCKER_SECRET_ACCESS_KEY", "")
	t.Setenv("ACCESS_KEY_ID", e.key.ID)
	t.Setenv("SECRET_ACCESS_KEY", e.key.Secret)
	st2, err := secrets.OpenStore(ctx, "locker://"+e.srv.Host()+"?scheme=http&env=prod")
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if v, err := st2.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("Value = %q, %v", v, err)
	}
	for _, bad := range []string{"locker://?scheme=http", "locker://h/x?scheme=ftp", "locker://h?bogus=1"} {
		if _, err := secrets.OpenStore(ctx, bad); secrets.ErrorCode(err) != secrets.InvalidArgument {
			t.Errorf("OpenStore(%q) = %v", bad, err)
		}
	}
}

// TestServerSeesNoPlaintext: what lockertest stores is ciphertext and
// hashes.
func TestServerSeesNoPlaintext(t *testing.T) {
	e := newEnv(t)
	st := e.mustOpen(t, e.key)
	if _, err := st.Create(ctx, secrets.Secret{Key: "DB_PASSWORD", Value: "hunter2-plain", Description: "the db"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range e.proj.StoredSecrets() {
		for _, f := range []string{s.Key, s.Value, s.Description, s.Hash} {
			if strings.Contains(f, "hunter2") || strings.Contains(f, "DB_PASSWORD") || strings.Contains(f, "the db") {
				t.Fatalf("server holds plaintext: %q", f)
			}
		}
	}
}

func TestReadKey(t *testing.T) {
	e := newEnv(t)
	rw := e.mustOpen(t, e.key)
	if _, err := rw.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	rk, err := e.proj.CreateAccessKey(lockertest.KeyOptions{Permission: lockertest.Read})
	if err != nil {
		t.Fatal(err)
	}
	ro := e.mustOpen(t, rk)
	if v, err := ro.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("read with a Read key: %q, %v", v, err)
	}
	checks := map[string]error{}
	_, checks["Create"] = ro.Create(ctx, secrets.Secret{Key: "N", Value: "x"})
	_, checks["Modify"] = ro.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr("w")})
	_, checks["CreateEnvironment"] = ro.CreateEnvironment(ctx, secrets.Environment{Name: "qa"})
	_, checks["ModifyEnvironment"] = ro.ModifyEnvironment(ctx, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("d")})
	for op, err := range checks {
		if secrets.ErrorCode(err) != secrets.PermissionDenied {
			t.Errorf("%s with a Read key: %v", op, err)
		}
		var ae *locker.APIError
		if !ro.ErrorAs(err, &ae) || ae.Status != 403 {
			t.Errorf("%s: ErrorAs(*locker.APIError) = %v", op, ae)
		}
	}
}

func TestKeyRules(t *testing.T) {
	e := newEnv(t)
	// IP allow-list that excludes us
	ipk, err := e.proj.CreateAccessKey(lockertest.KeyOptions{RestrictIP: []string{"192.0.2.10"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.open(t, ipk); secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Fatalf("key outside its allow-list: %v", err)
	}
	// at most two active keys
	if _, err := e.proj.CreateAccessKey(lockertest.KeyOptions{}); err == nil {
		t.Fatal("a third active key was accepted")
	}
	// deactivated key
	if err := e.proj.SetKeyActive(ipk.ID, false); err != nil {
		t.Fatal(err)
	}
	st := e.mustOpen(t, e.key)
	if err := e.proj.SetKeyActive(e.key.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "K"); secrets.ErrorCode(err) != secrets.Unauthenticated {
		t.Fatalf("deactivated key: %v", err)
	}
	if _, err := e.open(t, e.key); secrets.ErrorCode(err) != secrets.Unauthenticated {
		t.Fatalf("open with a deactivated key: %v", err)
	}
}

func TestWrongSecretAtOpen(t *testing.T) {
	e := newEnv(t)
	other, _ := lockertest.NewServer().CreateProject("x").CreateAccessKey(lockertest.KeyOptions{})
	_, err := e.open(t, &lockertest.AccessKey{ID: e.key.ID, Secret: other.Secret})
	if secrets.ErrorCode(err) != secrets.Unauthenticated || !strings.Contains(err.Error(), "does not decrypt") {
		t.Fatalf("wrong secret access key at open: %v", err)
	}
	if strings.Contains(err.Error(), other.Secret) {
		t.Fatal("error shows the secret access key")
	}
	_, err = e.open(t, &lockertest.AccessKey{ID: e.key.ID, Secret: "not-base64!"})
	if secrets.ErrorCode(err) != secrets.Unauthenticated {
		t.Fatalf("malformed secret access key: %v", err)
	}
}

// TestTamperedCiphertext: a stored value whose MAC fails is reported as
// Internal naming the field, not returned.
func TestTamperedCiphertext(t *testing.T) {
	e := newEnv(t)
	st := e.mustOpen(t, e.key)
	s, err := st.Create(ctx, secrets.Secret{Key: "T", Value: "original"})
	if err != nil {
		t.Fatal(err)
	}
	stored := e.proj.StoredSecrets()[0]
	other, _ := st.Create(ctx, secrets.Secret{Key: "U", Value: "other-value"})
	_ = other
	// swap in another secret's ciphertext, with a flipped MAC byte
	bad := e.proj.StoredSecrets()[1].Value
	bad = bad[:len(bad)-3] + "AA="
	if err := e.proj.TamperSecret(s.ID, "value", bad); err != nil {
		t.Fatal(err)
	}
	_ = stored
	got, err := st.Get(ctx, "T")
	if secrets.ErrorCode(err) != secrets.Internal || got != nil {
		t.Fatalf("tampered value: %v, %v", got, err)
	}
	if !strings.Contains(err.Error(), "value of secret") || strings.Contains(err.Error(), "other-value") {
		t.Fatalf("error does not name the field, or shows plaintext: %v", err)
	}
	if err := e.proj.TamperSecret(s.ID, "value", "2.garbage"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "T"); secrets.ErrorCode(err) != secrets.Internal {
		t.Fatalf("malformed ciphertext: %v", err)
	}
}

// TestRateLimit: a 429 burst within max_retries is ridden out (honouring
// Retry-After); a longer one surfaces RateLimited.
func TestRateLimit(t *testing.T) {
	e := newEnv(t)
	st := e.mustOpen(t, e.key, func(o *locker.ClientOptions) { o.MaxRetries = 3 })
	if _, err := st.Create(ctx, secrets.Secret{Key: "R", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	e.srv.FailNext(3, 429, time.Second)
	start := time.Now()
	if v, err := st.Value(ctx, "R"); err != nil || v != "v" {
		t.Fatalf("after a burst of 3: %q, %v", v, err)
	}
	if waited := time.Since(start); waited < 3*time.Second {
		t.Errorf("Retry-After: 1 not honoured: whole call took %v for 3 retries", waited)
	}
	e.srv.FailNext(4, 429, 0) // the first try and 3 retries
	_, err := st.Get(ctx, "R")
	if secrets.ErrorCode(err) != secrets.RateLimited {
		t.Fatalf("long burst: %v", err)
	}
	e.srv.FailNext(4, 503, 0)
	if _, err := st.Get(ctx, "R"); secrets.ErrorCode(err) != secrets.Unavailable {
		t.Fatalf("503s: %v", err)
	}
	// a slow server and a deadline
	c, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	e.srv.DelayNext(1, 5*time.Second)
	if _, err := st.Get(c, "R"); secrets.ErrorCode(err) != secrets.DeadlineExceeded {
		t.Fatalf("slow server: %v", err)
	}
}

func TestErrorAsNotFound(t *testing.T) {
	e := newEnv(t)
	st := e.mustOpen(t, e.key)
	_, err := st.Get(ctx, "missing")
	if !errors.Is(err, secrets.ErrNotFound) {
		t.Fatal(err)
	}
}

type capture struct {
	mu   sync.Mutex
	seen []http.Header
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.seen = append(c.seen, r.Header.Clone())
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// TestHeaders: the official SDK's headers on every request, user headers
// last, and the secret access key never sent.
func TestHeaders(t *testing.T) {
	e := newEnv(t)
	cp := &capture{}
	st := e.mustOpen(t, e.key, func(o *locker.ClientOptions) {
		o.HTTPClient = &http.Client{Transport: cp}
		o.Headers = map[string]string{"cf-access-client-id": "abc", "Cache-Control": "max-age=0"}
	})
	if _, err := st.Create(ctx, secrets.Secret{Key: "H", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if len(cp.seen) < 2 {
		t.Fatalf("%d requests seen", len(cp.seen))
	}
	for _, h := range cp.seen {
		if h.Get("Authorization") != "Bearer "+e.key.ID || !strings.HasPrefix(h.Get("User-Agent"), "Locker Secret Go SDK") ||
			h.Get("Content-Type") != "application/json" || h.Get("cf-access-client-id") != "abc" || h.Get("Cache-Control") != "max-age=0" {
			t.Errorf("headers: %v", h)
		}
		for _, vs := range h {
			for _, v := range vs {
				if strings.Contains(v, e.key.Secret) {
					t.Fatal("the secret access key was sent")
				}
			}
		}
	}
}
