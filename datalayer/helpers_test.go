package datalayer_test

import (
	"context"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer"
	"github.com/polysecret/secrets/datalayer/datalayertest"
)

var ctx = context.Background()

// env is a test server and one account on it.
type env struct {
	srv *datalayertest.Server
	key string
}

// newEnv starts a server whose list carries values (withValues) or leaves
// them out, with one account.
func newEnv(t testing.TB, withValues bool) *env {
	t.Helper()
	srv := datalayertest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetListValues(withValues)
	return &env{srv: srv, key: srv.NewAPIKey()}
}

// client builds a Client on the server for the account; the test's
// cleanup releases its connections.
func (e *env) client(t testing.TB, mod ...func(*datalayer.ClientOptions)) *datalayer.Client {
	t.Helper()
	o := datalayer.ClientOptions{IAMURL: e.srv.URL(), APIKey: e.key}
	for _, m := range mod {
		m(&o)
	}
	c, err := datalayer.NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// open makes a Store with New on a Client of its own, closed at cleanup.
func (e *env) open(t testing.TB, mod ...func(*datalayer.ClientOptions)) *secrets.Store {
	t.Helper()
	st, err := datalayer.New(e.client(t, mod...), datalayer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// shapes are the two list shapes of the server.
var shapes = []struct {
	name       string
	withValues bool
}{{"list with values", true}, {"list without values", false}}

// storedB64 is a secret as today's official clients write it.
func storedB64(name, value string) datalayertest.StoredSecret {
	return datalayertest.StoredSecret{Name: name, Value: b64(value)}
}
