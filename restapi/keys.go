package restapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Access is what a key may do to secrets and environments.
type Access string

// The accesses.
const (
	// Read: GET only.
	Read Access = "read"
	// ReadWrite: GET, POST, PATCH, PUT and DELETE.
	ReadWrite Access = "read-write"
)

// AllEnvironments, in Key.Environments, allows every scope; GlobalScope
// allows the global one (environment "").
const (
	AllEnvironments = "*"
	GlobalScope     = "_global"
)

// Key is one API key of the keys file. Its secret is never held: only its
// SHA-256.
type Key struct {
	// ID names the key in audit lines, rate limits and idempotency
	// records (1–64 bytes of A-Z a-z 0-9 _ . -, starting with a letter or
	// digit). It is not secret.
	ID string `json:"id"`
	// SHA256 is the hex SHA-256 of the key's secret (the string a client
	// sends in X-API-Key or Authorization: Bearer).
	SHA256 string `json:"sha256"`
	// Access is "read" or "read-write".
	Access Access `json:"access"`
	// Values allows calls that return values (reveal=true,
	// with_values=true).
	Values bool `json:"values,omitempty"`
	// Environments are the scopes the key may touch: environment names,
	// "_global" for the global scope, or "*" for every scope (and the
	// listings across all of them).
	Environments []string `json:"environments"`
	// Rate is the key's sustained rate in requests per second and Burst
	// its burst (0: Limits.Rate and Limits.Burst).
	Rate  float64 `json:"rate,omitempty"`
	Burst int     `json:"burst,omitempty"`

	hash [sha256.Size]byte
	all  bool
	envs map[string]bool
}

// KeysFile is the JSON document of a keys file:
//
//	{"keys": [{"id": "ci", "sha256": "<64 hex digits>", "access": "read",
//	           "values": true, "environments": ["prod", "_global"],
//	           "rate": 20, "burst": 40}]}
type KeysFile struct {
	Keys []*Key `json:"keys"`
}

var keyIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// maxKeysFile bounds the size of a keys file.
const maxKeysFile = 1 << 20

// ParseKeys parses a keys file (see KeysFile). Unknown fields, a duplicate
// id or hash, a hash that is not 64 hex digits, an unknown access, and an
// environment that is neither "*", "_global" nor an environment name are
// errors. Errors never quote a hash.
func ParseKeys(data []byte) ([]*Key, error) {
	if len(data) > maxKeysFile {
		return nil, fmt.Errorf("keys file: larger than %d bytes", maxKeysFile)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var f KeysFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("keys file: not the documented JSON: %s", jsonErrText(err))
	}
	if dec.More() {
		return nil, fmt.Errorf("keys file: data after the JSON document")
	}
	if len(f.Keys) == 0 {
		return nil, fmt.Errorf("keys file: no keys")
	}
	ids, hashes := map[string]bool{}, map[[sha256.Size]byte]bool{}
	for i, k := range f.Keys {
		if k == nil {
			return nil, fmt.Errorf("keys file: key %d is null", i)
		}
		if err := k.prepare(); err != nil {
			return nil, fmt.Errorf("keys file: key %d: %w", i, err)
		}
		if ids[k.ID] {
			return nil, fmt.Errorf("keys file: key id %q given twice", k.ID)
		}
		if hashes[k.hash] {
			return nil, fmt.Errorf("keys file: key %q has the hash of another key", k.ID)
		}
		ids[k.ID], hashes[k.hash] = true, true
	}
	return f.Keys, nil
}

// jsonErrText keeps the decoder's reason without quoting input (a syntax
// error names an offset, a type error a field).
func jsonErrText(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("syntax error at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("field %q has the wrong type", e.Field)
	}
	if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
		return "unknown field " + strings.TrimPrefix(s, "json: unknown field ")
	}
	return "malformed"
}

func (k *Key) prepare() error {
	if !keyIDRe.MatchString(k.ID) {
		return fmt.Errorf("id must be 1-64 bytes of A-Z a-z 0-9 _ . -, starting with a letter or digit")
	}
	h, err := hex.DecodeString(k.SHA256)
	if err != nil || len(h) != sha256.Size {
		return fmt.Errorf("key %q: sha256 must be 64 hex digits", k.ID)
	}
	copy(k.hash[:], h)
	if k.Access != Read && k.Access != ReadWrite {
		return fmt.Errorf("key %q: access must be %q or %q", k.ID, Read, ReadWrite)
	}
	if len(k.Environments) == 0 {
		return fmt.Errorf("key %q: environments is empty (use [\"*\"] for every scope)", k.ID)
	}
	k.envs = map[string]bool{}
	for _, e := range k.Environments {
		switch {
		case e == AllEnvironments:
			k.all = true
		case e == GlobalScope:
			k.envs[""] = true
		case validEnvName(e):
			k.envs[e] = true
		default:
			return fmt.Errorf("key %q: environment %q is not \"*\", \"_global\" or an environment name", k.ID, e)
		}
	}
	if k.Rate < 0 || k.Burst < 0 {
		return fmt.Errorf("key %q: rate and burst must not be negative", k.ID)
	}
	return nil
}

var envNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

func validEnvName(e string) bool { return envNameRe.MatchString(e) }

// LoadKeys reads and parses a keys file.
func LoadKeys(path string) ([]*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseKeys(b)
}

// allows reports whether the key may touch the scope env ("" = global).
func (k *Key) allows(env string) bool { return k.all || k.envs[env] }

// NewKeySecret makes a new API key secret ("psk_" and 43 base64url
// characters: 256 random bits) and the hex SHA-256 that goes in the keys
// file. Show the secret to its user once; store only the hash. With keys of
// this entropy one unsalted SHA-256 is enough: nothing can be guessed.
func NewKeySecret() (secret, sha256Hex string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	secret = "psk_" + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashKeySecret(secret), nil
}

// HashKeySecret is the hex SHA-256 of a key secret, as the keys file holds
// it.
func HashKeySecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
