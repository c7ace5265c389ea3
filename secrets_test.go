package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/memory"
)

func TestErrorCodes(t *testing.T) {
	for _, c := range backend.Codes() {
		t.Run(c.String(), func(t *testing.T) {
			err := fmt.Errorf("outer: %w", &secrets.Error{Code: c, Op: "Get", Scheme: "mem", Key: "K", Err: errors.New("inner")})
			if got := secrets.ErrorCode(err); got != c {
				t.Errorf("ErrorCode = %v", got)
			}
			for _, other := range backend.Codes() {
				if got, want := errors.Is(err, secrets.Sentinel(other)), other == c; got != want {
					t.Errorf("errors.Is(err, Sentinel(%v)) = %v", other, got)
				}
			}
			if got := secrets.ErrorCode(secrets.Sentinel(c)); got != c {
				t.Errorf("ErrorCode(sentinel) = %v", got)
			}
		})
	}
}

func TestErrorCodeOfOtherErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want secrets.Code
	}{
		{"nil", nil, secrets.Unknown},
		{"plain", errors.New("x"), secrets.Unknown},
		{"canceled", fmt.Errorf("w: %w", context.Canceled), secrets.Canceled},
		{"deadline", context.DeadlineExceeded, secrets.DeadlineExceeded},
		{"backend", backend.Errorf(backend.RateLimited, "slow down"), secrets.RateLimited},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := secrets.ErrorCode(tc.err); got != tc.want {
				t.Errorf("ErrorCode = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	err := &secrets.Error{Code: secrets.NotFound, Op: "Get", Scheme: "vault", Environment: "prod", Key: "DB", Err: errors.New("no such path")}
	want := `secrets: Get "DB" in "prod" (vault): NotFound: no such path`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Error(diff)
	}
}

func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		url     string
		code    secrets.Code // Unknown = success
		env     string
		ro      bool
		notText string // must not appear in the error
	}{
		{url: "mem://"},
		{url: "mem://shared-a"},
		{url: "mem://?env=prod", env: "prod"},
		{url: "mem://?readonly=true", ro: true},
		{url: "mem://?readonly=1&env=dev", ro: true, env: "dev"},
		{url: "mem://?readonly=maybe", code: secrets.InvalidArgument},
		{url: "mem://?env=_bad", code: secrets.InvalidArgument},
		{url: "mem://?env=a&env=b", code: secrets.InvalidArgument},
		{url: "mem://?colour=blue", code: secrets.InvalidArgument},
		{url: "nosuch://x", code: secrets.InvalidArgument},
		{url: "", code: secrets.InvalidArgument},
		{url: "::::", code: secrets.InvalidArgument},
		{url: "mem://user:hunter2@name", code: secrets.InvalidArgument, notText: "hunter2"},
		{url: "mem://x/%zzhunter2", code: secrets.InvalidArgument, notText: "hunter2"},
		{url: "mem://x?token=hunter2", code: secrets.InvalidArgument, notText: "hunter2"},
		{url: "mem://x/path", code: secrets.InvalidArgument},
		{url: "mem://x#frag", code: secrets.InvalidArgument},
		{url: "mem://x#", code: secrets.InvalidArgument},
		{url: "mem://x?env=prod#?readonly=true", code: secrets.InvalidArgument},
	} {
		t.Run(tc.url, func(t *testing.T) {
			st, err := secrets.OpenStore(ctx, tc.url)
			if tc.code != secrets.Unknown {
				if got := secrets.ErrorCode(err); got != tc.code {
					t.Fatalf("OpenStore: %v, want code %v", err, tc.code)
				}
				if tc.notText != "" && strings.Contains(err.Error(), tc.notText) {
					t.Fatalf("error repeats a credential: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if st.Environment() != tc.env || st.ReadOnly() != tc.ro {
				t.Errorf("env %q readonly %v", st.Environment(), st.ReadOnly())
			}
		})
	}
}

func TestSharedMemoryStore(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprintf("mem://shared-test-%d", time.Now().UnixNano()) // process-wide: one per run (-count)
	a, err := secrets.OpenStore(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := secrets.OpenStore(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := secrets.OpenStore(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("mem://shared-test not shared: %q %v", v, err)
	}
	a.Close()
	if v, err := b.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("closing one handle lost the data: %q %v", v, err)
	}
	if _, err := c.Get(ctx, "K"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("mem:// is not fresh: %v", err)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	secrets.Register("mem", otherOpener{})
}

type otherOpener struct{ name string }

func (o otherOpener) OpenDriverURL(context.Context, *url.URL) (backend.Driver, error) {
	return nil, backend.Errorf(backend.Unavailable, "opener %s", o.name)
}

// TestRegisterReplacesSameType: an opener of the type already registered
// (a driver's URLOpener with the application's client) replaces it.
func TestRegisterReplacesSameType(t *testing.T) {
	mux := new(secrets.URLMux)
	mux.Register("x", otherOpener{"first"})
	mux.Register("x", otherOpener{"second"})
	_, err := mux.OpenStore(context.Background(), "x://")
	if err == nil || !strings.Contains(err.Error(), "opener second") {
		t.Fatalf("OpenStore after a replacement: %v, want the second opener's error", err)
	}
}

// FuzzOpenStore: no URL makes OpenStore panic, and no error repeats the
// password of a URL.
func FuzzOpenStore(f *testing.F) {
	for _, s := range []string{"mem://", "mem://a?env=prod", "mem://u:p@h", "vault://secret/app?env=prod&readonly=true", "%", "mem://?env=%00"} {
		f.Add(s)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string) {
		st, err := secrets.OpenStore(ctx, s)
		if err != nil {
			if secrets.ErrorCode(err) != secrets.InvalidArgument {
				t.Fatalf("code %v for %q", secrets.ErrorCode(err), s)
			}
			if i := strings.Index(s, "://"); i >= 0 {
				if at := strings.Index(s[i+3:], "@"); at > 0 {
					if _, pw, ok := strings.Cut(s[i+3:i+3+at], ":"); ok && len(pw) >= 6 && strings.Contains(err.Error(), pw) {
						t.Fatalf("error %q repeats the password %q", err, pw)
					}
				}
			}
			return
		}
		st.Close()
	})
}

// FuzzValidateKey checks the key rule against a direct statement of it.
func FuzzValidateKey(f *testing.F) {
	for _, s := range []string{"DB_PASSWORD", "a.b-c", "", "..", ".", "a/b", "ключ", strings.Repeat("k", 257), "a//b", "a/../b", "db/prod/user+x=y@z", "key with spaces", " a", "a/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		err := backend.ValidateKey(key)
		want := len(key) >= 1 && len(key) <= backend.MaxKeyLen
		for _, r := range []byte(key) {
			if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-/+=@ ", rune(r)) {
				want = false
			}
		}
		for _, seg := range strings.Split(key, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, " ") || strings.HasSuffix(seg, " ") {
				want = false
			}
		}
		if (err == nil) != want {
			t.Fatalf("ValidateKey(%q) = %v, want valid=%v", key, err, want)
		}
		if err != nil && secrets.ErrorCode(err) != secrets.InvalidArgument {
			t.Fatalf("code %v", secrets.ErrorCode(err))
		}
	})
}

// FuzzValidateEnvironmentName checks the environment rule likewise.
func FuzzValidateEnvironmentName(f *testing.F) {
	for _, s := range []string{"prod", "_global", "-x", "a_b-c", "", "a.b", strings.Repeat("e", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := backend.ValidateEnvironmentName(name)
		want := len(name) >= 1 && len(name) <= 64
		for i, r := range []byte(name) {
			alnum := strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", rune(r))
			if !alnum && (i == 0 || (r != '_' && r != '-')) {
				want = false
			}
		}
		if (err == nil) != want {
			t.Fatalf("ValidateEnvironmentName(%q) = %v, want valid=%v", name, err, want)
		}
	})
}

// TestViewCannotCloseStore: a view (In, ReadOnlyView) handed to other code
// closes only itself; the store's own Close closes every view (issue 8.24).
func TestViewCannotCloseStore(t *testing.T) {
	ctx := context.Background()
	st := memory.OpenStore()
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	for name, view := range map[string]*secrets.Store{"ReadOnlyView": st.ReadOnlyView(), "In": st.In(""), "In.ReadOnlyView": st.In("").ReadOnlyView()} {
		if err := view.Close(); err != nil {
			t.Fatalf("%s.Close: %v", name, err)
		}
		if _, err := view.Get(ctx, "K"); !errors.Is(err, secrets.ErrClosed) {
			t.Fatalf("%s after its Close: %v, want ErrClosed", name, err)
		}
		if err := view.Close(); !errors.Is(err, secrets.ErrClosed) {
			t.Fatalf("%s closed twice: %v", name, err)
		}
		if v, err := st.Value(ctx, "K"); err != nil || v != "v" {
			t.Fatalf("store after %s.Close: %q, %v", name, v, err)
		}
	}
	view := st.In("")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := view.Get(ctx, "K"); !errors.Is(err, secrets.ErrClosed) {
		t.Fatalf("view after the store's Close: %v, want ErrClosed", err)
	}
	if _, err := st.In("").Get(ctx, "K"); !errors.Is(err, secrets.ErrClosed) {
		t.Fatalf("view made after the store's Close: %v, want ErrClosed", err)
	}
}

// refusing refuses every read of the global scope, as a Vault policy that
// allows only an environment's paths does.
type refusing struct{ backend.Driver }

func (r refusing) Get(ctx context.Context, env, key string, o backend.GetOptions) (*backend.Secret, error) {
	if env == "" {
		return nil, backend.Errorf(backend.PermissionDenied, "policy: no access to the global scope")
	}
	return r.Driver.Get(ctx, env, key, o)
}

// TestFallbackRefused: a miss in the scope whose global read is refused is
// NotFound, so that ValueOr still returns its default (issue 8.21).
func TestFallbackRefused(t *testing.T) {
	ctx := context.Background()
	db := memory.NewDB()
	if _, err := secrets.NewStore(db.Driver(), secrets.StoreOptions{}).CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	st := secrets.NewStore(refusing{db.Driver()}, secrets.StoreOptions{Scheme: "t", Environment: "prod"})
	if _, err := st.Get(ctx, "MISSING"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Fatalf("Get: %v, want NotFound", err)
	}
	if v, err := st.ValueOr(ctx, "MISSING", "def"); err != nil || v != "def" {
		t.Fatalf("ValueOr = %q, %v", v, err)
	}
	// The global scope itself still says PermissionDenied.
	if _, err := st.In("").Get(ctx, "MISSING"); secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Fatalf("global Get: %v, want PermissionDenied", err)
	}
}

// defaultingOpener opens memory stores with defaults of its own.
type defaultingOpener struct {
	env string
	ro  bool
}

func (o defaultingOpener) OpenDriverURL(context.Context, *url.URL) (backend.Driver, error) {
	return memory.NewDB().Driver(), nil
}

func (o defaultingOpener) StoreDefaults() (string, bool) { return o.env, o.ro }

// TestOpenerDefaults: an opener's StoreDefaults set the scope and
// read-only mode; the URL's env wins; a URL cannot make an opener's
// read-only stores writable.
func TestOpenerDefaults(t *testing.T) {
	for _, tc := range []struct {
		opener  defaultingOpener
		url     string
		wantEnv string
		wantRO  bool
	}{
		{defaultingOpener{"prod", false}, "d://", "prod", false},
		{defaultingOpener{"prod", false}, "d://?env=dev", "dev", false},
		{defaultingOpener{"", true}, "d://", "", true},
		{defaultingOpener{"", true}, "d://?readonly=false", "", true},
		{defaultingOpener{"", false}, "d://?readonly=true", "", true},
	} {
		mux := new(secrets.URLMux)
		mux.Register("d", tc.opener)
		st, err := mux.OpenStore(context.Background(), tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if st.Environment() != tc.wantEnv || st.ReadOnly() != tc.wantRO {
			t.Errorf("%+v %s: env %q read-only %v, want %q %v", tc.opener, tc.url, st.Environment(), st.ReadOnly(), tc.wantEnv, tc.wantRO)
		}
	}
	mux := new(secrets.URLMux)
	mux.Register("d", defaultingOpener{"_bad", false})
	if _, err := mux.OpenStore(context.Background(), "d://"); secrets.ErrorCode(err) != secrets.InvalidArgument {
		t.Errorf("an opener's invalid default scope: %v", err)
	}
}
