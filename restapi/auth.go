package restapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/time/rate"
)

// keyring is the keys in force and their rate limiters.
type keyring struct {
	keys     []*Key
	limiters map[string]*rate.Limiter
}

// SetKeys replaces the keys (a reloaded keys file: polysecret serve does it
// on SIGHUP) for the requests that start after it. A key whose id, rate and
// burst stay keeps its rate limiter. An empty list is an error.
func (h *Handler) SetKeys(keys []*Key) error {
	if len(keys) == 0 {
		return errors.New("restapi: no keys")
	}
	old := h.ring.Load()
	ring := &keyring{keys: keys, limiters: map[string]*rate.Limiter{}}
	for _, k := range keys {
		if k.envs == nil { // built by hand, not parsed
			if err := k.prepare(); err != nil {
				return fmt.Errorf("restapi: %w", err)
			}
		}
		r, b := h.lim.Rate, h.lim.Burst
		if k.Rate > 0 {
			r = k.Rate
		}
		if k.Burst > 0 {
			b = k.Burst
		}
		if l := old.limiter(k.ID); l != nil && l.Limit() == rate.Limit(r) && l.Burst() == b {
			ring.limiters[k.ID] = l
		} else {
			ring.limiters[k.ID] = rate.NewLimiter(rate.Limit(r), b)
		}
	}
	h.ring.Store(ring)
	return nil
}

func (r *keyring) limiter(id string) *rate.Limiter {
	if r == nil {
		return nil
	}
	return r.limiters[id]
}

// authenticate finds the key of the request's X-API-Key or Bearer token,
// comparing its SHA-256 with every key's in constant time. presented says
// whether the request carried a key at all.
func (h *Handler) authenticate(r *http.Request) (k *Key, presented bool) {
	secret := r.Header.Get("X-API-Key")
	if secret == "" {
		if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "Bearer ") {
			secret = strings.TrimSpace(a[7:])
		}
	}
	if secret == "" {
		return nil, false
	}
	sum := sha256.Sum256([]byte(secret))
	var found *Key
	for _, key := range h.ring.Load().keys {
		if subtle.ConstantTimeCompare(sum[:], key.hash[:]) == 1 {
			found = key
		}
	}
	return found, true
}
