package restapi

import (
	"time"

	"golang.org/x/time/rate"
)

// limiter is k's rate limiter (k is from the ring in force, or from the one
// SetKeys just replaced: then a fresh limiter).
func (h *Handler) limiter(k *Key) *rate.Limiter {
	if l := h.ring.Load().limiter(k.ID); l != nil {
		return l
	}
	return rate.NewLimiter(rate.Limit(h.lim.Rate), h.lim.Burst)
}

func (h *Handler) allow(k *Key) bool { return h.limiter(k).Allow() }

// retryAfter is how long until the key's limiter has a token again.
func (h *Handler) retryAfter(k *Key) time.Duration {
	l := h.limiter(k)
	r := l.Reserve()
	d := r.Delay()
	r.Cancel()
	return d
}
