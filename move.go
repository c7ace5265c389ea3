package secrets

import (
	"context"
	"maps"
	"time"

	"github.com/polysecret/secrets/backend"
)

// moveTimeout bounds the clean-up of a failed move when the caller's
// context is already done.
const moveTimeout = 10 * time.Second

// move moves the secret key from the store's scope to *u.Environment, with
// the rest of u applied, for drivers that cannot move in one step
// (Capabilities.AtomicMove false): Create in the target, then Delete the
// source (DESIGN.md §3.4). It is retry-safe:
//
//   - a Create that meets its own earlier copy in the target (same value and
//     metadata) takes it as done and goes on to delete the source;
//   - when the source cannot be deleted, the copy is deleted again, so a
//     failed move leaves the secret in one environment; only when that
//     clean-up fails too is the secret in both, and the error says so: a
//     retry of the same Modify completes the move;
//   - a retry that finds the source gone and the target holding what the
//     update asks for reports success.
//
// The source is read again just before it is deleted: a Modify of the
// source that lands while the copy is made fails the move (Unavailable,
// retryable) instead of being lost. A Modify landing between that read and
// the Delete is lost; no backend without a conditional delete can close
// that window.
func (s *Store) move(ctx context.Context, key string, u *Update) (*Secret, error) {
	if !s.caps.Delete {
		return nil, backend.Errorf(Unimplemented, "the %s driver can neither move a secret nor delete one", s.scheme)
	}
	target := *u.Environment
	rest := *u
	rest.Environment = nil
	src, err := s.drv.Get(ctx, s.env, key, backend.GetOptions{})
	if err != nil {
		if s.code(err) == NotFound {
			if t, terr := s.drv.Get(ctx, target, key, backend.GetOptions{}); terr == nil && holds(t, &rest) {
				return t, nil // an earlier attempt completed the move
			}
		}
		return nil, err
	}
	want := src.Clone()
	rest.Apply(want)
	want.Environment = target
	want.Type = backend.EffectiveType(want.Type)
	want.ID, want.Version, want.CreatedAt, want.UpdatedAt = "", "", time.Time{}, time.Time{}
	if err := s.unsupported(want.Type, want.Labels, !want.ExpiresAt.IsZero()); err != nil {
		return nil, err
	}
	moved, err := s.createGuarded(ctx, want)
	if err != nil {
		if s.code(err) != AlreadyExists {
			return nil, err
		}
		t, terr := s.drv.Get(ctx, target, key, backend.GetOptions{})
		if terr != nil || !same(t, want) {
			return nil, err // another secret holds the key in the target
		}
		moved = t // the copy an earlier attempt made
	}
	if now, err := s.drv.Get(ctx, s.env, key, backend.GetOptions{}); err == nil && !same(now, src) {
		if uerr := s.undoCopy(ctx, target, key); uerr != nil {
			return nil, backend.Errorf(Unavailable, "the secret changed during its move to %q, and its copy there could not be removed (it is in both scopes; retry the Modify): %w", target, uerr)
		}
		return nil, backend.Errorf(Unavailable, "the secret changed during its move to %q; the move was undone, retry it", target)
	}
	if err := s.drv.Delete(ctx, s.env, key); err != nil && s.code(err) != NotFound {
		if uerr := s.undoCopy(ctx, target, key); uerr != nil {
			return nil, backend.Errorf(s.code(err), "the move to %q is half done: the secret is in both scopes (retry the Modify to complete it): %w", target, err)
		}
		return nil, err
	}
	return moved, nil
}

// undoCopy deletes the copy a failed move made, with a context of its own
// when the caller's is done.
func (s *Store) undoCopy(ctx context.Context, env, key string) error {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), moveTimeout)
		defer cancel()
	}
	if err := s.drv.Delete(ctx, env, key); err != nil && s.code(err) != NotFound {
		return err
	}
	return nil
}

func (s *Store) code(err error) Code { return backend.Classify(err, s.drv.ErrorCode) }

// same reports whether a and b hold the same value and metadata.
func same(a, b *Secret) bool {
	return a.Value == b.Value && a.Description == b.Description &&
		backend.EffectiveType(a.Type) == backend.EffectiveType(b.Type) &&
		maps.Equal(a.Labels, b.Labels) && a.ExpiresAt.Equal(b.ExpiresAt)
}

// holds reports whether s has every field u sets.
func holds(s *Secret, u *Update) bool {
	want := s.Clone()
	u.Apply(want)
	return same(s, want)
}
