package conformance

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

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
		if !s.hasEnvironments(t, st) {
			return
		}
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
	if s.caps.GlobalOnly {
		v := val("um")
		m(st.Create(ctx, secrets.Secret{Key: "UM", Value: v})).get(t)
		_, err := st.Modify(ctx, "UM", secrets.Update{Value: secrets.Ptr(val("x")), Environment: secrets.Ptr("prod")})
		wantCode(t, err, secrets.Unimplemented)
		if m(st.Value(ctx, "UM")).get(t) != v {
			t.Fatal("a refused move changed the secret")
		}
		return false
	}
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
			// Without compare-and-set an update may be lost — even all of
			// a field's, when a Modify of another field writes back what it
			// read (awssm writes the value again on a metadata-only Modify)
			// — but a field never holds what nobody wrote.
			if v == "init" {
				continue
			}
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
