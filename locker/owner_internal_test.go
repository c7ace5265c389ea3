package locker

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/locker/lockertest"
)

type closeCounter struct {
	http.RoundTripper
	closed int
}

func (c *closeCounter) CloseIdleConnections() { c.closed++ }

// TestCloseOwnsOnlyWhatItBuilt (9.2): a driver's Close releases the
// connections of a Client it built from a URL, and never those of a Client
// the application passed in — even one whose http.Client NewClient built.
func TestCloseOwnsOnlyWhatItBuilt(t *testing.T) {
	ctx := context.Background()
	srv := lockertest.NewServer()
	t.Cleanup(srv.Close)
	k, err := srv.CreateProject("own").CreateAccessKey(lockertest.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOCKER_ACCESS_KEY_ID", k.ID)
	t.Setenv("LOCKER_SECRET_ACCESS_KEY", k.Secret)
	u, _ := url.Parse("locker://" + srv.Host() + "/locker_secrets?scheme=http")
	userClient := func(t *testing.T) *Client {
		c, err := NewClient(ctx, ClientOptions{APIBase: srv.URL()})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	driverOf := func(d backend.Driver, err error) func(t *testing.T) (*Client, func() error) {
		return func(t *testing.T) (*Client, func() error) {
			if err != nil {
				t.Fatal(err)
			}
			return d.(*driver).c, d.Close
		}
	}
	for _, tc := range []struct {
		name       string
		open       func(t *testing.T) (*Client, func() error)
		wantClosed int
	}{
		{"New", func(t *testing.T) (*Client, func() error) {
			c := userClient(t)
			st, err := New(c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			return c, st.Close
		}, 0},
		{"URLOpener with a Client", func(t *testing.T) (*Client, func() error) {
			return driverOf((&URLOpener{Client: userClient(t)}).OpenDriverURL(ctx, u))(t)
		}, 0},
		{"URLOpener without a Client", func(t *testing.T) (*Client, func() error) {
			return driverOf(new(URLOpener).OpenDriverURL(ctx, u))(t)
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, closeIt := tc.open(t)
			if !c.conn.Owned() {
				t.Fatal("the client did not build its http.Client")
			}
			cc := &closeCounter{RoundTripper: c.conn.HC.Transport}
			c.conn.HC.Transport = cc
			if err := closeIt(); err != nil {
				t.Fatal(err)
			}
			if cc.closed != tc.wantClosed {
				t.Errorf("Close released the client's connections %d times, want %d", cc.closed, tc.wantClosed)
			}
		})
	}
}
