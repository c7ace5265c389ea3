package abeja_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
	"github.com/polysecret/secrets/internal/drivertest"
)

func clearCredentials(t *testing.T) {
	for _, v := range []string{"PLATFORM_AUTH_TOKEN", "ABEJA_PLATFORM_USER_ID", "ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN", "ABEJA_API_URL"} {
		t.Setenv(v, "")
	}
}

// TestURLOpenerWithOwnClient: a URLOpener holding a Client the test built
// opens abeja:// URLs on its own URLMux with no credential in the
// environment; closing the Store leaves the client usable and the
// application's http.Client's connections alone.
func TestURLOpenerWithOwnClient(t *testing.T) {
	var e *env
	drivertest.URLOpenerWithOwnClient(t, abeja.Scheme, []drivertest.OpenerCase{
		{Name: "built-in transport, URL naming the client's host", URL: func() string {
			return "abeja://" + e.srv.Host() + "/" + e.org + "?scheme=http"
		}},
		{Name: "own http.Client, URL without host", Own: true, URL: func() string { return "abeja:///" + e.org }},
		{Name: "own http.Client, organization from the opener's Options", Own: true, URL: func() string { return "abeja://" }},
	}, func(t *testing.T, hc *http.Client) drivertest.OwnClient[abeja.Client] {
		e = newEnv(t)
		clearCredentials(t)
		c := e.client(t, abeja.ClientOptions{HTTPClient: hc})
		return drivertest.OwnClient[abeja.Client]{Client: c, Opener: &abeja.URLOpener{Client: c, Options: abeja.Options{Organization: e.org}},
			Requests: e.srv.Requests, Reopen: func() (*secrets.Store, error) { return abeja.New(c, abeja.Options{Organization: e.org}) }}
	})
}

// TestURLs: what abeja:// URLs open, and what they refuse before any
// request.
func TestURLs(t *testing.T) {
	e := newEnv(t)
	clearCredentials(t)
	t.Setenv("ABEJA_PLATFORM_USER_ID", e.user)
	t.Setenv("ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN", e.pat)
	host := e.srv.Host()
	for _, tc := range []struct {
		url  string
		want secrets.Code // -1: opens and pings
	}{
		{"abeja://" + host + "/" + e.org + "?scheme=http", -1},
		{"abeja://" + host + "/" + e.org + "/?scheme=http&max_retries=0&timeout=5s", -1},
		{"abeja://" + host + "/" + e.org + "?scheme=http&readonly=true", -1},
		{"abeja://" + host + "/" + e.org + "?scheme=http&env=prod", secrets.Unimplemented},
		{"abeja://" + host + "/?scheme=http", secrets.InvalidArgument},
		{"abeja://" + host + "/not-an-org?scheme=http", secrets.InvalidArgument},
		{"abeja://" + host + "/a/" + e.org + "?scheme=http", secrets.InvalidArgument},
		{"abeja://" + host + "/" + e.org + "?scheme=ftp", secrets.InvalidArgument},
		{"abeja://" + host + "/" + e.org + "?scheme=http&token=x", secrets.InvalidArgument},
		{"abeja://" + host + "/" + e.org + "?scheme=http&max_retries=99", secrets.InvalidArgument},
		{"abeja://user:pass@" + host + "/" + e.org + "?scheme=http", secrets.InvalidArgument},
		{"abeja://" + host + "/" + e.org + "#frag?scheme=http", secrets.InvalidArgument},
		{"abeja://" + host + "/%31" + e.org[1:] + "?scheme=http", secrets.InvalidArgument},
		{"abeja://127.0.0.1:99999/" + e.org + "?scheme=http", secrets.InvalidArgument},
	} {
		before := e.srv.Requests()
		st, err := secrets.OpenStore(ctx, tc.url)
		if err == nil {
			err = st.Ping(ctx)
			st.Close()
		}
		switch {
		case tc.want == -1 && err != nil:
			t.Errorf("%s: %v", tc.url, err)
		case tc.want != -1 && secrets.ErrorCode(err) != tc.want:
			t.Errorf("%s: %v, want %v", tc.url, err, tc.want)
		case tc.want != -1 && e.srv.Requests() != before:
			t.Errorf("%s: refused after a request", tc.url)
		}
		if err != nil && (strings.Contains(err.Error(), "pass") || strings.Contains(err.Error(), e.pat)) {
			t.Errorf("%s: the error quotes a credential: %v", tc.url, err)
		}
	}
	// No credentials: Unauthenticated before any request.
	clearCredentials(t)
	if _, err := secrets.OpenStore(ctx, "abeja://"+host+"/"+e.org+"?scheme=http"); secrets.ErrorCode(err) != secrets.Unauthenticated {
		t.Errorf("no credentials: %v, want Unauthenticated", err)
	}
	// ABEJA_API_URL names the host when the URL has none.
	t.Setenv("ABEJA_API_URL", e.srv.URL())
	t.Setenv("PLATFORM_AUTH_TOKEN", e.srv.NewAuthToken(e.org))
	st, err := secrets.OpenStore(ctx, "abeja:///"+e.org)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		t.Errorf("abeja:///<org> with ABEJA_API_URL: %v", err)
	}
}

// TestURLOpenerRefuses: with a Client, a URL naming another host or the
// client's own parameters is InvalidArgument.
func TestURLOpenerRefuses(t *testing.T) {
	e := newEnv(t)
	mux := new(secrets.URLMux)
	mux.Register(abeja.Scheme, &abeja.URLOpener{Client: e.client(t, abeja.ClientOptions{})})
	for _, u := range []string{"abeja://api.abeja.io/" + e.org, "abeja:///" + e.org + "?timeout=1s",
		"abeja:///" + e.org + "?max_retries=1", "abeja://"} {
		if _, err := mux.OpenStore(ctx, u); secrets.ErrorCode(err) != secrets.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", u, err)
		}
	}
}

// TestCloseCycles: stores opened by URL build their client and release
// it on Close: goroutines and descriptors return to their baseline.
func TestCloseCycles(t *testing.T) {
	e := newEnv(t)
	clearCredentials(t)
	t.Setenv("ABEJA_PLATFORM_USER_ID", e.user)
	t.Setenv("ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN", e.pat)
	u := "abeja://" + e.srv.Host() + "/" + e.org + "?scheme=http"
	seed := drivertest.Open(t, u)
	if _, err := seed.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	drivertest.CloseCycles(t, 20, func() (*secrets.Store, error) { return secrets.OpenStore(ctx, u) },
		func(st *secrets.Store) error { _, err := st.Get(ctx, "K"); return err })
}
