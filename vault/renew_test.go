package vault_test

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
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

// Tokens of 2s: the store reads every 500ms for 8s (4 TTLs) without an
// error. A service token is renewed up to its max TTL (6s), then a new
// login replaces it; a batch token cannot be renewed: a new login replaces
// it before each TTL ends.
func TestAuthRenewal(t *testing.T) {
	needServer(t)
	for _, tc := range []struct {
		name                   string
		ttl                    tokenTTLs
		minRenewals, maxRenews int
		minLogins              int
	}{
		{"service token, renewable up to its max TTL", tokenTTLs{ttl: "2s", max: "6s"}, 1, 100, 2},
		{"batch token, not renewable", tokenTTLs{ttl: "2s", max: "6s", typ: "batch"}, 0, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := new(logRecorder)
			mux, u := renewSetup(t, drivertest.Prefix(), tc.ttl, rec)
			g0 := drivertest.SteadyGoroutines()
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
					t.Errorf("read %d at %s: %q, %.60v", reads, time.Now().Format("05.000"), v, err)
				}
			}
			renewed, logins := rec.count("vault: token renewed"), rec.count("vault: logged in")
			t.Logf("%d reads, %d failed; %d renewals, %d logins, %d distinct tokens", reads, failures, renewed, logins, len(tokens))
			if renewed < tc.minRenewals || renewed > tc.maxRenews {
				t.Errorf("%d renewals logged, want %d..%d", renewed, tc.minRenewals, tc.maxRenews)
			}
			if logins < tc.minLogins {
				t.Errorf("%d logins logged, want at least %d", logins, tc.minLogins)
			}
			if len(tokens) < 2 {
				t.Errorf("the store's client kept one token over 8s of tokens that live at most 6s")
			}
			logs := rec.text()
			if t.Failed() {
				t.Logf("logs:\n%s", logs)
			}
			for tok := range tokens {
				if strings.Contains(logs, tok) {
					t.Errorf("the logs show a token:\n%s", logs)
				}
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			if g1 := drivertest.SettleGoroutines(g0); g1 > g0 {
				t.Errorf("goroutines: %d before the store, %d after its Close", g0, g1)
			}
		})
	}
}

// 20 cycles of open (AppRole), Get, Close leave the goroutine count at its
// baseline: each store's renewal stops with it.
func TestAuthCloseStopsRenewal(t *testing.T) {
	needServer(t)
	rec := new(logRecorder)
	mux, u := renewSetup(t, drivertest.Prefix(), longTTL, rec)
	seed := openMux(t, mux, u)
	if _, err := seed.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	seed.Close()
	g0 := drivertest.SteadyGoroutines()
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
	g1 := drivertest.SettleGoroutines(g0)
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
	mux, u := renewSetup(t, drivertest.Prefix(), tokenTTLs{ttl: "2s", max: "1m"}, new(logRecorder))
	g0 := drivertest.SteadyGoroutines()
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
	if g1 := drivertest.SettleGoroutines(g0); g1 > g0 {
		t.Errorf("goroutines: %d before the store, %d after its Close", g0, g1)
	}
}

// A token revoked behind the store's back (an operator's `vault token
// revoke`) cannot be renewed: the request that meets it is
// Unauthenticated, and the store logs in again at once, long before the
// token's TTL (10m) would have ended its renewal.
func TestAuthRevokedToken(t *testing.T) {
	needServer(t)
	rec := new(logRecorder)
	mux, u := renewSetup(t, drivertest.Prefix(), longTTL, rec)
	st := openMux(t, mux, u)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	var c *api.Client
	st.As(&c)
	revoked := c.Token()
	if err := rootClient(t).Auth().Token().RevokeOrphan(revoked); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "K"); secrets.ErrorCode(err) != secrets.Unauthenticated {
		t.Fatalf("Get with the revoked token: %v, want Unauthenticated", err)
	}
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err = st.Get(ctx, "K"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Get 10s after the token was revoked: %v", err)
	}
	if c.Token() == revoked {
		t.Error("the store's client still has the revoked token")
	}
	if n := rec.count("vault: logged in"); n != 2 {
		t.Errorf("%d logins, want 2 (open, after the revocation)", n)
	}
}

// A login refused in the background (the second one here: the server
// answers 400) is logged and tried again after a pause; the store works
// again once it succeeds.
func TestAuthReloginRetried(t *testing.T) {
	needServer(t)
	var logins atomic.Int32
	px := newFaultProxy(t, func(r *http.Request, _ []byte) fault {
		if strings.HasPrefix(r.URL.Path, "/v1/auth/approle-") && strings.HasSuffix(r.URL.Path, "/login") && logins.Add(1) == 2 {
			return fault{kind: answer, status: http.StatusBadRequest}
		}
		return fault{}
	})
	t.Setenv("VAULT_ADDR", px.URL)
	rec := new(logRecorder)
	mux, u := renewSetup(t, drivertest.Prefix(), tokenTTLs{ttl: "2s", max: "4s"}, rec)
	st := openMux(t, mux, u)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); rec.count("vault: logged in") < 2 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if n := rec.count("vault: login failed"); n != 1 {
		t.Errorf("%d failed logins logged, want 1", n)
	}
	if n := rec.count("vault: logged in"); n < 2 {
		t.Fatalf("%d logins after 20s, want the one after the refused one", n)
	}
	if v, err := st.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("Value after the new login: %q, %v", v, err)
	}
	t.Logf("logins sent: %d", logins.Load())
}
