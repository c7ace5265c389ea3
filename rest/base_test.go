package rest_test

import (
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/rest"
)

// TestBaseURLForms: NewClient's BaseURL is the parsed URL (scheme lower
// case, no trailing slash); a '#' anywhere — an empty fragment too, which
// url.Parse does not report — is refused before any request (it was kept,
// and every request path went into the fragment: review of a90c6b4).
func TestBaseURLForms(t *testing.T) {
	for _, tc := range []struct {
		base, want string
		code       secrets.Code // Unknown: accepted
	}{
		{"https://gw.example/", "https://gw.example", secrets.Unknown},
		{"HTTPS://gw.example/api/", "https://gw.example/api", secrets.Unknown},
		{"https://gw.example/#", "", secrets.InvalidArgument},
		{"https://gw.example/#x", "", secrets.InvalidArgument},
		{"https://gw.example/?", "", secrets.InvalidArgument},
	} {
		c, err := rest.NewClient(rest.ClientOptions{BaseURL: tc.base, APIKey: "k"})
		if tc.code != secrets.Unknown {
			if got := secrets.ErrorCode(err); got != tc.code {
				t.Errorf("NewClient(%q): %v (code %v), want %v", tc.base, err, got, tc.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewClient(%q): %v", tc.base, err)
			continue
		}
		if got := c.BaseURL(); got != tc.want {
			t.Errorf("NewClient(%q).BaseURL() = %q, want %q", tc.base, got, tc.want)
		}
		c.CloseIdleConnections()
	}
}
