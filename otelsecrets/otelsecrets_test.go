package otelsecrets_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/otelsecrets"
)

// sentinel is written as secret values and put in the text of the errors
// the test driver returns: it must appear nowhere in the telemetry.
const sentinel = "PSV-sentinel-otel-7c21"

// full gives the memory driver every optional interface (mem:// has no
// Ping of its own), so that each operation is a driver call.
type full struct{ backend.Driver }

func (full) Ping(context.Context) error { return nil }

func (f full) Put(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	return f.Driver.(backend.Putter).Put(ctx, s)
}

func (f full) Values(ctx context.Context, env string, keys []string) ([]backend.ValueResult, error) {
	return f.Driver.(backend.BatchGetter).Values(ctx, env, keys)
}

// failer fails the driver calls its hook says to, under the middleware.
type failer struct {
	mu   sync.Mutex
	hook func(ctx context.Context, c *backend.Call) error // nil: no failure
}

func (f *failer) set(h func(context.Context, *backend.Call) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = h
}

func (f *failer) intercept(ctx context.Context, c *backend.Call, next func(context.Context) error) error {
	f.mu.Lock()
	h := f.hook
	f.mu.Unlock()
	if h != nil {
		if err := h(ctx, c); err != nil {
			return err
		}
	}
	return next(ctx)
}

type env struct {
	base   *secrets.Store // without the middleware, for the setup
	store  *secrets.Store // with it
	fail   *failer
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
}

// newEnv: a mem:// store (a driver with Ping, Put and Values) with the
// failer under otelsecrets, holding environments prod (with API) and
// empty, and the global DSN.
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{fail: new(failer), spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	drv := backend.Intercept(full{memory.NewDB().Driver()}, memory.Scheme, e.fail.intercept)
	e.base = secrets.NewStore(drv, secrets.StoreOptions{Scheme: memory.Scheme})
	e.store = e.base.With(otelsecrets.Interceptor(otelsecrets.WithTracerProvider(tp), otelsecrets.WithMeterProvider(mp)))
	t.Cleanup(func() { _ = e.base.Close() })
	for _, name := range []string{"prod", "empty"} {
		if _, err := e.base.CreateEnvironment(ctx, secrets.Environment{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []secrets.Secret{{Key: "DSN", Value: sentinel + "-dsn"}, {Environment: "prod", Key: "API", Value: sentinel + "-api"}} {
		if _, err := e.base.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// span is what the test compares of a recorded span.
type span struct {
	Name   string
	Kind   trace.SpanKind
	Attrs  map[string]string
	Status codes.Code
	Desc   string
	Events int
}

// sp is the span of op on (env, key); code "" = success.
func sp(op, env, key, code string) span {
	s := span{Name: "polysecret." + op, Kind: trace.SpanKindClient, Attrs: map[string]string{
		"polysecret.scheme": "mem", "polysecret.operation": op, "polysecret.environment": env}}
	if key != "" {
		s.Attrs["polysecret.key"] = key
	}
	if code != "" {
		s.Attrs["polysecret.code"] = code
		s.Status, s.Desc = codes.Error, code
	}
	return s
}

func (e *env) ended(t *testing.T) []span {
	t.Helper()
	var out []span
	for _, s := range e.spans.Ended() {
		if s.InstrumentationScope().Name != otelsecrets.ScopeName {
			t.Errorf("span %s has scope %q", s.Name(), s.InstrumentationScope().Name)
		}
		a := map[string]string{}
		for _, kv := range s.Attributes() {
			a[string(kv.Key)] = kv.Value.String()
		}
		out = append(out, span{Name: s.Name(), Kind: s.SpanKind(), Attrs: a, Status: s.Status().Code, Desc: s.Status().Description, Events: len(s.Events())})
	}
	return out
}

// points collects the metrics as "name{op,code}" → the histogram's count
// or the counter's value; every data point must have scheme mem.
func (e *env) points(t *testing.T) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	key := func(name string, set attribute.Set) string {
		if v, _ := set.Value(otelsecrets.AttrScheme); v.String() != "mem" || set.Len() != 3 {
			t.Errorf("%s: attributes %v", name, set.ToSlice())
		}
		op, _ := set.Value(otelsecrets.AttrOperation)
		code, _ := set.Value(otelsecrets.AttrCode)
		return fmt.Sprintf("%s{%s,%s}", strings.TrimPrefix(name, "polysecret.operation."), op.String(), code.String())
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelsecrets.ScopeName {
			t.Errorf("metrics of scope %q", sm.Scope.Name)
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				if m.Name != otelsecrets.MetricDuration || m.Unit != "s" {
					t.Errorf("histogram %s in %q", m.Name, m.Unit)
				}
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] += int64(p.Count)
				}
			case metricdata.Sum[int64]:
				if m.Name != otelsecrets.MetricErrors || !d.IsMonotonic {
					t.Errorf("sum %s, monotonic %v", m.Name, d.IsMonotonic)
				}
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] += p.Value
				}
			default:
				t.Errorf("unexpected metric %s: %T", m.Name, m.Data)
			}
		}
	}
	noLeakMetrics(t, &rm)
	return out
}

// noLeak fails if the sentinel is anywhere in the spans: name, attributes,
// events, status, links, or their whole printed form.
func (e *env) noLeak(t *testing.T) {
	t.Helper()
	for _, s := range e.spans.Ended() {
		texts := []string{s.Name(), s.Status().Description, fmt.Sprintf("%+v", tracetest.SpanStubFromReadOnlySpan(s))}
		for _, kv := range s.Attributes() {
			texts = append(texts, kv.Value.String())
		}
		for _, ev := range s.Events() {
			texts = append(texts, ev.Name)
			for _, kv := range ev.Attributes {
				texts = append(texts, kv.Value.String())
			}
		}
		for _, l := range s.Links() {
			for _, kv := range l.Attributes {
				texts = append(texts, kv.Value.String())
			}
		}
		for _, x := range texts {
			if strings.Contains(x, "PSV-sentinel-") {
				t.Errorf("span %s contains a value: %s", s.Name(), x)
			}
		}
	}
}

func noLeakMetrics(t *testing.T, rm *metricdata.ResourceMetrics) {
	t.Helper()
	if x := fmt.Sprintf("%+v", *rm); strings.Contains(x, "PSV-sentinel-") {
		t.Errorf("the metrics contain a value: %s", x)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			var sets []attribute.Set
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					sets = append(sets, p.Attributes)
				}
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					sets = append(sets, p.Attributes)
				}
			}
			for _, s := range sets {
				for _, kv := range s.ToSlice() {
					if strings.Contains(kv.Value.String(), "PSV-sentinel-") {
						t.Errorf("metric %s: attribute %s contains a value", m.Name, kv.Key)
					}
				}
			}
		}
	}
}

// durations counts one duration per span and one error per failed span.
func durations(spans []span) map[string]int64 {
	out := map[string]int64{}
	for _, s := range spans {
		op, code := s.Attrs["polysecret.operation"], s.Attrs["polysecret.code"]
		if code == "" {
			code = "OK"
		} else {
			out[fmt.Sprintf("errors{%s,%s}", op, code)]++
		}
		out[fmt.Sprintf("duration{%s,%s}", op, code)]++
	}
	return out
}

type opCase struct {
	name string
	op   string // the operation the case is about
	run  func(ctx context.Context, s *secrets.Store) error
	want []span
}

var ops = []opCase{
	{"Get", "Get", func(ctx context.Context, s *secrets.Store) error { _, err := s.Get(ctx, "DSN"); return err },
		[]span{sp("Get", "", "DSN", "")}},
	{"GetFallsBack", "Get", func(ctx context.Context, s *secrets.Store) error { _, err := s.In("prod").Get(ctx, "DSN"); return err },
		[]span{sp("Get", "prod", "DSN", "NotFound"), sp("Get", "", "DSN", "")}},
	{"Create", "Create", func(ctx context.Context, s *secrets.Store) error {
		_, err := s.Create(ctx, secrets.Secret{Key: "NEW", Value: sentinel + "-new"})
		return err
	}, []span{sp("Create", "", "NEW", "")}},
	{"CreateInEnvironment", "Create", func(ctx context.Context, s *secrets.Store) error {
		_, err := s.In("prod").Create(ctx, secrets.Secret{Key: "NEW", Value: sentinel + "-new"})
		return err
	}, []span{sp("Create", "prod", "NEW", ""), sp("GetEnvironment", "prod", "", "")}},
	{"Modify", "Modify", func(ctx context.Context, s *secrets.Store) error {
		_, err := s.Modify(ctx, "DSN", secrets.Update{Value: secrets.Ptr(sentinel + "-mod")})
		return err
	}, []span{sp("Modify", "", "DSN", "")}},
	{"Delete", "Delete", func(ctx context.Context, s *secrets.Store) error { return s.Delete(ctx, "DSN") },
		[]span{sp("Delete", "", "DSN", "")}},
	{"ListPage", "ListPage", func(ctx context.Context, s *secrets.Store) error {
		_, _, err := s.In("prod").ListPage(ctx, secrets.ListOptions{WithValues: true}, "")
		return err
	}, []span{sp("ListPage", "prod", "", "")}},
	{"Versions", "Versions", func(ctx context.Context, s *secrets.Store) error { _, err := s.Versions(ctx, "DSN"); return err },
		[]span{sp("Versions", "", "DSN", "")}},
	{"Ping", "Ping", func(ctx context.Context, s *secrets.Store) error { return s.Ping(ctx) },
		[]span{sp("Ping", "", "", "")}},
	{"PingInEnvironment", "Ping", func(ctx context.Context, s *secrets.Store) error { return s.In("prod").Ping(ctx) },
		[]span{sp("Ping", "", "", ""), sp("GetEnvironment", "prod", "", "")}},
	{"Put", "Put", func(ctx context.Context, s *secrets.Store) error {
		_, err := s.Put(ctx, secrets.Secret{Key: "DSN", Value: sentinel + "-put"})
		return err
	}, []span{sp("Put", "", "DSN", "")}},
	{"Values", "Values", func(ctx context.Context, s *secrets.Store) error {
		_, err := s.In("prod").Values(ctx, "API", "DSN", "NOPE")
		return err
	}, []span{sp("Values", "prod", "", ""), sp("Values", "", "", "")}},
	{"ListEnvironments", "ListEnvironments", func(ctx context.Context, s *secrets.Store) error { _, err := s.ListEnvironments(ctx); return err },
		[]span{sp("ListEnvironments", "", "", "")}},
	{"GetEnvironment", "GetEnvironment", func(ctx context.Context, s *secrets.Store) error { _, err := s.GetEnvironment(ctx, "prod"); return err },
		[]span{sp("GetEnvironment", "prod", "", "")}},
	{"CreateEnvironment", "CreateEnvironment", func(ctx context.Context, s *secrets.Store) error {
		_, err := s.CreateEnvironment(ctx, secrets.Environment{Name: "dev"})
		return err
	}, []span{sp("CreateEnvironment", "dev", "", "")}},
	{"ModifyEnvironment", "ModifyEnvironment", func(ctx context.Context, s *secrets.Store) error {
		_, err := s.ModifyEnvironment(ctx, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("production")})
		return err
	}, []span{sp("ModifyEnvironment", "prod", "", "")}},
	{"DeleteEnvironment", "DeleteEnvironment", func(ctx context.Context, s *secrets.Store) error { return s.DeleteEnvironment(ctx, "empty") },
		[]span{sp("GetEnvironment", "empty", "", ""), sp("DeleteEnvironment", "empty", "", ""), sp("ListPage", "empty", "", "")}},
}

// TestOperations: each operation makes one span per driver call with the
// scheme, operation, scope and key, a duration, and no value anywhere.
func TestOperations(t *testing.T) {
	seen := map[string]bool{}
	for _, tt := range ops {
		seen[tt.op] = true
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if err := tt.run(context.Background(), e.store); err != nil {
				t.Fatal(err)
			}
			got := e.ended(t)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("spans (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(durations(tt.want), e.points(t)); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
			e.noLeak(t)
		})
	}
	for _, op := range []string{"Get", "Create", "Modify", "Delete", "ListPage", "Versions", "Ping", "Put", "Values",
		"ListEnvironments", "GetEnvironment", "CreateEnvironment", "ModifyEnvironment", "DeleteEnvironment"} {
		if !seen[op] {
			t.Errorf("no case for %s", op)
		}
	}
}

// TestOperationsFail: each operation failing (with a sentinel in the
// error's text) is an Error span with the code and an error counted.
func TestOperationsFail(t *testing.T) {
	for _, tt := range ops {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.fail.set(func(_ context.Context, c *backend.Call) error {
				if c.Op == tt.op {
					return backend.Errorf(backend.Unavailable, "%s failed: %s", c.Op, sentinel)
				}
				return nil
			})
			err := tt.run(context.Background(), e.store)
			if secrets.ErrorCode(err) != secrets.Unavailable {
				t.Fatalf("got %v, want Unavailable", err)
			}
			got := e.ended(t)
			n := 0
			for _, s := range got {
				if s.Name == "polysecret."+tt.op {
					n++
					if diff := cmp.Diff(sp(tt.op, s.Attrs["polysecret.environment"], s.Attrs["polysecret.key"], "Unavailable"), s); diff != "" {
						t.Errorf("span (-want +got):\n%s", diff)
					}
				}
			}
			if n != 1 {
				t.Errorf("%d spans of %s, want 1: %v", n, tt.op, got)
			}
			if diff := cmp.Diff(durations(got), e.points(t)); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
			e.noLeak(t)
		})
	}
}

// TestCodes: every code a driver call fails with is on the span and in
// the metrics, as the caller sees it.
func TestCodes(t *testing.T) {
	type setup func(t *testing.T) (context.Context, func(context.Context, *backend.Call) error)
	classified := func(c backend.Code) setup {
		return func(t *testing.T) (context.Context, func(context.Context, *backend.Call) error) {
			return context.Background(), func(context.Context, *backend.Call) error {
				return backend.Errorf(c, "driver says %v: %s", c, sentinel)
			}
		}
	}
	tests := map[string]struct {
		setup setup
		want  backend.Code
	}{
		// The caller's context is canceled during the call.
		"Canceled": {func(t *testing.T) (context.Context, func(context.Context, *backend.Call) error) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return ctx, func(ctx context.Context, _ *backend.Call) error { cancel(); return ctx.Err() }
		}, backend.Canceled},
		// The caller's deadline passes during the call.
		"DeadlineExceeded": {func(t *testing.T) (context.Context, func(context.Context, *backend.Call) error) {
			exp := &expiring{Context: context.Background(), done: make(chan struct{})}
			return exp, func(ctx context.Context, _ *backend.Call) error { exp.expire(); return ctx.Err() }
		}, backend.DeadlineExceeded},
		// A driver's own timeout, the caller's context alive: Unavailable.
		"DriverTimeout": {func(t *testing.T) (context.Context, func(context.Context, *backend.Call) error) {
			return context.Background(), func(context.Context, *backend.Call) error { return context.DeadlineExceeded }
		}, backend.Unavailable},
		"DriverCanceled": {classified(backend.Canceled), backend.Unavailable},
		// An error the driver does not classify.
		"Unclassified": {func(t *testing.T) (context.Context, func(context.Context, *backend.Call) error) {
			return context.Background(), func(context.Context, *backend.Call) error { return fmt.Errorf("boom %s", sentinel) }
		}, backend.Unknown},
	}
	for _, c := range backend.Codes() {
		if c != backend.Canceled && c != backend.DeadlineExceeded {
			tests["Driver"+c.String()] = struct {
				setup setup
				want  backend.Code
			}{classified(c), c}
		}
	}
	names := make([]string, 0, len(tests))
	for name := range tests {
		names = append(names, name)
	}
	sort.Strings(names)
	seen := map[backend.Code]bool{}
	for _, name := range names {
		tt := tests[name]
		seen[tt.want] = true
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			ctx, hook := tt.setup(t)
			e.fail.set(func(ctx context.Context, c *backend.Call) error {
				if c.Op == "Get" {
					return hook(ctx, c)
				}
				return nil
			})
			_, err := e.store.Get(ctx, "DSN")
			if got := secrets.ErrorCode(err); got != tt.want {
				t.Fatalf("Get: code %v (%v), want %v", got, err, tt.want)
			}
			want := []span{sp("Get", "", "DSN", tt.want.String())}
			if diff := cmp.Diff(want, e.ended(t)); diff != "" {
				t.Errorf("spans (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(durations(want), e.points(t)); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
			e.noLeak(t)
		})
	}
	for _, c := range backend.Codes() {
		if !seen[c] {
			t.Errorf("no case for %v", c)
		}
	}
}

// expiring is a context whose deadline passes when expire is called, so
// that a test can make it pass during a driver call without timing.
type expiring struct {
	context.Context
	once sync.Once
	done chan struct{}
}

func (c *expiring) expire() { c.once.Do(func() { close(c.done) }) }

func (c *expiring) Done() <-chan struct{} { return c.done }

func (c *expiring) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// TestSpanContext: the span is a child of the caller's, and the driver
// gets a context carrying it.
func TestSpanContext(t *testing.T) {
	e := newEnv(t)
	var inDriver trace.SpanContext
	e.fail.set(func(ctx context.Context, _ *backend.Call) error {
		inDriver = trace.SpanContextFromContext(ctx)
		return nil
	})
	tp := sdktrace.NewTracerProvider()
	ctx, parent := tp.Tracer("app").Start(context.Background(), "handler")
	if _, err := e.store.Get(ctx, "DSN"); err != nil {
		t.Fatal(err)
	}
	parent.End()
	spans := e.spans.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	s := spans[0]
	if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("span %v is not a child of %v", s.SpanContext(), parent.SpanContext())
	}
	if !inDriver.Equal(s.SpanContext()) {
		t.Errorf("the driver's context has span %v, want %v", inDriver, s.SpanContext())
	}
}

// TestGlobalProviders: without options, the global providers are used.
func TestGlobalProviders(t *testing.T) {
	sr, reader := tracetest.NewSpanRecorder(), sdkmetric.NewManualReader()
	oldT, oldM := otel.GetTracerProvider(), otel.GetMeterProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr)))
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	defer func() { otel.SetTracerProvider(oldT); otel.SetMeterProvider(oldM) }()

	s := memory.OpenStore().With(otelsecrets.Interceptor())
	defer s.Close()
	if _, err := s.ListEnvironments(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := &env{spans: sr, reader: reader}
	if diff := cmp.Diff([]span{sp("ListEnvironments", "", "", "")}, e.ended(t)); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int64{"duration{ListEnvironments,OK}": 1}, e.points(t)); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}

// TestConformance: the suite passes with the middleware in place, and none
// of the values it writes (all contain "PSV-sentinel-") is in the telemetry.
func TestConformance(t *testing.T) {
	e := &env{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	icpt := otelsecrets.Interceptor(
		otelsecrets.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))),
		otelsecrets.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))))
	t.Run("Suite", func(t *testing.T) {
		conformance.Run(t, conformance.Harness{
			New: func(t *testing.T) conformance.Opener {
				db := memory.NewDB()
				return func(t *testing.T) *secrets.Store {
					return secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme}).With(icpt)
				}
			},
			Want: backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true,
				Labels: true, Expiry: true, AtomicModify: true, AtomicMove: true, FieldWrites: true},
			Concurrency: 16,
		})
	})
	spans := e.ended(t)
	ops := map[string]bool{}
	for _, s := range spans {
		ops[s.Attrs["polysecret.operation"]] = true
	}
	var names []string
	for op := range ops {
		names = append(names, op)
	}
	sort.Strings(names)
	t.Logf("%d spans of %v", len(spans), names)
	if len(spans) < 100 || !ops["Get"] || !ops["Put"] || !ops["Values"] {
		t.Errorf("%d spans of %v", len(spans), names)
	}
	e.points(t)
	e.noLeak(t)
}

// TestStackedOptional: over another middleware on a driver without Ping
// (mem://), the Ping the driver lacks is not measured nor an error, and
// the portable layer's fallback is.
func TestStackedOptional(t *testing.T) {
	e := &env{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	pass := func(ctx context.Context, _ *backend.Call, next func(context.Context) error) error { return next(ctx) }
	s := noPing().With(pass).With(otelsecrets.Interceptor(
		otelsecrets.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))),
		otelsecrets.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader)))))
	defer s.Close()
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, sp := range e.ended(t) {
		if sp.Status != codes.Unset || sp.Attrs["polysecret.code"] != "" {
			t.Errorf("span %+v", sp)
		}
	}
	if diff := cmp.Diff(map[string]int64{"duration{ListEnvironments,OK}": 1}, e.points(t)); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}

// noPing is a mem:// store whose driver lacks the optional interfaces
// (Ping, Put, Values), so the portable layer falls back.
func noPing() *secrets.Store {
	return secrets.NewStore(struct{ backend.Driver }{memory.NewDB().Driver()}, secrets.StoreOptions{Scheme: "mem"})
}
