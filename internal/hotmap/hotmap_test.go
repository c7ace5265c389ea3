package hotmap

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type pair struct{ env, key string }

// snapshot is m's content by Range.
func snapshot(m *Map[int]) map[pair]int {
	got := map[pair]int{}
	m.Range(func(env, key string, v *int) bool {
		got[pair{env, key}] = *v
		return true
	})
	return got
}

// TestAgainstMap: a sequence of writes (enough to grow the table several
// times, then to delete most) leaves the same content as a Go map, by Load
// of every key ever written and by Range.
func TestAgainstMap(t *testing.T) {
	m := New[int]()
	want := map[pair]int{}
	var all []pair
	for i := range 1000 {
		p := pair{[]string{"", "prod", "dev"}[i%3], fmt.Sprintf("KEY_%d", i/3)}
		all = append(all, p)
		v := i
		m.Store(p.env, p.key, &v)
		want[p] = i
	}
	for i := 0; i < len(all); i += 2 { // replace every other
		v := -i
		m.Store(all[i].env, all[i].key, &v)
		want[all[i]] = -i
	}
	for i := 0; i < len(all); i += 3 {
		if got := m.Delete(all[i].env, all[i].key); got == nil || *got != want[all[i]] {
			t.Fatalf("Delete(%v) = %v, want %d", all[i], got, want[all[i]])
		}
		delete(want, all[i])
	}
	if got := m.Delete("", "absent"); got != nil {
		t.Errorf("Delete of an absent key = %v, want nil", *got)
	}
	for _, p := range all {
		got := m.Load(p.env, p.key)
		w, ok := want[p]
		switch {
		case !ok && got != nil:
			t.Errorf("Load(%v) = %d, want nil", p, *got)
		case ok && (got == nil || *got != w):
			t.Errorf("Load(%v) = %v, want %d", p, got, w)
		}
	}
	if diff := cmp.Diff(want, snapshot(m), cmp.AllowUnexported(pair{})); diff != "" {
		t.Errorf("Range (-want +got):\n%s", diff)
	}
	if m.Len() != len(want) {
		t.Errorf("Len = %d, want %d", m.Len(), len(want))
	}
}

// TestScopesAreDistinct: the same key in two scopes, and pairs whose
// concatenations are equal, are different items.
func TestScopesAreDistinct(t *testing.T) {
	m := New[string]()
	items := []pair{{"", "A"}, {"prod", "A"}, {"pro", "dA"}, {"", "prodA"}}
	for _, p := range items {
		v := p.env + "|" + p.key
		m.Store(p.env, p.key, &v)
	}
	for _, p := range items {
		if got := m.Load(p.env, p.key); got == nil || *got != p.env+"|"+p.key {
			t.Errorf("Load(%q, %q) = %v", p.env, p.key, got)
		}
	}
	if got := m.Load("dev", "A"); got != nil {
		t.Errorf("Load(dev, A) = %q, want nil", *got)
	}
}

// TestRangeDelete: Range may delete the item it is given; it stops when f
// returns false.
func TestRangeDelete(t *testing.T) {
	m := New[int]()
	for i := range 200 {
		v := i
		m.Store("e", fmt.Sprint(i), &v)
	}
	m.Range(func(env, key string, v *int) bool {
		if *v%2 == 0 {
			m.Delete(env, key)
		}
		return true
	})
	if m.Len() != 100 || len(snapshot(m)) != 100 {
		t.Errorf("after deleting the even ones: Len %d, Range %d, want 100", m.Len(), len(snapshot(m)))
	}
	n := 0
	m.Range(func(string, string, *int) bool { n++; return n < 3 })
	if n != 3 {
		t.Errorf("Range after false: %d calls, want 3", n)
	}
}

// TestConcurrentReaders: readers never see a torn or foreign value while a
// writer replaces, deletes and re-adds keys and the table grows (run under
// -race); a Load after Store returned sees the stored value.
func TestConcurrentReaders(t *testing.T) {
	m := New[pair]()
	keys := make([]string, 500)
	for i := range keys {
		keys[i] = fmt.Sprintf("K%d", i)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				for _, k := range keys {
					if v := m.Load("prod", k); v != nil && (v.env != "prod" || v.key != k) {
						t.Errorf("Load(prod, %s) = %v", k, *v)
						return
					}
				}
			}
		}()
	}
	for round := range 20 {
		for i, k := range keys {
			v := &pair{"prod", k}
			m.Store("prod", k, v)
			if got := m.Load("prod", k); got != v {
				t.Fatalf("round %d: Load after Store(%s) = %v", round, k, got)
			}
			if i%7 == round%7 {
				m.Delete("prod", k)
				if got := m.Load("prod", k); got != nil {
					t.Fatalf("round %d: Load after Delete(%s) = %v", round, k, got)
				}
			}
		}
	}
	stop.Store(true)
	wg.Wait()
}

func BenchmarkLoad(b *testing.B) {
	m := New[int]()
	for i := range 1000 {
		v := i
		m.Store("", fmt.Sprintf("KEY_%d", i), &v)
	}
	b.ReportAllocs()
	for b.Loop() {
		if m.Load("", "KEY_500") == nil {
			b.Fatal("missing")
		}
	}
}

func BenchmarkGoMap(b *testing.B) {
	m := map[pair]*int{}
	for i := range 1000 {
		v := i
		m[pair{"", fmt.Sprintf("KEY_%d", i)}] = &v
	}
	b.ReportAllocs()
	for b.Loop() {
		if m[pair{"", "KEY_500"}] == nil {
			b.Fatal("missing")
		}
	}
}

// TestMatchEveryByte: Load's comparisons (match, and matchGlobal for the
// global scope; by words for keys of up to 16 bytes) tell apart keys of every length up to 40 that differ in one
// byte, or in length, or in their environment, even when their hashes are
// made equal; and a Load of each finds its own value in a map holding them
// all.
func TestMatchEveryByte(t *testing.T) {
	m := New[string]()
	var keys []string
	for n := 0; n <= 40; n++ {
		base := []byte(fmt.Sprintf("%040d", 0)[:n])
		keys = append(keys, string(base))
		for i := range n {
			b := append([]byte(nil), base...)
			b[i] = 'K'
			keys = append(keys, string(b))
		}
	}
	const h = 42 // the same hash for every item: only match tells them apart
	for _, env := range []string{"", "prod", "prox", "prod2"} {
		for _, k := range keys {
			x, y := words(k)
			it := item[string]{hash: h, x: x, y: y, env: env, key: k}
			for _, env2 := range []string{"", "prod", "prox", "prod2"} {
				for _, k2 := range keys {
					x2, y2 := words(k2)
					if got, want := it.match(h, x2, y2, env2, k2), env == env2 && k == k2; got != want {
						t.Fatalf("item (%q, %q) matches (%q, %q) = %v, want %v", env, k, env2, k2, got, want)
					}
					if len(k2) > 16 || env2 != "" {
						continue
					}
					if got, want := it.matchGlobal(h, x2, y2, k2), env == "" && k == k2; got != want {
						t.Fatalf("item (%q, %q) matchGlobal (%q) = %v, want %v", env, k, k2, got, want)
					}
				}
			}
			if k != "" {
				v := env + "/" + k
				m.Store(env, k, &v)
			}
		}
	}
	for _, env := range []string{"", "prod", "prox", "prod2"} {
		for _, k := range keys[1:] {
			if got, want := m.Load(env, k), env+"/"+k; got == nil || *got != want {
				t.Errorf("Load(%q, %q) = %v, want %q", env, k, got, want)
			}
		}
	}
}
