package locker

import (
	"context"
	"errors"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// Scheme is the URL scheme of this driver.
const Scheme = "locker"

func init() {
	secrets.Register(Scheme, new(URLOpener))
}

// Options are the settings of a Store made by [New].
type Options struct {
	// Environment is the store's initial scope ("" = the global secrets,
	// Locker's "All"), as the URL parameter env.
	Environment string
	// ReadOnly refuses every write with PermissionDenied before any
	// request, as the URL parameter readonly=true.
	ReadOnly bool
}

// New returns a Store on Locker through client, a client the application
// built with [NewClient] and owns: the Store's Close leaves it usable (the
// driver never closes it or its connections).
func New(client *Client, opts Options) (*secrets.Store, error) {
	if client == nil {
		return nil, backend.Errorf(backend.InvalidArgument, "locker: New needs a *Client (see NewClient)")
	}
	return secrets.NewStore(&driver{c: client}, secrets.StoreOptions{Scheme: Scheme, Environment: opts.Environment,
		ReadOnly: opts.ReadOnly}), nil
}

type driver struct {
	c     *Client
	owned bool // c was built by the URLOpener: Close releases it
	snaps snapshots
}

var (
	_ backend.Driver = (*driver)(nil)
	_ backend.Pinger = (*driver)(nil)
)

// Capabilities: a move is one PUT of the secret's environment_id, so
// the move is the backend's own single step (AtomicMove).
func (d *driver) Capabilities() backend.Capabilities { return backend.Capabilities{AtomicMove: true} }

// Ping reads one environment (page size 1): one cheap request that needs
// a valid, active access key allowed from this address.
func (d *driver) Ping(ctx context.Context) error {
	var env struct {
		Count int `json:"count"`
	}
	return d.c.do(ctx, "GET", "/v1/environments?"+listQuery("count_environment", 1, 1, nil), nil, &env)
}

// ErrorCode classifies by the API's code, then the HTTP status (the table
// in client.go), then transport failures.
func (d *driver) ErrorCode(err error) backend.Code { return classify(err) }

func (d *driver) As(i any) bool { return backend.AsClient(i, d.c) }

func (d *driver) ErrorAs(err error, i any) bool { return errors.As(err, i) }

// Close forgets the listing snapshots and, when the driver built its
// Client itself (a URLOpener without one), releases that Client's
// connections. A Client the application passed in is left alone.
func (d *driver) Close() error {
	d.snaps.clear()
	if d.owned {
		d.c.CloseIdleConnections()
	}
	return nil
}
