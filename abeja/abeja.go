package abeja

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// Scheme is the URL scheme of this driver.
const Scheme = "abeja"

func init() {
	secrets.Register(Scheme, new(URLOpener))
}

// Options are the settings of a Store made by [New].
type Options struct {
	// Organization is the organization id whose secrets the store holds
	// (required; decimal digits, 13 of them today).
	Organization string
	// ReadOnly refuses every write with PermissionDenied before any
	// request, as the URL parameter readonly=true.
	ReadOnly bool
}

// New returns a Store on the organization's ABEJA Secret Manager through
// client, a client the application built with [NewClient] and owns: the
// Store's Close leaves it usable.
func New(client *Client, opts Options) (*secrets.Store, error) {
	if client == nil {
		return nil, backend.Errorf(backend.InvalidArgument, "abeja: New needs a *Client (see NewClient)")
	}
	if !validID(opts.Organization) {
		return nil, backend.Errorf(backend.InvalidArgument, "abeja: Options.Organization must be an organization id (decimal digits)")
	}
	return secrets.NewStore(&driver{c: client, org: opts.Organization},
		secrets.StoreOptions{Scheme: Scheme, ReadOnly: opts.ReadOnly}), nil
}

type driver struct {
	backend.NoEnvironments
	c     *Client
	owned bool // c was built by the URLOpener: Close releases it
	org   string
	ix    backend.NameIDs // name → id, up to 10,000
	snaps snapshots
	// readCost is the number of requests of the last complete read of
	// the listing (0: none yet), to choose how Values reads.
	readCost atomic.Int64
}

var (
	_ backend.Driver     = (*driver)(nil)
	_ backend.Pinger     = (*driver)(nil)
	_ backend.KeyChecker = (*driver)(nil)
)

// Capabilities: versions and expiry are native, and deletion; ABEJA has
// no environments (GlobalOnly), types, labels or compare-and-set, and
// cannot hold an empty value (the SDK refuses one; its provider is AWS
// Secrets Manager, which cannot either).
func (d *driver) Capabilities() backend.Capabilities {
	return backend.Capabilities{Versions: true, Delete: true, Expiry: true, NoEmptyValues: true, GlobalOnly: true}
}

// Ping reads one secret of the listing (limit 1, no values): one request
// that needs valid credentials and access to the organization.
func (d *driver) Ping(ctx context.Context) error {
	q := valuesQuery(false)
	q.Set("offset", "0")
	q.Set("limit", "1")
	_, err := d.c.do(ctx, &request{method: "GET", path: d.secretsPath(), query: q, out: new(wireList)})
	return err
}

// ErrorCode classifies by HTTP status (the table in errors.go), then
// transport failures.
func (d *driver) ErrorCode(err error) backend.Code { return classify(err) }

func (d *driver) As(i any) bool { return backend.AsClient(i, d.c) }

func (d *driver) ErrorAs(err error, i any) bool { return errors.As(err, i) }

// Close forgets the name → id map and, when the driver built its Client
// itself (a URLOpener without one), releases that Client's connections.
func (d *driver) Close() error {
	d.ix.Clear()
	d.snaps.clear()
	if d.owned {
		d.c.CloseIdleConnections()
	}
	return nil
}
