package drivertest

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/faultmatrix"
)

// OpenAtAddrEnv is a faultmatrix Target.Open for a driver that finds its
// server through the environment variable addrVar only (VAULT_ADDR,
// AWS_ENDPOINT_URL_SECRETS_MANAGER): it points addrVar at the proxy for
// the call and opens rawURL with max_retries and timeout set. The runner
// serializes Open, so setting the variable here races with nothing.
func OpenAtAddrEnv(addrVar, rawURL string) func(proxyURL string, maxRetries int, timeout time.Duration) (*secrets.Store, error) {
	return func(proxyURL string, maxRetries int, timeout time.Duration) (*secrets.Store, error) {
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, err
		}
		q := u.Query()
		q.Set("max_retries", strconv.Itoa(maxRetries))
		q.Set("timeout", timeout.String())
		u.RawQuery = q.Encode()
		restore := faultmatrix.Setenv(map[string]string{addrVar: proxyURL})
		defer restore()
		return secrets.OpenStore(context.Background(), u.String())
	}
}
