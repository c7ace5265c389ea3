package datalayer_test

import (
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer"
)

// TestURLs: datalayer:// URLs open with the API key from the environment
// and reach the server they name (or DATALAYER_IAM_URL without a host);
// malformed ones are InvalidArgument before any request.
func TestURLs(t *testing.T) {
	e := newEnv(t, true)
	if _, err := e.srv.Seed(e.key, storedB64("K", "v")); err != nil {
		t.Fatal(err)
	}
	t.Setenv(datalayer.EnvAPIKey, e.key)
	t.Setenv(datalayer.EnvIAMURL, "")
	host := e.srv.Host()
	for _, tc := range []struct {
		name, url string
		iamEnv    string
		want      secrets.Code // -1: opens and reads K
	}{
		{"host with scheme=http", "datalayer://" + host + "?scheme=http", "", -1},
		{"trailing slash", "datalayer://" + host + "/?scheme=http&timeout=5s&max_retries=1&list_concurrency=2", "", -1},
		{"no host: DATALAYER_IAM_URL", "datalayer://", e.srv.URL(), -1},
		{"no host, read-only", "datalayer://?readonly=true", e.srv.URL(), -1},
		{"env is refused", "datalayer://" + host + "?scheme=http&env=prod", "", secrets.Unimplemented},
		{"user info", "datalayer://user:pw@" + host + "?scheme=http", "", secrets.InvalidArgument},
		{"fragment", "datalayer://" + host + "#x?scheme=http", "", secrets.InvalidArgument},
		{"bad port", "datalayer://127.0.0.1:99999?scheme=http", "", secrets.InvalidArgument},
		{"empty port", "datalayer://127.0.0.1:?scheme=http", "", secrets.InvalidArgument},
		{"unbracketed IPv6", "datalayer://::1?scheme=http", "", secrets.InvalidArgument},
		{"dot segment", "datalayer://" + host + "/a/../b?scheme=http", "", secrets.InvalidArgument},
		{"escaped path", "datalayer://" + host + "/a%2Fb?scheme=http", "", secrets.InvalidArgument},
		{"scheme ftp", "datalayer://" + host + "?scheme=ftp", "", secrets.InvalidArgument},
		{"scheme without host", "datalayer://?scheme=http", e.srv.URL(), secrets.InvalidArgument},
		{"unknown parameter", "datalayer://" + host + "?scheme=http&bogus=1", "", secrets.InvalidArgument},
		{"list_concurrency 0", "datalayer://" + host + "?scheme=http&list_concurrency=0", "", secrets.InvalidArgument},
		{"max_retries 21", "datalayer://" + host + "?scheme=http&max_retries=21", "", secrets.InvalidArgument},
		{"bad DATALAYER_IAM_URL", "datalayer://", "ftp://x", secrets.InvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(datalayer.EnvIAMURL, tc.iamEnv)
			before := e.srv.Requests()
			st, err := secrets.OpenStore(ctx, tc.url)
			if err == nil {
				defer st.Close()
				_, err = st.Value(ctx, "K")
			}
			if tc.want == -1 {
				if err != nil {
					t.Fatalf("open and read: %v", err)
				}
				return
			}
			if got := secrets.ErrorCode(err); got != tc.want {
				t.Fatalf("got %v (%v), want %v", got, err, tc.want)
			}
			if n := e.srv.Requests() - before; n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}
