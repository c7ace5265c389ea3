package awssm

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/polysecret/secrets/backend"
)

// A secret's version id is the ClientRequestToken of the write that made
// it (AWS: 32–64 characters, no other rule; a UUID is recommended, not
// required). The driver's tokens are a random UUID followed by the expiry
// of the version they make, so that a read that returns only the version
// (BatchGetSecretValue: no tags) still knows the expiry:
//
//	<uuid>-n                        never expires
//	<uuid>-e<YYYYMMDDhhmmss>        expires then (UTC)
//	<uuid>-e<YYYYMMDDhhmmss>-<ns>   with nanoseconds (9 digits)
//
// — 38 to 62 characters. The version id is the expiry's source of truth
// for the secret's current version; the polysecret:expires-at tag repeats it
// for people and for listings filtered by tag. A version id of any other
// form (a write by an older driver or another tool) carries no expiry:
// the tag answers.
const (
	uuidLen         = 36
	versionNever    = "-n"
	versionExpires  = "-e"
	versionTimeForm = "20060102150405"
)

// token makes a ClientRequestToken for a version whose secret expires at
// exp (zero: never).
func token(exp time.Time) *string {
	s := uuid()
	if exp.IsZero() {
		s += versionNever
		return &s
	}
	exp = exp.UTC()
	s += versionExpires + exp.Format(versionTimeForm)
	if ns := exp.Nanosecond(); ns != 0 {
		s += "-" + strconv.FormatInt(int64(1e9+ns), 10)[1:] // 9 digits
	}
	return &s
}

// uuid is a random (version 4) UUID: the ClientRequestToken of the
// environment markers' versions, which carry nothing else.
func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// versionExpiry reads the expiry a version id of token's form carries;
// ok is false for any other id.
func versionExpiry(id string) (exp time.Time, ok bool) {
	if len(id) < uuidLen+len(versionNever) || !isUUID(id[:uuidLen]) {
		return time.Time{}, false
	}
	rest := id[uuidLen:]
	if rest == versionNever {
		return time.Time{}, true
	}
	stamp, found := strings.CutPrefix(rest, versionExpires)
	if !found || len(stamp) < len(versionTimeForm) || !digits(stamp[:len(versionTimeForm)]) {
		return time.Time{}, false
	}
	t, err := time.Parse(versionTimeForm, stamp[:len(versionTimeForm)])
	if err != nil || t.Year() < 1 {
		return time.Time{}, false
	}
	switch ns := stamp[len(versionTimeForm):]; {
	case ns == "":
	case len(ns) == 10 && ns[0] == '-' && digits(ns[1:]) && ns[1:] != "000000000":
		n, _ := strconv.Atoi(ns[1:])
		t = t.Add(time.Duration(n))
	default:
		return time.Time{}, false
	}
	if t.IsZero() {
		return time.Time{}, false // "never" is -n: one form per expiry
	}
	return t, true
}

// isUUID: 8-4-4-4-12 lower-case hex digits, as token writes them.
func isUUID(s string) bool {
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return len(s) == uuidLen
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// expiryFromVersion sets s.ExpiresAt from id, the secret's current version
// id, where the layout keeps expiry and id is of token's form; it reports
// whether id settled it (else the tag, applied before, stands).
func (d *driver) expiryFromVersion(s *backend.Secret, id string) bool {
	if !d.l.capabilities().Expiry {
		return true // never expires in this layout
	}
	exp, ok := versionExpiry(id)
	if ok {
		s.ExpiresAt = exp
	}
	return ok
}
