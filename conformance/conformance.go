package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// marker is in every text value the suite stores, so that any error text,
// fmt or slog output can be checked for a leaked value.
const marker = "PSV-sentinel-"

type suite struct {
	h     Harness
	caps  backend.Capabilities
	count counter
}

// Run runs the whole conformance suite against the driver h describes.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("conformance: Harness.New is nil")
	}
	if h.Concurrency <= 0 {
		h.Concurrency = 8
	}
	s := &suite{h: h, caps: h.Want}
	t.Run("Capabilities", s.testCapabilities)
	t.Run("Create", s.testCreate)
	t.Run("Values", s.testValues)
	t.Run("Validation", s.testValidation)
	t.Run("Get", s.testGet)
	t.Run("Modify", s.testModify)
	t.Run("ConcurrentModify", s.testConcurrentModify)
	t.Run("Delete", s.testDelete)
	t.Run("Versions", s.testVersions)
	t.Run("Types", s.testTypes)
	t.Run("Labels", s.testLabels)
	t.Run("Expiry", s.testExpiry)
	t.Run("Environments", s.testEnvironments)
	t.Run("List", s.testList)
	t.Run("ListLarge", s.testListLarge)
	t.Run("ListConcurrentChanges", s.testListConcurrentChanges)
	t.Run("Context", s.testContext)
	t.Run("ReadOnly", s.testReadOnly)
	t.Run("Close", s.testClose)
	t.Run("Ping", s.testPing)
	t.Run("Put", s.testPut)
	t.Run("Values", s.testValuesBatch)
	t.Run("VersionSemantics", s.testVersionSemantics)
	t.Run("ConcurrentLabelReplace", s.testConcurrentLabelReplace)
	t.Run("MoveUnderModify", s.testMoveUnderModify)
	t.Run("ListUnderMoves", s.testListUnderMoves)
	t.Run("LabelAlphabet", s.testLabelAlphabet)
	t.Run("As", s.testAs)
	t.Run("NoValueLeak", s.testNoValueLeak)
	t.Run("Middleware", s.count.check)
}

// open makes a fresh backend and one Store on it, closed at cleanup.
func (s *suite) open(t *testing.T) (*secrets.Store, Opener) {
	t.Helper()
	o := s.h.New(t)
	st := s.openWith(t, o)
	return st, o
}

func (s *suite) openWith(t *testing.T, o Opener) *secrets.Store {
	t.Helper()
	st := o(t)
	if st == nil {
		t.Fatal("Opener returned nil")
	}
	t.Cleanup(func() { _ = st.Close() })
	return st.With(s.count.intercept)
}

func val(tag string) string { return marker + tag + "-" + randHex(4) }

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// wantCode fails unless err has code c; every error is also checked for a
// leaked value.
func wantCode(t *testing.T, err error, c secrets.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", c)
	}
	noLeak(t, err)
	if got := secrets.ErrorCode(err); got != c {
		t.Fatalf("got code %v (%v), want %v", got, err, c)
	}
	if !errors.Is(err, secrets.Sentinel(c)) {
		t.Fatalf("errors.Is(err, Sentinel(%v)) is false for %v", c, err)
	}
	var se *secrets.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *secrets.Error", err)
	}
}

func noLeak(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(text, marker) {
			t.Fatalf("error text contains a secret value: %s", text)
		}
	}
}

type result[T any] struct {
	v   T
	err error
}

// m captures a (value, error) pair; .get(t) fails the test on the error.
func m[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) get(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		noLeak(t, r.err)
		t.Fatalf("unexpected error: %v", r.err)
	}
	return r.v
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		noLeak(t, err)
		t.Fatalf("unexpected error: %v", err)
	}
}

var ctx = context.Background()

// cmpSecret ignores what the driver sets.
var cmpSecret = cmp.Options{
	cmpopts.IgnoreFields(secrets.Secret{}, "ID", "Version", "CreatedAt", "UpdatedAt"),
	cmpopts.EquateEmpty(),
	cmpopts.EquateApproxTime(time.Second),
}

func (s *suite) mkEnv(t *testing.T, st *secrets.Store, name string) {
	t.Helper()
	_, err := st.CreateEnvironment(ctx, secrets.Environment{Name: name})
	ok(t, err)
}

func (s *suite) testCapabilities(t *testing.T) {
	st, _ := s.open(t)
	if diff := cmp.Diff(s.h.Want, st.Capabilities()); diff != "" {
		t.Fatalf("Capabilities differ from the harness's Want (-want +got):\n%s", diff)
	}
}

func (s *suite) full(key string) secrets.Secret {
	sec := secrets.Secret{Key: key, Value: val(key), Description: "about " + key + " ünïcødé"}
	if s.caps.Types {
		sec.Type = secrets.TypePassword
	}
	if s.caps.Labels {
		sec.Labels = map[string]string{"team": "payments", "tier": "gold 1"}
	}
	if s.caps.Expiry {
		sec.ExpiresAt = time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	}
	return sec
}

func (s *suite) testCreate(t *testing.T) {
	t.Run("RoundTrip", func(t *testing.T) {
		st, _ := s.open(t)
		want := s.full("DB_PASSWORD")
		created := m(st.Create(ctx, want)).get(t)
		got := m(st.Get(ctx, "DB_PASSWORD")).get(t)
		if !s.caps.Types {
			want.Type = got.Type // generic or "" is all such a driver knows
		}
		if diff := cmp.Diff(&want, got, cmpSecret); diff != "" {
			t.Errorf("Get after Create (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(got, created, cmpSecret, cmpopts.IgnoreFields(secrets.Secret{}, "Value")); diff != "" {
			t.Errorf("Create's result differs from Get (-get +create):\n%s", diff)
		}
		if got.ID == "" {
			t.Error("Get returned an empty ID")
		}
		if s.caps.Types && got.Type != secrets.TypePassword {
			t.Errorf("Type = %q", got.Type)
		}
	})
	t.Run("DefaultType", func(t *testing.T) {
		st, _ := s.open(t)
		m(st.Create(ctx, secrets.Secret{Key: "plain", Value: val("p")})).get(t)
		got := m(st.Get(ctx, "plain")).get(t)
		if got.Type != "" && got.Type != secrets.TypeGeneric {
			t.Errorf("Type = %q, want generic", got.Type)
		}
	})
	t.Run("AlreadyExists", func(t *testing.T) {
		st, _ := s.open(t)
		first := val("first")
		m(st.Create(ctx, secrets.Secret{Key: "K", Value: first})).get(t)
		_, err := st.Create(ctx, secrets.Secret{Key: "K", Value: val("second")})
		wantCode(t, err, secrets.AlreadyExists)
		if v := m(st.Value(ctx, "K")).get(t); v != first {
			t.Error("a failed Create changed the value")
		}
	})
	t.Run("MissingEnvironment", func(t *testing.T) {
		st, _ := s.open(t)
		_, err := st.Create(ctx, secrets.Secret{Environment: "nosuchenv", Key: "K", Value: val("v")})
		wantCode(t, err, secrets.NotFound)
	})
	t.Run("SameKeyInEachScope", func(t *testing.T) {
		st, _ := s.open(t)
		s.mkEnv(t, st, "dev")
		s.mkEnv(t, st, "prod")
		for _, env := range []string{"", "dev", "prod"} {
			m(st.In(env).Create(ctx, secrets.Secret{Key: "API", Value: marker + "api-" + env})).get(t)
		}
		for _, env := range []string{"", "dev", "prod"} {
			got := m(st.In(env).Get(ctx, "API")).get(t)
			if got.Value != marker+"api-"+env || got.Environment != env {
				t.Errorf("In(%q).Get: env %q, wrong value", env, got.Environment)
			}
		}
	})
	t.Run("ExplicitEnvironment", func(t *testing.T) {
		st, _ := s.open(t)
		s.mkEnv(t, st, "prod")
		got := m(st.Create(ctx, secrets.Secret{Environment: "prod", Key: "X", Value: val("x")})).get(t)
		if got.Environment != "prod" {
			t.Fatalf("created in %q", got.Environment)
		}
		_, err := st.In("").Get(ctx, "X")
		wantCode(t, err, secrets.NotFound)
	})
}

func (s *suite) testValues(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	big := bytes.Repeat([]byte{0xff, 0x00, 'a', 0x80}, backend.MaxValueLen/4)
	for _, tc := range []struct {
		name, value string
	}{
		{"Empty", ""},
		{"ASCII", "hunter2"},
		{"NUL", "a\x00b\x00"},
		{"InvalidUTF8", "\xff\xfe\xfd"},
		{"AllBytes", string(all)},
		{"Unicode", "pässwörd 🔑 日本語"},
		{"JSON", `{"user":"a","pass":"b"}`},
		{"Newlines", "line1\nline2\r\n"},
		{"Max64KiB", string(big)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := s.open(t)
			m(st.Create(ctx, secrets.Secret{Key: "V", Value: tc.value})).get(t)
			got := m(st.Value(ctx, "V")).get(t)
			if got != tc.value {
				t.Fatalf("value did not round-trip: got %d bytes %q…, want %d bytes", len(got), trunc(got), len(tc.value))
			}
			// and through Modify
			mod := tc.value + "2"
			if len(tc.value) == backend.MaxValueLen {
				mod = "2" + tc.value[1:]
			}
			m(st.Modify(ctx, "V", secrets.Update{Value: &mod})).get(t)
			if got := m(st.Value(ctx, "V")).get(t); got != mod {
				t.Fatalf("value did not round-trip through Modify")
			}
		})
	}
}

func trunc(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

func (s *suite) testValidation(t *testing.T) {
	st, _ := s.open(t)
	long := strings.Repeat("x", 129)
	for _, tc := range []struct {
		name string
		sec  secrets.Secret
	}{
		{"EmptyKey", secrets.Secret{Key: ""}},
		{"LongKey", secrets.Secret{Key: long}},
		{"SlashKey", secrets.Secret{Key: "a/b"}},
		{"DotDotKey", secrets.Secret{Key: ".."}},
		{"SpaceKey", secrets.Secret{Key: "a b"}},
		{"UnicodeKey", secrets.Secret{Key: "ключ"}},
		{"ValueTooLarge", secrets.Secret{Key: "big", Value: strings.Repeat(marker, backend.MaxValueLen/len(marker)+1)}},
		{"DescriptionTooLong", secrets.Secret{Key: "d", Description: strings.Repeat("d", 513)}},
		{"BadType", secrets.Secret{Key: "t", Type: "certificate"}},
		{"BadEnvironment", secrets.Secret{Key: "e", Environment: "_global"}},
		{"TooManyLabels", secrets.Secret{Key: "l", Labels: manyLabels(33)}},
		{"BadLabelValue", secrets.Secret{Key: "l", Labels: map[string]string{"a": "semi;colon"}}},
		{"EmptyLabelValue", secrets.Secret{Key: "l", Labels: map[string]string{"a": ""}}},
		{"BadLabelKey", secrets.Secret{Key: "l", Labels: map[string]string{"a/b": "x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := st.Create(ctx, tc.sec)
			wantCode(t, err, secrets.InvalidArgument)
		})
	}
	t.Run("ExactlyMax", func(t *testing.T) {
		key := strings.Repeat("k", 128)
		m(st.Create(ctx, secrets.Secret{Key: key, Value: val("m"), Description: strings.Repeat("d", 512)})).get(t)
		m(st.Get(ctx, key)).get(t)
	})
	t.Run("GetInvalidKey", func(t *testing.T) {
		_, err := st.Get(ctx, "no/slash")
		wantCode(t, err, secrets.InvalidArgument)
	})
	t.Run("ModifyTooLarge", func(t *testing.T) {
		m(st.Create(ctx, secrets.Secret{Key: "mtl", Value: val("m")})).get(t)
		_, err := st.Modify(ctx, "mtl", secrets.Update{Value: secrets.Ptr(strings.Repeat("x", backend.MaxValueLen+1))})
		wantCode(t, err, secrets.InvalidArgument)
	})
	t.Run("InvalidScope", func(t *testing.T) {
		_, err := st.In("-bad").Get(ctx, "k")
		wantCode(t, err, secrets.InvalidArgument)
	})
}

func manyLabels(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("l%d", i)] = "v"
	}
	return m
}

func (s *suite) testGet(t *testing.T) {
	t.Run("NotFound", func(t *testing.T) {
		st, _ := s.open(t)
		_, err := st.Get(ctx, "missing")
		wantCode(t, err, secrets.NotFound)
		if s.h.CheckErrorAs != nil {
			s.h.CheckErrorAs(t, st, err)
		}
	})
	t.Run("FallbackToGlobal", func(t *testing.T) {
		st, _ := s.open(t)
		s.mkEnv(t, st, "prod")
		g := val("global")
		m(st.Create(ctx, secrets.Secret{Key: "SHARED", Value: g})).get(t)
		got := m(st.In("prod").Get(ctx, "SHARED")).get(t)
		if got.Value != g || got.Environment != "" {
			t.Fatalf("In(prod).Get fell back to env %q, wrong value", got.Environment)
		}
	})
	t.Run("EnvironmentShadowsGlobal", func(t *testing.T) {
		st, _ := s.open(t)
		s.mkEnv(t, st, "prod")
		m(st.Create(ctx, secrets.Secret{Key: "DB", Value: val("global")})).get(t)
		p := val("prod")
		m(st.In("prod").Create(ctx, secrets.Secret{Key: "DB", Value: p})).get(t)
		got := m(st.In("prod").Get(ctx, "DB")).get(t)
		if got.Value != p || got.Environment != "prod" {
			t.Fatalf("In(prod).Get returned env %q's value, want prod's", got.Environment)
		}
		if g := m(st.Get(ctx, "DB")).get(t); g.Environment != "" || g.Value == p {
			t.Fatal("global Get returned the prod secret")
		}
	})
	t.Run("OtherEnvironmentInvisible", func(t *testing.T) {
		st, _ := s.open(t)
		s.mkEnv(t, st, "dev")
		s.mkEnv(t, st, "prod")
		m(st.In("dev").Create(ctx, secrets.Secret{Key: "ONLYDEV", Value: val("d")})).get(t)
		_, err := st.In("prod").Get(ctx, "ONLYDEV")
		wantCode(t, err, secrets.NotFound)
		_, err = st.Get(ctx, "ONLYDEV")
		wantCode(t, err, secrets.NotFound)
	})
	t.Run("ValueOr", func(t *testing.T) {
		st, _ := s.open(t)
		v := val("v")
		m(st.Create(ctx, secrets.Secret{Key: "present", Value: v})).get(t)
		if got := m(st.ValueOr(ctx, "present", "def")).get(t); got != v {
			t.Error("ValueOr of a present secret did not return its value")
		}
		if got := m(st.ValueOr(ctx, "absent", "def")).get(t); got != "def" {
			t.Errorf("ValueOr of an absent secret = %q, want def", got)
		}
		_, err := st.ValueOr(ctx, "bad/key", "def")
		wantCode(t, err, secrets.InvalidArgument)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = st.ValueOr(cctx, "absent", "def")
		wantCode(t, err, secrets.Canceled)
	})
}

func (s *suite) testModify(t *testing.T) {
	t.Run("Value", func(t *testing.T) {
		st, _ := s.open(t)
		m(st.Create(ctx, s.full("M"))).get(t)
		before := m(st.Get(ctx, "M")).get(t)
		nv := val("new")
		out := m(st.Modify(ctx, "M", secrets.Update{Value: &nv})).get(t)
		got := m(st.Get(ctx, "M")).get(t)
		want := before.Clone()
		want.Value = nv
		if diff := cmp.Diff(want, got, cmpSecret); diff != "" {
			t.Errorf("after Modify(Value) (-want +got):\n%s", diff)
		}
		if out.Value != nv {
			t.Error("Modify's result has the wrong value")
		}
	})
	t.Run("PartialLeavesRest", func(t *testing.T) {
		st, _ := s.open(t)
		m(st.Create(ctx, s.full("P"))).get(t)
		before := m(st.Get(ctx, "P")).get(t)
		m(st.Modify(ctx, "P", secrets.Update{Description: secrets.Ptr("new description")})).get(t)
		got := m(st.Get(ctx, "P")).get(t)
		want := before.Clone()
		want.Description = "new description"
		if diff := cmp.Diff(want, got, cmpSecret); diff != "" {
			t.Errorf("after Modify(Description) (-want +got):\n%s", diff)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		st, _ := s.open(t)
		m(st.Create(ctx, s.full("E"))).get(t)
		before := m(st.Get(ctx, "E")).get(t)
		m(st.Modify(ctx, "E", secrets.Update{})).get(t)
		if diff := cmp.Diff(before, m(st.Get(ctx, "E")).get(t), cmpSecret); diff != "" {
			t.Errorf("an empty update changed the secret:\n%s", diff)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		st, _ := s.open(t)
		_, err := st.Modify(ctx, "missing", secrets.Update{Value: secrets.Ptr(val("x"))})
		wantCode(t, err, secrets.NotFound)
	})
	t.Run("ScopeIsExact", func(t *testing.T) {
		st, _ := s.open(t)
		s.mkEnv(t, st, "prod")
		g := val("g")
		m(st.Create(ctx, secrets.Secret{Key: "G", Value: g})).get(t)
		_, err := st.In("prod").Modify(ctx, "G", secrets.Update{Value: secrets.Ptr(val("p"))})
		wantCode(t, err, secrets.NotFound)
		if m(st.Value(ctx, "G")).get(t) != g {
			t.Error("Modify through an environment changed the global secret")
		}
	})
	t.Run("MoveEnvironment", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.movable(t, st) {
			return
		}
		s.mkEnv(t, st, "dev")
		s.mkEnv(t, st, "prod")
		sec := s.full("MV")
		m(st.In("dev").Create(ctx, sec)).get(t)
		out := m(st.In("dev").Modify(ctx, "MV", secrets.Update{Environment: secrets.Ptr("prod")})).get(t)
		if out.Environment != "prod" {
			t.Errorf("Modify returned env %q", out.Environment)
		}
		_, err := st.In("dev").Get(ctx, "MV")
		wantCode(t, err, secrets.NotFound)
		got := m(st.In("prod").Get(ctx, "MV")).get(t)
		sec.Environment = "prod"
		if !s.caps.Types {
			sec.Type = got.Type
		}
		if diff := cmp.Diff(&sec, got, cmpSecret); diff != "" {
			t.Errorf("moved secret (-want +got):\n%s", diff)
		}
		// and to the global scope
		m(st.In("prod").Modify(ctx, "MV", secrets.Update{Environment: secrets.Ptr("")})).get(t)
		if g := m(st.Get(ctx, "MV")).get(t); g.Environment != "" {
			t.Errorf("moved to global, Get says %q", g.Environment)
		}
	})
	t.Run("MoveConflict", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.movable(t, st) {
			return
		}
		s.mkEnv(t, st, "prod")
		a, b := val("a"), val("b")
		m(st.Create(ctx, secrets.Secret{Key: "C", Value: a})).get(t)
		m(st.In("prod").Create(ctx, secrets.Secret{Key: "C", Value: b})).get(t)
		_, err := st.Modify(ctx, "C", secrets.Update{Environment: secrets.Ptr("prod")})
		wantCode(t, err, secrets.AlreadyExists)
		if m(st.Value(ctx, "C")).get(t) != a || m(st.In("prod").Value(ctx, "C")).get(t) != b {
			t.Error("a failed move changed a value")
		}
	})
	t.Run("MoveToMissingEnvironment", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.movable(t, st) {
			return
		}
		m(st.Create(ctx, secrets.Secret{Key: "C", Value: val("c")})).get(t)
		_, err := st.Modify(ctx, "C", secrets.Update{Environment: secrets.Ptr("nowhere")})
		wantCode(t, err, secrets.NotFound)
		m(st.Get(ctx, "C")).get(t)
	})
}

// movable reports whether the driver can move secrets between scopes (in
// one step, or by the portable layer's Create and Delete); if it cannot,
// it checks that a move is Unimplemented and changes nothing.
func (s *suite) movable(t *testing.T, st *secrets.Store) bool {
	t.Helper()
	if s.caps.AtomicMove || s.caps.Delete {
		return true
	}
	s.mkEnv(t, st, "unmovable")
	v := val("um")
	m(st.Create(ctx, secrets.Secret{Key: "UM", Value: v})).get(t)
	_, err := st.Modify(ctx, "UM", secrets.Update{Environment: secrets.Ptr("unmovable")})
	wantCode(t, err, secrets.Unimplemented)
	if m(st.Value(ctx, "UM")).get(t) != v {
		t.Fatal("a refused move changed the secret")
	}
	return false
}

// testConcurrentModify: two Stores × Concurrency goroutines modify one
// secret; each goroutine owns one field and writes an increasing sequence to
// it. A read-modify-write that loses an update writes an older value back
// into another goroutine's field, which shows at the end. A driver that
// declares AtomicModify=false (no compare-and-set in its backend) may lose
// updates; for it the suite checks that concurrent Modify calls all succeed
// and leave every field holding a value some goroutine wrote.
func (s *suite) testConcurrentModify(t *testing.T) {
	_, open := s.open(t)
	a, b := s.openWith(t, open), s.openWith(t, open)
	m(a.Create(ctx, secrets.Secret{Key: "hot", Value: "init", Description: "init"})).get(t)
	type field struct {
		name string
		set  func(string) secrets.Update
		get  func(*secrets.Secret) string
	}
	fields := []field{
		{"value", func(v string) secrets.Update { return secrets.Update{Value: &v} }, func(s *secrets.Secret) string { return s.Value }},
		{"description", func(v string) secrets.Update { return secrets.Update{Description: &v} }, func(s *secrets.Secret) string { return s.Description }},
	}
	if s.caps.Labels {
		fields = append(fields, field{"labels", func(v string) secrets.Update {
			return secrets.Update{Labels: map[string]string{"seq": v}}
		}, func(s *secrets.Secret) string { return s.Labels["seq"] }})
	}
	const rounds = 6
	n := 2 * s.h.Concurrency
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for g := range n {
		st := a
		if g%2 == 1 {
			st = b
		}
		f := fields[g%len(fields)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				if _, err := st.Modify(ctx, "hot", f.set(fmt.Sprintf("g%d-r%d", g, r))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Modify failed: %v", err)
	}
	got := m(a.Get(ctx, "hot")).get(t)
	for i, f := range fields {
		v := f.get(got)
		if !s.caps.AtomicModify {
			var g, r int
			if _, err := fmt.Sscanf(v, "g%d-r%d", &g, &r); err != nil || g%len(fields) != i || g >= n || r >= rounds {
				t.Errorf("field %s = %q: not a value any goroutine wrote to it", f.name, v)
			}
			continue
		}
		// The field must hold the final write of one of its owners.
		okv := false
		for g := i; g < n; g += len(fields) {
			if v == fmt.Sprintf("g%d-r%d", g, rounds-1) {
				okv = true
			}
		}
		if !okv {
			t.Errorf("field %s = %q: a concurrent Modify lost an update (an older write won)", f.name, v)
		}
	}
}

func (s *suite) testDelete(t *testing.T) {
	if !s.caps.Delete {
		st, _ := s.open(t)
		m(st.Create(ctx, secrets.Secret{Key: "D", Value: val("d")})).get(t)
		wantCode(t, st.Delete(ctx, "D"), secrets.Unimplemented)
		m(st.Get(ctx, "D")).get(t)
		return
	}
	t.Run("ThenRecreate", func(t *testing.T) {
		st, _ := s.open(t)
		m(st.Create(ctx, s.full("D"))).get(t)
		ok(t, st.Delete(ctx, "D"))
		_, err := st.Get(ctx, "D")
		wantCode(t, err, secrets.NotFound)
		nv := val("again")
		m(st.Create(ctx, secrets.Secret{Key: "D", Value: nv})).get(t)
		got := m(st.Get(ctx, "D")).get(t)
		if got.Value != nv || got.Description != "" || len(got.Labels) != 0 {
			t.Errorf("recreated secret carries old data: %+v", got)
		}
		if s.caps.Versions {
			if vs := m(st.Versions(ctx, "D")).get(t); len(vs) != 1 {
				t.Errorf("recreated secret has %d versions, want 1", len(vs))
			}
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		st, _ := s.open(t)
		wantCode(t, st.Delete(ctx, "missing"), secrets.NotFound)
	})
	t.Run("ScopeIsExact", func(t *testing.T) {
		st, _ := s.open(t)
		s.mkEnv(t, st, "prod")
		m(st.Create(ctx, secrets.Secret{Key: "G", Value: val("g")})).get(t)
		wantCode(t, st.In("prod").Delete(ctx, "G"), secrets.NotFound)
		m(st.Get(ctx, "G")).get(t)
	})
}

func (s *suite) testVersions(t *testing.T) {
	st, _ := s.open(t)
	v1 := val("v1")
	m(st.Create(ctx, secrets.Secret{Key: "VER", Value: v1})).get(t)
	if !s.caps.Versions {
		_, err := st.Versions(ctx, "VER")
		wantCode(t, err, secrets.Unimplemented)
		_, err = st.Get(ctx, "VER", secrets.AtVersion("1"))
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	v2, v3 := val("v2"), val("v3")
	m(st.Modify(ctx, "VER", secrets.Update{Value: &v2})).get(t)
	cur := m(st.Modify(ctx, "VER", secrets.Update{Value: &v3})).get(t)
	vs := m(st.Versions(ctx, "VER")).get(t)
	if len(vs) < 3 {
		t.Fatalf("%d versions after 3 writes", len(vs))
	}
	if !vs[len(vs)-1].Current {
		t.Error("the last version is not marked current")
	}
	if vs[len(vs)-1].ID != cur.Version {
		t.Errorf("current version %q, Modify returned %q", vs[len(vs)-1].ID, cur.Version)
	}
	ids := map[string]bool{}
	for _, v := range vs {
		if ids[v.ID] {
			t.Errorf("version %q listed twice", v.ID)
		}
		ids[v.ID] = true
	}
	first := m(st.Get(ctx, "VER", secrets.AtVersion(vs[0].ID))).get(t)
	if first.Value != v1 {
		t.Error("Get at the first version did not return the first value")
	}
	if m(st.Value(ctx, "VER")).get(t) != v3 {
		t.Error("Get returned an old value")
	}
	_, err := st.Get(ctx, "VER", secrets.AtVersion("999999"))
	wantCode(t, err, secrets.NotFound)
	_, err = st.Versions(ctx, "missing")
	wantCode(t, err, secrets.NotFound)
}

func (s *suite) testTypes(t *testing.T) {
	st, _ := s.open(t)
	if !s.caps.Types {
		_, err := st.Create(ctx, secrets.Secret{Key: "T", Value: val("t"), Type: secrets.TypeToken})
		wantCode(t, err, secrets.Unimplemented)
		m(st.Create(ctx, secrets.Secret{Key: "T", Value: val("t")})).get(t)
		_, err = st.Modify(ctx, "T", secrets.Update{Type: secrets.Ptr(secrets.TypeKey)})
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	for _, typ := range []string{secrets.TypeGeneric, secrets.TypePassword, secrets.TypeKey, secrets.TypeToken} {
		m(st.Create(ctx, secrets.Secret{Key: "T-" + typ, Value: val(typ), Type: typ})).get(t)
		if got := m(st.Get(ctx, "T-"+typ)).get(t); got.Type != typ {
			t.Errorf("Type = %q, want %q", got.Type, typ)
		}
	}
	m(st.Modify(ctx, "T-key", secrets.Update{Type: secrets.Ptr(secrets.TypeToken)})).get(t)
	if got := m(st.Get(ctx, "T-key")).get(t); got.Type != secrets.TypeToken {
		t.Errorf("after Modify Type = %q", got.Type)
	}
}

func (s *suite) testLabels(t *testing.T) {
	st, _ := s.open(t)
	if !s.caps.Labels {
		_, err := st.Create(ctx, secrets.Secret{Key: "L", Value: val("l"), Labels: map[string]string{"a": "b"}})
		wantCode(t, err, secrets.Unimplemented)
		m(st.Create(ctx, secrets.Secret{Key: "L", Value: val("l")})).get(t)
		_, err = st.Modify(ctx, "L", secrets.Update{Labels: map[string]string{"a": "b"}})
		wantCode(t, err, secrets.Unimplemented)
		_, _, err = st.ListPage(ctx, secrets.ListOptions{Labels: map[string]string{"a": "b"}}, "")
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	labels := manyLabels(30)
	labels["unicode"] = "Zürich 東京 a.b:c/d=e+f-g@h_i"
	labels["long"] = strings.Repeat("v", 256)
	m(st.Create(ctx, secrets.Secret{Key: "L", Value: val("l"), Labels: labels})).get(t)
	if diff := cmp.Diff(labels, m(st.Get(ctx, "L")).get(t).Labels); diff != "" {
		t.Fatalf("labels did not round-trip (-want +got):\n%s", diff)
	}
	repl := map[string]string{"only": "one"}
	m(st.Modify(ctx, "L", secrets.Update{Labels: repl})).get(t)
	if diff := cmp.Diff(repl, m(st.Get(ctx, "L")).get(t).Labels); diff != "" {
		t.Fatalf("Modify(Labels) does not replace (-want +got):\n%s", diff)
	}
	m(st.Modify(ctx, "L", secrets.Update{Labels: map[string]string{}})).get(t)
	if got := m(st.Get(ctx, "L")).get(t).Labels; len(got) != 0 {
		t.Fatalf("Modify(empty Labels) left %v", got)
	}
}

func (s *suite) testExpiry(t *testing.T) {
	st, _ := s.open(t)
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	if !s.caps.Expiry {
		_, err := st.Create(ctx, secrets.Secret{Key: "X", Value: val("x"), ExpiresAt: past})
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	s.mkEnv(t, st, "prod")
	m(st.Create(ctx, secrets.Secret{Key: "X", Value: val("x"), ExpiresAt: past})).get(t)
	_, err := st.Get(ctx, "X")
	wantCode(t, err, secrets.FailedPrecondition)
	if !errors.Is(err, secrets.ErrExpired) {
		t.Errorf("expired Get: %v does not wrap ErrExpired", err)
	}
	_, err = st.ValueOr(ctx, "X", "def")
	wantCode(t, err, secrets.FailedPrecondition)
	got := m(st.Get(ctx, "X", secrets.IncludeExpired())).get(t)
	if !got.ExpiresAt.Equal(past) {
		t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, past)
	}
	// an expired environment secret does not fall back to the global one
	m(st.Create(ctx, secrets.Secret{Key: "Y", Value: val("y")})).get(t)
	m(st.In("prod").Create(ctx, secrets.Secret{Key: "Y", Value: val("yp"), ExpiresAt: past})).get(t)
	_, err = st.In("prod").Get(ctx, "Y")
	wantCode(t, err, secrets.FailedPrecondition)
	// still listed, with its expiry
	page, _ := must2(t)(st.ListPage(ctx, secrets.ListOptions{Prefix: "X"}, ""))
	if len(page) != 1 || !page[0].ExpiresAt.Equal(past) {
		t.Errorf("expired secret not listed with its expiry: %v", page)
	}
	// clearing the expiry makes it readable again
	m(st.Modify(ctx, "X", secrets.Update{ExpiresAt: &time.Time{}})).get(t)
	m(st.Get(ctx, "X")).get(t)
	future := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	m(st.Modify(ctx, "X", secrets.Update{ExpiresAt: &future})).get(t)
	if got := m(st.Get(ctx, "X")).get(t); !got.ExpiresAt.Equal(future) {
		t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, future)
	}
}

func must2(t *testing.T) func([]*secrets.Secret, string, error) ([]*secrets.Secret, string) {
	return func(p []*secrets.Secret, next string, err error) ([]*secrets.Secret, string) {
		t.Helper()
		ok(t, err)
		return p, next
	}
}

func (s *suite) testEnvironments(t *testing.T) {
	t.Run("CRUD", func(t *testing.T) {
		st, _ := s.open(t)
		in := secrets.Environment{Name: "staging", ExternalURL: "https://staging.example.com/app", Description: "pre-prod ✓"}
		created := m(st.CreateEnvironment(ctx, in)).get(t)
		cmpEnv := cmp.Options{cmpopts.IgnoreFields(secrets.Environment{}, "ID", "CreatedAt", "UpdatedAt")}
		if diff := cmp.Diff(&in, created, cmpEnv); diff != "" {
			t.Errorf("CreateEnvironment (-want +got):\n%s", diff)
		}
		got := m(st.GetEnvironment(ctx, "staging")).get(t)
		if diff := cmp.Diff(&in, got, cmpEnv); diff != "" {
			t.Errorf("GetEnvironment (-want +got):\n%s", diff)
		}
		m(st.CreateEnvironment(ctx, secrets.Environment{Name: "alpha"})).get(t)
		envs := m(st.ListEnvironments(ctx)).get(t)
		var names []string
		for _, e := range envs {
			names = append(names, e.Name)
		}
		if diff := cmp.Diff([]string{"alpha", "staging"}, names); diff != "" {
			t.Errorf("ListEnvironments (-want +got):\n%s", diff)
		}
		mod := m(st.ModifyEnvironment(ctx, "staging", secrets.EnvironmentUpdate{Description: secrets.Ptr("changed")})).get(t)
		in.Description = "changed"
		if diff := cmp.Diff(&in, mod, cmpEnv); diff != "" {
			t.Errorf("ModifyEnvironment (-want +got):\n%s", diff)
		}
		m(st.ModifyEnvironment(ctx, "staging", secrets.EnvironmentUpdate{ExternalURL: secrets.Ptr("")})).get(t)
		in.ExternalURL = ""
		if diff := cmp.Diff(&in, m(st.GetEnvironment(ctx, "staging")).get(t), cmpEnv); diff != "" {
			t.Errorf("after clearing the URL (-want +got):\n%s", diff)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		st, _ := s.open(t)
		s.mkEnv(t, st, "prod")
		_, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"})
		wantCode(t, err, secrets.AlreadyExists)
		_, err = st.GetEnvironment(ctx, "nope")
		wantCode(t, err, secrets.NotFound)
		_, err = st.ModifyEnvironment(ctx, "nope", secrets.EnvironmentUpdate{Description: secrets.Ptr("x")})
		wantCode(t, err, secrets.NotFound)
		for _, bad := range []string{"", "_global", "-x", "a.b", "a/b", strings.Repeat("e", 65), "sp ace"} {
			_, err = st.CreateEnvironment(ctx, secrets.Environment{Name: bad})
			wantCode(t, err, secrets.InvalidArgument)
		}
		for _, bad := range []string{"ftp://x", "not a url", "/relative", "https://" + strings.Repeat("h", 2048)} {
			_, err = st.CreateEnvironment(ctx, secrets.Environment{Name: "u", ExternalURL: bad})
			wantCode(t, err, secrets.InvalidArgument)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		st, _ := s.open(t)
		s.mkEnv(t, st, "tmp")
		if !s.caps.DeleteEnvironment {
			wantCode(t, st.DeleteEnvironment(ctx, "tmp"), secrets.Unimplemented)
			m(st.GetEnvironment(ctx, "tmp")).get(t)
			return
		}
		v := val("keep")
		m(st.In("tmp").Create(ctx, secrets.Secret{Key: "KEEP", Value: v})).get(t)
		wantCode(t, st.DeleteEnvironment(ctx, "tmp"), secrets.FailedPrecondition)
		if m(st.In("tmp").Value(ctx, "KEEP")).get(t) != v {
			t.Fatal("a refused DeleteEnvironment lost a secret")
		}
		if s.caps.Delete {
			ok(t, st.In("tmp").Delete(ctx, "KEEP"))
			ok(t, st.DeleteEnvironment(ctx, "tmp"))
			_, err := st.GetEnvironment(ctx, "tmp")
			wantCode(t, err, secrets.NotFound)
			wantCode(t, st.DeleteEnvironment(ctx, "tmp"), secrets.NotFound)
			_, err = st.In("tmp").Create(ctx, secrets.Secret{Key: "K", Value: val("k")})
			wantCode(t, err, secrets.NotFound)
		}
	})
}

func keysOf(secs []*secrets.Secret) []string {
	out := make([]string, len(secs))
	for i, s := range secs {
		out[i] = s.Environment + "/" + s.Key
	}
	return out
}

func (s *suite) testList(t *testing.T) {
	t.Run("ScopeAndValues", func(t *testing.T) {
		st, _ := s.open(t)
		s.mkEnv(t, st, "prod")
		gv, pv := val("g"), val("p")
		m(st.Create(ctx, secrets.Secret{Key: "A", Value: gv})).get(t)
		m(st.In("prod").Create(ctx, secrets.Secret{Key: "B", Value: pv})).get(t)
		collect := func(st *secrets.Store, o secrets.ListOptions) []*secrets.Secret {
			var out []*secrets.Secret
			for sec, err := range st.List(ctx, o) {
				ok(t, err)
				out = append(out, sec)
			}
			return out
		}
		if diff := cmp.Diff([]string{"/A"}, keysOf(collect(st, secrets.ListOptions{}))); diff != "" {
			t.Errorf("global scope (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"prod/B"}, keysOf(collect(st.In("prod"), secrets.ListOptions{}))); diff != "" {
			t.Errorf("prod scope (-want +got):\n%s", diff)
		}
		all := collect(st, secrets.ListOptions{AllEnvironments: true})
		if diff := cmp.Diff([]string{"/A", "prod/B"}, keysOf(all), cmpopts.SortSlices(strLess)); diff != "" {
			t.Errorf("all environments (-want +got):\n%s", diff)
		}
		for _, sec := range all {
			if sec.Value != "" {
				t.Error("listing without WithValues returned a value")
			}
		}
		for _, sec := range collect(st, secrets.ListOptions{AllEnvironments: true, WithValues: true}) {
			want := gv
			if sec.Environment == "prod" {
				want = pv
			}
			if sec.Value != want {
				t.Errorf("WithValues: %s has the wrong value", sec.Key)
			}
		}
	})
	t.Run("Empty", func(t *testing.T) {
		st, _ := s.open(t)
		page, next := must2(t)(st.ListPage(ctx, secrets.ListOptions{}, ""))
		if len(page) != 0 || next != "" {
			t.Errorf("empty store listed %d secrets, next %q", len(page), next)
		}
	})
	t.Run("BadOptions", func(t *testing.T) {
		st, _ := s.open(t)
		for _, o := range []secrets.ListOptions{{PageSize: -1}, {PageSize: 1001}, {Prefix: "a/b"}, {Type: "nope"},
			{Labels: map[string]string{"k": ""}}, {Query: strings.Repeat("q", 257)}} {
			_, _, err := st.ListPage(ctx, o, "")
			wantCode(t, err, secrets.InvalidArgument)
		}
	})
	t.Run("Tokens", func(t *testing.T) {
		st, _ := s.open(t)
		for i := range 5 {
			m(st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("k%d", i), Value: val("t")})).get(t)
		}
		page, next := must2(t)(st.ListPage(ctx, secrets.ListOptions{PageSize: 2}, ""))
		if len(page) > 2 || next == "" {
			t.Fatalf("first page: %d secrets, next %q", len(page), next)
		}
		_, _, err := st.ListPage(ctx, secrets.ListOptions{PageSize: 2, Prefix: "k"}, next)
		wantCode(t, err, secrets.InvalidArgument)
		_, _, err = st.ListPage(ctx, secrets.ListOptions{PageSize: 3}, next)
		wantCode(t, err, secrets.InvalidArgument)
		_, _, err = st.ListPage(ctx, secrets.ListOptions{PageSize: 2}, "not-a-token!")
		wantCode(t, err, secrets.InvalidArgument)
		_, _, err = st.ListPage(ctx, secrets.ListOptions{PageSize: 2}, next[:len(next)-1]+"A")
		if err != nil {
			wantCode(t, err, secrets.InvalidArgument)
		}
	})
}

// listAll pages through a listing by hand, checking page sizes.
func listAll(t *testing.T, st *secrets.Store, o secrets.ListOptions) []*secrets.Secret {
	t.Helper()
	var out []*secrets.Secret
	token := ""
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatal("listing does not end")
		}
		page, next := must2(t)(st.ListPage(ctx, o, token))
		if len(page) > o.PageSize {
			t.Fatalf("page of %d secrets, page size %d", len(page), o.PageSize)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		token = next
	}
}

// testListLarge: 280 secrets over the global scope and 3 environments,
// listed with page size 7 under every filter: each expected secret exactly
// once, nothing else.
func (s *suite) testListLarge(t *testing.T) {
	st, _ := s.open(t)
	envs := []string{"", "dev", "prod", "qa"}
	for _, e := range envs[1:] {
		s.mkEnv(t, st, e)
	}
	types := []string{secrets.TypeGeneric, secrets.TypePassword, secrets.TypeKey, secrets.TypeToken}
	var all []*secrets.Secret
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	errs := make(chan error, 280)
	for i := range 280 {
		sec := &secrets.Secret{Environment: envs[i%4], Key: fmt.Sprintf("%s_%03d", []string{"APP", "DB", "API", "app"}[i%3], i),
			Value: val("L"), Description: []string{"primary database", "third-party API", "misc"}[i%5%3]}
		if s.caps.Types {
			sec.Type = types[i%7%4]
		}
		if s.caps.Labels {
			sec.Labels = map[string]string{"team": []string{"core", "edge"}[i%2]}
			if i%3 == 0 {
				sec.Labels["pci"] = "yes"
			}
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := st.Create(ctx, *sec); err != nil {
				errs <- err
				return
			}
			mu.Lock()
			all = append(all, sec)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Create: %v", err)
	}
	type lcase struct {
		name  string
		scope string
		o     secrets.ListOptions
	}
	cases := []lcase{
		{"All", "", secrets.ListOptions{AllEnvironments: true}},
		{"Global", "", secrets.ListOptions{}},
		{"Dev", "dev", secrets.ListOptions{}},
		{"Prod", "prod", secrets.ListOptions{}},
		{"QA", "qa", secrets.ListOptions{}},
		{"Prefix", "", secrets.ListOptions{AllEnvironments: true, Prefix: "DB_"}},
		{"PrefixInEnv", "prod", secrets.ListOptions{Prefix: "API"}},
		{"QueryKey", "", secrets.ListOptions{AllEnvironments: true, Query: "db_0"}},
		{"QueryDescription", "dev", secrets.ListOptions{Query: "DATABASE"}},
		{"NoMatch", "", secrets.ListOptions{AllEnvironments: true, Prefix: "ZZZ"}},
		{"WithValues", "qa", secrets.ListOptions{WithValues: true}},
	}
	if s.caps.Types {
		cases = append(cases, lcase{"Type", "", secrets.ListOptions{AllEnvironments: true, Type: secrets.TypeToken}},
			lcase{"TypeGeneric", "prod", secrets.ListOptions{Type: secrets.TypeGeneric}})
	}
	if s.caps.Labels {
		cases = append(cases, lcase{"Labels", "", secrets.ListOptions{AllEnvironments: true, Labels: map[string]string{"team": "edge", "pci": "yes"}}},
			lcase{"LabelInEnv", "dev", secrets.ListOptions{Labels: map[string]string{"team": "core"}}},
			lcase{"Combined", "", secrets.ListOptions{AllEnvironments: true, Prefix: "APP", Labels: map[string]string{"pci": "yes"}, Query: "api"}})
	}
	byKey := map[string]*secrets.Secret{}
	for _, sec := range all {
		byKey[sec.Environment+"/"+sec.Key] = sec
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.o.PageSize = 7
			bo := backend.ListOptions{AllEnvironments: c.o.AllEnvironments, Environment: c.scope, Prefix: c.o.Prefix,
				Type: c.o.Type, Labels: c.o.Labels, Query: c.o.Query, PageSize: 7}
			var want []string
			for _, sec := range all {
				if bo.Match(sec) {
					want = append(want, sec.Environment+"/"+sec.Key)
				}
			}
			got := listAll(t, st.In(c.scope), c.o)
			seen := map[string]int{}
			for _, g := range got {
				seen[g.Environment+"/"+g.Key]++
				if c.o.WithValues {
					if w := byKey[g.Environment+"/"+g.Key]; w == nil || w.Value != g.Value {
						t.Errorf("%s: wrong value", g.Key)
					}
				}
			}
			for k, n := range seen {
				if n > 1 {
					t.Errorf("%s listed %d times", k, n)
				}
			}
			if diff := cmp.Diff(want, slices.Collect(maps.Keys(seen)), cmpopts.SortSlices(strLess), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("listing %s (-want +got):\n%s", c.name, diff)
			}
			// the iterator agrees with manual paging
			var it []string
			for sec, err := range st.In(c.scope).List(ctx, c.o) {
				ok(t, err)
				it = append(it, sec.Environment+"/"+sec.Key)
			}
			if diff := cmp.Diff(want, it, cmpopts.SortSlices(strLess), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("List iterator %s (-want +got):\n%s", c.name, diff)
			}
		})
	}
	if len(all) < 250 {
		t.Fatalf("only %d secrets created", len(all))
	}
}

// testListConcurrentChanges: secrets created and removed during a listing
// do not make one that exists throughout disappear or repeat.
func (s *suite) testListConcurrentChanges(t *testing.T) {
	st, _ := s.open(t)
	var stable []string
	for i := range 40 {
		k := fmt.Sprintf("S%03d", i*2)
		m(st.Create(ctx, secrets.Secret{Key: k, Value: val("s")})).get(t)
		stable = append(stable, "/"+k)
	}
	seen := map[string]int{}
	token := ""
	for round := 0; ; round++ {
		page, next := must2(t)(st.ListPage(ctx, secrets.ListOptions{PageSize: 5}, token))
		for _, sec := range page {
			seen["/"+sec.Key]++
		}
		// churn between pages: keys that sort before and after the cursor
		m(st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("S%03d", round*2+1), Value: val("c")})).get(t)
		m(st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("A%03d", round), Value: val("c")})).get(t)
		if s.caps.Delete && round > 0 {
			ok(t, st.Delete(ctx, fmt.Sprintf("A%03d", round-1)))
		}
		if next == "" {
			break
		}
		token = next
	}
	for _, k := range stable {
		if seen[k] != 1 {
			t.Errorf("%s seen %d times", k, seen[k])
		}
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("%s seen %d times", k, n)
		}
	}
}

func (s *suite) testContext(t *testing.T) {
	st, _ := s.open(t)
	m(st.Create(ctx, secrets.Secret{Key: "C", Value: val("c")})).get(t)
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	expired, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel2()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		code secrets.Code
	}{{"Canceled", canceled, secrets.Canceled}, {"DeadlineExceeded", expired, secrets.DeadlineExceeded}} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := st.Get(tc.ctx, "C")
			wantCode(t, err, tc.code)
			_, err = st.Create(tc.ctx, secrets.Secret{Key: "C2", Value: val("c")})
			wantCode(t, err, tc.code)
			_, err = st.Modify(tc.ctx, "C", secrets.Update{Value: secrets.Ptr(val("m"))})
			wantCode(t, err, tc.code)
			_, _, err = st.ListPage(tc.ctx, secrets.ListOptions{}, "")
			wantCode(t, err, tc.code)
			_, err = st.ListEnvironments(tc.ctx)
			wantCode(t, err, tc.code)
		})
	}
	t.Run("CancelDuringList", func(t *testing.T) {
		for i := range 12 {
			m(st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("L%02d", i), Value: val("l")})).get(t)
		}
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		n, sawErr := 0, false
		for _, err := range st.List(lctx, secrets.ListOptions{PageSize: 3}) {
			if err != nil {
				wantCode(t, err, secrets.Canceled)
				sawErr = true
				break
			}
			n++
			if n == 3 {
				cancel()
			}
		}
		if !sawErr || n > 6 {
			t.Errorf("listing went on after cancel: %d secrets, error seen %v", n, sawErr)
		}
	})
}

func (s *suite) testReadOnly(t *testing.T) {
	rw, _ := s.open(t)
	s.mkEnv(t, rw, "prod")
	v := val("ro")
	m(rw.Create(ctx, secrets.Secret{Key: "R", Value: v})).get(t)
	ro := rw.ReadOnlyView()
	if !ro.ReadOnly() {
		t.Fatal("ReadOnlyView().ReadOnly() is false")
	}
	if m(ro.Value(ctx, "R")).get(t) != v {
		t.Fatal("read-only store cannot read")
	}
	m(ro.ListEnvironments(ctx)).get(t)
	checks := map[string]error{}
	_, checks["Create"] = ro.Create(ctx, secrets.Secret{Key: "N", Value: val("n")})
	_, checks["Modify"] = ro.Modify(ctx, "R", secrets.Update{Value: secrets.Ptr(val("m"))})
	checks["Delete"] = ro.Delete(ctx, "R")
	_, checks["CreateEnvironment"] = ro.CreateEnvironment(ctx, secrets.Environment{Name: "x"})
	_, checks["ModifyEnvironment"] = ro.ModifyEnvironment(ctx, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("d")})
	checks["DeleteEnvironment"] = ro.DeleteEnvironment(ctx, "prod")
	_, checks["In.Create"] = ro.In("prod").Create(ctx, secrets.Secret{Key: "N", Value: val("n")})
	for op, err := range checks {
		t.Run(op, func(t *testing.T) {
			wantCode(t, err, secrets.PermissionDenied)
			if !errors.Is(err, secrets.ErrReadOnly) {
				t.Errorf("%v does not wrap ErrReadOnly", err)
			}
		})
	}
	if m(rw.Value(ctx, "R")).get(t) != v {
		t.Fatal("a refused write changed the value")
	}
	if _, err := rw.Get(ctx, "N"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Fatalf("a refused Create created: %v", err)
	}
}

func (s *suite) testClose(t *testing.T) {
	_, open := s.open(t)
	st := open(t)
	scoped := st.In("prod")
	ok(t, st.Close())
	_, err := st.Get(ctx, "k")
	wantCode(t, err, secrets.FailedPrecondition)
	if !errors.Is(err, secrets.ErrClosed) {
		t.Errorf("%v does not wrap ErrClosed", err)
	}
	_, err = scoped.Get(ctx, "k")
	wantCode(t, err, secrets.FailedPrecondition)
	_, err = st.Create(ctx, secrets.Secret{Key: "k", Value: val("c")})
	wantCode(t, err, secrets.FailedPrecondition)
	for _, err := range st.List(ctx, secrets.ListOptions{}) {
		wantCode(t, err, secrets.FailedPrecondition)
	}
	wantCode(t, st.Close(), secrets.FailedPrecondition)

	// A view handed to other code closes only itself.
	st = open(t)
	defer st.Close()
	ro := st.ReadOnlyView()
	ok(t, ro.Close())
	_, err = ro.Get(ctx, "k")
	wantCode(t, err, secrets.FailedPrecondition)
	_, err = st.Get(ctx, "k")
	wantCode(t, err, secrets.NotFound)
}

// testPing: Ping succeeds on a working store, and says NotFound when the
// store's environment does not exist.
func (s *suite) testPing(t *testing.T) {
	st, _ := s.open(t)
	ok(t, st.Ping(ctx))
	wantCode(t, st.In("nosuch").Ping(ctx), secrets.NotFound)
	s.mkEnv(t, st, "pinged")
	ok(t, st.In("pinged").Ping(ctx))
}

// testLabelAlphabet: every character the portable label rule accepts is
// stored and read back by the driver, in Create and in Modify, so that no
// write can fail half-way on a label the backend refuses.
func (s *suite) testLabelAlphabet(t *testing.T) {
	st, _ := s.open(t)
	if !s.caps.Labels {
		_, err := st.Create(ctx, secrets.Secret{Key: "LA", Value: val("la"), Labels: map[string]string{"a": "b"}})
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	all := map[string]string{"letters": "Zürich 東京 Ωμέγα", "digits": "0123456789 ٣", "punct": "a.b:c/d=e+f-g@h_i", "Aa0_.-": "x"}
	got := m(st.Create(ctx, secrets.Secret{Key: "LA", Value: val("la"), Labels: all})).get(t)
	if diff := cmp.Diff(all, got.Labels); diff != "" {
		t.Fatalf("Create labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all, m(st.Get(ctx, "LA")).get(t).Labels); diff != "" {
		t.Fatalf("Get labels (-want +got):\n%s", diff)
	}
	repl := map[string]string{"only": "@ +=/:. _-"}
	m(st.Modify(ctx, "LA", secrets.Update{Labels: repl})).get(t)
	if diff := cmp.Diff(repl, m(st.Get(ctx, "LA")).get(t).Labels); diff != "" {
		t.Fatalf("labels after Modify (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"nbsp\u00a0", "ideo\u3000", "tab\t"} {
		_, err := st.Modify(ctx, "LA", secrets.Update{Labels: map[string]string{"k": bad}, Value: secrets.Ptr(val("no"))})
		wantCode(t, err, secrets.InvalidArgument)
	}
	if diff := cmp.Diff(repl, m(st.Get(ctx, "LA")).get(t).Labels); diff != "" {
		t.Fatalf("a refused Modify changed labels (-want +got):\n%s", diff)
	}
}

func (s *suite) testAs(t *testing.T) {
	st, _ := s.open(t)
	var unrelated *strings.Builder
	if st.As(&unrelated) {
		t.Error("As(*strings.Builder) returned true")
	}
	if st.As(nil) {
		t.Error("As(nil) returned true")
	}
	if st.ErrorAs(nil, &unrelated) {
		t.Error("ErrorAs(nil, …) returned true")
	}
	if s.h.CheckAs != nil {
		s.h.CheckAs(t, st)
	}
	_, err := st.Get(ctx, "missing")
	wantCode(t, err, secrets.NotFound)
	if s.h.CheckErrorAs != nil {
		s.h.CheckErrorAs(t, st, err)
	}
}

// testNoValueLeak: the value does not show in fmt, slog, JSON or any error
// text, whatever goes wrong.
func (s *suite) testNoValueLeak(t *testing.T) {
	st, _ := s.open(t)
	v := val("leak")
	sec := m(st.Create(ctx, secrets.Secret{Key: "LEAK", Value: v, Description: "d"})).get(t)
	got := m(st.Get(ctx, "LEAK")).get(t)
	var outs []string
	for _, x := range []any{*sec, sec, *got, got, []*secrets.Secret{got}, secrets.Update{Value: &v}, &secrets.Update{Value: &v}} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			outs = append(outs, fmt.Sprintf(f, x))
		}
		outs = append(outs, fmt.Sprint(x), fmt.Sprintln(x))
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "secret", x)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "secret", x)
		outs = append(outs, buf.String())
		if b, err := json.Marshal(x); err == nil {
			outs = append(outs, string(b))
		}
	}
	hexv := hex.EncodeToString([]byte(v))
	for _, o := range outs {
		if strings.Contains(o, v) || strings.Contains(o, hexv) || strings.Contains(o, marker) {
			t.Fatalf("output shows the value: %s", o)
		}
	}
	// Errors on every path that carries the value.
	s.mkEnv(t, st, "prod")
	var errs []error
	_, err := st.Create(ctx, secrets.Secret{Key: "LEAK", Value: v})
	errs = append(errs, err)
	_, err = st.Create(ctx, secrets.Secret{Environment: "nope", Key: "K", Value: v})
	errs = append(errs, err)
	_, err = st.Create(ctx, secrets.Secret{Key: "K", Value: strings.Repeat(v, backend.MaxValueLen/len(v)+1)})
	errs = append(errs, err)
	_, err = st.Modify(ctx, "absent", secrets.Update{Value: &v})
	errs = append(errs, err)
	_, err = st.ReadOnlyView().Create(ctx, secrets.Secret{Key: "K2", Value: v})
	errs = append(errs, err)
	m(st.In("prod").Create(ctx, secrets.Secret{Key: "LEAK", Value: v})).get(t)
	_, err = st.Modify(ctx, "LEAK", secrets.Update{Value: &v, Environment: secrets.Ptr("prod")})
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: no error", i)
		}
		noLeak(t, err)
		if strings.Contains(err.Error(), v) {
			t.Fatalf("case %d: error shows the value: %v", i, err)
		}
	}
}

func strLess(a, b string) bool { return a < b }
