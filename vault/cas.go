package vault

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets/backend"
)

// This file is the check-and-set write: sent without blind retries, and
// recognised by its write id when its reply is lost.

// errConflict: version cas+1 exists and someone else wrote it.
var errConflict = backend.Errorf(backend.Unavailable, "vault: check-and-set conflict: another write came first")

// casWrite writes data at p with check-and-set cas. It is never re-sent
// blindly: after a failure that may hide a write that landed (a lost reply,
// a timeout, a 5xx) or a refusal (400), it reads version cas+1: if that is
// this write (mine), the write succeeded; if it is someone else's, the
// result is errConflict; if there is none, a 400 is a real refusal
// (InvalidArgument, or NotFound when the secret went away) and a retryable
// failure is sent again, within maxRetries. mine is asked only once an
// attempt may have landed: a refusal before that is someone else's version
// (the native layout recognises a write by its data alone, which another
// writer may have written too).
func (d *driver) casWrite(ctx context.Context, p string, data map[string]any, cas int, mine func(map[string]any) bool) (*api.KVSecret, error) {
	landed := false // an attempt of this call may have been written
	for n := 1; ; n++ {
		out, ra, err := d.send(ctx, p, data, api.WithCheckAndSet(cas))
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		refused := isStatus(err, http.StatusBadRequest)
		if !refused && !ambiguous(err) && !isStatus(err, http.StatusTooManyRequests) {
			return nil, d.refine(ctx, err) // a definite answer: nothing was written
		}
		landed = landed || ambiguous(err)
		if refused || ambiguous(err) {
			got, verr := d.read(ctx, p, cas+1)
			switch {
			case verr == nil && got.Data != nil && landed && mine(got.Data):
				return got, nil // ours: its reply was lost, or an earlier attempt of ours landed
			case verr == nil:
				return nil, errConflict
			case classify(verr) != backend.NotFound:
				return nil, verr
			}
		}
		if refused {
			md, merr := d.metadata(ctx, p)
			switch {
			case classify(merr) == backend.NotFound && cas > 0:
				return nil, backend.Errorf(backend.NotFound, "vault: %s was deleted: %w", p, err)
			case merr != nil && classify(merr) != backend.NotFound:
				return nil, merr
			case merr == nil && md.CurrentVersion != cas:
				return nil, errConflict
			}
			return nil, backend.Errorf(backend.InvalidArgument, "vault: the write was refused: %w", err)
		}
		if n > d.maxRetries || !classify(err).Retryable() || !d.pause(ctx, n, ra) {
			return nil, err
		}
	}
}

// send makes one attempt of a write of data at p, and returns the server's
// Retry-After, if any.
func (d *driver) send(ctx context.Context, p string, data map[string]any, opts ...api.KVOption) (*api.KVSecret, time.Duration, error) {
	var out *api.KVSecret
	ra, err := d.try(ctx, func(ctx context.Context, kv *api.KVv2) error {
		var err error
		out, err = kv.Put(ctx, p, data, opts...)
		return err
	})
	return out, ra, err
}

// create writes data at p as a new entry (what names it in errors): with
// check-and-set 0, or, when the current version is deleted (an absent
// entry), over it. AlreadyExists when a live entry is there. It returns the
// version written and the custom_metadata of a deleted entry written over.
func (d *driver) create(ctx context.Context, p, what string, data map[string]any, mine func(map[string]any) bool) (*api.KVSecret, map[string]any, error) {
	cas := 0
	var oldMirror map[string]any
	for n := 1; ; n++ {
		out, err := d.casWrite(ctx, p, data, cas, mine)
		if err == nil {
			return out, oldMirror, nil
		}
		if !errors.Is(err, errConflict) {
			return nil, nil, err
		}
		// The path has versions: a live current one is an existing
		// entry; a deleted one is an absent entry, written over.
		md, err := d.metadata(ctx, p)
		switch {
		case errors.Is(err, api.ErrSecretNotFound):
			cas, oldMirror = 0, nil // deleted in between
		case err != nil:
			return nil, nil, err
		case live(md):
			return nil, nil, backend.Errorf(backend.AlreadyExists, "%s exists", what)
		default:
			cas, oldMirror = md.CurrentVersion, md.CustomMetadata
		}
		if n >= maxCASTrys {
			return nil, nil, gaveUp(what, n)
		}
	}
}

// rmw runs the read-modify-write rounds of an update of what until one is
// not lost to another writer: round returns errConflict when its
// check-and-set write lost; rmw then waits a little (conflictPolicy) and
// runs it again, at most maxCASTrys times (then Unavailable).
func rmw(ctx context.Context, what string, round func() error) error {
	for n := 1; ; n++ {
		err := round()
		if !errors.Is(err, errConflict) {
			return err
		}
		if n >= maxCASTrys {
			return gaveUp(what, n)
		}
		if err := backend.Sleep(ctx, conflictPolicy.Delay(n, 0)); err != nil {
			return err
		}
	}
}

func gaveUp(what string, n int) error {
	return backend.Errorf(backend.Unavailable, "%s: gave up after %d check-and-set conflicts", what, n)
}

// read reads version v of p (0: the current one) with retries. A version
// that was deleted has Data nil; a path or version that does not exist is
// api.ErrSecretNotFound.
func (d *driver) read(ctx context.Context, p string, v int) (*api.KVSecret, error) {
	var kvs *api.KVSecret
	err := d.do(ctx, func(ctx context.Context, kv *api.KVv2) error {
		var err error
		if v == 0 {
			kvs, err = kv.Get(ctx, p)
		} else {
			kvs, err = kv.GetVersion(ctx, p, v)
		}
		return err
	})
	return kvs, err
}

// metadata reads the metadata of p with retries.
func (d *driver) metadata(ctx context.Context, p string) (*api.KVMetadata, error) {
	var md *api.KVMetadata
	err := d.do(ctx, func(ctx context.Context, kv *api.KVv2) error {
		var err error
		md, err = kv.GetMetadata(ctx, p)
		return err
	})
	if err == nil && md == nil {
		return nil, api.ErrSecretNotFound
	}
	return md, err
}

// live reports whether md's current version exists and is neither deleted
// nor destroyed: a soft-deleted current version is an absent secret, for
// Get as for Create.
func live(md *api.KVMetadata) bool {
	if md == nil || md.CurrentVersion == 0 {
		return false
	}
	v, ok := md.Versions[strconv.Itoa(md.CurrentVersion)]
	return ok && v.DeletionTime.IsZero() && !v.Destroyed
}

// exists reports whether p holds a live secret.
func (d *driver) exists(ctx context.Context, p string) (bool, error) {
	md, err := d.metadata(ctx, p)
	if errors.Is(err, api.ErrSecretNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return live(md), nil
}
