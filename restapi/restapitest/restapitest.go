// Package restapitest starts the secrets REST API (package restapi) in
// process, on an httptest server, for tests: of the rest driver, of the
// polysecret command, or of an application's own client.
package restapitest

import (
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/restapi"
)

// Gateway is a running gateway.
type Gateway struct {
	Server  *httptest.Server
	Handler *restapi.Handler
	// Secrets maps each key's id to its secret (what a client sends).
	Secrets map[string]string
	// Idempotency is the record store (a mem:// store of its own).
	Idempotency *secrets.Store
	audit       *drivertest.SyncBuffer
}

// Full is a key that may do everything: read-write, values, every scope.
func Full(id string) restapi.Key {
	return restapi.Key{ID: id, Access: restapi.ReadWrite, Values: true, Environments: []string{restapi.AllEnvironments}}
}

// Start serves store through restapi with the given keys (their SHA256 is
// filled in with fresh secrets, see Gateway.Secrets) and limits, on plain
// HTTP; the test's cleanup stops it. The audit log is JSON, kept for
// Gateway.AuditLog.
func Start(t testing.TB, store *secrets.Store, limits restapi.Limits, keys ...restapi.Key) *Gateway {
	t.Helper()
	return start(t, false, store, limits, keys)
}

// StartTLS is Start on HTTPS (httptest's certificate: Server.Client()
// trusts it).
func StartTLS(t testing.TB, store *secrets.Store, limits restapi.Limits, keys ...restapi.Key) *Gateway {
	t.Helper()
	return start(t, true, store, limits, keys)
}

func start(t testing.TB, tls bool, store *secrets.Store, limits restapi.Limits, keys []restapi.Key) *Gateway {
	t.Helper()
	g := &Gateway{Secrets: map[string]string{}, audit: new(drivertest.SyncBuffer), Idempotency: memory.OpenStore()}
	ks := make([]*restapi.Key, len(keys))
	for i := range keys {
		k := keys[i]
		sec, hash, err := restapi.NewKeySecret()
		if err != nil {
			t.Fatal(err)
		}
		k.SHA256 = hash
		g.Secrets[k.ID] = sec
		ks[i] = &k
	}
	h, err := restapi.New(store, ks, restapi.NewStoreIdempotency(g.Idempotency),
		slog.New(slog.NewJSONHandler(g.audit, nil)), limits)
	if err != nil {
		t.Fatal(err)
	}
	g.Handler = h
	if tls {
		g.Server = httptest.NewTLSServer(h)
	} else {
		g.Server = httptest.NewServer(h)
	}
	t.Cleanup(g.Server.Close)
	return g
}

// Host is the server's host:port, for rest://<host>?scheme=http.
func (g *Gateway) Host() string {
	u, _ := url.Parse(g.Server.URL)
	return u.Host
}

// AuditLog is everything the audit logger wrote so far.
func (g *Gateway) AuditLog() string { return g.audit.String() }
