// Package hotmap is a hash map from (environment, key) to a pointer, read
// without a lock: the index behind the hot reads of the cache (a hit) and
// of mem:// (Store.Value), where an RWMutex and a map keyed by a struct of
// two strings cost more than the rest of the read.
//
// Readers call Load from any goroutine. Writers (Store, Delete, Range) must
// be serialized by the caller, which holds its own lock for them anyway. A
// Load that starts after a Store or Delete returned sees its result.
//
// How: a table of buckets, each an atomic pointer to an immutable slice of
// items; a write copies the one bucket it changes and publishes it with one
// atomic store, and the table doubles (a new table, published the same way)
// when there are more items than buckets. A Load is a hash, two atomic loads
// and a comparison of the few items of one bucket.
package hotmap

import (
	"math/bits"
	"math/rand/v2"
	"sync/atomic"
)

// Map is the map. The zero value is not usable: use New, or Init.
type Map[V any] struct {
	seed  uint64 // random: hashes differ between maps and processes
	table atomic.Pointer[table[V]]
	n     int // items; writers only
}

type table[V any] struct {
	mask    uint64
	buckets []atomic.Pointer[bucket[V]]
}

// bucket is immutable once published. Its first item is inline, so that a
// Load of a bucket with one item (the usual case) follows one pointer less.
type bucket[V any] struct {
	first item[V]
	more  []item[V]
}

type item[V any] struct {
	hash     uint64
	x, y     uint64 // words(key)
	env, key string
	v        *V
}

func (it *item[V]) is(h uint64, env, key string) bool {
	return it.hash == h && it.key == key && it.env == env
}

// match is is for Load, given the words of key: a key of up to 16 bytes
// is compared by its words and length (which hold all its bytes), and the
// global scope's empty env by its length, so that the usual Load makes no
// call to compare strings.
func (it *item[V]) match(h, x, y uint64, env, key string) bool {
	return it.hash == h && it.x == x && it.y == y && len(it.key) == len(key) && (len(key) <= 16 || it.key == key) &&
		len(it.env) == len(env) && (len(env) == 0 || it.env == env)
}

// matchGlobal is match of a key of up to 16 bytes in the global scope.
func (it *item[V]) matchGlobal(h, x, y uint64, key string) bool {
	return it.hash == h && it.x == x && it.y == y && len(it.key) == len(key) && len(it.env) == 0
}

// items returns b's items (a new slice: writers only).
func (b *bucket[V]) items() []item[V] {
	if b == nil {
		return nil
	}
	return append([]item[V]{b.first}, b.more...)
}

const minBuckets = 64

// New returns an empty map.
func New[V any]() *Map[V] {
	m := new(Map[V])
	m.Init()
	return m
}

// Init makes the zero Map an empty map, in place: a Map embedded in the
// struct that reads it (rather than pointed to) is one dependent load
// less on every Load. Init before any other use, and only once.
func (m *Map[V]) Init() {
	m.seed = rand.Uint64()
	m.table.Store(newTable[V](minBuckets))
}

func newTable[V any](n int) *table[V] {
	return &table[V]{mask: uint64(n - 1), buckets: make([]atomic.Pointer[bucket[V]], n)}
}

// hash of (env, key): env "" (the global scope, the usual case) costs no
// second hash.
func (m *Map[V]) hash(env, key string) uint64 {
	return withEnv(m.seed, strhash(m.seed, key), env)
}

// withEnv is the hash h of a key in env.
func withEnv(seed, h uint64, env string) uint64 {
	if env != "" {
		h ^= bits.RotateLeft64(strhash(seed, env), 31) * 0x9e3779b97f4a7c15
	}
	return h
}

// Load returns the value of (env, key), or nil. A key of up to 16 bytes
// in the global scope (the usual read) costs no call: its hash is strhash's
// by hand, and it is compared by its words and length (which hold all its
// bytes); the others are loadAny's.
func (m *Map[V]) Load(env, key string) *V {
	if len(key) > 16 || env != "" {
		return m.loadAny(env, key)
	}
	x, y := words(key)
	h := mix(x^m.seed^wy1, y^wy0^uint64(len(key))*wy2) // strhash
	t := m.table.Load()
	b := t.buckets[h&t.mask].Load()
	if b == nil {
		return nil
	}
	if b.first.matchGlobal(h, x, y, key) {
		return b.first.v
	}
	for i := range b.more {
		if it := &b.more[i]; it.matchGlobal(h, x, y, key) {
			return it.v
		}
	}
	return nil
}

// loadAny is Load of any key in any scope.
func (m *Map[V]) loadAny(env, key string) *V {
	x, y := words(key)
	h := withEnv(m.seed, hashWords(m.seed, key, x, y), env)
	t := m.table.Load()
	b := t.buckets[h&t.mask].Load()
	if b == nil {
		return nil
	}
	if b.first.match(h, x, y, env, key) {
		return b.first.v
	}
	for i := range b.more {
		if it := &b.more[i]; it.match(h, x, y, env, key) {
			return it.v
		}
	}
	return nil
}

// Len returns the number of items. Writers only (under the caller's lock).
func (m *Map[V]) Len() int { return m.n }

// Store sets (env, key) to v (not nil). Writers only. It allocates the new
// bucket, and a copy of its overflow items only when they change: a
// published bucket is never written again, so the new one may share them.
func (m *Map[V]) Store(env, key string, v *V) {
	if v == nil {
		panic("hotmap: Store of nil")
	}
	h := m.hash(env, key)
	t := m.table.Load()
	slot := &t.buckets[h&t.mask]
	x, y := words(key)
	it := item[V]{hash: h, x: x, y: y, env: env, key: key, v: v}
	old := slot.Load()
	switch {
	case old == nil:
		slot.Store(&bucket[V]{first: it})
		m.n++
	case old.first.is(h, env, key):
		slot.Store(&bucket[V]{first: it, more: old.more})
	default:
		i := old.find(h, env, key)
		more := make([]item[V], len(old.more), len(old.more)+1)
		copy(more, old.more)
		if i >= 0 {
			more[i] = it
		} else {
			more = append(more, it)
			m.n++
		}
		slot.Store(&bucket[V]{first: old.first, more: more})
	}
	if m.n > len(t.buckets) {
		m.grow(t)
	}
}

// find is the index in b.more of (env, key), or -1.
func (b *bucket[V]) find(h uint64, env, key string) int {
	for i := range b.more {
		if b.more[i].is(h, env, key) {
			return i
		}
	}
	return -1
}

// Delete removes (env, key) and returns its value (nil if absent). Writers
// only.
func (m *Map[V]) Delete(env, key string) *V {
	h := m.hash(env, key)
	t := m.table.Load()
	slot := &t.buckets[h&t.mask]
	old := slot.Load()
	if old == nil {
		return nil
	}
	if old.first.is(h, env, key) {
		if len(old.more) == 0 {
			slot.Store(nil)
		} else {
			slot.Store(&bucket[V]{first: old.more[0], more: old.more[1:]})
		}
		m.n--
		return old.first.v
	}
	i := old.find(h, env, key)
	if i < 0 {
		return nil
	}
	more := make([]item[V], 0, len(old.more)-1)
	more = append(append(more, old.more[:i]...), old.more[i+1:]...)
	if len(more) == 0 {
		more = nil
	}
	slot.Store(&bucket[V]{first: old.first, more: more})
	m.n--
	return old.more[i].v
}

// Range calls f for every item until f returns false. Writers only; f may
// Delete the item it is given.
func (m *Map[V]) Range(f func(env, key string, v *V) bool) {
	t := m.table.Load()
	for i := range t.buckets {
		for _, it := range t.buckets[i].Load().items() { // a copy: Delete makes a new bucket
			if !f(it.env, it.key, it.v) {
				return
			}
		}
	}
}

// grow publishes a table of twice the buckets. Readers that loaded the old
// table see it as it was: no write changes it afterwards. The new buckets
// and their overflow items are carved out of two arrays (four allocations
// whatever the size), so that growing costs a write next to nothing
// amortized.
func (m *Map[V]) grow(old *table[V]) {
	n := 2 * len(old.buckets)
	nt := newTable[V](n)
	each := func(f func(it *item[V])) {
		for i := range old.buckets {
			if b := old.buckets[i].Load(); b != nil {
				f(&b.first)
				for j := range b.more {
					f(&b.more[j])
				}
			}
		}
	}
	counts := make([]int32, n)
	each(func(it *item[V]) { counts[it.hash&nt.mask]++ })
	nonEmpty, overflow := 0, 0
	for _, c := range counts {
		if c > 0 {
			nonEmpty++
			overflow += int(c) - 1
		}
	}
	bs := make([]bucket[V], nonEmpty)
	ov := make([]item[V], overflow)
	each(func(it *item[V]) {
		j := it.hash & nt.mask
		if b := nt.buckets[j].Load(); b != nil { // not published yet: may be written
			b.more = append(b.more, *it) // within the room reserved below
			return
		}
		b := &bs[0]
		bs = bs[1:]
		b.first = *it
		if c := int(counts[j]) - 1; c > 0 {
			b.more, ov = ov[:0:c], ov[c:]
		}
		nt.buckets[j].Store(b)
	})
	m.table.Store(nt)
}
