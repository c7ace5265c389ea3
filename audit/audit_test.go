package audit_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/audit"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/faultinject"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/memory"
)

const sentinel = "PSV-sentinel-audit-5f3a"

type record map[string]any

// records parses the JSON lines in out; the time is dropped and the
// duration checked to be a non-negative number and dropped.
func records(t *testing.T, out string) []record {
	t.Helper()
	var rs []record
	for line := range strings.Lines(out) {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("bad record %q: %v", line, err)
		}
		if d, ok := r[audit.KeyDuration].(float64); !ok || d < 0 {
			t.Errorf("record %q: bad duration", line)
		}
		delete(r, audit.KeyDuration)
		delete(r, slog.TimeKey)
		rs = append(rs, r)
	}
	return rs
}

func rec(level, op, env, key, code string) record {
	return record{slog.LevelKey: level, slog.MessageKey: "polysecret", "scheme": "mem", "op": op, "env": env, "key": key, "code": code}
}

// setup returns a mem:// store with faults injected under the audit log,
// and the log's buffer.
func setup(t *testing.T, opts ...audit.Option) (*secrets.Store, *faultinject.Injector, *drivertest.SyncBuffer) {
	t.Helper()
	buf := new(drivertest.SyncBuffer)
	logger := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	inj := faultinject.New()
	s := memory.OpenStore().With(inj.Interceptor()).With(audit.Interceptor(logger, opts...))
	t.Cleanup(func() { _ = s.Close() })
	return s, inj, buf
}

func TestOperations(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(*secrets.Store) error
		want []record
	}{
		{"CreateEnvironment", func(s *secrets.Store) error {
			_, err := s.CreateEnvironment(ctx, secrets.Environment{Name: "staging"})
			return err
		}, []record{rec("INFO", "CreateEnvironment", "staging", "", "OK")}},
		{"GetEnvironment", func(s *secrets.Store) error { _, err := s.GetEnvironment(ctx, "prod"); return err },
			[]record{rec("INFO", "GetEnvironment", "prod", "", "OK")}},
		{"ModifyEnvironment", func(s *secrets.Store) error {
			_, err := s.ModifyEnvironment(ctx, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("p")})
			return err
		}, []record{rec("INFO", "ModifyEnvironment", "prod", "", "OK")}},
		{"ListEnvironments", func(s *secrets.Store) error { _, err := s.ListEnvironments(ctx); return err },
			[]record{rec("INFO", "ListEnvironments", "", "", "OK")}},
		{"CreateInEnvironment", func(s *secrets.Store) error {
			_, err := s.In("prod").Create(ctx, secrets.Secret{Key: "NEW", Value: sentinel})
			return err
		}, []record{rec("INFO", "Create", "prod", "NEW", "OK"), rec("INFO", "GetEnvironment", "prod", "", "OK")}},
		{"CreateExisting", func(s *secrets.Store) error {
			_, err := s.Create(ctx, secrets.Secret{Key: "DSN", Value: sentinel})
			return err
		}, []record{rec("WARN", "Create", "", "DSN", "AlreadyExists")}},
		{"GetFallsBack", func(s *secrets.Store) error { _, err := s.In("prod").Get(ctx, "DSN"); return err },
			// the miss in prod is a failed driver call: Warn
			[]record{rec("WARN", "Get", "prod", "DSN", "NotFound"), rec("INFO", "Get", "", "DSN", "OK")}},
		{"GetMissing", func(s *secrets.Store) error { _, err := s.Get(ctx, "NOPE"); return err },
			[]record{rec("WARN", "Get", "", "NOPE", "NotFound")}},
		{"Modify", func(s *secrets.Store) error {
			_, err := s.Modify(ctx, "DSN", secrets.Update{Value: secrets.Ptr(sentinel + "-2")})
			return err
		}, []record{rec("INFO", "Modify", "", "DSN", "OK")}},
		{"Versions", func(s *secrets.Store) error { _, err := s.Versions(ctx, "DSN"); return err },
			[]record{rec("INFO", "Versions", "", "DSN", "OK")}},
		{"ListPage", func(s *secrets.Store) error {
			_, _, err := s.In("prod").ListPage(ctx, secrets.ListOptions{WithValues: true}, "")
			return err
		}, []record{rec("INFO", "ListPage", "prod", "", "OK")}},
		{"Put", func(s *secrets.Store) error {
			_, err := s.Put(ctx, secrets.Secret{Key: "P", Value: sentinel})
			return err
		},
			[]record{rec("INFO", "Put", "", "P", "OK")}},
		{"Values", func(s *secrets.Store) error { _, err := s.Values(ctx, "DSN", "NOPE"); return err },
			[]record{rec("INFO", "Values", "", "", "OK")}},
		{"Ping", func(s *secrets.Store) error { return s.Ping(ctx) },
			[]record{rec("INFO", "Ping", "", "", "OK")}},
		{"Delete", func(s *secrets.Store) error { return s.Delete(ctx, "DSN") },
			[]record{rec("INFO", "Delete", "", "DSN", "OK")}},
		{"DeleteEnvironment", func(s *secrets.Store) error { return s.DeleteEnvironment(ctx, "prod") },
			[]record{rec("INFO", "GetEnvironment", "prod", "", "OK"), rec("INFO", "DeleteEnvironment", "prod", "", "OK"), rec("INFO", "ListPage", "prod", "", "OK")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, buf := setup(t)
			if _, err := s.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Create(ctx, secrets.Secret{Key: "DSN", Value: sentinel}); err != nil {
				t.Fatal(err)
			}
			n := len(buf.String())
			_ = tt.run(s)
			out := buf.String()[n:]
			if diff := cmp.Diff(tt.want, records(t, out)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if strings.Contains(buf.String(), sentinel) {
				t.Errorf("the log contains a value:\n%s", buf.String())
			}
		})
	}
}

// TestCodes: every code a call fails with is the record's code, at Warn;
// Canceled and DeadlineExceeded with a live context are Unavailable, as the
// caller sees them.
func TestCodes(t *testing.T) {
	ctx := context.Background()
	for _, c := range backend.Codes() {
		t.Run(c.String(), func(t *testing.T) {
			s, inj, buf := setup(t)
			inj.FailNext("Get", 1, c)
			_, err := s.Get(ctx, "K")
			want := c
			if c == secrets.Canceled || c == secrets.DeadlineExceeded {
				want = secrets.Unavailable
			}
			if got := secrets.ErrorCode(err); got != want {
				t.Fatalf("Get: code %v, want %v", got, want)
			}
			if diff := cmp.Diff([]record{rec("WARN", "Get", "", "K", want.String())}, records(t, buf.String())); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLevels(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		opts []audit.Option
		want []record
	}{
		{"Default", nil, []record{rec("INFO", "Get", "", "DSN", "OK"), rec("WARN", "Get", "", "NOPE", "NotFound")}},
		{"OnlyFailures", []audit.Option{audit.WithLevels(slog.LevelDebug-4, slog.LevelError)}, []record{rec("ERROR", "Get", "", "NOPE", "NotFound")}},
		{"Debug", []audit.Option{audit.WithLevels(slog.LevelDebug, slog.LevelInfo)}, []record{rec("DEBUG", "Get", "", "DSN", "OK"), rec("INFO", "Get", "", "NOPE", "NotFound")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, buf := setup(t, tt.opts...)
			if _, err := s.Put(ctx, secrets.Secret{Key: "DSN", Value: sentinel}); err != nil {
				t.Fatal(err)
			}
			n := len(buf.String())
			_, _ = s.Get(ctx, "DSN")
			_, _ = s.Get(ctx, "NOPE")
			if diff := cmp.Diff(tt.want, records(t, buf.String()[n:])); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDefaultLogger: a nil logger is slog.Default() at the time of the call.
func TestDefaultLogger(t *testing.T) {
	buf := new(drivertest.SyncBuffer)
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(buf, nil)))
	defer slog.SetDefault(old)
	s := memory.OpenStore().With(audit.Interceptor(nil))
	defer s.Close()
	_, _ = s.ListEnvironments(context.Background())
	if diff := cmp.Diff([]record{rec("INFO", "ListEnvironments", "", "", "OK")}, records(t, buf.String())); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// TestConformance: the suite passes with the audit log in place, and the
// log of the whole suite holds no value (every value the suite writes
// contains "PSV-sentinel-").
func TestConformance(t *testing.T) {
	buf := new(drivertest.SyncBuffer)
	logger := slog.New(slog.NewJSONHandler(buf, nil))
	t.Run("Suite", func(t *testing.T) {
		conformance.Run(t, conformance.Harness{
			New: func(t *testing.T) conformance.Opener {
				db := memory.NewDB()
				return func(t *testing.T) *secrets.Store {
					return secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme}).With(audit.Interceptor(logger))
				}
			},
			Want: backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true,
				Labels: true, Expiry: true, AtomicModify: true, AtomicMove: true, FieldWrites: true},
			Concurrency: 16,
		})
	})
	out := buf.String()
	if len(records(t, out)) < 100 {
		t.Errorf("only %d records for the whole suite", len(records(t, out)))
	}
	if strings.Contains(out, "PSV-sentinel-") {
		t.Error("the audit log of the conformance suite contains a value")
	}
}
