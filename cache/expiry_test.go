package cache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/cache"
	"github.com/polysecret/secrets/memory"
)

// expiringStores are a store behind a cache (with the real, coarse clock)
// and one without, on one mem:// holding KEY, expiring at exp; gets counts
// the cache's Gets of the inner driver.
func expiringStores(t *testing.T, exp time.Time) (c *cache.Cache, cached, plain *secrets.Store, g *gate) {
	t.Helper()
	g = newGate()
	db := memory.NewDB()
	c = cache.New(backend.Intercept(db.Driver(), memory.Scheme, g.intercept), cache.Options{TTL: 2 * time.Hour})
	cached = secrets.NewStore(c, secrets.StoreOptions{Scheme: memory.Scheme})
	plain = secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme})
	t.Cleanup(func() { cached.Close(); plain.Close() })
	if _, err := plain.Put(context.Background(), secrets.Secret{Key: "KEY", Value: "v", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	return c, cached, plain, g
}

// TestLaggingClockNeverServesExpired: a cached secret whose ExpiresAt has
// passed is not returned by Value or Get even when the coarse clock hits
// read lags behind (here: stopped before the expiry).
func TestLaggingClockNeverServesExpired(t *testing.T) {
	ctx := context.Background()
	exp := time.Now().Add(100 * time.Millisecond)
	c, cached, _, _ := expiringStores(t, exp)
	if v, err := cached.Value(ctx, "KEY"); err != nil || v != "v" {
		t.Fatalf("Value before the expiry = %q, %v", v, err)
	}
	cache.FreezeCoarseClock(c, time.Now())
	for !time.Now().After(exp) {
		time.Sleep(10 * time.Millisecond)
	}
	if v, err := cached.Value(ctx, "KEY"); !errors.Is(err, secrets.ErrExpired) {
		t.Errorf("Value after the expiry, clock lagging = %q, %v; want ErrExpired", v, err)
	}
	if s, err := cached.Get(ctx, "KEY"); !errors.Is(err, secrets.ErrExpired) {
		t.Errorf("Get after the expiry, clock lagging = %v, %v; want ErrExpired", s, err)
	}
}

// TestExpiryMargin: an entry stops being a hit one tick of the coarse clock
// (10 ms) before the secret's ExpiresAt, so that a clock within its
// resolution never makes the cache answer an expired secret as fresh.
func TestExpiryMargin(t *testing.T) {
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	for _, tt := range []struct {
		name    string
		clock   time.Time
		wantHit bool
	}{
		{"20ms before the expiry", exp.Add(-20 * time.Millisecond), true},
		{"5ms before the expiry", exp.Add(-5 * time.Millisecond), false},
		{"at the expiry", exp, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, cached, _, g := expiringStores(t, exp)
			if _, err := cached.Value(ctx, "KEY"); err != nil { // fill
				t.Fatal(err)
			}
			cache.FreezeCoarseClock(c, tt.clock)
			if _, err := cached.Value(ctx, "KEY"); err != nil {
				t.Fatal(err)
			}
			if hit := g.gets.Load() == 1; hit != tt.wantHit {
				t.Errorf("read with the clock %v before the expiry: hit = %v (%d inner Gets), want %v",
					exp.Sub(tt.clock), hit, g.gets.Load(), tt.wantHit)
			}
		})
	}
}
