package datalayer_test

import (
	"sync/atomic"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/datalayer"
)

// TestConformance runs the suite against datalayertest. Each test gets a
// server of its own, and every other one serves its list without values,
// so that the suite covers both list shapes.
func TestConformance(t *testing.T) {
	var n atomic.Int64
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			e := newEnv(t, n.Add(1)%2 == 1)
			return func(t *testing.T) *secrets.Store {
				st, err := datalayer.New(e.client(t), datalayer.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		},
		Want: backend.Capabilities{GlobalOnly: true, Delete: true, Types: true, TextOnly: true},
		CheckAs: func(t *testing.T, s *secrets.Store) {
			var c *datalayer.Client
			if !s.As(&c) || c == nil || c.IAMURL() == "" {
				t.Error("As(**datalayer.Client) failed")
			}
		},
	})
}
