package drivertest

import (
	"context"
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
