package psvar

import (
	"time"

	"github.com/polysecret/secrets"
)

// state is one read of the secret: a decoded value, or an error.
type state struct {
	store   *secrets.Store
	sec     *secrets.Secret // nil when the read failed; set on a decoding error
	val     any
	err     error
	updated time.Time
}

func (s *state) Value() (any, error) { return s.val, s.err }

// UpdateTime is the secret's UpdatedAt (else CreatedAt, else the time of
// the read).
func (s *state) UpdateTime() time.Time { return s.updated }

// As sets i, a *(*secrets.Store) or a *(*secrets.Secret) (a copy of the
// secret read, value included), and reports whether it did.
func (s *state) As(i any) bool {
	switch p := i.(type) {
	case **secrets.Store:
		*p = s.store
		return true
	case **secrets.Secret:
		if s.sec == nil {
			return false
		}
		*p = s.sec.Clone()
		return true
	}
	return false
}
