package backend

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestNewHTTPClient: the defaults (retries, timeout, logger), the
// application's http.Client used as it is and never owned, the built one
// owned, with the transport settings asked for.
func TestNewHTTPClient(t *testing.T) {
	c := NewHTTPClient(HTTPClientOptions{})
	if c.Retry.MaxRetries != DefaultMaxRetries || c.Timeout != DefaultRequestTimeout || c.Log == nil || !c.Owned() || c.HC.Timeout != 0 {
		t.Errorf("defaults: %+v", c)
	}
	if c := NewHTTPClient(HTTPClientOptions{MaxRetries: -1, Timeout: time.Second}); c.Retry.MaxRetries != 0 || c.Timeout != time.Second {
		t.Errorf("no retries, 1s: %+v", c)
	}
	own := &http.Client{}
	c = NewHTTPClient(HTTPClientOptions{HTTPClient: own, InsecureSkipVerify: true})
	if c.HC != own || c.Owned() || own.Transport != nil {
		t.Errorf("the application's client: %+v", c)
	}
	c.CloseIdleConnections() // leaves own alone: nothing to see, must not panic
	c = NewHTTPClient(HTTPClientOptions{InsecureSkipVerify: true, MaxIdleConnsPerHost: 64})
	tr, ok := c.HC.Transport.(*http.Transport)
	if !ok || tr == http.DefaultTransport || !tr.TLSClientConfig.InsecureSkipVerify || tr.MaxIdleConnsPerHost != 64 {
		t.Errorf("built transport: %+v", c.HC.Transport)
	}
}

// TestHTTPClientDo: retries as the policy says and logs each retry with
// the driver, method, path (left out when empty), code and attempt.
func TestHTTPClientDo(t *testing.T) {
	for _, path := range []string{"/v1/x", ""} {
		var buf strings.Builder
		c := NewHTTPClient(HTTPClientOptions{MaxRetries: 3, Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		c.Retry.Base = time.Millisecond
		n := 0
		err := c.Do(context.Background(), "drv", "GET", path, nil, func(context.Context) (time.Duration, error) {
			if n++; n < 3 {
				return 0, &RequestTimeout{Driver: "drv", Method: "GET", Path: path}
			}
			return 0, nil
		})
		if err != nil || n != 3 {
			t.Fatalf("Do = %v after %d attempts, want nil after 3", err, n)
		}
		log := buf.String()
		if strings.Count(log, `msg="drv: retrying" method=GET`) != 2 || !strings.Contains(log, "code=Unavailable attempt=2") ||
			strings.Contains(log, "path=") != (path != "") {
			t.Errorf("path %q, log:\n%s", path, log)
		}
	}
}
