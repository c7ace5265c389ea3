package secrets

import (
	"strings"
	"testing"

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
