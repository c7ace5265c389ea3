package secrets

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/polysecret/secrets/backend"
)

// putAttempts bounds the portable Put's Create/Modify loop when the secret
// is deleted and created again between its calls.
const putAttempts = 4

// Put creates the secret, or replaces the value and metadata of the one at
// (sec.Environment or the store's scope, sec.Key): "set this key", whether
// it exists or not. Fields left zero are cleared on replace (description,
// labels, expiry; the type becomes generic). NotFound if the environment
// does not exist. Drivers that can do it in one backend call do (Vault:
// a write without check-and-set; memory); elsewhere Put is a Create and,
// when the key exists, a Modify of every field.
func (s *Store) Put(ctx context.Context, sec Secret) (*Secret, error) {
	if sec.Environment == "" {
		sec.Environment = s.env
	}
	if err := s.checkWrite(ctx, "Put", sec.Key); err != nil {
		return nil, err
	}
	if err := s.validateNew(&sec); err != nil {
		return nil, s.fail(ctx, "Put", sec.Environment, sec.Key, err)
	}
	sec.ID, sec.Version, sec.CreatedAt, sec.UpdatedAt = "", "", time.Time{}, time.Time{}
	out, err := s.put(ctx, &sec)
	if err != nil {
		return nil, s.fail(ctx, "Put", sec.Environment, sec.Key, err)
	}
	return out, nil
}

func (s *Store) put(ctx context.Context, sec *Secret) (*Secret, error) {
	if p, ok := s.drv.(backend.Putter); ok {
		out, err := p.Put(ctx, sec)
		if !errors.Is(err, backend.ErrSkip) {
			return out, err
		}
	}
	typ := backend.EffectiveType(sec.Type)
	u := &Update{Value: &sec.Value, Description: &sec.Description, Labels: sec.Labels, ExpiresAt: &sec.ExpiresAt}
	if s.caps.Types {
		u.Type = &typ
	}
	if u.Labels == nil && s.caps.Labels {
		u.Labels = map[string]string{}
	}
	if !s.caps.Labels {
		u.Labels = nil
	}
	if !s.caps.Expiry {
		u.ExpiresAt = nil
	}
	var err error
	for range putAttempts {
		var out *Secret
		c := sec.Clone()
		if out, err = s.createGuarded(ctx, c); err == nil || s.code(err) != AlreadyExists {
			return out, err
		}
		if out, err = s.drv.Modify(ctx, sec.Environment, sec.Key, u); err == nil || s.code(err) != NotFound {
			return out, err
		}
		// Deleted between the two calls: create again.
	}
	return nil, err
}

// ValueResult is one answer of [Store.Values]: the secret, or the error of
// that key alone (NotFound, ErrExpired, …). The secret holds what a batch
// read gives on every backend: Environment (where it was found: the
// store's scope, or "" through the global fallback), Key, ID, Version,
// Value and ExpiresAt; its description, type, labels and times are left
// zero on every backend (AWS's BatchGetSecretValue has none of them): Get
// or List for those.
type ValueResult = backend.ValueResult

// valuesConcurrency bounds the Gets in flight where the driver has no batch
// read.
const valuesConcurrency = backend.DefaultListFetchConc

// Values reads several secrets at once, with Get's rules for each (the
// store's scope, then the global secret; expired ones are ErrExpired; a key
// may select a field, KEY#field):
// one result per key, in order. The error return is for the call as a whole
// (a closed store, an invalid key, the context). Drivers with a batch read
// use it (AWS: BatchGetSecretValue, 20 a call); elsewhere the Gets run
// with bounded concurrency.
func (s *Store) Values(ctx context.Context, keys ...string) ([]ValueResult, error) {
	if err := s.check(ctx, "Values", ""); err != nil {
		return nil, err
	}
	base, fields := make([]string, len(keys)), make([]string, len(keys))
	for i, sel := range keys {
		k, f, has := splitField(sel)
		if has {
			if err := validateField(f); err != nil {
				return nil, s.fail(ctx, "Values", s.env, k, err)
			}
		}
		if err := s.validateKey(k); err != nil {
			return nil, s.fail(ctx, "Values", s.env, k, err)
		}
		base[i], fields[i] = k, f
	}
	res, err := s.values(ctx, base)
	if err != nil {
		return nil, s.fail(ctx, "Values", s.env, "", err)
	}
	now := time.Now()
	for i, r := range res {
		switch {
		case r.Err != nil:
			res[i].Err = s.fail(ctx, "Values", s.env, base[i], r.Err)
		case !r.Secret.ExpiresAt.IsZero() && r.Secret.Expired(now):
			res[i] = ValueResult{Err: s.failCode("Values", r.Secret.Environment, base[i], FailedPrecondition, ErrExpired)}
		default:
			res[i].Secret = valueView(r.Secret)
		}
		if fields[i] != "" && res[i].Err == nil {
			if sec, err := selectField(res[i].Secret, fields[i]); err != nil {
				res[i] = ValueResult{Err: s.fail(ctx, "Values", s.env, base[i], err)}
			} else {
				res[i].Secret = sec
			}
		}
	}
	return res, nil
}

// valueView is what Values answers of sec (see ValueResult).
func valueView(sec *Secret) *Secret {
	return &Secret{Environment: sec.Environment, Key: sec.Key, ID: sec.ID, Version: sec.Version,
		Value: sec.Value, ExpiresAt: sec.ExpiresAt}
}

func (s *Store) values(ctx context.Context, keys []string) ([]ValueResult, error) {
	if b, ok := s.drv.(backend.BatchGetter); ok {
		res, err := b.Values(ctx, s.env, keys)
		if !errors.Is(err, backend.ErrSkip) {
			if err != nil || s.env == "" {
				return res, err
			}
			return s.globalFallback(ctx, b, keys, res)
		}
	}
	res := make([]ValueResult, len(keys))
	err := backend.ForEach(ctx, len(keys), valuesConcurrency, func(ctx context.Context, i int) error {
		res[i].Secret, res[i].Err = s.getFallback(ctx, keys[i])
		return nil
	})
	return res, err
}

// globalFallback reads, in one more batch, the global secrets of the keys
// the scope lacks.
func (s *Store) globalFallback(ctx context.Context, b backend.BatchGetter, keys []string, res []ValueResult) ([]ValueResult, error) {
	var miss []int
	for i, r := range res {
		if !r.Resolved && r.Err != nil && s.code(r.Err) == NotFound {
			miss = append(miss, i)
		}
	}
	if len(miss) == 0 {
		return res, nil
	}
	gkeys := make([]string, len(miss))
	for j, i := range miss {
		gkeys[j] = keys[i]
	}
	gres, err := b.Values(ctx, "", gkeys)
	if err != nil {
		return nil, err
	}
	for j, i := range miss {
		if gres[j].Err == nil || s.code(gres[j].Err) != PermissionDenied {
			res[i] = gres[j]
		}
	}
	return res, nil
}

// getFallback is Get's driver part: the scope, then the global secret. A
// miss in both says so (the driver's error of the global read is kept for
// ErrorAs); a global read that is refused leaves the scope's NotFound.
func (s *Store) getFallback(ctx context.Context, key string) (*Secret, error) {
	sec, err := s.drv.Get(ctx, s.env, key, backend.GetOptions{})
	if err == nil || s.env == "" || s.code(err) != NotFound {
		return sec, err
	}
	sec, gerr := s.drv.Get(ctx, "", key, backend.GetOptions{})
	switch {
	case gerr == nil:
		return sec, nil
	case s.code(gerr) == NotFound:
		return nil, &backend.Error{Code: NotFound, Err: gerr,
			Msg: "no secret " + strconv.Quote(key) + " in environment " + strconv.Quote(s.env) + ", nor a global one"}
	case s.code(gerr) == PermissionDenied:
		return nil, err
	}
	return nil, gerr
}
