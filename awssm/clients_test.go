package awssm_test

import (
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestURLOpenerWithOwnClient (9.2): a URLOpener holding a client the test
// built opens URLs on its own mux; the Store works, and its Close leaves the
// client usable.
func TestURLOpenerWithOwnClient(t *testing.T) {
	needServer(t)
	tr := &drivertest.Transport{}
	c := rawClient(t, tr)
	p := drivertest.Prefix()
	mux := new(secrets.URLMux)
	mux.Register(awssm.Scheme, &awssm.URLOpener{Client: c, Options: awssm.Options{ListBatch: 5}})
	st, err := mux.OpenStore(ctx, "awssm://"+p+"?timeout=10s")
	if err != nil {
		t.Fatal(err)
	}
	var got *sm.Client
	if !st.As(&got) || got != c {
		t.Errorf("As gives %p, want the client given %p", got, c)
	}
	drivertest.ClosesOnlyItself(t, st, tr, func() error {
		out, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(p + "/_global/K")})
		if err == nil && aws.ToString(out.SecretString) != "v" {
			err = fmt.Errorf("K = %q", aws.ToString(out.SecretString))
		}
		return err
	})
}

// TestURLOpenerParams: with an own client, the URL may not set what the
// client decides (region, retries); Options fill what the URL leaves out.
func TestURLOpenerParams(t *testing.T) {
	c := sm.New(sm.Options{Region: "us-east-1"})
	for _, tc := range []struct {
		name   string
		opener *awssm.URLOpener
		url    string
		want   secrets.Code // Unknown: opens
	}{
		{"own client, region", &awssm.URLOpener{Client: c}, "awssm://app?region=us-east-1", secrets.InvalidArgument},
		{"own client, max_retries", &awssm.URLOpener{Client: c}, "awssm://app?max_retries=1", secrets.InvalidArgument},
		{"own client, unknown parameter", &awssm.URLOpener{Client: c}, "awssm://app?bogus=1", secrets.InvalidArgument},
		{"own client", &awssm.URLOpener{Client: c}, "awssm://app?timeout=0&list_batch=3&recovery_window_days=7", secrets.Unknown},
		{"prefix from Options", &awssm.URLOpener{Client: c, Options: awssm.Options{Prefix: "app"}}, "awssm://", secrets.Unknown},
		{"no prefix anywhere", &awssm.URLOpener{Client: c}, "awssm://", secrets.InvalidArgument},
		{"bad recovery window in Options", &awssm.URLOpener{Client: c, Options: awssm.Options{RecoveryWindowDays: 3}}, "awssm://app", secrets.InvalidArgument},
		{"URL wins over Options", &awssm.URLOpener{Client: c, Options: awssm.Options{RecoveryWindowDays: 3}}, "awssm://app?recovery_window_days=7", secrets.Unknown},
		{"no client, region", &awssm.URLOpener{}, "awssm://app?region=eu-west-1", secrets.Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			d, err := tc.opener.OpenDriverURL(ctx, u)
			if d != nil {
				d.Close()
			}
			if tc.want == secrets.Unknown {
				if err != nil {
					t.Fatalf("OpenDriverURL(%s): %v", tc.url, err)
				}
				return
			}
			if got := secrets.ErrorCode(err); got != tc.want {
				t.Errorf("OpenDriverURL(%s): %v (code %v), want %v", tc.url, err, got, tc.want)
			}
		})
	}
}

// TestNew (9.2): New takes the scope and read-only from Options, and
// refuses what it cannot use; so does a URLOpener's Options.
func TestNew(t *testing.T) {
	needServer(t)
	c := rawClient(t, nil)
	p := drivertest.Prefix()
	admin, err := awssm.New(c, awssm.Options{Prefix: p})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	t.Run("Environment", func(t *testing.T) {
		st, err := awssm.New(c, awssm.Options{Prefix: p, Environment: "prod"})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if st.Environment() != "prod" {
			t.Errorf("Environment() = %q", st.Environment())
		}
		if _, err := st.Create(ctx, secrets.Secret{Key: "E", Value: "v"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(p + "/prod/E")}); err != nil {
			t.Errorf("the secret is not under %s/prod/E: %v", p, err)
		}
	})
	t.Run("ReadOnly", func(t *testing.T) {
		st, err := awssm.New(c, awssm.Options{Prefix: p, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Create(ctx, secrets.Secret{Key: "R", Value: "v"}); !errors.Is(err, secrets.ErrReadOnly) {
			t.Errorf("Create on a read-only store: %v, want ErrReadOnly", err)
		}
		if _, err := admin.Get(ctx, "R"); !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("the read-only Create landed: %v", err)
		}
	})
	// A URLOpener's Options.Environment is the scope of the stores it
	// opens when the URL has no env, and its Options.ReadOnly makes them
	// read-only whatever the URL says — as every driver's opener
	// (secrets.StoreDefaulter). Without it, an application that registered
	// a read-only opener got writable stores from URLs.
	t.Run("URLOpener defaults", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			opts     awssm.Options
			url      string
			wantEnv  string
			readOnly bool
		}{
			{"env from Options", awssm.Options{Environment: "prod"}, "awssm://" + p, "prod", false},
			{"URL env wins", awssm.Options{Environment: "prod"}, "awssm://" + p + "?env=", "", false},
			{"read-only from Options", awssm.Options{ReadOnly: true}, "awssm://" + p, "", true},
			{"a URL cannot undo it", awssm.Options{ReadOnly: true}, "awssm://" + p + "?readonly=false", "", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				mux := new(secrets.URLMux)
				mux.Register(awssm.Scheme, &awssm.URLOpener{Client: c, Options: tc.opts})
				st, err := mux.OpenStore(ctx, tc.url)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				if st.Environment() != tc.wantEnv {
					t.Errorf("Environment() = %q, want %q", st.Environment(), tc.wantEnv)
				}
				_, err = st.Create(ctx, secrets.Secret{Key: "W", Value: "v"})
				if tc.readOnly != errors.Is(err, secrets.ErrReadOnly) {
					t.Errorf("Create: %v, read-only %v", err, tc.readOnly)
				}
				if err == nil {
					_ = st.Delete(ctx, "W")
				}
			})
		}
	})
	for _, tc := range []struct {
		name   string
		client *sm.Client
		opts   awssm.Options
	}{
		{"nil client", nil, awssm.Options{Prefix: p}},
		{"no prefix", c, awssm.Options{}},
		{"reserved prefix", c, awssm.Options{Prefix: "a/_global"}},
		{"recovery window", c, awssm.Options{Prefix: p, RecoveryWindowDays: 31}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := awssm.New(tc.client, tc.opts); secrets.ErrorCode(err) != secrets.InvalidArgument {
				t.Errorf("New: %v, want InvalidArgument", err)
			}
		})
	}
}
