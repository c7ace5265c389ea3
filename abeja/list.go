package abeja

import (
	"context"
	"slices"
	"strings"

	"github.com/polysecret/secrets/backend"
)

// Listing: every ListPage reads the organization's listing consistently
// (scan), orders it by name, and returns the secrets after the name in its
// token. A token is a name, so a position no creation or deletion can
// shift: a secret that exists throughout a listing appears exactly once.

func (d *driver) ListPage(ctx context.Context, o *backend.ListOptions, token string) ([]*backend.Secret, string, error) {
	if token != "" && !nameOK(token) {
		return nil, "", backend.Errorf(backend.InvalidArgument, "malformed page token")
	}
	all, _, err := d.scan(ctx, o.WithValues, "")
	if err != nil {
		return nil, "", err
	}
	slices.SortFunc(all, func(a, b wireSecret) int { return strings.Compare(a.Name, b.Name) })
	var page []*backend.Secret
	for i := range all {
		w := &all[i]
		if w.Name <= token || !strings.HasPrefix(w.Name, o.Prefix) {
			continue
		}
		if len(page) == o.PageSize {
			return page, page[len(page)-1].Key, nil
		}
		s, err := w.secret(o.WithValues, nil)
		if backend.Classify(err, nil) == backend.FailedPrecondition {
			continue // no active version: no value to list
		}
		if err != nil {
			return nil, "", err
		}
		if o.Match(s) {
			page = append(page, s)
		}
	}
	return page, "", nil
}
