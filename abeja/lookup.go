package abeja

import (
	"context"
	"net/url"
	"strconv"

	"github.com/polysecret/secrets/backend"
)

// Finding a secret by name. The API addresses secrets by id and has no
// lookup by name, so the driver remembers the id of each name it has seen
// (a backend.NameIDs) and otherwise reads the organization's listing.

// serverPage is the page size of listing requests: the API's maximum.
const serverPage = 100

// maxRestarts bounds the consistent reads started over because the
// listing shifted under them.
const maxRestarts = 3

// maxPages bounds the requests of one read (a million secrets).
const maxPages = 10000

func valuesQuery(values bool) url.Values {
	return url.Values{"return_secret_value": {strconv.FormatBool(values)}}
}

// find returns the secret named name, with its versions' values: one GET
// by id when the name's id is known, else a read of the listing without
// values that stops at the name (at most ⌈N/99⌉ requests for N secrets;
// no other secret's value is read) and then the GET by the id it found.
func (d *driver) find(ctx context.Context, name string) (*wireSecret, error) {
	if id, ok := d.ix.Get(name); ok {
		w, err := d.getByID(ctx, name, id)
		if w != nil || err != nil {
			return w, err
		}
		d.ix.Forget(name, id) // deleted, or not this name: read the listing
	}
	_, found, err := d.scan(ctx, false, map[string]bool{name: true})
	if err != nil {
		return nil, err
	}
	if found[name] == nil {
		return nil, notFound(name)
	}
	w, err := d.getByID(ctx, name, found[name].ID)
	if w == nil && err == nil {
		return nil, notFound(name) // deleted (or renamed) since the listing
	}
	return w, err
}

// getByID reads the secret id with its values; nil and no error when it is
// gone or no longer named name.
func (d *driver) getByID(ctx context.Context, name, id string) (*wireSecret, error) {
	var w wireSecret
	_, err := d.c.do(ctx, &request{method: "GET", path: d.secretPath(id), query: valuesQuery(true), out: &w})
	switch {
	case err == nil && w.Name == name && w.ID == id:
		return &w, nil
	case err != nil && classify(err) != backend.NotFound:
		return nil, err
	}
	return nil, nil
}

func notFound(name string) error { return backend.Errorf(backend.NotFound, "no secret %q", name) }

// scan reads the organization's listing in pages of 100 that overlap by
// one secret: each page after the first must start with the last secret of
// the page before, else the listing shifted under the read (a secret
// created or deleted before that point) and the read starts over, at most
// maxRestarts times (then Unavailable). A complete read therefore holds
// every secret that existed throughout it exactly once. When want is not
// nil, the read ends as soon as it has met every name of want, and found
// holds the ones it met. Every name read goes into the index.
func (d *driver) scan(ctx context.Context, values bool, want map[string]bool) (all []wireSecret, found map[string]*wireSecret, err error) {
	for restart := 0; ; restart++ {
		all, found, shifted, err := d.scanOnce(ctx, values, want)
		if err != nil || !shifted {
			return all, found, err
		}
		if restart == maxRestarts {
			return nil, nil, backend.Errorf(backend.Unavailable,
				"abeja: the organization's listing kept changing during %d reads; try again", maxRestarts+1)
		}
	}
}

func (d *driver) scanOnce(ctx context.Context, values bool, want map[string]bool) (all []wireSecret, found map[string]*wireSecret, shifted bool, err error) {
	found = map[string]*wireSecret{}
	q := valuesQuery(values)
	q.Set("limit", strconv.Itoa(serverPage))
	seen := map[string]bool{}
	offset, last := 0, ""
	for pages := 0; ; pages++ {
		if pages == maxPages {
			return nil, nil, false, backend.Errorf(backend.Internal, "abeja: the listing did not end after %d pages", maxPages)
		}
		q.Set("offset", strconv.Itoa(offset))
		var page wireList
		if _, err := d.c.do(ctx, &request{method: "GET", path: d.secretsPath(), query: q, out: &page}); err != nil {
			return nil, nil, false, err
		}
		ss := page.Secrets
		if last != "" {
			if len(ss) == 0 || ss[0].ID != last {
				return nil, nil, true, nil
			}
			ss = ss[1:]
		}
		for i := range ss {
			w := &ss[i]
			if !validID(w.ID) {
				return nil, nil, false, backend.Errorf(backend.Internal, "abeja: the server listed a secret id %q that is not decimal digits", trunc(w.ID))
			}
			if seen[w.ID] {
				return nil, nil, true, nil
			}
			seen[w.ID] = true
			d.ix.Put(w.Name, w.ID)
			if want[w.Name] {
				found[w.Name] = w
			}
		}
		all = append(all, ss...)
		if want != nil && len(found) == len(want) {
			return all, found, false, nil
		}
		if !page.HasNext {
			d.readCost.Store(int64(pages + 1))
			return all, found, false, nil
		}
		if len(page.Secrets) < 2 {
			return nil, nil, false, backend.Errorf(backend.Internal, "abeja: a listing page of %d secrets claims a next page", len(page.Secrets))
		}
		offset += len(page.Secrets) - 1
		last = page.Secrets[len(page.Secrets)-1].ID
	}
}
