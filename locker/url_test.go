package locker_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestURLRejected (8.23): a locker:// URL whose path, port, fragment or
// user info the driver would otherwise send (or silently drop) is
// InvalidArgument at open, before any request, and the error does not echo
// credentials.
func TestURLRejected(t *testing.T) {
	e := newEnv(t)
	t.Setenv("LOCKER_ACCESS_KEY_ID", e.key.ID)
	t.Setenv("LOCKER_SECRET_ACCESS_KEY", e.key.Secret)
	host := e.srv.Host()
	for _, tc := range []struct{ name, url string }{
		{"dot-dot segment", "locker://" + host + "/locker_secrets/../admin?scheme=http"},
		{"dot segment", "locker://" + host + "/./locker_secrets?scheme=http"},
		{"escaped slash", "locker://" + host + "/locker%2Fsecrets?scheme=http"},
		{"escaped dot-dot", "locker://" + host + "/%2E%2E/locker_secrets?scheme=http"},
		{"empty segment", "locker://" + host + "//locker_secrets?scheme=http"},
		{"10 KB path", "locker://" + host + "/" + strings.Repeat("a", 10<<10) + "?scheme=http"},
		{"port 99999", "locker://127.0.0.1:99999/locker_secrets?scheme=http"},
		{"port 0", "locker://127.0.0.1:0/locker_secrets?scheme=http"},
		{"fragment swallowing the query", "locker://" + host + "/locker_secrets#?scheme=http"},
		{"fragment", "locker://" + host + "/locker_secrets?scheme=http#x"},
		{"user info", "locker://user:hunter2pass@" + host + "/locker_secrets?scheme=http"},
		{"space in path", "locker://" + host + "/locker%20secrets?scheme=http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := drivertest.RefusesURL(t, secrets.OpenStore, tc.url, e.srv.Requests); strings.Contains(err.Error(), "hunter2pass") {
				t.Errorf("error echoes the URL's password: %v", err)
			}
		})
	}
	// what stays accepted
	for _, u := range []string{"locker://" + host + "?scheme=http", "locker://" + host + "/locker_secrets/?scheme=http",
		"locker://" + host + "/locker_secrets?scheme=http"} {
		st, err := secrets.OpenStore(ctx, u)
		if err != nil {
			t.Errorf("OpenStore(%q) = %v", u, err)
			continue
		}
		st.Close()
	}
	if _, err := url.Parse("locker://" + host); err != nil {
		t.Fatal(err)
	}
}
