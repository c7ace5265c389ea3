package vault_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/vault"
)

// The token a store logged in with is renewed in the background while the
// store is open, and replaced by a new login when it can no longer be
// renewed (its max TTL); Close stops all of it.

// renewSetup makes an AppRole role on p whose tokens live ttl, puts its
// role_id and secret_id in the environment, and returns a mux whose stores
// log to rec, and the URL of a store on p that logs in with that role.
func renewSetup(t *testing.T, p string, ttl tokenTTLs, rec *logRecorder) (*secrets.URLMux, string) {
	t.Helper()
	mount, roleID, secretID := approleCreds(t, storePolicy(t, p), ttl)
	t.Setenv("VAULT_ROLE_ID", roleID)
	t.Setenv("VAULT_SECRET_ID", secretID)
	mux := new(secrets.URLMux)
	mux.Register(vault.Scheme, &vault.URLOpener{Options: vault.Options{Logger: slog.New(rec)}})
	return mux, "vault://secret/" + p + "?auth=approle&auth_mount=" + mount
}

func openMux(t *testing.T, mux *secrets.URLMux, u string) *secrets.Store {
	t.Helper()
	st, err := mux.OpenStore(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A role with a token TTL of 2s and a max TTL of 6s: the store reads every
// 500ms for 8s (4 TTLs, past the max TTL) without an error; the token was
// renewed and a new login replaced it.
func TestAuthRenewal(t *testing.T) {
	needServer(t)
	rec := new(logRecorder)
	mux, u := renewSetup(t, prefix(), tokenTTLs{"2s", "6s"}, rec)
	g0 := steady()
	st := openMux(t, mux, u)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	var c *api.Client
	st.As(&c)
	tokens := map[string]bool{}
	reads, failures := 0, 0
	for start := time.Now(); time.Since(start) < 8*time.Second; time.Sleep(500 * time.Millisecond) {
		tokens[c.Token()] = true
		reads++
		if v, err := st.Value(ctx, "K"); err != nil || v != "v" {
			failures++
			t.Errorf("read %d after %v: %q, %v", reads, time.Since(start).Round(time.Millisecond), v, err)
		}
	}
	renewed, logins := rec.count("vault: token renewed"), rec.count("vault: logged in")
	t.Logf("%d reads, %d failed; %d renewals, %d logins, %d distinct tokens", reads, failures, renewed, logins, len(tokens))
	if renewed < 1 {
		t.Errorf("no renewal logged")
	}
	if logins < 2 {
		t.Errorf("%d logins logged, want a new login after the max TTL", logins)
	}
	if len(tokens) < 2 {
		t.Errorf("the store's client kept one token over 8s of 6s max TTL tokens")
	}
	logs := rec.text()
	for tok := range tokens {
		if strings.Contains(logs, tok) {
			t.Errorf("the logs show a token:\n%s", logs)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if g1 := settle(g0); g1 > g0 {
		t.Errorf("goroutines: %d before the store, %d after its Close", g0, g1)
	}
}

// 20 cycles of open (AppRole), Get, Close leave the goroutine count at its
// baseline: each store's renewal stops with it.
func TestAuthCloseStopsRenewal(t *testing.T) {
	needServer(t)
	rec := new(logRecorder)
	mux, u := renewSetup(t, prefix(), longTTL, rec)
	seed := openMux(t, mux, u)
	if _, err := seed.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	seed.Close()
	g0 := steady()
	for range 20 {
		st, err := mux.OpenStore(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Get(ctx, "K"); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	g1 := settle(g0)
	t.Logf("goroutines %d -> %d over 20 cycles", g0, g1)
	if g1 > g0+2 {
		t.Errorf("goroutines grew from %d to %d over 20 open/Get/Close cycles with renewal", g0, g1)
	}
}

// A renewal that hangs (the server never answers) does not hold Close up:
// Close returns, and the goroutines go, long before the request's timeout
// (30s).
func TestAuthCloseDuringRenewal(t *testing.T) {
	needServer(t)
	hung := make(chan struct{}, 1)
	px := newFaultProxy(t, func(r *http.Request, _ []byte) fault {
		if r.URL.Path == "/v1/auth/token/renew-self" {
			select {
			case hung <- struct{}{}:
			default:
			}
			return fault{kind: hang}
		}
		return fault{}
	})
	t.Setenv("VAULT_ADDR", px.URL)
	mux, u := renewSetup(t, prefix(), tokenTTLs{"2s", "1m"}, new(logRecorder))
	g0 := steady()
	st := openMux(t, mux, u)
	select {
	case <-hung:
	case <-time.After(10 * time.Second):
		t.Fatal("no renewal within 10s of a 2s token")
	}
	start := time.Now()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v with a renewal in flight", d)
	}
	px.tr.CloseIdleConnections() // the proxy's own connections to Vault
	if g1 := settle(g0); g1 > g0 {
		t.Errorf("goroutines: %d before the store, %d after its Close", g0, g1)
	}
}
