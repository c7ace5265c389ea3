package drivertest

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

// OpenerWithClient checks a store st opened through a URLOpener that holds
// the application's client c (whose http.Client sends through tr when own
// is true): the store creates and reads K (in environment env, "" for
// none), its As gives c, and its Close leaves the client usable — reopen,
// a store made anew on c, reads K with a request that reaches the server
// (as requests counts them) — and tr's idle connections alone.
func OpenerWithClient[C any](t *testing.T, st *secrets.Store, c *C, env string, tr *Transport, own bool,
	requests func() int, reopen func() (*secrets.Store, error)) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ctx, "K")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{env, "K", "v"}, []string{got.Environment, got.Key, got.Value}); diff != "" {
		t.Errorf("read through the opened store (-want +got):\n%s", diff)
	}
	var through *C
	if !st.As(&through) || through != c {
		t.Errorf("Store.As(**%T) is not the opener's client", c)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// The client, directly: still usable after the Store's Close.
	before := requests()
	again, err := reopen()
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if v, err := again.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("Value through the client after Close = %q, %v", v, err)
	}
	if requests() == before {
		t.Error("the read after Close reached no server")
	}
	if own && tr.Requests() == 0 {
		t.Error("the application's http.Client carried no request")
	}
	if tr.Closed() != 0 {
		t.Error("the Store's Close closed the idle connections of the application's http.Client")
	}
}

// OpenerCase is a URL that a URLOpener holding the test's client opens.
type OpenerCase struct {
	Name string
	Own  bool          // the client is built on an http.Client of the test's
	URL  func() string // called after the case's setup
}

// OwnClient is a driver's client built for one OpenerCase, with what
// URLOpenerWithOwnClient checks around it.
type OwnClient[C any] struct {
	Client   *C
	Opener   secrets.URLOpener              // a URLOpener holding Client
	Env      string                         // the environment of the opened store ("" for none)
	Requests func() int                     // the requests the server has received so far
	Reopen   func() (*secrets.Store, error) // a store made anew on Client
	Then     func(t *testing.T)             // if set, the driver's own checks after OpenerWithClient's
}

// URLOpenerWithOwnClient runs each case as a subtest: setup builds the
// driver's client on hc (nil: the driver's built-in transport; otherwise
// an http.Client of the test's whose transport a Transport counts), its
// opener is registered for scheme on a URLMux of the test's own, and the
// store opened on the case's URL is checked by OpenerWithClient.
func URLOpenerWithOwnClient[C any](t *testing.T, scheme string, cases []OpenerCase, setup func(t *testing.T, hc *http.Client) OwnClient[C]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			tr := &Transport{}
			var hc *http.Client
			if tc.Own {
				hc = &http.Client{Transport: tr}
			}
			oc := setup(t, hc)
			mux := new(secrets.URLMux)
			mux.Register(scheme, oc.Opener)
			st, err := mux.OpenStore(context.Background(), tc.URL())
			if err != nil {
				t.Fatal(err)
			}
			OpenerWithClient(t, st, oc.Client, oc.Env, tr, tc.Own, oc.Requests, oc.Reopen)
			if oc.Then != nil {
				oc.Then(t)
			}
		})
	}
}
