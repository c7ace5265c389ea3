package datalayertest

import (
	"crypto/rand"
	"time"
)

// ulids makes uids as the real service does (ULIDs, per the official
// client's model: 26 characters of Crockford's base32, 48 bits of
// milliseconds then 80 random bits), strictly increasing within the
// server so that creation order is uid order. Callers hold Server.mu.
type ulids struct {
	last [16]byte
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func (u *ulids) next() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	if string(b[:6]) == string(u.last[:6]) || string(b[:]) <= string(u.last[:]) {
		// same millisecond (or a clock step back): the last one plus one
		b = u.last
		for i := 15; i >= 0; i-- {
			b[i]++
			if b[i] != 0 {
				break
			}
		}
	}
	u.last = b
	// 128 bits as 26 base32 digits (the first carries 3 bits).
	var out [26]byte
	var acc uint64
	var bits uint
	j := 25
	for i := 15; i >= 0; i-- {
		acc |= uint64(b[i]) << bits
		bits += 8
		for bits >= 5 && j >= 0 {
			out[j] = crockford[acc&31]
			acc >>= 5
			bits -= 5
			j--
		}
	}
	for ; j >= 0; j-- {
		out[j] = crockford[acc&31]
		acc >>= 5
	}
	return string(out[:])
}
