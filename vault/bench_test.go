package vault_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/vault"
)

// Driver vs the raw api.Client doing the same work, on the same server, in
// one run: go test -run '^$' -bench . -benchmem ./vault/

func benchSetup(b *testing.B) (*secrets.Store, *api.KVv2, string) {
	needServer(b)
	p := drivertest.Prefix()
	st, err := secrets.OpenStore(context.Background(), "vault://secret/"+p)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, rootClient(b).KVv2("secret"), p
}

func BenchmarkGet(b *testing.B) {
	st, kv, p := benchSetup(b)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "value", Description: "d"}); err != nil {
		b.Fatal(err)
	}
	b.Run("driver", func(b *testing.B) {
		drivertest.Loop(b, func() error { _, err := st.Get(ctx, "K"); return err })
	})
	b.Run("raw", func(b *testing.B) {
		drivertest.Loop(b, func() error { _, err := kv.Get(ctx, p+"/_global/K"); return err })
	})
}

// BenchmarkCreate: a secret with a description, i.e. a cas=0 write plus a
// metadata patch, raw and through the driver.
func BenchmarkCreate(b *testing.B) {
	st, kv, p := benchSetup(b)
	b.Run("driver", func(b *testing.B) {
		run := drivertest.Prefix() // keys unique across -count runs
		drivertest.CreateEach(b, st, func(i int) secrets.Secret {
			return secrets.Secret{Key: fmt.Sprintf("D%s-%d", run, i), Value: "v", Description: "d"}
		})
	})
	b.Run("raw", func(b *testing.B) {
		i, run := 0, drivertest.Prefix()
		drivertest.Loop(b, func() error {
			i++
			path := fmt.Sprintf("%s/_global/R%s-%d", p, run, i)
			if _, err := kv.Put(ctx, path, map[string]any{"value": "v"}, api.WithCheckAndSet(0)); err != nil {
				return err
			}
			return kv.PatchMetadata(ctx, path, api.KVMetadataPatchInput{CustomMetadata: map[string]any{"polysecret.description": "d"}})
		})
	})
}

// BenchmarkModify: read, then a check-and-set write of the value.
func BenchmarkModify(b *testing.B) {
	st, kv, p := benchSetup(b)
	if _, err := st.Create(ctx, secrets.Secret{Key: "M", Value: "v"}); err != nil {
		b.Fatal(err)
	}
	b.Run("driver", func(b *testing.B) {
		drivertest.Loop(b, func() error { _, err := st.Modify(ctx, "M", secrets.Update{Value: secrets.Ptr("w")}); return err })
	})
	b.Run("raw", func(b *testing.B) {
		drivertest.Loop(b, func() error {
			cur, err := kv.Get(ctx, p+"/_global/M")
			if err != nil {
				return err
			}
			_, err = kv.Put(ctx, p+"/_global/M", map[string]any{"value": "w"}, api.WithCheckAndSet(cur.VersionMetadata.Version))
			return err
		})
	})
}

// BenchmarkList1000WithValues: all 1,000 secrets with their values: the
// driver (LIST + bounded-concurrency reads) vs a sequential raw loop.
func BenchmarkList1000WithValues(b *testing.B) {
	st, kv, p := benchSetup(b)
	drivertest.Seed(b, st, 1000, func(i int) string { return fmt.Sprintf("L%04d", i) })
	b.Run("driver", func(b *testing.B) {
		for b.Loop() {
			drivertest.ListAll(b, st, secrets.ListOptions{WithValues: true, PageSize: 1000}, 1000, drivertest.SeedValue)
		}
	})
	b.Run("raw-sequential", func(b *testing.B) {
		c := rootClient(b)
		for b.Loop() {
			s, err := c.Logical().List("secret/metadata/" + p + "/_global")
			if err != nil {
				b.Fatal(err)
			}
			keys := s.Data["keys"].([]any)
			for _, k := range keys {
				if _, err := kv.Get(ctx, p+"/_global/"+k.(string)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkValues50: 50 keys in environment prod, 25 there and 25 only
// global (so the fallback runs): Values vs a loop of 50 Get, with the
// requests each makes (req/op), counted on the application's client
// (drivertest.Values50):
// go test -run '^$' -bench Values50 ./vault/
func BenchmarkValues50(b *testing.B) {
	needServer(b)
	c, rc := ownClient(b)
	st := newStore(b, c, vault.Options{Mount: "secret", Prefix: drivertest.Prefix()})
	drivertest.Values50(b, st, "prod", true, rc.Requests)
}
