package locker_test

import (
	"net/url"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/locker"
)

// TestCloseReleases (8.14, decision h): 20 cycles of open, Get, Close
// leave goroutines and open files at the baseline (±5); a user's
// http.Client is left alone by Close.
func TestCloseReleases(t *testing.T) {
	e := newEnv(t)
	t.Setenv("LOCKER_ACCESS_KEY_ID", e.key.ID)
	t.Setenv("LOCKER_SECRET_ACCESS_KEY", e.key.Secret)
	u := "locker://" + e.srv.Host() + "/locker_secrets?scheme=http"
	seed, err := secrets.OpenStore(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	seed.Close()
	drivertest.CloseCycles(t, 20, func() (*secrets.Store, error) { return secrets.OpenStore(ctx, u) },
		func(st *secrets.Store) error { _, err := st.Get(ctx, "K"); return err })
}

// TestCloseLeavesUserClient: Close does not touch an http.Client the user
// passed in (its idle connections stay usable by the user).
func TestCloseLeavesUserClient(t *testing.T) {
	e := newEnv(t)
	tr := &drivertest.Transport{Next: e.srv.Client().Transport}
	hc := e.srv.Client()
	hc.Transport = tr
	st := e.mustOpen(t, e.key, func(o *locker.ClientOptions) { o.HTTPClient = hc })
	if _, err := st.ListEnvironments(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if tr.Closed() != 0 {
		t.Error("Close closed the idle connections of the user's http.Client")
	}
}

// TestPing (8.22, decision g): one cheap authenticated request; a
// deactivated key is Unauthenticated and a dead server Unavailable.
func TestPing(t *testing.T) {
	e := newEnv(t)
	t.Setenv("LOCKER_ACCESS_KEY_ID", e.key.ID)
	t.Setenv("LOCKER_SECRET_ACCESS_KEY", e.key.Secret)
	u, _ := url.Parse("locker://" + e.srv.Host() + "/locker_secrets?scheme=http&max_retries=0")
	d, err := locker.OpenDriverURL(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p, ok := d.(backend.Pinger)
	if !ok {
		t.Fatal("the locker driver does not implement backend.Pinger")
	}
	before := e.srv.Requests()
	if err := p.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if n := e.srv.Requests() - before; n != 1 {
		t.Errorf("Ping made %d requests, want 1", n)
	}
	if err := e.proj.SetKeyActive(e.key.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := p.Ping(ctx); backend.Classify(err, d.ErrorCode) != backend.Unauthenticated {
		t.Errorf("Ping with a deactivated key: %v", err)
	}
	e.srv.Close()
	if err := p.Ping(ctx); backend.Classify(err, d.ErrorCode) != backend.Unavailable {
		t.Errorf("Ping of a stopped server: %v", err)
	}
}

// TestAtomicMove (8.26, decision c): a move is one PUT of the secret's
// environment, so the driver declares AtomicMove and keeps it.
func TestAtomicMove(t *testing.T) {
	e := newEnv(t)
	st := e.mustOpen(t, e.key)
	if !st.Capabilities().AtomicMove {
		t.Error("Capabilities().AtomicMove = false")
	}
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	s, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"})
	if err != nil {
		t.Fatal(err)
	}
	moved, err := st.Modify(ctx, "K", secrets.Update{Environment: secrets.Ptr("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if moved.Environment != "prod" || moved.ID != s.ID || moved.Value != "v" {
		t.Errorf("moved: %+v", moved)
	}
	if _, err := st.Get(ctx, "K"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Errorf("global K after the move: %v", err)
	}
}
