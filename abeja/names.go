package abeja

import "github.com/polysecret/secrets/backend"

// The name rule of ABEJA Secret Manager, as the SDK's create_secret checks
// it (abeja/secret/api/client.py): re.match(r'^[a-zA-Z0-9_-]+$', name),
// and re.match(r'.*-......$', name) refused — no hyphen as the seventh
// byte from the end.

// NameRule is the rule in words, as errors quote it.
const NameRule = "ABEJA Secret Manager names are 1 or more of A-Z a-z 0-9 _ - and must not end with a hyphen followed by six characters"

// nameOK reports whether ABEJA accepts name.
func nameOK(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return !(len(name) >= 7 && name[len(name)-7] == '-')
}

// CheckKey refuses, before any request, a portable key that ABEJA cannot
// hold as a secret name (backend.KeyChecker).
func (d *driver) CheckKey(key string) error {
	if !nameOK(key) {
		return backend.Errorf(backend.InvalidArgument, "key %q: %s", trunc(key), NameRule)
	}
	return nil
}
