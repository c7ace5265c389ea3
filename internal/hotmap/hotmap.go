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
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// Map is the map. The zero value is not usable: use New.
type Map[V any] struct {
	seed  maphash.Seed
	table atomic.Pointer[table[V]]
	n     int // items; writers only
}

type table[V any] struct {
	mask    uint64
	buckets []atomic.Pointer[[]item[V]]
}

type item[V any] struct {
	hash     uint64
	env, key string
	v        *V
}

const minBuckets = 64

// New returns an empty map.
func New[V any]() *Map[V] {
	m := &Map[V]{seed: maphash.MakeSeed()}
	m.table.Store(newTable[V](minBuckets))
	return m
}

func newTable[V any](n int) *table[V] {
	return &table[V]{mask: uint64(n - 1), buckets: make([]atomic.Pointer[[]item[V]], n)}
}

// hash of (env, key): env "" (the global scope, the usual case) costs no
// second hash.
func (m *Map[V]) hash(env, key string) uint64 {
	h := maphash.String(m.seed, key)
	if env != "" {
		h ^= bits.RotateLeft64(maphash.String(m.seed, env), 31) * 0x9e3779b97f4a7c15
	}
	return h
}

// Load returns the value of (env, key), or nil.
func (m *Map[V]) Load(env, key string) *V {
	h := m.hash(env, key)
	t := m.table.Load()
	b := t.buckets[h&t.mask].Load()
	if b == nil {
		return nil
	}
	for i := range *b {
		it := &(*b)[i]
		if it.hash == h && it.key == key && it.env == env {
			return it.v
		}
	}
	return nil
}

// Len returns the number of items. Writers only (under the caller's lock).
func (m *Map[V]) Len() int { return m.n }

// Store sets (env, key) to v (not nil). Writers only.
func (m *Map[V]) Store(env, key string, v *V) {
	if v == nil {
		panic("hotmap: Store of nil")
	}
	h := m.hash(env, key)
	t := m.table.Load()
	slot := &t.buckets[h&t.mask]
	var old []item[V]
	if p := slot.Load(); p != nil {
		old = *p
	}
	nb := make([]item[V], 0, len(old)+1)
	replaced := false
	for _, it := range old {
		if it.hash == h && it.key == key && it.env == env {
			it.v, replaced = v, true
		}
		nb = append(nb, it)
	}
	if !replaced {
		nb = append(nb, item[V]{hash: h, env: env, key: key, v: v})
		m.n++
	}
	slot.Store(&nb)
	if m.n > len(t.buckets) {
		m.grow(t)
	}
}

// Delete removes (env, key) and returns its value (nil if absent). Writers
// only.
func (m *Map[V]) Delete(env, key string) *V {
	h := m.hash(env, key)
	t := m.table.Load()
	slot := &t.buckets[h&t.mask]
	p := slot.Load()
	if p == nil {
		return nil
	}
	for i, it := range *p {
		if it.hash == h && it.key == key && it.env == env {
			if len(*p) == 1 {
				slot.Store(nil)
			} else {
				nb := make([]item[V], 0, len(*p)-1)
				nb = append(append(nb, (*p)[:i]...), (*p)[i+1:]...)
				slot.Store(&nb)
			}
			m.n--
			return it.v
		}
	}
	return nil
}

// Range calls f for every item until f returns false. Writers only; f may
// Delete the item it is given.
func (m *Map[V]) Range(f func(env, key string, v *V) bool) {
	t := m.table.Load()
	for i := range t.buckets {
		p := t.buckets[i].Load()
		if p == nil {
			continue
		}
		for _, it := range *p { // a copy of the bucket: Delete makes a new one
			if !f(it.env, it.key, it.v) {
				return
			}
		}
	}
}

// grow publishes a table of twice the buckets. Readers that loaded the old
// table see it as it was: no write changes it afterwards.
func (m *Map[V]) grow(old *table[V]) {
	nt := newTable[V](2 * len(old.buckets))
	for i := range old.buckets {
		p := old.buckets[i].Load()
		if p == nil {
			continue
		}
		for _, it := range *p {
			slot := &nt.buckets[it.hash&nt.mask]
			var nb []item[V]
			if q := slot.Load(); q != nil {
				nb = *q
			}
			nb = append(nb, it)
			slot.Store(&nb)
		}
	}
	m.table.Store(nt)
}
