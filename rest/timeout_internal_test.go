package rest

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/restapi"
	"github.com/polysecret/secrets/restapi/restapitest"
)

// TestURLDefaultTimeout : the package documentation says a
// rest:// URL's timeout defaults to 35s (NewClient's default, "above the
// gateway's own 30 s, so that the gateway answers first"); a URL without
// timeout= must give the client that default.
func TestURLDefaultTimeout(t *testing.T) {
	g := restapitest.Start(t, memory.OpenStore(), restapi.Limits{Rate: 1e6, Burst: 1e6}, restapitest.Full("all"))
	t.Setenv(EnvAPIKey, g.Secrets["all"])
	t.Setenv(EnvAPIKeyFile, "")
	u, _ := url.Parse(g.Server.URL)
	d, err := (&URLOpener{}).OpenDriverURL(context.Background(), &url.URL{Scheme: Scheme, Host: u.Host, RawQuery: "scheme=http"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := NewClient(ClientOptions{BaseURL: g.Server.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.(*driver).c.conn.Timeout, c.conn.Timeout; got != want || want != 35*time.Second {
		t.Errorf("rest:// URL without timeout=: request timeout %v; NewClient's default (and the doc's) %v", got, want)
	}
}
