package secrets

import (
	"context"

	"github.com/polysecret/secrets/backend"
)

// A backend that checks an environment and then writes cannot make "delete
// an empty environment" and "create a secret in it" exclusive by itself:
// DeleteEnvironment's check for secrets can pass just before a Create lands.
// The portable layer closes that race for every driver that can delete
// environments (DESIGN.md §3.6) by checking again after each write:
//
//   - Create, after the driver stored the secret, reads the environment; if
//     it is gone, the secret is deleted again and Create is NotFound;
//   - DeleteEnvironment, after the driver deleted it, looks for a secret in
//     it; if one is there, the environment is created again (same
//     description and external URL) and the call is FailedPrecondition.
//
// On a backend whose reads see every earlier write (Vault, memory), at least
// one of the two sees the other, so no secret is left in an environment
// that does not exist. Where listings lag (AWS Secrets Manager lists with
// eventual consistency) the check is as good as the listing.

// createGuarded is drv.Create plus the check that the environment still
// exists.
func (s *Store) createGuarded(ctx context.Context, sec *Secret) (*Secret, error) {
	out, err := s.drv.Create(ctx, sec)
	if err != nil || sec.Environment == "" || !s.caps.DeleteEnvironment {
		return out, err
	}
	if _, gerr := s.drv.GetEnvironment(ctx, sec.Environment); gerr != nil && s.code(gerr) == NotFound {
		if derr := s.drv.Delete(ctx, sec.Environment, sec.Key); derr != nil && s.code(derr) != NotFound {
			return nil, backend.Errorf(Unavailable, "environment %q was deleted while the secret was created in it, and the secret could not be removed again: %w", sec.Environment, derr)
		}
		return nil, backend.Errorf(NotFound, "environment %q was deleted while the secret was created in it: %w", sec.Environment, gerr)
	}
	return out, nil
}

// deleteEnvironmentGuarded is drv.DeleteEnvironment plus the check that no
// secret was created in the environment meanwhile.
func (s *Store) deleteEnvironmentGuarded(ctx context.Context, name string) error {
	env, err := s.drv.GetEnvironment(ctx, name)
	if err != nil {
		return err
	}
	if err := s.drv.DeleteEnvironment(ctx, name); err != nil {
		return err
	}
	page, _, err := s.drv.ListPage(ctx, &backend.ListOptions{Environment: name, PageSize: 1}, "")
	if err != nil {
		return backend.Errorf(Unavailable, "environment %q was deleted, but whether a secret was created in it meanwhile could not be checked: %w", name, err)
	}
	if len(page) == 0 {
		return nil
	}
	restore := &backend.Environment{Name: env.Name, Description: env.Description, ExternalURL: env.ExternalURL}
	if _, err := s.drv.CreateEnvironment(ctx, restore); err != nil && s.code(err) != AlreadyExists {
		return backend.Errorf(Unavailable, "a secret was created in environment %q while it was deleted, and the environment could not be restored: %w", name, err)
	}
	return backend.Errorf(FailedPrecondition, "a secret was created in environment %q while it was deleted; the environment was restored", name)
}
