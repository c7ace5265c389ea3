package memory_test

import (
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/memory"
)

var memCaps = backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true,
	Labels: true, Expiry: true, AtomicModify: true, AtomicMove: true}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			db := memory.NewDB()
			return func(t *testing.T) *secrets.Store {
				return secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme})
			}
		},
		Want:        memCaps,
		Concurrency: 16,
	})
}
