package psvar_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/gcerrors"
	"gocloud.dev/runtimevar"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/gocdk"
	pstest "github.com/polysecret/secrets/internal/drivertest"
	psvar "github.com/polysecret/secrets/runtimevar"
)

const (
	secretValue = "s3cr3t-VALUE-not-json"
	pin         = "31415926535" // a JSON number: decoding it into int8 quotes it
)

func memStore(t *testing.T, secs ...secrets.Secret) *secrets.Store {
	t.Helper()
	s, err := secrets.OpenStore(context.Background(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for _, sec := range secs {
		if _, err := s.Create(context.Background(), sec); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// first returns the Variable's first state, value or error (Latest would
// wait for a good value).
func first(t *testing.T, v *runtimevar.Variable) (any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := v.Watch(ctx)
	return snap.Value, err
}

// TestOpenVariable: values, fields, decoders and errors, through a Variable.
func TestOpenVariable(t *testing.T) {
	store := memStore(t,
		secrets.Secret{Key: "DB_PASSWORD", Value: "hunter2"},
		secrets.Secret{Key: "DATABASE", Value: `{"user":"app","password":"pw"}`},
		secrets.Secret{Key: "NOT_JSON", Value: secretValue},
		secrets.Secret{Key: "PIN", Value: pin},
	)
	var m map[string]any
	for _, tc := range []struct {
		name     string
		key      string
		decoder  *runtimevar.Decoder
		want     any
		wantCode gcerrors.ErrorCode
	}{
		{"string", "DB_PASSWORD", runtimevar.StringDecoder, "hunter2", gcerrors.OK},
		{"bytes", "DB_PASSWORD", runtimevar.BytesDecoder, []byte("hunter2"), gcerrors.OK},
		{"field", "DATABASE#password", runtimevar.StringDecoder, "pw", gcerrors.OK},
		{"json", "DATABASE", runtimevar.NewDecoder(m, runtimevar.JSONDecode), map[string]any{"user": "app", "password": "pw"}, gcerrors.OK},
		{"missing", "NOPE", runtimevar.StringDecoder, nil, gcerrors.NotFound},
		{"missing field", "DATABASE#nope", runtimevar.StringDecoder, nil, gcerrors.NotFound},
		{"field of a non-object", "NOT_JSON#x", runtimevar.StringDecoder, nil, gcerrors.InvalidArgument},
		{"undecodable", "NOT_JSON", runtimevar.NewDecoder(m, runtimevar.JSONDecode), nil, gcerrors.InvalidArgument},
		{"undecodable, quoted by the decoder", "PIN", runtimevar.NewDecoder(int8(0), runtimevar.JSONDecode), nil, gcerrors.InvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := psvar.OpenVariable(store, tc.key, tc.decoder, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			got, err := first(t, v)
			if code := gcerrors.Code(err); code != tc.wantCode {
				t.Fatalf("code %v (%v), want %v", code, err, tc.wantCode)
			}
			if err != nil {
				if strings.Contains(err.Error(), secretValue) || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), pin) {
					t.Errorf("error text holds the value: %v", err)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOpenVariableInvalid: what cannot work is refused at open.
func TestOpenVariableInvalid(t *testing.T) {
	store := memStore(t)
	for _, tc := range []struct {
		name    string
		store   *secrets.Store
		key     string
		decoder *runtimevar.Decoder
	}{
		{"nil store", nil, "K", runtimevar.StringDecoder},
		{"empty key", store, "", runtimevar.StringDecoder},
		{"invalid key", store, "a\nb", runtimevar.StringDecoder},
		{"nil decoder", store, "K", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := psvar.OpenVariable(tc.store, tc.key, tc.decoder, nil)
			if err == nil {
				v.Close()
				t.Fatal("no error")
			}
			if got := secrets.ErrorCode(err); got != secrets.InvalidArgument {
				t.Errorf("code %v (%v), want InvalidArgument", got, err)
			}
		})
	}
}

// TestErrorCode: every polysecret code maps as gocdk.GCErrorCode says.
func TestErrorCode(t *testing.T) {
	w, err := psvar.NewWatcher(memStore(t), "K", runtimevar.StringDecoder, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for c := secrets.Unknown; c <= secrets.DeadlineExceeded; c++ {
		t.Run(c.String(), func(t *testing.T) {
			err := &secrets.Error{Code: c, Op: "Get", Key: "K"}
			if got, want := w.ErrorCode(err), gocdk.GCErrorCode(c); got != want {
				t.Errorf("ErrorCode(%v) = %v, want %v", c, got, want)
			}
		})
	}
}

// TestWait: WatchVariable asks to be called again after Options.Wait
// (driver.DefaultWaitDuration when zero), with or without a change.
func TestWait(t *testing.T) {
	store := memStore(t, secrets.Secret{Key: "K", Value: "v"})
	for _, tc := range []struct {
		name string
		opts *psvar.Options
		want time.Duration
	}{
		{"default", nil, 30 * time.Second},
		{"set", &psvar.Options{Wait: 5 * time.Second}, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := psvar.NewWatcher(store, "K", runtimevar.StringDecoder, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			st, wait := w.WatchVariable(context.Background(), nil)
			if st == nil || wait != tc.want {
				t.Fatalf("first: state %v wait %v, want a state and %v", st, wait, tc.want)
			}
			st2, wait := w.WatchVariable(context.Background(), st)
			if st2 != nil || wait != tc.want {
				t.Fatalf("unchanged: state %v wait %v, want nil and %v", st2, wait, tc.want)
			}
		})
	}
}

// TestCloseLeavesStore: closing a Variable from OpenVariable leaves the
// caller's store open.
func TestCloseLeavesStore(t *testing.T) {
	store := memStore(t, secrets.Secret{Key: "K", Value: "v"})
	v, err := psvar.OpenVariable(store, "K", runtimevar.StringDecoder, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Value(context.Background(), "K"); err != nil {
		t.Fatalf("store after Variable.Close: %v", err)
	}
}

// TestURLOpener: polysecret://?url=…&key=…&decoder=…&wait=… on
// runtimevar's default mux.
func TestURLOpener(t *testing.T) {
	ctx := context.Background()
	mem := "mem://psvar-url-" + pstest.Prefix() // named: shared with the URL opener's store
	seed, err := secrets.OpenStore(ctx, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	for _, sec := range []secrets.Secret{
		{Key: "DB_PASSWORD", Value: "hunter2"},
		{Key: "DB_PASSWORD", Value: "prod-pw", Environment: "prod"},
		{Key: "DATABASE", Value: `{"password":"pw"}`},
	} {
		if sec.Environment != "" {
			if _, err := seed.CreateEnvironment(ctx, secrets.Environment{Name: sec.Environment}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := seed.Create(ctx, sec); err != nil {
			t.Fatal(err)
		}
	}
	q := func(inner string, kv ...string) string {
		v := url.Values{}
		v.Set("url", inner)
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "polysecret://?" + v.Encode()
	}
	for _, tc := range []struct {
		name    string
		url     string
		want    any
		openErr bool
	}{
		{"string", q(mem, "key", "DB_PASSWORD", "decoder", "string"), "hunter2", false},
		{"bytes by default", q(mem, "key", "DB_PASSWORD"), []byte("hunter2"), false},
		{"field", q(mem, "key", "DATABASE#password", "decoder", "string"), "pw", false},
		{"env and cache of the inner URL", q(mem+"?env=prod&cache_ttl=1m", "key", "DB_PASSWORD", "decoder", "string"), "prod-pw", false},
		{"wait", q(mem, "key", "DB_PASSWORD", "decoder", "string", "wait", "2s"), "hunter2", false},
		{"jsonmap", q(mem, "key", "DATABASE", "decoder", "jsonmap"), &map[string]any{"password": "pw"}, false}, // gocloud decodes jsonmap to a *map
		{"no url", "polysecret://?key=DB_PASSWORD", nil, true},
		{"no key", q(mem), nil, true},
		{"bad decoder", q(mem, "key", "K", "decoder", "nope"), nil, true},
		{"bad wait", q(mem, "key", "K", "wait", "soon"), nil, true},
		{"unknown parameter", q(mem, "key", "K", "bogus", "1"), nil, true},
		{"host", "polysecret://host?url=mem%3A%2F%2F&key=K", nil, true},
		{"unknown inner scheme", q("nope://x", "key", "K"), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := runtimevar.OpenVariable(ctx, tc.url)
			if tc.openErr {
				if err == nil {
					v.Close()
					t.Fatal("no error at open")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			got, err := first(t, v)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}

// TestURLOpenerClosesItsStore: the store a URL opened is the Variable's:
// Variable.Close closes it.
func TestURLOpenerClosesItsStore(t *testing.T) {
	ctx := context.Background()
	name := "psvar-close-" + pstest.Prefix()
	seed, err := secrets.OpenStore(ctx, "mem://"+name)
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	if _, err := seed.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	v, err := runtimevar.OpenVariable(ctx, "polysecret://?url=mem%3A%2F%2F"+name+"&key=K&decoder=string")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := v.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var st *secrets.Store
	if !snap.As(&st) || st == nil {
		t.Fatal("Snapshot.As(*secrets.Store) = false")
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "K"); !errors.Is(err, secrets.ErrClosed) {
		t.Fatalf("store after Variable.Close: %v, want ErrClosed", err)
	}
}
