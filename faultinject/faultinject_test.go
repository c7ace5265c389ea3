package faultinject_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/faultinject"
	"github.com/polysecret/secrets/memory"
)

// generous is the upper bound on anything that should be immediate: a
// failure means a hang, not a slow machine.
const generous = 30 * time.Second

func newStore(t *testing.T) (*secrets.Store, *faultinject.Injector) {
	t.Helper()
	inj := faultinject.New()
	s := memory.OpenStore().With(inj.Interceptor())
	t.Cleanup(func() { _ = s.Close() })
	return s, inj
}

// loadConfig is application code under test: it reads a secret and retries
// while the backend answers a retryable code.
func loadConfig(ctx context.Context, s *secrets.Store, key string) (string, int, error) {
	for attempt := 1; ; attempt++ {
		v, err := s.Value(ctx, key)
		if err == nil || attempt == 5 || !secrets.ErrorCode(err).Retryable() {
			return v, attempt, err
		}
	}
}

func TestApplicationRetriesOnUnavailable(t *testing.T) {
	ctx := context.Background()
	s, inj := newStore(t)
	if _, err := s.Create(ctx, secrets.Secret{Key: "DSN", Value: "postgres://db"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		faults       []secrets.Code
		wantValue    string
		wantAttempts int
		wantCode     secrets.Code // Unknown = no error
	}{
		{"NoFault", nil, "postgres://db", 1, secrets.Unknown},
		{"OneUnavailable", []secrets.Code{secrets.Unavailable}, "postgres://db", 2, secrets.Unknown},
		{"UnavailableThenRateLimited", []secrets.Code{secrets.Unavailable, secrets.RateLimited}, "postgres://db", 3, secrets.Unknown},
		{"GivesUp", []secrets.Code{secrets.Unavailable, secrets.Unavailable, secrets.Unavailable, secrets.Unavailable, secrets.Unavailable}, "", 5, secrets.Unavailable},
		{"NotRetryable", []secrets.Code{secrets.PermissionDenied}, "", 1, secrets.PermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inj.Reset()
			for _, c := range tt.faults {
				inj.FailNext("Get", 1, c)
			}
			v, attempts, err := loadConfig(ctx, s, "DSN")
			got := struct {
				Value          string
				Attempts, Gets int
				Code           secrets.Code
			}{v, attempts, inj.Calls("Get"), secrets.ErrorCode(err)}
			if err == nil {
				got.Code = secrets.Unknown
			}
			want := got
			want.Value, want.Attempts, want.Gets, want.Code = tt.wantValue, tt.wantAttempts, tt.wantAttempts, tt.wantCode
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tt.wantCode == secrets.Unavailable && !errors.Is(err, secrets.ErrUnavailable) {
				t.Errorf("errors.Is(%v, ErrUnavailable) is false", err)
			}
		})
	}
}

// TestEveryCode: each code reaches the caller as that code (Canceled and
// DeadlineExceeded with a live context as Unavailable, like a driver's own
// timeout), with errors.Is on its sentinel, and the driver is not called.
func TestEveryCode(t *testing.T) {
	ctx := context.Background()
	for _, c := range backend.Codes() {
		t.Run(c.String(), func(t *testing.T) {
			s, inj := newStore(t)
			inj.FailNext("Create", 1, c)
			_, err := s.Create(ctx, secrets.Secret{Key: "K", Value: "v"})
			want := c
			if c == secrets.Canceled || c == secrets.DeadlineExceeded {
				want = secrets.Unavailable
			}
			if got := secrets.ErrorCode(err); got != want {
				t.Fatalf("code %v (%v), want %v", got, err, want)
			}
			if !errors.Is(err, secrets.Sentinel(want)) {
				t.Errorf("errors.Is(%v, Sentinel(%v)) is false", err, want)
			}
			var se *secrets.Error
			if !errors.As(err, &se) || se.Op != "Create" || se.Key != "K" {
				t.Errorf("error %#v is not a *secrets.Error for Create K", err)
			}
			if !strings.Contains(err.Error(), "faultinject") {
				t.Errorf("error text %q does not say it was injected", err)
			}
			// Nothing was written: the driver was not called.
			if _, err := s.Get(ctx, "K"); !errors.Is(err, secrets.ErrNotFound) {
				t.Errorf("Get after the failed Create: %v, want NotFound", err)
			}
			if diff := cmp.Diff([]int{1, 1}, []int{inj.Calls("Create"), inj.Injected()}); diff != "" {
				t.Errorf("calls, injected (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFailNextMatching(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(*faultinject.Injector)
		// ops run in order: Create K, Get K, Get K, ListEnvironments.
		want []secrets.Code // Unknown = success
	}{
		{"None", func(*faultinject.Injector) {}, []secrets.Code{0, 0, 0, 0}},
		{"AnyOp", func(i *faultinject.Injector) { i.FailNext("", 2, secrets.Internal) }, []secrets.Code{secrets.Internal, secrets.Internal, secrets.NotFound, 0}},
		{"OnlyGet", func(i *faultinject.Injector) { i.FailNext("Get", 1, secrets.RateLimited) }, []secrets.Code{0, secrets.RateLimited, 0, 0}},
		{"OpBeforeAny", func(i *faultinject.Injector) {
			i.FailNext("", 1, secrets.Internal)
			i.FailNext("Get", 1, secrets.RateLimited)
		}, []secrets.Code{secrets.Internal, secrets.RateLimited, secrets.NotFound, 0}},
		{"Environments", func(i *faultinject.Injector) { i.FailNext("ListEnvironments", 3, secrets.Unauthenticated) }, []secrets.Code{0, 0, 0, secrets.Unauthenticated}},
		{"ZeroTimes", func(i *faultinject.Injector) { i.FailNext("Get", 0, secrets.Internal) }, []secrets.Code{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, inj := newStore(t)
			tt.setup(inj)
			code := func(err error) secrets.Code {
				if err == nil {
					return 0
				}
				return secrets.ErrorCode(err)
			}
			var got []secrets.Code
			_, err := s.Create(ctx, secrets.Secret{Key: "K", Value: "v"})
			got = append(got, code(err))
			for range 2 {
				_, err = s.Get(ctx, "K")
				got = append(got, code(err))
			}
			_, err = s.ListEnvironments(ctx)
			got = append(got, code(err))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			wantCalls := map[string]int{"": 4, "Create": 1, "Get": 2, "ListEnvironments": 1, "Delete": 0}
			gotCalls := map[string]int{}
			for op := range wantCalls {
				gotCalls[op] = inj.Calls(op)
			}
			if diff := cmp.Diff(wantCalls, gotCalls); diff != "" {
				t.Errorf("Calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDelayRespectsDeadline: a call delayed beyond the caller's deadline
// returns DeadlineExceeded when the deadline passes, without reaching the
// driver.
func TestDelayRespectsDeadline(t *testing.T) {
	s, inj := newStore(t)
	inj.Delay("Create", time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Create(ctx, secrets.Secret{Key: "K", Value: "v"})
	if el := time.Since(start); el > generous {
		t.Errorf("Create took %v with a 20ms deadline", el)
	}
	if !errors.Is(err, secrets.ErrDeadlineExceeded) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Create: %v, want DeadlineExceeded", err)
	}
	// Other operations are not delayed; nothing was written.
	bg, cancel2 := context.WithTimeout(context.Background(), generous)
	defer cancel2()
	if _, err := s.Get(bg, "K"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("Get: %v, want NotFound", err)
	}
	// Delay 0 removes it; a delay for any op applies when the op has none.
	inj.Delay("Create", 0)
	if _, err := s.Create(bg, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	inj.Delay("", time.Hour)
	ctx3, cancel3 := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel3() }()
	if _, err := s.Get(ctx3, "K"); !errors.Is(err, secrets.ErrCanceled) {
		t.Fatalf("Get with Delay(\"\"): %v, want Canceled", err)
	}
	inj.Reset()
	if _, err := s.Get(bg, "K"); err != nil {
		t.Fatalf("Get after Reset: %v", err)
	}
	if diff := cmp.Diff([]int{1, 1}, []int{inj.Calls(""), inj.Calls("Get")}); diff != "" {
		t.Errorf("calls after Reset (-want +got):\n%s", diff)
	}
}

// TestConcurrent: n injected failures fail exactly n of many concurrent
// calls, and every call is counted.
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	s, inj := newStore(t)
	if _, err := s.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	inj.Reset()
	inj.FailNext("Get", 50, secrets.Unavailable)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
	)
	for range 16 {
		wg.Go(func() {
			for range 25 {
				if _, err := s.Get(ctx, "K"); err != nil {
					if !errors.Is(err, secrets.ErrUnavailable) {
						t.Errorf("Get: %v", err)
					}
					mu.Lock()
					failed++
					mu.Unlock()
				}
				_ = inj.Calls("Get")
			}
		})
	}
	wg.Wait()
	if diff := cmp.Diff([]int{50, 400, 50}, []int{failed, inj.Calls("Get"), inj.Injected()}); diff != "" {
		t.Errorf("failed, calls, injected (-want +got):\n%s", diff)
	}
}

func TestUnknownOpPanics(t *testing.T) {
	for _, f := range []func(*faultinject.Injector){
		func(i *faultinject.Injector) { i.FailNext("get", 1, secrets.Internal) },
		func(i *faultinject.Injector) { i.Delay("List", time.Second) },
		func(i *faultinject.Injector) { i.Calls("Lookup") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic for an unknown operation")
				}
			}()
			f(faultinject.New())
		}()
	}
}

// TestOpsSeen: the names in Ops are the ones the driver calls carry.
func TestOpsSeen(t *testing.T) {
	ctx := context.Background()
	inj := faultinject.New()
	s := secrets.NewStore(pinger{memory.NewDB().Driver()}, secrets.StoreOptions{Scheme: memory.Scheme}).With(inj.Interceptor())
	defer s.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreateEnvironment(ctx, secrets.Environment{Name: "prod"})
	must(err)
	_, err = s.GetEnvironment(ctx, "prod")
	must(err)
	_, err = s.ModifyEnvironment(ctx, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("d")})
	must(err)
	_, err = s.ListEnvironments(ctx)
	must(err)
	_, err = s.Create(ctx, secrets.Secret{Key: "K", Value: "v"})
	must(err)
	_, err = s.Get(ctx, "K")
	must(err)
	_, err = s.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr("w")})
	must(err)
	_, err = s.Versions(ctx, "K")
	must(err)
	_, _, err = s.ListPage(ctx, secrets.ListOptions{}, "")
	must(err)
	_, err = s.Put(ctx, secrets.Secret{Key: "P", Value: "v"})
	must(err)
	_, err = s.Values(ctx, "K", "P")
	must(err)
	_, err = s.Put(ctx, secrets.Secret{Key: "J", Value: `{"a":"b"}`})
	must(err)
	_, err = s.Modify(ctx, "J#a", secrets.Update{Value: secrets.Ptr("c")})
	must(err)
	must(s.Ping(ctx))
	must(s.Delete(ctx, "K"))
	must(s.DeleteEnvironment(ctx, "prod"))
	for _, op := range faultinject.Ops {
		if inj.Calls(op) == 0 {
			t.Errorf("no %s call counted", op)
		}
	}
}

// pinger gives the memory driver a Ping (mem:// has none, so Store.Ping
// falls back to ListEnvironments).
type pinger struct{ backend.Driver }

func (pinger) Ping(context.Context) error { return nil }

func (p pinger) Put(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	return p.Driver.(backend.Putter).Put(ctx, s)
}

func (p pinger) SetField(ctx context.Context, env, key, field, value string) (*backend.Secret, error) {
	return p.Driver.(backend.FieldSetter).SetField(ctx, env, key, field, value)
}

func (p pinger) Values(ctx context.Context, env string, keys []string) ([]backend.ValueResult, error) {
	return p.Driver.(backend.BatchGetter).Values(ctx, env, keys)
}

// TestConformance: with no faults configured, the Injector changes nothing.
func TestConformance(t *testing.T) {
	inj := faultinject.New()
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			db := memory.NewDB()
			return func(t *testing.T) *secrets.Store {
				return secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme}).With(inj.Interceptor())
			}
		},
		Want: backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true,
			Labels: true, Expiry: true, AtomicModify: true, AtomicMove: true, FieldWrites: true},
		Concurrency: 16,
	})
	if inj.Calls("") == 0 || inj.Injected() != 0 {
		t.Errorf("calls %d, injected %d", inj.Calls(""), inj.Injected())
	}
}

// TestStackedOptional: over another middleware on a driver without Ping,
// the Injector does not count the Ping the driver lacks, only the
// portable layer's fallback.
func TestStackedOptional(t *testing.T) {
	inner, outer := faultinject.New(), faultinject.New()
	s := noPing().With(inner.Interceptor()).With(outer.Interceptor())
	defer s.Close()
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[string][]int{}
	for _, op := range []string{"", "Ping", "ListEnvironments"} {
		got[op] = []int{inner.Calls(op), outer.Calls(op)}
	}
	want := map[string][]int{"": {1, 1}, "Ping": {0, 0}, "ListEnvironments": {1, 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls [inner outer] (-want +got):\n%s", diff)
	}
}

// noPing is a mem:// store whose driver lacks the optional interfaces
// (Ping, Put, Values), so the portable layer falls back.
func noPing() *secrets.Store {
	return secrets.NewStore(struct{ backend.Driver }{memory.NewDB().Driver()}, secrets.StoreOptions{Scheme: "mem"})
}
