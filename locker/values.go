package locker

import (
	"context"
	"net/url"

	"github.com/polysecret/secrets/backend"
)

// Batch reads (backend.BatchGetter). Locker's API reads secrets by one
// lookup hash at a time, or a whole scope at once — and its listings carry
// the values. Values of several keys therefore reads the scope once and
// picks the keys from it: one request for the global scope, two for an
// environment (its id, then its secrets), whatever the number of keys. A
// scope of more than one server page is read as a listing reads it
// (readScope: consistent across its pages). A single key is one Get (one
// request by its hash). Every record picked is decrypted and checked as a
// Get's is (verify.go).

var _ backend.BatchGetter = (*driver)(nil)

// Values reads keys in exactly the scope env; a key the scope lacks is
// NotFound in its result.
func (d *driver) Values(ctx context.Context, env string, keys []string) ([]backend.ValueResult, error) {
	res := make([]backend.ValueResult, len(keys))
	if len(keys) == 0 {
		return res, nil
	}
	if distinct(keys) == 1 {
		s, err := d.Get(ctx, env, keys[0], backend.GetOptions{})
		if err != nil && classify(err) != backend.NotFound {
			return nil, err
		}
		for i := range res {
			res[i] = backend.ValueResult{Secret: s.Clone(), Err: err}
		}
		return res, nil
	}
	byHash, err := d.readForValues(ctx, env)
	if err != nil {
		return nil, err
	}
	v := d.verifier(ctx)
	for i, k := range keys {
		w := byHash[d.c.Hash(k)]
		if w == nil {
			res[i].Err = notFound(env, k)
			continue
		}
		res[i].Secret, res[i].Err = v.secret(w, &want{env, k})
	}
	return res, nil
}

// readForValues reads the scope env whole and returns its records by
// lookup hash (the first record of each hash). An
// environment that does not exist holds nothing.
func (d *driver) readForValues(ctx context.Context, env string) (map[string]*wireSecret, error) {
	extra := url.Values{}
	envHash := ""
	if env != "" {
		e, err := d.findEnv(ctx, env)
		if err != nil {
			if classify(err) == backend.NotFound {
				return nil, nil
			}
			return nil, err
		}
		extra.Set("environment_id", e.ID)
		envHash = e.Hash
	}
	path := "/v1/secrets?" + listQuery("count_secrets", 1, serverPageSize, extra)
	var first listEnvelope[wireSecret]
	if err := d.c.do(ctx, "GET", path, nil, &first); err != nil {
		return nil, err
	}
	ws := first.Results
	if first.Next != nil && *first.Next != "" {
		// Several pages: one page alone is a consistent answer, several
		// are only with the project's change stamps around them.
		var err error
		if ws, _, err = d.readScope(ctx, path); err != nil {
			return nil, err
		}
	}
	byHash := make(map[string]*wireSecret, len(ws))
	for i := range ws {
		w := &ws[i]
		if deref(w.EnvironmentHash) != envHash {
			continue // outside the scope, by the server's own account
		}
		if _, dup := byHash[w.SecretHash]; !dup {
			byHash[w.SecretHash] = w
		}
	}
	return byHash, nil
}

// distinct counts the different keys.
func distinct(keys []string) int {
	seen := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		seen[k] = struct{}{}
	}
	return len(seen)
}
