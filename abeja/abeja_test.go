package abeja_test

import (
	"context"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
	"github.com/polysecret/secrets/abeja/abejatest"
	"github.com/polysecret/secrets/backend"
)

var ctx = context.Background()

// env is one test server with an organization and a user of it.
type env struct {
	srv       *abejatest.Server
	org       string
	user, pat string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := abejatest.NewServer()
	t.Cleanup(srv.Close)
	org := srv.NewOrganization()
	user, pat := srv.NewUser(org)
	return &env{srv: srv, org: org, user: user, pat: pat}
}

// client builds a Client on the server with the user's credentials.
func (e *env) client(t testing.TB, o abeja.ClientOptions) *abeja.Client {
	t.Helper()
	if o.APIURL == "" {
		o.APIURL = e.srv.URL()
	}
	if o.AuthToken == "" && o.UserID == "" {
		o.UserID, o.PersonalAccessToken = e.user, e.pat
	}
	c, err := abeja.NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func (e *env) store(t testing.TB, o abeja.ClientOptions) *secrets.Store {
	t.Helper()
	st, err := abeja.New(e.client(t, o), abeja.Options{Organization: e.org})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// wantCaps is what ABEJA can do: versions, expiry and delete natively;
// no environments, types, labels, compare-and-set or empty values.
var wantCaps = backend.Capabilities{Versions: true, Delete: true, Expiry: true, NoEmptyValues: true, GlobalOnly: true}
