package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
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
	t.Run("ValuesBatch", s.testValuesBatch)
	t.Run("Fields", s.testFields)
	t.Run("FieldWrites", s.testFieldWrites)
	t.Run("HierarchicalKeys", s.testHierarchicalKeys)
	t.Run("VersionSemantics", s.testVersionSemantics)
	t.Run("ConcurrentLabelReplace", s.testConcurrentLabelReplace)
	t.Run("MoveUnderModify", s.testMoveUnderModify)
	t.Run("ListUnderMoves", s.testListUnderMoves)
	t.Run("LabelAlphabet", s.testLabelAlphabet)
	t.Run("As", s.testAs)
	t.Run("NoValueLeak", s.testNoValueLeak)
	t.Run("Middleware", func(t *testing.T) { s.count.check(t, s.caps) })
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
	if s.caps.FixedEnvironments {
		if _, err := st.GetEnvironment(ctx, name); err != nil {
			t.Fatalf("a driver with FixedEnvironments must configure every name of conformance.Environments; %q: %v", name, err)
		}
		return
	}
	_, err := st.CreateEnvironment(ctx, secrets.Environment{Name: name})
	ok(t, err)
}

// hasEnvironments reports whether the driver has environments. For one that
// has none (Capabilities.GlobalOnly) it checks instead that the store
// refuses their use with Unimplemented, so that a test of environment
// semantics ends there.
func (s *suite) hasEnvironments(t *testing.T, st *secrets.Store) bool {
	t.Helper()
	if !s.caps.GlobalOnly {
		return true
	}
	_, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"})
	wantCode(t, err, secrets.Unimplemented)
	_, err = st.In("prod").Get(ctx, "K")
	wantCode(t, err, secrets.Unimplemented)
	return false
}

// scope makes the environment name and returns the store scoped to it; on a
// driver without environments (after hasEnvironments' checks), the global
// store itself, so that a test of something else still runs.
func (s *suite) scope(t *testing.T, st *secrets.Store, name string) *secrets.Store {
	t.Helper()
	if !s.hasEnvironments(t, st) {
		return st
	}
	s.mkEnv(t, st, name)
	return st.In(name)
}

// pastIfExpiry is an expiry an hour ago where the driver stores expiry,
// else none.
func (s *suite) pastIfExpiry() time.Time {
	if !s.caps.Expiry {
		return time.Time{}
	}
	return time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
}

// Environments are the environment names the suite uses. A driver whose
// environments are configuration (Capabilities.FixedEnvironments)
// configures all of them in the stores its Harness opens.
var Environments = []string{"alpha", "dev", "dst", "moved", "other", "pinged", "prod", "qa", "src", "staging", "tmp", "u", "unmovable", "x"}

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

func trunc(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

func manyLabels(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("l%d", i)] = "v"
	}
	return m
}

func must2(t *testing.T) func([]*secrets.Secret, string, error) ([]*secrets.Secret, string) {
	return func(p []*secrets.Secret, next string, err error) ([]*secrets.Secret, string) {
		t.Helper()
		ok(t, err)
		return p, next
	}
}

func keysOf(secs []*secrets.Secret) []string {
	out := make([]string, len(secs))
	for i, s := range secs {
		out[i] = s.Environment + "/" + s.Key
	}
	return out
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

func strLess(a, b string) bool { return a < b }
