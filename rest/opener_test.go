package rest_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/rest"
	"github.com/polysecret/secrets/restapi"
	"github.com/polysecret/secrets/restapi/restapitest"
)

var ctx = context.Background()

// TestURLOpenerWithClient: a URLOpener holding a Client the test built
// (on its own http.Client) opens rest://?env=… with it; the Store's Close
// leaves the client, and its transport, usable.
func TestURLOpenerWithClient(t *testing.T) {
	g := restapitest.Start(t, memory.OpenStore(), highRate, restapitest.Full("all"))
	tr := &drivertest.Transport{}
	c, err := rest.NewClient(rest.ClientOptions{BaseURL: g.Server.URL, APIKey: g.Secrets["all"], HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	mux := new(secrets.URLMux)
	mux.Register(rest.Scheme, &rest.URLOpener{Client: c, Options: rest.Options{Environment: "prod"}})
	st, err := mux.OpenStore(ctx, "rest://")
	if err != nil {
		t.Fatal(err)
	}
	if st.Environment() != "prod" {
		t.Errorf("scope %q, want the opener's prod", st.Environment())
	}
	if _, err := st.In("").Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	var got *rest.Client
	if !st.As(&got) || got != c {
		t.Error("As did not give the opener's client")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if tr.Closed() != 0 {
		t.Error("Close closed the idle connections of the application's http.Client")
	}
	before := tr.Requests()
	st2, err := mux.OpenStore(ctx, "rest://"+g.Host()+"?scheme=http") // the client's own base: accepted
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if v, err := st2.Value(ctx, "K"); err != nil || v != "v" {
		t.Errorf("after Close, the client reads %q, %v", v, err)
	}
	if tr.Requests() == before {
		t.Error("the client's transport was not used")
	}
	for _, bad := range []string{"rest://other.example.com", "rest://?timeout=1s", "rest://?max_retries=1", "rest://?key_file=/x"} {
		if _, err := mux.OpenStore(ctx, bad); secrets.ErrorCode(err) != secrets.InvalidArgument {
			t.Errorf("OpenStore(%s) with a client: %v, want InvalidArgument", bad, err)
		}
	}
}

// TestOpenURL: the URL rules, and the key from the environment or a file.
func TestOpenURL(t *testing.T) {
	g := restapitest.Start(t, memory.OpenStore(), highRate, restapitest.Full("all"),
		restapi.Key{ID: "reader", Access: restapi.Read, Values: true, Environments: []string{"*"}})
	kf := keyFile(t, g, "all")
	t.Setenv(rest.EnvAPIKey, "")
	t.Setenv(rest.EnvAPIKeyFile, "")
	tests := []struct {
		name, url string
		env       map[string]string
		code      secrets.Code // Unknown: opens
	}{
		{"KeyFile", "rest://" + g.Host() + "?scheme=http&key_file=" + url.QueryEscape(kf), nil, secrets.Unknown},
		{"EnvKey", "rest://" + g.Host() + "?scheme=http", map[string]string{rest.EnvAPIKey: g.Secrets["all"]}, secrets.Unknown},
		{"EnvKeyFile", "rest://" + g.Host() + "?scheme=http", map[string]string{rest.EnvAPIKeyFile: kf}, secrets.Unknown},
		{"NoKey", "rest://" + g.Host() + "?scheme=http", nil, secrets.Unauthenticated},
		{"WrongKey", "rest://" + g.Host() + "?scheme=http", map[string]string{rest.EnvAPIKey: "psk_wrong"}, secrets.Unauthenticated},
		{"UserInfo", "rest://u:p@" + g.Host() + "?scheme=http", nil, secrets.InvalidArgument},
		{"NoHost", "rest:///x?scheme=http", map[string]string{rest.EnvAPIKey: "k"}, secrets.InvalidArgument},
		{"BadScheme", "rest://" + g.Host() + "?scheme=ftp", map[string]string{rest.EnvAPIKey: "k"}, secrets.InvalidArgument},
		{"UnknownParam", "rest://" + g.Host() + "?scheme=http&token=x", map[string]string{rest.EnvAPIKey: "k"}, secrets.InvalidArgument},
		{"DotDot", "rest://" + g.Host() + "/a/../b?scheme=http", map[string]string{rest.EnvAPIKey: "k"}, secrets.InvalidArgument},
		{"Fragment", "rest://" + g.Host() + "#x?scheme=http", map[string]string{rest.EnvAPIKey: "k"}, secrets.InvalidArgument},
		{"PortZero", "rest://127.0.0.1:0?scheme=http", map[string]string{rest.EnvAPIKey: "k"}, secrets.InvalidArgument},
		{"EmptySegment", "rest://" + g.Host() + "//v1?scheme=http", map[string]string{rest.EnvAPIKey: "k"}, secrets.InvalidArgument},
		{"Down", "rest://127.0.0.1:1?scheme=http&max_retries=0", map[string]string{rest.EnvAPIKey: "k"}, secrets.Unavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			st, err := secrets.OpenStore(ctx, tc.url)
			if tc.code == secrets.Unknown {
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				if err := st.Ping(ctx); err != nil {
					t.Errorf("Ping: %v", err)
				}
				return
			}
			if secrets.ErrorCode(err) != tc.code {
				t.Fatalf("OpenStore: %v, want %v", err, tc.code)
			}
			if strings.Contains(err.Error(), g.Secrets["all"]) {
				t.Error("the error holds the key")
			}
		})
	}
}

// TestCloseReleases (issue 8.14): 20 cycles of open, Get, Close leave
// goroutines and open files at the baseline (±5).
func TestCloseReleases(t *testing.T) {
	g := restapitest.Start(t, memory.OpenStore(), highRate, restapitest.Full("all"))
	u := "rest://" + g.Host() + "?scheme=http&key_file=" + url.QueryEscape(keyFile(t, g, "all"))
	seed := drivertest.Open(t, u)
	if _, err := seed.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	drivertest.CloseCycles(t, 20, func() (*secrets.Store, error) { return secrets.OpenStore(ctx, u) },
		func(st *secrets.Store) error { _, err := st.Get(ctx, "K"); return err })
}

// TestDriverErrors: the gateway's refusals reach a Go program as codes, and
// ErrorAs reaches the *rest.APIError.
func TestDriverErrors(t *testing.T) {
	mem := memory.OpenStore()
	if _, err := mem.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.CreateEnvironment(ctx, secrets.Environment{Name: "staging"}); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.In("staging").Create(ctx, secrets.Secret{Key: "S", Value: "s"}); err != nil {
		t.Fatal(err)
	}
	g := restapitest.Start(t, mem, highRate, restapitest.Full("all"),
		restapi.Key{ID: "reader", Access: restapi.Read, Values: true, Environments: []string{"*"}},
		restapi.Key{ID: "prod", Access: restapi.ReadWrite, Values: true, Environments: []string{"prod"}},
		restapi.Key{ID: "meta", Access: restapi.ReadWrite, Environments: []string{"*"}})
	reader, prod, meta := open(t, g, "reader"), open(t, g, "prod"), open(t, g, "meta")
	defer reader.Close()
	defer prod.Close()
	defer meta.Close()
	_, err := reader.Create(ctx, secrets.Secret{Key: "K", Value: "v"})
	if secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Errorf("read key creating: %v", err)
	}
	var ae *rest.APIError
	if !reader.ErrorAs(err, &ae) || ae.Status != 403 || ae.Code != "permission_denied" {
		t.Errorf("ErrorAs: %+v", ae)
	}
	if _, err := prod.In("staging").Get(ctx, "S"); secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Errorf("prod key reading staging: %v", err)
	}
	if _, err := meta.In("staging").Get(ctx, "S"); secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Errorf("key without values reading a value: %v", err)
	}
	if _, err := prod.In("prod").Create(ctx, secrets.Secret{Key: "P", Value: "p"}); err != nil {
		t.Errorf("prod key creating in prod: %v", err)
	}
}

// TestFieldNames: field names that are no path segment ("/", ".", "..",
// "%", "?", "#", space) are written through the gateway.
func TestFieldNames(t *testing.T) {
	g := restapitest.Start(t, memory.OpenStore(), highRate, restapitest.Full("all"))
	st := open(t, g, "all")
	defer st.Close()
	if _, err := st.Create(ctx, secrets.Secret{Key: "J", Value: `{}`}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a/b", ".", "..", "%2F", "q?x=1", "h#x", "sp ace", "ü"} {
		out, err := st.Modify(ctx, "J#"+f, secrets.Update{Value: secrets.Ptr("v-" + f)})
		if err != nil || out.Value != "v-"+f {
			t.Errorf("Modify(J#%s): %v, %v", f, out, err)
			continue
		}
		if v, err := st.Value(ctx, "J#"+f); err != nil || v != "v-"+f {
			t.Errorf("Value(J#%s) = %q, %v", f, v, err)
		}
	}
}

// TestRateLimited: a key over its rate gets RateLimited, with the
// gateway's Retry-After in the APIError.
func TestRateLimited(t *testing.T) {
	k := restapitest.Full("slow")
	k.Rate, k.Burst = 0.01, 2 // open (capabilities) and one call
	g := restapitest.Start(t, memory.OpenStore(), highRate, k)
	c, err := rest.NewClient(rest.ClientOptions{BaseURL: g.Server.URL, APIKey: g.Secrets["slow"], MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	st, err := rest.New(c, rest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ListEnvironments(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = st.ListEnvironments(ctx)
	var ae *rest.APIError
	if secrets.ErrorCode(err) != secrets.RateLimited || !st.ErrorAs(err, &ae) || ae.RetryAfter < time.Second {
		t.Errorf("over the rate: %v (%+v)", err, ae)
	}
}

// TestHTTPSByDefault: rest://host speaks HTTPS; a gateway's certificate
// must verify (insecure_tls=true or a client that trusts it), and
// scheme=http does not reach an HTTPS gateway.
func TestHTTPSByDefault(t *testing.T) {
	g := restapitest.StartTLS(t, memory.OpenStore(), highRate, restapitest.Full("all"))
	kf := url.QueryEscape(keyFile(t, g, "all"))
	st, err := secrets.OpenStore(ctx, "rest://"+g.Host()+"?insecure_tls=true&key_file="+kf)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		t.Errorf("Ping over HTTPS: %v", err)
	}
	if _, err := secrets.OpenStore(ctx, "rest://"+g.Host()+"?max_retries=0&key_file="+kf); secrets.ErrorCode(err) != secrets.Unavailable {
		t.Errorf("an unverified certificate: %v, want Unavailable", err)
	}
	if _, err := secrets.OpenStore(ctx, "rest://"+g.Host()+"?scheme=http&max_retries=0&key_file="+kf); err == nil {
		t.Error("plain HTTP reached the HTTPS gateway")
	}
	c, err := rest.NewClient(rest.ClientOptions{BaseURL: g.Server.URL, APIKey: g.Secrets["all"], HTTPClient: g.Server.Client()})
	if err != nil {
		t.Fatal(err)
	}
	st2, err := rest.New(c, rest.Options{})
	if err != nil {
		t.Fatalf("a client trusting the certificate: %v", err)
	}
	st2.Close()
}

// TestNewClientBaseURL: a BaseURL that is not an absolute http(s) URL of
// plain path segments, without user info, query or fragment, is
// InvalidArgument, and the message never quotes it.
func TestNewClientBaseURL(t *testing.T) {
	for _, base := range []string{"ftp://gw.example.com", "gw.example.com", "https://u:pw@gw.example.com",
		"https://gw.example.com?x=1", "https://gw.example.com#f", "https://gw.example.com:0",
		"https://gw.example.com/a/../b", "https://gw.example.com//v1", "https://gw.example.com/a%2Fb"} {
		_, err := rest.NewClient(rest.ClientOptions{BaseURL: base, APIKey: "k"})
		if secrets.ErrorCode(err) != secrets.InvalidArgument {
			t.Errorf("NewClient(%q): %v, want InvalidArgument", base, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("NewClient(%q): %v quotes the URL", base, err)
		}
	}
	if _, err := rest.NewClient(rest.ClientOptions{BaseURL: "https://gw.example.com:8443/api/", APIKey: "k"}); err != nil {
		t.Errorf("NewClient(a good BaseURL): %v", err)
	}
}
