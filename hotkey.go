package secrets

import (
	"sync/atomic"
	"unsafe"

	"github.com/polysecret/secrets/backend"
)

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

// memoMaxLen: keys up to this long are remembered by a keyMemo (longer
// keys, rare, run hotKey on every read).
const memoMaxLen = 64

// keyMemo remembers the last key of each length (1 to memoMaxLen) that
// passed hotKey, so that reading the same keys again (the usual case: an
// application reads a few keys many times) costs one atomic load and a
// comparison instead of the checks. A key is compared by value with the
// one remembered for its length: a key is on the fast path only if the
// very same bytes passed hotKey, so an invalid key never is, whatever its
// address. hotKey's answer depends only on the key and the driver's key
// rule, which is fixed for a Store and its views (bind gives a Store with
// another driver a new memo). It makes no allocation: a slot holds the
// key's data pointer (which keeps its bytes alive, so that they cannot
// change); the slot's index is the key's length.
type keyMemo [memoMaxLen]atomic.Pointer[byte]

// has reports whether key is remembered: the same bytes passed hotKey.
// Small enough to be inlined: Value asks s.memo.has(key) ||
// s.learnHot(key), which is hotKey, from the memo for a key that passed it
// before.
func (m *keyMemo) has(key string) bool {
	if uint(len(key))-1 >= memoMaxLen { // empty, or too long
		return false
	}
	p := m[len(key)-1].Load()
	return p == unsafe.StringData(key) || p != nil && unsafe.String(p, len(key)) == key // the same string (no call), or the same bytes
}

// add remembers key, which passed hotKey, in place of the key of its length
// remembered before.
func (m *keyMemo) add(key string) {
	if len(key) <= memoMaxLen {
		m[len(key)-1].Store(unsafe.StringData(key))
	}
}

// learnHot is hotKey, remembering a key that passes it.
func (s *Store) learnHot(key string) bool {
	if !s.hotKey(key) {
		return false
	}
	s.memo.add(key)
	return true
}
