package hotmap

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// Constants of wyhash (github.com/wangyi-fudan/wyhash, public domain), whose
// structure strhash follows.
const (
	wy0 = 0xa0761d6478bd642f
	wy1 = 0xe7037ed1a0b428db
	wy2 = 0x8ebc6af09c88c6e3
)

// mix is wyhash's: the two halves of a 128-bit product, xored.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// strhash is a seeded hash of s, after wyhash: keys of up to 16 bytes (most
// keys) take two loads and one 128-bit multiplication, where
// hash/maphash costs three calls. Not a cryptographic hash, and not a
// flooding-resistant one: the seed enters one side of the multiplication
// only, so some inputs hash alike whatever the seed (none of them a valid
// key: the store's keys are checked first).
func strhash(seed uint64, s string) uint64 {
	x, y := words(s)
	return hashWords(seed, s, x, y)
}

// words returns the two words strhash mixes for s: its first and last 8
// bytes (4 bytes each below 8, three bytes of up to 3). Of a string of at
// most 16 bytes they hold every byte, so that two such strings of the same
// length are equal if and only if their words are (Load compares keys so,
// without a call).
func words(s string) (x, y uint64) {
	n := len(s)
	b := unsafe.Slice(unsafe.StringData(s), n)
	switch {
	case n >= 8:
		return binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)), uint64(binary.LittleEndian.Uint32(b[n-4:]))
	case n > 0:
		return uint64(b[0])<<16 | uint64(b[n>>1])<<8 | uint64(b[n-1]), 0
	}
	return 0, 0
}

// hashWords is strhash of s, whose words are x and y.
func hashWords(seed uint64, s string, x, y uint64) uint64 {
	if len(s) > 16 {
		return longhash(seed, unsafe.Slice(unsafe.StringData(s), len(s)))
	}
	return mix(x^seed^wy1, y^wy0^uint64(len(s))*wy2)
}

// longhash is strhash of more than 16 bytes: 16 bytes a round, then the
// last 16.
func longhash(seed uint64, b []byte) uint64 {
	n := len(b)
	h := seed ^ wy0
	for i := 0; n-i > 16; i += 16 {
		h = mix(binary.LittleEndian.Uint64(b[i:])^wy1, binary.LittleEndian.Uint64(b[i+8:])^h)
	}
	t := b[n-16:]
	return mix(mix(binary.LittleEndian.Uint64(t)^wy1, binary.LittleEndian.Uint64(t[8:])^h)^wy1, uint64(n)^wy2)
}
