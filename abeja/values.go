package abeja

import (
	"context"
	"sync"

	"github.com/polysecret/secrets/backend"
)

// Batch reads (backend.BatchGetter). Keys whose ids the Store knows are
// read by id, eight at a time — unless they are more than the requests of
// the last complete read of the listing, which then serves them all; keys
// it does not know (or whose id answers 404) are found in one read of the
// listing that ends when all of them have been met.

var _ backend.BatchGetter = (*driver)(nil)

// valuesConcurrency bounds the GETs by id of one Values call.
const valuesConcurrency = 8

func (d *driver) Values(ctx context.Context, env string, keys []string) ([]backend.ValueResult, error) {
	res := make([]backend.ValueResult, len(keys))
	var known, unknown []int
	for i, k := range keys {
		if _, ok := d.ix.Get(k); ok {
			known = append(known, i)
		} else {
			unknown = append(unknown, i)
		}
	}
	if cost := d.readCost.Load(); cost > 0 && int64(len(known)) > cost {
		unknown, known = append(unknown, known...), nil
	}
	var mu sync.Mutex
	err := backend.ForEach(ctx, len(known), valuesConcurrency, func(ctx context.Context, j int) error {
		i := known[j]
		id, _ := d.ix.Get(keys[i])
		var w wireSecret
		_, err := d.c.do(ctx, &request{method: "GET", path: d.secretPath(id), query: valuesQuery(true), out: &w})
		if err == nil && w.Name != keys[i] || err != nil && classify(err) == backend.NotFound {
			d.ix.Forget(keys[i], id)
			mu.Lock()
			unknown = append(unknown, i)
			mu.Unlock()
			return nil
		}
		if err != nil {
			res[i].Err = err
			return nil
		}
		res[i].Secret, res[i].Err = w.secret(true, nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(unknown) > 0 {
		want := map[string]bool{}
		for _, i := range unknown {
			want[keys[i]] = true
		}
		_, found, err := d.scan(ctx, true, want)
		if err != nil {
			return nil, err
		}
		for _, i := range unknown {
			if w := found[keys[i]]; w != nil {
				res[i].Secret, res[i].Err = w.secret(true, nil)
			} else {
				res[i].Err = notFound(keys[i])
			}
		}
	}
	for i := range res {
		res[i].Resolved = true // one scope: there is no fallback
	}
	return res, nil
}
