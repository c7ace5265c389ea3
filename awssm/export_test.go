package awssm

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/polysecret/secrets/backend"
)

// SetForcedDeleteWait shortens Create's wait for a forced deletion in tests.
func SetForcedDeleteWait(d []time.Duration) (restore func()) {
	old := forcedDeleteWait
	forcedDeleteWait = d
	return func() { forcedDeleteWait = old }
}

// OpenDriver opens the driver of rawURL (driver parameters only).
func OpenDriver(ctx context.Context, rawURL string) (backend.Driver, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return new(URLOpener).OpenDriverURL(ctx, u)
}

// Ping opens the driver of rawURL (driver parameters only) and pings it.
func Ping(ctx context.Context, rawURL string) error {
	d, err := OpenDriver(ctx, rawURL)
	if err != nil {
		return err
	}
	defer d.Close()
	p, ok := d.(backend.Pinger)
	if !ok {
		return errors.New("the driver has no Ping")
	}
	if err := p.Ping(ctx); err != nil {
		return backend.Wrap(backend.Classify(err, d.ErrorCode), err)
	}
	return nil
}

// Token and VersionExpiry are the version id's expiry encoding.
func Token(exp time.Time) string { return *token(exp) }

var VersionExpiry = versionExpiry
