package secrets

import (
	"github.com/polysecret/secrets/backend"
)

// scopeError checks a scope the store is asked to use: a valid name, and
// none but "" on a driver without environments (Capabilities.GlobalOnly).
func scopeError(caps backend.Capabilities, scheme, env string) error {
	if err := backend.ValidateScope(env); err != nil {
		return err
	}
	if env != "" && caps.GlobalOnly {
		return errGlobalOnly(scheme)
	}
	return nil
}

// errGlobalOnly: the driver has no environments.
func errGlobalOnly(scheme string) error {
	return backend.Errorf(Unimplemented, "the %s driver has no environments: it holds global secrets only", scheme)
}
