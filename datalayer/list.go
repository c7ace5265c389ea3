package datalayer

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/polysecret/secrets/backend"
)

// Listings. GET /secrets answers every secret of the account at once (the
// API has no paging or filters): the driver sorts by name, filters, and
// pages on the client. A token is the last name returned, so a secret
// that exists throughout a listing appears exactly once, whatever is
// created or deleted meanwhile.
//
// Request cost of a listing with values: one GET /secrets per page when
// the list carries value_s; when it leaves values out, one GET /secrets
// plus one GET /secrets/{uid} per secret on the page, at most
// list_concurrency (default 8) at a time.

// tokenPrefix marks the driver's page tokens.
const tokenPrefix = "n:"

// listing is one GET /secrets: the secrets by name (one per name: should
// the server ever hold two of a name, the older uid — ULIDs sort by time)
// and the names, sorted.
type listing struct {
	byName map[string]*wireSecret
	names  []string
}

// list reads every secret, checks each, and refreshes the uid cache.
func (d *driver) list(ctx context.Context) (*listing, error) {
	var a listAnswer
	if _, err := d.c.do(ctx, exchange{method: http.MethodGet, path: "/secrets", out: &a}); err != nil {
		return nil, err
	}
	l, err := newListing(a.Secrets)
	if err != nil {
		return nil, err
	}
	uids := make(map[string]string, len(l.byName))
	for name, w := range l.byName {
		uids[name] = w.UID
	}
	d.uids.Replace(uids)
	return l, nil
}

func newListing(ws []wireSecret) (*listing, error) {
	l := &listing{byName: make(map[string]*wireSecret, len(ws))}
	for i := range ws {
		w := &ws[i]
		if err := w.check(); err != nil {
			return nil, err
		}
		if o, dup := l.byName[w.Name]; dup {
			if w.UID > o.UID {
				continue
			}
		} else {
			l.names = append(l.names, w.Name)
		}
		l.byName[w.Name] = w
	}
	slices.Sort(l.names)
	return l, nil
}

func (d *driver) ListPage(ctx context.Context, opts *backend.ListOptions, token string) ([]*backend.Secret, string, error) {
	after, ok := strings.CutPrefix(token, tokenPrefix)
	if token != "" && !ok {
		return nil, "", backend.Errorf(backend.InvalidArgument, "datalayer: not a page token of this driver")
	}
	if !opts.AllEnvironments && opts.Environment != "" {
		return nil, "", nil // no environment exists: nothing is in one
	}
	l, err := d.list(ctx)
	if err != nil {
		return nil, "", err
	}
	var page []*wireSecret
	next := ""
	i, _ := slices.BinarySearch(l.names, after)
	for _, name := range l.names[i:] {
		if name <= after || backend.ValidateKey(name) != nil {
			continue // seen, or no key of the portable API
		}
		w := l.byName[name]
		if !opts.Match(w.meta()) {
			continue
		}
		if len(page) == opts.PageSize {
			next = tokenPrefix + page[len(page)-1].Name
			break
		}
		page = append(page, w)
	}
	if opts.WithValues {
		if page, err = d.fillValues(ctx, page); err != nil {
			return nil, "", err
		}
	}
	out := make([]*backend.Secret, len(page))
	for i, w := range page {
		if opts.WithValues {
			out[i] = w.secret()
		} else {
			out[i] = w.meta()
		}
	}
	return out, next, nil
}

// fillValues reads by uid, list_concurrency at a time, the values a
// listing left out. A secret deleted or renamed since the listing is
// dropped: it did not exist throughout.
func (d *driver) fillValues(ctx context.Context, page []*wireSecret) ([]*wireSecret, error) {
	var missing []int
	for i, w := range page {
		if w.Value == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return page, nil
	}
	var mu sync.Mutex
	gone := map[int]bool{}
	err := backend.ForEach(ctx, len(missing), d.conc, func(ctx context.Context, j int) error {
		i := missing[j]
		w, err := d.getUID(ctx, page[i].UID)
		switch {
		case classify(err) == backend.NotFound || err == nil && w.Name != page[i].Name:
			mu.Lock()
			gone[i] = true
			mu.Unlock()
			return nil
		case err != nil:
			return err
		}
		page[i] = w
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(gone) == 0 {
		return page, nil
	}
	kept := page[:0]
	for i, w := range page {
		if !gone[i] {
			kept = append(kept, w)
		}
	}
	return kept, nil
}

// Values reads many keys with one listing (plus, when the list leaves
// values out, one GET by uid per key found, list_concurrency at a time):
// one request for any number of keys when the list carries values. One
// key is a Get (backend.ErrSkip): a uid the store knows makes it one
// small request instead of the whole list.
func (d *driver) Values(ctx context.Context, env string, keys []string) ([]backend.ValueResult, error) {
	if env != "" || len(keys) == 1 {
		return nil, backend.ErrSkip
	}
	l, err := d.list(ctx)
	if err != nil {
		return nil, err
	}
	res := make([]backend.ValueResult, len(keys))
	var page []*wireSecret // to read by uid, each name once
	var at []int
	queued := map[string]bool{}
	for i, k := range keys {
		res[i].Resolved = true // every secret is global: there is no fallback
		switch w := l.byName[k]; {
		case w == nil:
			res[i].Err = notFound(k)
		case w.Value != nil:
			res[i].Secret = w.secret()
		default:
			at = append(at, i)
			if !queued[k] {
				queued[k] = true
				page = append(page, w)
			}
		}
	}
	filled, err := d.fillValues(ctx, page)
	if err != nil {
		return nil, err
	}
	found := make(map[string]*wireSecret, len(filled))
	for _, w := range filled {
		found[w.Name] = w
	}
	for _, i := range at {
		if w := found[keys[i]]; w != nil {
			res[i].Secret = w.secret()
		} else {
			res[i].Err = notFound(keys[i])
		}
	}
	return res, nil
}
