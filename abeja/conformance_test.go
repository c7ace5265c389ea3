package abeja_test

import (
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
	"github.com/polysecret/secrets/conformance"
)

// TestConformance: Want is exactly what ABEJA can do. ErrorAs is checked
// by TestProtocolErrors: a NotFound here is the driver's own conclusion
// from the listing, which carries no API error.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			e := newEnv(t)
			return func(t *testing.T) *secrets.Store {
				st, err := abeja.New(e.client(t, abeja.ClientOptions{}), abeja.Options{Organization: e.org})
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		},
		Want:     wantCaps,
		FlatKeys: true,
		CheckAs: func(t *testing.T, s *secrets.Store) {
			var c *abeja.Client
			if !s.As(&c) || c == nil || c.APIURL() == "" {
				t.Error("As(**abeja.Client) failed")
			}
		},
	})
}
