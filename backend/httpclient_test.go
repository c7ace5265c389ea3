package backend

import (
	"net/http"
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
