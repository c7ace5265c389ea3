package rest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/polysecret/secrets/rest"
)

// TestRedirectNotFollowed: a 307 from whatever answers at the gateway's
// address is an error; the key never reaches the host it points to, with
// the driver's own http.Client, nor (Authorization is dropped on a
// redirect to another host) with the application's default one.
func TestRedirectNotFollowed(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization")+r.Header.Get("X-API-Key"))
		mu.Unlock()
		http.NotFound(w, r)
	}))
	t.Cleanup(elsewhere.Close)
	// Another host name for the same server: net/http compares hosts.
	target := strings.Replace(elsewhere.URL, "127.0.0.1", "localhost", 1)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(front.Close)
	const key = "psk_redirect-test-key"
	for _, tc := range []struct {
		name string
		hc   *http.Client
	}{
		{"driver's client", nil},
		{"application's client", &http.Client{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := rest.NewClient(rest.ClientOptions{BaseURL: front.URL, APIKey: key, HTTPClient: tc.hc, MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			if _, err := rest.New(c, rest.Options{}); err == nil {
				t.Fatal("opened through a redirect")
			}
			mu.Lock()
			defer mu.Unlock()
			for _, h := range seen {
				if strings.Contains(h, key) {
					t.Errorf("the key reached the redirect's target: %q", h)
				}
			}
		})
	}
}
