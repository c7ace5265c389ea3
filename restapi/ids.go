package restapi

import (
	"encoding/base64"
	"strings"

	"github.com/polysecret/secrets/backend"
)

// Secret ids are stateless: the id of the secret (env, key) is
//
//	base64url(env + ":" + key), without padding
//
// (env "" for the global scope). An environment name never holds ":", so
// the first ":" separates the two; the key after it may hold anything a
// key may. Any replica decodes any id without shared state, an id never
// changes while the secret stays in its scope, and a client may compute
// one itself — but should treat ids as opaque. A moved secret has the id
// of its new scope.
const idSep = ':'

// EncodeID is the id of the secret (env, key).
func EncodeID(env, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(env + string(idSep) + key))
}

// DecodeID is the scope and key of an id: InvalidArgument unless it is the
// id of a valid key in a valid scope.
func DecodeID(id string) (env, key string, err error) {
	bad := func(why string) error { return backend.Errorf(backend.InvalidArgument, "malformed secret id: %s", why) }
	if len(id) == 0 || len(id) > 512 {
		return "", "", bad("empty or too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", "", bad("not base64url")
	}
	env, key, ok := strings.Cut(string(b), string(idSep))
	if !ok {
		return "", "", bad("no scope")
	}
	if err := backend.ValidateScope(env); err != nil {
		return "", "", bad("invalid environment")
	}
	if err := backend.ValidateKey(key); err != nil {
		return "", "", bad("invalid key")
	}
	return env, key, nil
}
