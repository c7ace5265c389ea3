package secrets

import "github.com/polysecret/secrets/backend"

// Classes of a key byte for hotKey, the check of Store.Value's fast path.
const (
	// classPlain: a byte of the key alphabet that no rule depends on the
	// position of (A-Z a-z 0-9 _ - + = @).
	classPlain = 0
	// classSegment: / . and space, valid in a key but with rules on the
	// segments they make ("", "." and "..", spaces at a segment's ends).
	classSegment = 1
	// classBad: a byte outside the key alphabet, or # (a field selector):
	// never on the fast path.
	classBad = 2
)

// keyClass is the class of every byte, derived from backend.ValidateKey
// itself so that the two cannot disagree: a byte is plain when "aXa" is a
// valid key and X is none of / . and space.
var keyClass = func() (t [256]uint8) {
	for c := range 256 {
		b := byte(c)
		switch {
		case b == '#' || backend.ValidateKey("a"+string([]byte{b})+"a") != nil:
			t[c] = classBad
		case b == '/' || b == '.' || b == ' ':
			t[c] = classSegment
		default:
			t[c] = classPlain
		}
	}
	return t
}()

// hotKey reports whether key may take Value's fast path: a valid key (by
// the portable rule and the driver's) that selects no field. One pass over
// a table, without a branch per byte; only a key with / . or a space also
// runs the segment rules of backend.ValidateKey. A key that is not hot
// takes Get's path, which reports what is wrong with it.
func (s *Store) hotKey(key string) bool {
	if len(key) == 0 || len(key) > backend.MaxKeyLen {
		return false
	}
	var acc uint8
	i := 0
	for ; i+4 <= len(key); i += 4 { // four independent loads a round
		acc |= keyClass[key[i]] | keyClass[key[i+1]] | keyClass[key[i+2]] | keyClass[key[i+3]]
	}
	for ; i < len(key); i++ {
		acc |= keyClass[key[i]]
	}
	if acc&classBad != 0 || acc&classSegment != 0 && backend.ValidateKey(key) != nil {
		return false
	}
	return s.kc == nil || s.kc.CheckKey(key) == nil
}
