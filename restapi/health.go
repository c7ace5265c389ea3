package restapi

import (
	"context"
	"sync"
	"time"

	"github.com/polysecret/secrets"
)

// healthTTL is how long a Ping's outcome answers GET /v1/health: however
// often it is asked, the backend sees at most one Ping per healthTTL.
const healthTTL = 2 * time.Second

// healthCache holds the last Ping's outcome.
type healthCache struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

func (hc *healthCache) ping(ctx context.Context, st *secrets.Store) error {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if !hc.at.IsZero() && time.Since(hc.at) < healthTTL {
		return hc.err
	}
	hc.err = st.Ping(ctx)
	hc.at = time.Now()
	return hc.err
}
