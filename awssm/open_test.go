package awssm_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestMissingRegion (8.22): no region anywhere (URL, environment, config
// file) is InvalidArgument at open, by URL and by Options, before any
// request.
func TestMissingRegion(t *testing.T) {
	n, url := silentStub(t)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	if st, err := secrets.OpenStore(ctx, "awssm://myapp"); secrets.ErrorCode(err) != secrets.InvalidArgument {
		if err == nil {
			_, err = st.Get(ctx, "K")
			st.Close()
			t.Errorf("OpenStore(awssm://myapp) without a region succeeded; the first Get says %v (code %v)", err, secrets.ErrorCode(err))
		} else {
			t.Errorf("OpenStore(awssm://myapp) without a region: %v, want InvalidArgument", err)
		}
	}
	for _, region := range []string{"", "not a region"} {
		c := sm.New(sm.Options{Region: region, BaseEndpoint: aws.String(url),
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
		if _, err := awssm.New(c, awssm.Options{Prefix: "myapp"}); secrets.ErrorCode(err) != secrets.InvalidArgument {
			t.Errorf("OpenStore(Options) with region %q: %v, want InvalidArgument", region, err)
		}
	}
	if n.Load() != 0 {
		t.Errorf("%d requests sent", n.Load())
	}
}

// TestRegionSyntax (8.23): the region parameter is an AWS region name.
func TestRegionSyntax(t *testing.T) {
	for _, tc := range []struct {
		region string
		ok     bool
	}{
		{"us-east-1", true},
		{"eu-central-2", true},
		{"ap-southeast-4", true},
		{"us-gov-west-1", true},
		{"cn-northwest-1", true},
		{"us-iso-east-1", true},
		{"us-isob-east-1", true},
		{"eu-isoe-west-1", true},
		{"not a region", false},
		{"US-EAST-1", false},
		{"us-east", false},
		{"eu-west-1.evil.example", false},
		{"eu-west-1/../x", false},
		{"us-east-1 ", false},
		{"x", false},
	} {
		t.Run(tc.region, func(t *testing.T) {
			st, err := secrets.OpenStore(ctx, "awssm://app?region="+urlQueryEscape(tc.region))
			if tc.ok {
				if err != nil {
					t.Fatalf("OpenStore: %v", err)
				}
				st.Close()
				return
			}
			if secrets.ErrorCode(err) != secrets.InvalidArgument {
				t.Errorf("OpenStore with region %q: %v, want InvalidArgument", tc.region, err)
			}
			if st != nil {
				st.Close()
			}
		})
	}
}

func urlQueryEscape(s string) string {
	out := ""
	for _, b := range []byte(s) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '.' {
			out += string(b)
		} else {
			out += fmt.Sprintf("%%%02X", b)
		}
	}
	return out
}

// TestPing (8.22): Ping is one cheap request that proves the server answers
// and accepts the credentials.
func TestPing(t *testing.T) {
	needServer(t)
	t.Run("OK", func(t *testing.T) {
		if err := awssm.Ping(ctx, "awssm://"+drivertest.Prefix()); err != nil {
			t.Fatalf("Ping against moto: %v", err)
		}
	})
	for _, tc := range []struct {
		status int
		code   string
		want   secrets.Code
	}{
		{400, "AccessDeniedException", secrets.PermissionDenied},
		{400, "UnrecognizedClientException", secrets.Unauthenticated},
	} {
		t.Run(tc.code, func(t *testing.T) {
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(tc.status)
				fmt.Fprintf(w, `{"__type":%q,"message":"stub"}`, tc.code)
			}))
			defer srv.Close()
			setStubEnv(t, srv.URL)
			err := awssm.Ping(ctx, "awssm://app")
			if got := secrets.ErrorCode(err); got != tc.want {
				t.Errorf("Ping: %v (code %v), want %v", err, got, tc.want)
			}
			if n.Load() != 1 {
				t.Errorf("Ping sent %d requests, want 1", n.Load())
			}
		})
	}
	t.Run("Down", func(t *testing.T) {
		t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:1")
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := awssm.Ping(c, "awssm://app?max_retries=0"); secrets.ErrorCode(err) != secrets.Unavailable {
			t.Errorf("Ping of a closed port: %v, want Unavailable", err)
		}
	})
}

// TestKeyRule: a key the portable rule accepts but AWS cannot hold (a
// space) is InvalidArgument naming AWS's rule, before any request (10.1).
func TestKeyRule(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	defer srv.Close()
	setStubEnv(t, srv.URL)
	st := open(t, "awssm://app")
	for _, call := range []func() error{
		func() error { _, err := st.Get(ctx, "key with spaces"); return err },
		func() error { _, err := st.Create(ctx, secrets.Secret{Key: "a b", Value: "v"}); return err },
		func() error { _, err := st.Put(ctx, secrets.Secret{Key: "a b", Value: "v"}); return err },
		func() error { _, err := st.Values(ctx, "ok", "a b"); return err },
		func() error { return st.Delete(ctx, "a b") },
	} {
		err := call()
		if secrets.ErrorCode(err) != secrets.InvalidArgument || !strings.Contains(err.Error(), "AWS Secrets Manager names allow only") {
			t.Errorf("a key with a space: %v", err)
		}
	}
	if n.Load() != 0 {
		t.Errorf("%d requests sent", n.Load())
	}
}
