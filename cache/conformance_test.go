package cache_test

import (
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/cache"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/memory"
)

// TestConformance: mem:// with a cache in front of each Store (TTL an hour)
// passes the suite: the cache changes no behaviour a single Store sees.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			db := memory.NewDB()
			return func(t *testing.T) *secrets.Store {
				return secrets.NewStore(cache.New(db.Driver(), cache.Options{TTL: time.Hour}), secrets.StoreOptions{Scheme: memory.Scheme})
			}
		},
		Want: backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true,
			Labels: true, Expiry: true, AtomicModify: true, AtomicMove: true, FieldWrites: true},
		Concurrency: 16,
	})
}
