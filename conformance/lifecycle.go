package conformance

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

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
	envs := s.hasEnvironments(t, rw)
	if envs {
		s.mkEnv(t, rw, "prod")
	}
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
	if envs {
		_, checks["In.Create"] = ro.In("prod").Create(ctx, secrets.Secret{Key: "N", Value: val("n")})
	}
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
	if !s.hasEnvironments(t, st) {
		wantCode(t, st.In("nosuch").Ping(ctx), secrets.Unimplemented)
		return
	}
	wantCode(t, st.In("nosuch").Ping(ctx), secrets.NotFound)
	s.mkEnv(t, st, "pinged")
	ok(t, st.In("pinged").Ping(ctx))
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
	envs := s.hasEnvironments(t, st)
	if envs {
		s.mkEnv(t, st, "prod")
	}
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
	if envs {
		m(st.In("prod").Create(ctx, secrets.Secret{Key: "LEAK", Value: v})).get(t)
	}
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
