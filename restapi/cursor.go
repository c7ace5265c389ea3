package restapi

import (
	"encoding/base64"

	"github.com/polysecret/secrets/backend"
)

// A cursor is base64url("c1" + the served store's page token), without
// padding. The store's token (secrets.Store.ListPage) is itself opaque and
// bound to the listing's options, so a cursor used with other filters is
// refused (invalid_argument) by the store; the cursor adds a version so
// that its form can change. Cursors hold no state on the gateway: any
// replica continues a listing another one started.
const cursorPrefix = "c1"

// EncodeCursor wraps a store page token ("" stays "": the last page).
func EncodeCursor(token string) string {
	if token == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + token))
}

// DecodeCursor unwraps a cursor ("" is the first page): InvalidArgument if
// it is not one EncodeCursor made.
func DecodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	if len(c) > 8192 {
		return "", backend.Errorf(backend.InvalidArgument, "malformed cursor: too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) <= len(cursorPrefix) || string(b[:len(cursorPrefix)]) != cursorPrefix {
		return "", backend.Errorf(backend.InvalidArgument, "malformed cursor")
	}
	return string(b[len(cursorPrefix):]), nil
}
