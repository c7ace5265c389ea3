package datalayer_test

import (
	"net/http"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestURLOpenerWithOwnClient: a URLOpener holding a Client the test
// built opens datalayer:// URLs on its own URLMux, with no DATALAYER_*
// variable set; closing the Store leaves the client usable, and an
// http.Client the application gave it keeps its connections.
func TestURLOpenerWithOwnClient(t *testing.T) {
	var e *env
	drivertest.URLOpenerWithOwnClient(t, datalayer.Scheme, []drivertest.OpenerCase{
		{Name: "built-in transport, URL naming the client's IAM URL", URL: func() string {
			return "datalayer://" + e.srv.Host() + "?scheme=http"
		}},
		{Name: "own http.Client, URL naming the client's IAM URL", Own: true, URL: func() string {
			return "datalayer://" + e.srv.Host() + "/?scheme=http&list_concurrency=2"
		}},
		{Name: "own http.Client, URL without host", Own: true, URL: func() string { return "datalayer://" }},
	}, func(t *testing.T, hc *http.Client) drivertest.OwnClient[datalayer.Client] {
		e = newEnv(t, false)
		t.Setenv(datalayer.EnvAPIKey, "")
		t.Setenv(datalayer.EnvIAMURL, "")
		c := e.client(t, func(o *datalayer.ClientOptions) { o.HTTPClient = hc })
		return drivertest.OwnClient[datalayer.Client]{Client: c, Opener: &datalayer.URLOpener{Client: c}, Requests: e.srv.Requests,
			Reopen: func() (*secrets.Store, error) { return datalayer.New(c, datalayer.Options{}) }}
	})
}

// TestURLOpenerRefuses: with a Client, a URL that names another IAM URL
// or sets the client's own parameters is InvalidArgument before any
// request.
func TestURLOpenerRefuses(t *testing.T) {
	e := newEnv(t, true)
	c := e.client(t)
	host := e.srv.Host()
	for _, tc := range []struct{ name, url string }{
		{"max_retries with a client", "datalayer://" + host + "?scheme=http&max_retries=2"},
		{"timeout with a client", "datalayer://?timeout=5s"},
		{"unknown parameter with a client", "datalayer://?bogus=1"},
		{"other host", "datalayer://other.example:8080?scheme=http"},
		{"other scheme", "datalayer://" + host},
		{"other path", "datalayer://" + host + "/elsewhere?scheme=http"},
		{"bad path with a client", "datalayer://" + host + "/a/../b?scheme=http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := new(secrets.URLMux)
			mux.Register(datalayer.Scheme, &datalayer.URLOpener{Client: c})
			drivertest.RefusesURL(t, mux.OpenStore, tc.url, e.srv.Requests)
		})
	}
}

// TestNew: New's Options set the read-only mode; a read-only Store
// refuses a write before any request; an environment is Unimplemented; a
// nil Client is InvalidArgument.
func TestNew(t *testing.T) {
	e := newEnv(t, true)
	c := e.client(t)
	ro, err := datalayer.New(c, datalayer.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	before := e.srv.Requests()
	if _, err := ro.Create(ctx, secrets.Secret{Key: "K", Value: "x"}); secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Errorf("read-only Create = %v, want PermissionDenied", err)
	}
	if e.srv.Requests() != before {
		t.Error("a refused write made requests")
	}
	scoped, err := datalayer.New(c, datalayer.Options{Environment: "prod"})
	if err == nil {
		defer scoped.Close()
		_, err = scoped.Get(ctx, "K")
	}
	if secrets.ErrorCode(err) != secrets.Unimplemented {
		t.Errorf("a Store in an environment: %v, want Unimplemented", err)
	}
	if _, err := datalayer.New(c, datalayer.Options{ListConcurrency: 65}); secrets.ErrorCode(err) != secrets.InvalidArgument {
		t.Errorf("New with ListConcurrency 65 = %v, want InvalidArgument", err)
	}
	if _, err := datalayer.New(nil, datalayer.Options{}); secrets.ErrorCode(err) != secrets.InvalidArgument {
		t.Errorf("New(nil) = %v, want InvalidArgument", err)
	}
}

// TestCloseCycles: stores opened by URL build their own Client; Close
// releases its connections, so open/use/Close cycles leak neither
// goroutines nor file descriptors.
func TestCloseCycles(t *testing.T) {
	e := newEnv(t, false)
	for i := range 3 {
		if _, err := e.srv.Seed(e.key, storedB64("K"+string(rune('0'+i)), "v")); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(datalayer.EnvAPIKey, e.key)
	drivertest.CloseCycles(t, 30, func() (*secrets.Store, error) {
		return secrets.OpenStore(ctx, "datalayer://"+e.srv.Host()+"?scheme=http")
	}, func(st *secrets.Store) error {
		for _, err := range st.List(ctx, secrets.ListOptions{WithValues: true}) { // concurrent reads by uid
			if err != nil {
				return err
			}
		}
		_, err := st.Value(ctx, "K0")
		return err
	})
}
