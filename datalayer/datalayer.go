package datalayer

import (
	"context"
	"errors"
	"net/http"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// Scheme is the URL scheme of this driver.
const Scheme = "datalayer"

func init() {
	secrets.Register(Scheme, new(URLOpener))
}

// Options are the settings of a Store made by [New] (and of a
// [URLOpener]).
type Options struct {
	// Environment must be empty: Datalayer has no environments, and a
	// Store opened in one answers Unimplemented.
	Environment string
	// ReadOnly refuses every write with PermissionDenied before any
	// request, as the URL parameter readonly=true.
	ReadOnly bool
	// ListConcurrency bounds the reads by uid that a listing with values
	// (or a batch read) makes when the server's list leaves values out
	// (1–64, default backend.DefaultListFetchConc = 8; URL parameter
	// list_concurrency).
	ListConcurrency int
}

// New returns a Store on Datalayer through client, a client the
// application built with [NewClient] and owns: the Store's Close leaves
// it usable (the driver never closes it or its connections).
func New(client *Client, opts Options) (*secrets.Store, error) {
	if client == nil {
		return nil, backend.Errorf(backend.InvalidArgument, "datalayer: New needs a *Client (see NewClient)")
	}
	d, err := newDriver(client, false, opts.ListConcurrency)
	if err != nil {
		return nil, err
	}
	return secrets.NewStore(d, secrets.StoreOptions{Scheme: Scheme, Environment: opts.Environment, ReadOnly: opts.ReadOnly}), nil
}

type driver struct {
	backend.NoEnvironments // Datalayer has none: Capabilities.GlobalOnly

	c     *Client
	owned bool // c was built by the URLOpener: Close releases it
	conc  int
	// uids is the uid of each name, as the last listing or write said:
	// a hint (backend.NameIDs), so that a Get by name is one small GET
	// rather than a listing. Writes (Modify, Delete) act on a uid only
	// after a read by that uid named the secret.
	uids backend.NameIDs
}

// maxCachedUIDs bounds uids; a listing of more replaces it whole.
const maxCachedUIDs = 100_000

var (
	_ backend.Driver      = (*driver)(nil)
	_ backend.Pinger      = (*driver)(nil)
	_ backend.BatchGetter = (*driver)(nil)
)

func newDriver(c *Client, owned bool, conc int) (*driver, error) {
	if conc == 0 {
		conc = backend.DefaultListFetchConc
	}
	if conc < 1 || conc > 64 {
		return nil, backend.Errorf(backend.InvalidArgument, "datalayer: list concurrency must be 1-64, got %d", conc)
	}
	return &driver{c: c, owned: owned, conc: conc, uids: backend.NameIDs{Max: maxCachedUIDs}}, nil
}

// Capabilities: global secrets only, types (the variant), delete; values
// must be text (see value.go); no versions, labels, expiry, environments
// or compare-and-set.
func (d *driver) Capabilities() backend.Capabilities {
	return backend.Capabilities{GlobalOnly: true, Delete: true, Types: true, TextOnly: true}
}

// Ping is GET /whoami: one small request that needs a valid API key.
func (d *driver) Ping(ctx context.Context) error {
	_, err := d.c.do(ctx, exchange{method: http.MethodGet, path: "/whoami"})
	return err
}

// ErrorCode classifies by HTTP status (the table in errors.go), then
// transport failures.
func (d *driver) ErrorCode(err error) backend.Code { return classify(err) }

func (d *driver) As(i any) bool { return backend.AsClient(i, d.c) }

func (d *driver) ErrorAs(err error, i any) bool { return errors.As(err, i) }

// Close forgets the uids it learnt and, when the driver built its Client
// itself (a URLOpener without one), releases that Client's connections. A
// Client the application passed in is left alone.
func (d *driver) Close() error {
	d.uids.Clear()
	if d.owned {
		d.c.CloseIdleConnections()
	}
	return nil
}

// Versions: Datalayer keeps no versions (the portable layer answers
// Unimplemented before calling this).
func (d *driver) Versions(context.Context, string, string) ([]backend.Version, error) {
	return nil, errNoVersions
}

var (
	errNoVersions = backend.Errorf(backend.Unimplemented, "datalayer: Datalayer keeps no versions of a secret")
	errNoEnvs     = backend.Errorf(backend.Unimplemented, "datalayer: Datalayer has no environments: every secret is global")
)
