package secrets

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets/backend"
)

// hotKeyRef is what hotKey must answer, by the slow rules.
func hotKeyRef(key string) bool {
	return backend.ValidateKey(key) == nil && !strings.Contains(key, "#")
}

var hotKeyCases = []string{
	"", "A", "DB_PASSWORD", "db/password", "a.b", "a..b", ".", "..", "a/./b", "a/../b", "/a", "a/", "a//b",
	"a b", " a", "a ", "a/ b", "a /b", "KEY#field", "#", "é", "a\x00b", "a\xffb", "a+b=c@d-e_f",
	strings.Repeat("k", 256), strings.Repeat("k", 257), strings.Repeat("a/", 100) + "b",
}

// TestHotKey: hotKey agrees with backend.ValidateKey (and refuses a field
// selector) on every case, and on every single byte around a plain key.
func TestHotKey(t *testing.T) {
	s := &Store{}
	cases := append([]string(nil), hotKeyCases...)
	for c := range 256 {
		b := string([]byte{byte(c)})
		cases = append(cases, b, "a"+b, b+"a", "a"+b+"a", "a/"+b+"/a")
	}
	for _, k := range cases {
		if got, want := s.hotKey(k), hotKeyRef(k); got != want {
			t.Errorf("hotKey(%q) = %v, want %v", k, got, want)
		}
	}
}

// refuseSpace is a KeyChecker that refuses spaces, as awssm's.
type refuseSpace struct{}

func (refuseSpace) CheckKey(key string) error {
	if strings.Contains(key, " ") {
		return backend.Errorf(backend.InvalidArgument, "no space")
	}
	return nil
}

// TestHotKeyDriverRule: a key the driver's KeyChecker refuses is not hot.
func TestHotKeyDriverRule(t *testing.T) {
	s := &Store{kc: refuseSpace{}}
	for _, tt := range []struct {
		key  string
		want bool
	}{{"A", true}, {"a b", false}, {"a/b", true}} {
		if got := s.hotKey(tt.key); got != tt.want {
			t.Errorf("hotKey(%q) with a driver refusing spaces = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func FuzzHotKey(f *testing.F) {
	for _, k := range hotKeyCases {
		f.Add(k)
	}
	s := &Store{}
	f.Fuzz(func(t *testing.T, key string) {
		if got, want := s.hotKey(key), hotKeyRef(key); got != want {
			t.Errorf("hotKey(%q) = %v, want %v", key, got, want)
		}
	})
}

func BenchmarkHotKey(b *testing.B) {
	s := &Store{}
	for _, k := range []string{"DB_PASSWORD", "app/db/password"} {
		b.Run(k, func(b *testing.B) {
			for b.Loop() {
				if !s.hotKey(k) {
					b.Fatal(k)
				}
			}
		})
	}
}

func BenchmarkValidateKey(b *testing.B) {
	for b.Loop() {
		if backend.ValidateKey("DB_PASSWORD") != nil {
			b.Fatal()
		}
	}
}

// valueDriver is a driver with a ValueGetter and a KeyChecker that refuses
// spaces (as awssm's), which counts the keys GetValue is asked for: a key
// that is not hot must never reach it. Get (the slow path) answers a
// secret whose value is not JSON. Other methods are not called.
type valueDriver struct {
	backend.Driver
	asked []string
}

func (d *valueDriver) GetValue(_ context.Context, _, key string) (string, time.Time, error) {
	d.asked = append(d.asked, key)
	return "v", time.Time{}, nil
}

func (d *valueDriver) Get(_ context.Context, env, key string, _ backend.GetOptions) (*backend.Secret, error) {
	return &backend.Secret{Environment: env, Key: key, Value: "not json"}, nil
}

func (d *valueDriver) CheckKey(key string) error { return refuseSpace{}.CheckKey(key) }

func (*valueDriver) Capabilities() backend.Capabilities { return backend.Capabilities{} }

func (*valueDriver) ErrorCode(error) backend.Code { return backend.Unknown }

// TestValueKeyMemo: Value's memo of the keys that passed hotKey never lets
// an invalid key take the fast path, whatever was read before: a key of the
// same length that the portable rule refuses, that the driver's rule
// refuses (a space: valid for the portable rule), or that selects a field;
// a key that shares the bytes (and the address) of a remembered one but
// not its length. A valid key takes the fast path the first time and
// every time after, whether it is the same string or another string with
// the same bytes, and so does a key too long to be remembered.
func TestValueKeyMemo(t *testing.T) {
	const none = Unknown // ErrorCode(nil)
	long := strings.Repeat("k", memoMaxLen+1)
	shared := "ABC#field" // ABC is valid; its prefix ABC# (same address) is not
	steps := []struct {
		key  string
		fast bool // reaches GetValue
		code Code // of the error; none: no error
	}{
		{"a_b", true, none},
		{"a b", false, InvalidArgument}, // same length; refused by the driver only
		{"a_b", true, none},
		{"a#b", false, InvalidArgument}, // same length; a field of a value that is not JSON
		{"a.b", true, none},
		{"a/.", false, InvalidArgument},    // same length; refused by the portable rule
		{strings.Clone("a.b"), true, none}, // the same bytes at another address
		{shared[:3], true, none},
		{shared[:4], false, InvalidArgument}, // the same address, one byte longer
		{shared[:3], true, none},
		{long, true, none},
		{long[:memoMaxLen] + " ", false, InvalidArgument},
		{long, true, none},
		{"", false, InvalidArgument},
		{"a_b", true, none},
	}
	d := &valueDriver{}
	s := NewStore(d, StoreOptions{Scheme: "test"})
	var want []string
	for i, st := range steps {
		for range 2 { // the second read of each key is answered by the memo, if at all
			v, err := s.Value(context.Background(), st.key)
			if got := ErrorCode(err); got != st.code || (err == nil) != (st.code == none) {
				t.Fatalf("step %d: Value(%q): code %v (%v), want %v", i, st.key, got, err, st.code)
			}
			if err == nil && v != "v" {
				t.Fatalf("step %d: Value(%q) = %q, want %q", i, st.key, v, "v")
			}
			if st.fast {
				want = append(want, st.key)
			}
		}
	}
	if diff := cmp.Diff(want, d.asked); diff != "" {
		t.Errorf("keys that reached GetValue (-want +got):\n%s", diff)
	}
}

// TestKeyMemo: the memo answers for the very bytes it was given, by length.
func TestKeyMemo(t *testing.T) {
	var m keyMemo
	m.add("DB_PASSWORD")
	m.add(strings.Repeat("x", memoMaxLen+1)) // too long: not remembered
	for _, tt := range []struct {
		key  string
		want bool
	}{
		{"DB_PASSWORD", true},
		{strings.Clone("DB_PASSWORD"), true},
		{"DB_PASSWORX", false},
		{"DB_PASSWOR", false},
		{"DB_PASSWORD ", false},
		{"", false},
		{strings.Repeat("x", memoMaxLen+1), false},
	} {
		if got := m.has(tt.key); got != tt.want {
			t.Errorf("has(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
	m.add("DB_PASSWORX") // replaces the key of its length
	if m.has("DB_PASSWORD") || !m.has("DB_PASSWORX") {
		t.Errorf("after add of another key of the same length: has(DB_PASSWORD) = %v, has(DB_PASSWORX) = %v",
			m.has("DB_PASSWORD"), m.has("DB_PASSWORX"))
	}
}

// TestValueKeyMemoConcurrent: goroutines reading valid and invalid keys of
// one length at once (each read replaces the remembered key of that length)
// never see an invalid key answered, nor a valid one refused; under -race,
// the memo's slots are shared safely.
func TestValueKeyMemoConcurrent(t *testing.T) {
	s := NewStore(&quietValueDriver{}, StoreOptions{Scheme: "test"})
	keys := []struct {
		key   string
		valid bool
	}{{"a_b", true}, {"a b", false}, {"a.b", true}, {"a#b", false}, {"c_d", true}, {"a/.", false}}
	var wg sync.WaitGroup
	errs := make(chan string, len(keys))
	for g := range len(keys) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := keys[(g+i)%len(keys)]
				key := strings.Clone(k.key) // a new address each time, as keys built per request have
				if i%2 == 0 {
					key = k.key
				}
				if _, err := s.Value(context.Background(), key); (err == nil) != k.valid {
					errs <- fmt.Sprintf("Value(%q): %v, want valid = %v", key, err, k.valid)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// quietValueDriver is valueDriver safe for concurrent use (it records
// nothing).
type quietValueDriver struct{ valueDriver }

func (*quietValueDriver) GetValue(context.Context, string, string) (string, time.Time, error) {
	return "v", time.Time{}, nil
}
