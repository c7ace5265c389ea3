package vault

import (
	"context"

	"github.com/polysecret/secrets/backend"
)

// This file is Values, the batch read: one read per key, with bounded
// concurrency.

var _ backend.BatchGetter = (*driver)(nil)

// Values reads the current version of each key in exactly the scope env,
// list_concurrency reads in flight, one request per distinct key (a
// repeated key is read once). In an environment, for two keys or more, it
// first lists the scope's keys (one request) and reads only the keys there:
// the portable layer looks the others up in the global scope, so a batch of
// n keys costs at most n+1 requests, fallback included, instead of up to 2n.
// A token that may not list the scope reads every key.
func (d *driver) Values(ctx context.Context, env string, keys []string) ([]backend.ValueResult, error) {
	res := make([]backend.ValueResult, len(keys))
	first := make(map[string]int, len(keys)) // key → index of its first occurrence
	var todo []int
	for i, k := range keys {
		if _, ok := first[k]; !ok {
			first[k] = i
			todo = append(todo, i)
		}
	}
	present, err := d.present(ctx, env, len(todo))
	if err != nil {
		return nil, err
	}
	var reads []int
	for _, i := range todo {
		if present != nil && !present[keys[i]] {
			res[i].Err = backend.Errorf(backend.NotFound, "no secret %q in %s", keys[i], scopeDir(env))
			continue
		}
		reads = append(reads, i)
	}
	err = backend.ForEach(ctx, len(reads), d.conc, func(ctx context.Context, j int) error {
		i := reads[j]
		res[i].Secret, res[i].Err = d.value(ctx, env, keys[i])
		return nil
	})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	for i, k := range keys {
		if j := first[k]; j != i {
			res[i] = backend.ValueResult{Secret: res[j].Secret.Clone(), Err: res[j].Err}
		}
	}
	return res, nil
}

// present returns the set of keys in the environment env, or nil when
// Values is to read every key: in the global scope (there is no fallback
// after it), for a single key, or when the token may not list.
func (d *driver) present(ctx context.Context, env string, n int) (map[string]bool, error) {
	if env == "" || n < 2 {
		return nil, nil
	}
	names, err := d.listTree(ctx, d.l.dir(env), "", nil)
	if classify(err) == backend.PermissionDenied {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(names))
	for _, k := range names {
		set[k] = true
	}
	return set, nil
}
