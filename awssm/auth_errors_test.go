package awssm_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/internal/testenv"
)

// TestAuthParamsInvalid: credential settings that cannot work are
// InvalidArgument at open, before any request (to STS or Secrets Manager),
// and the error does not repeat the external id.
func TestAuthParamsInvalid(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/app"
	own := sm.New(sm.Options{Region: "us-east-1"})
	for _, tc := range []struct {
		name   string
		params string
		client *sm.Client // the URLOpener's own client
	}{
		{"role_arn: 11-digit account", "role_arn=arn:aws:iam::12345678901:role/app", nil},
		{"role_arn: not IAM", "role_arn=arn:aws:s3:::bucket", nil},
		{"role_arn: a user", "role_arn=arn:aws:iam::123456789012:user/app", nil},
		{"role_arn: no name", "role_arn=arn:aws:iam::123456789012:role/", nil},
		{"role_arn: a name", "role_arn=app", nil},
		{"role_arn: other partition prefix", "role_arn=arx:aws:iam::123456789012:role/app", nil},
		{"role_arn: empty", "role_arn=", nil},
		{"role_arn: name too long", "role_arn=arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65), nil},
		{"role_arn: a space", "role_arn=" + url.QueryEscape("arn:aws:iam::123456789012:role/a b"), nil},
		{"unknown profile", "profile=no-such-profile", nil},
		{"empty profile", "profile=", nil},
		{"external_id without role_arn", "external_id=ext-4711", nil},
		{"session_name without role_arn", "session_name=abc", nil},
		{"duration without role_arn", "duration=1h", nil},
		{"external_id too short", "role_arn=" + role + "&external_id=x", nil},
		{"external_id bad byte", "role_arn=" + role + "&external_id=" + url.QueryEscape("ext 4711"), nil},
		{"session_name bad byte", "role_arn=" + role + "&session_name=" + url.QueryEscape("a b"), nil},
		{"session_name too long", "role_arn=" + role + "&session_name=" + strings.Repeat("s", 65), nil},
		{"duration below 15m", "role_arn=" + role + "&duration=14m59s", nil},
		{"duration above 12h", "role_arn=" + role + "&duration=12h0m1s", nil},
		{"duration not a duration", "role_arn=" + role + "&duration=1", nil},
		{"own client: role_arn", "role_arn=" + role, own},
		{"own client: profile", "profile=default", own},
		{"own client: external_id", "external_id=ext-4711", own},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := silentStub(t)
			u, err := url.Parse("awssm://app?" + tc.params)
			if err != nil {
				t.Fatal(err)
			}
			d, err := (&awssm.URLOpener{Client: tc.client}).OpenDriverURL(ctx, u)
			if d != nil {
				d.Close()
			}
			if got := secrets.ErrorCode(err); got != secrets.InvalidArgument {
				t.Errorf("OpenDriverURL(%s): %v (code %v), want InvalidArgument", u, err, got)
			}
			if err != nil && strings.Contains(err.Error(), "unknown URL parameter") {
				t.Errorf("OpenDriverURL(%s): %v: the parameter is the driver's", u, err)
			}
			if err != nil && strings.Contains(err.Error(), "ext-4711") {
				t.Errorf("the error repeats the external id: %v", err)
			}
			if n.Load() != 0 {
				t.Errorf("%d requests sent", n.Load())
			}
		})
	}
}

// stsError is an STS (query protocol) error answer.
func stsError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>`+
		`<Code>%s</Code><Message>stub</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code)
}

// TestAssumeRoleRefused: an AssumeRole that STS refuses makes the store's
// requests fail by the refusal's AWS code, before any Secrets Manager
// request: AccessDenied is PermissionDenied, InvalidClientTokenId and
// ExpiredToken are Unauthenticated. Stub answers in AWS's exact format
// (moto cannot expire a token); TestAssumeRoleRefusedByMoto has moto refuse.
func TestAssumeRoleRefused(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		want   secrets.Code
	}{
		{403, "AccessDenied", secrets.PermissionDenied},
		{403, "InvalidClientTokenId", secrets.Unauthenticated},
		{400, "ExpiredToken", secrets.Unauthenticated},
		{403, "SignatureDoesNotMatch", secrets.Unauthenticated},
		{400, "RegionDisabledException", secrets.FailedPrecondition},
		{400, "ValidationError", secrets.InvalidArgument},
	} {
		t.Run(tc.code, func(t *testing.T) {
			var stsN, smN atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if m := credentialRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil && m[2] == "sts" {
					stsN.Add(1)
					stsError(w, tc.status, tc.code)
					return
				}
				smN.Add(1)
			}))
			defer srv.Close()
			setStubEnv(t, srv.URL)
			st := open(t, "awssm://app?max_retries=0&role_arn=arn:aws:iam::123456789012:role/app&external_id=ext-4711")
			_, err := st.Get(ctx, "K")
			if got := secrets.ErrorCode(err); got != tc.want {
				t.Errorf("Get after AssumeRole answered %s: %v (code %v), want %v", tc.code, err, got, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "ext-4711") {
				t.Errorf("the error repeats the external id: %v", err)
			}
			if stsN.Load() == 0 {
				t.Error("no AssumeRole request")
			}
			if smN.Load() != 0 {
				t.Errorf("%d Secrets Manager requests without credentials", smN.Load())
			}
		})
	}
	t.Run("STS down", func(t *testing.T) {
		n, _ := silentStub(t)
		t.Setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1")
		st := open(t, "awssm://app?max_retries=0&role_arn=arn:aws:iam::123456789012:role/app")
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := st.Get(c, "K"); secrets.ErrorCode(err) != secrets.Unavailable {
			t.Errorf("Get with STS unreachable: %v (code %v), want Unavailable", err, secrets.ErrorCode(err))
		}
		if n.Load() != 0 {
			t.Errorf("%d Secrets Manager requests without credentials", n.Load())
		}
	})
	t.Run("STS hangs", func(t *testing.T) {
		// The URL's per-request timeout bounds the Secrets Manager attempt
		// waiting for credentials and, separately, each AssumeRole attempt:
		// the SDK's credentials cache runs the AssumeRole on a context the
		// caller's deadline does not reach, so without its own timeout it
		// would hang on after Get returned.
		n, _ := silentStub(t)
		var active atomic.Int64
		release := make(chan struct{}) // so that a failing test ends
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			active.Add(1)
			defer active.Add(-1)
			_, _ = io.Copy(io.Discard, r.Body) // then the server sees the client hang up
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		defer hang.Close()
		defer close(release)
		t.Setenv("AWS_ENDPOINT_URL_STS", hang.URL)
		st := open(t, "awssm://app?max_retries=0&timeout=200ms&role_arn=arn:aws:iam::123456789012:role/app")
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := st.Get(c, "K"); secrets.ErrorCode(err) != secrets.Unavailable || c.Err() != nil {
			t.Errorf("Get with STS hanging: %v (code %v), want Unavailable before the caller's deadline", err, secrets.ErrorCode(err))
		}
		for deadline := time.Now().Add(10 * time.Second); active.Load() != 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if a := active.Load(); a != 0 {
			t.Errorf("%d AssumeRole requests still waiting 10s after Get returned", a)
		}
		if n.Load() != 0 {
			t.Errorf("%d Secrets Manager requests without credentials", n.Load())
		}
	})
}

// TestAssumeRoleRefusedByMoto: a moto of its own, with IAM authentication
// switched on after an operator made two users: STS refuses the default
// chain's key (unknown to IAM, InvalidClientTokenId) and the AssumeRole of
// a user whom no policy allows it (AccessDenied); a user with an
// sts:AssumeRole policy gets through, so the refusals are moto's checks.
// Both refusals are 403s whose body moto shapes <ErrorResponse><Errors>
// <Error>… where AWS has no <Errors>: the SDK reads no code from them
// (UnknownError), and the driver can only go by the status, 403
// PermissionDenied. So this test asks for a refusal (PermissionDenied or
// Unauthenticated) with no Secrets Manager request; the classification by
// code is TestAssumeRoleRefused's, on answers in AWS's own shape.
func TestAssumeRoleRefusedByMoto(t *testing.T) {
	bin := findMoto()
	testenv.Require(t, bin != "", "no moto_server to start a second one with IAM authentication")
	ep, stop, err := startMoto(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ic := iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(ep) })
	keys := map[string]*iam.CreateAccessKeyOutput{}
	for _, user := range []string{"nobody", "assumer"} {
		if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
			t.Fatal(err)
		}
		if keys[user], err = ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("assumer"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(ep+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, tc := range []struct {
		name       string
		id, secret string
		allowed    bool // a policy allows the user sts:AssumeRole
	}{
		{"unknown key", "test", "test", false},
		{"user without policy", aws.ToString(keys["nobody"].AccessKey.AccessKeyId), aws.ToString(keys["nobody"].AccessKey.SecretAccessKey), false},
		// The control: a user whose policy allows sts:AssumeRole gets
		// credentials, and the request goes on to Secrets Manager (a stub
		// that answers nothing useful).
		{"user allowed", aws.ToString(keys["assumer"].AccessKey.AccessKeyId), aws.ToString(keys["assumer"].AccessKey.SecretAccessKey), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var smN atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { smN.Add(1) }))
			defer srv.Close()
			setStubEnv(t, srv.URL)
			t.Setenv("AWS_ENDPOINT_URL_STS", ep)
			t.Setenv("AWS_ACCESS_KEY_ID", tc.id)
			t.Setenv("AWS_SECRET_ACCESS_KEY", tc.secret)
			st := open(t, "awssm://app?max_retries=0&role_arn=arn:aws:iam::123456789012:role/app")
			_, err := st.Get(ctx, "K")
			if tc.allowed {
				if smN.Load() == 0 {
					t.Errorf("no Secrets Manager request after the allowed AssumeRole: %v", err)
				}
				return
			}
			if got := secrets.ErrorCode(err); got != secrets.PermissionDenied && got != secrets.Unauthenticated {
				t.Errorf("Get: %v (code %v), want a refusal (PermissionDenied or Unauthenticated)", err, got)
			}
			if tc.secret != "test" && err != nil && strings.Contains(err.Error(), tc.secret) {
				t.Error("the error holds the secret access key")
			}
			if smN.Load() != 0 {
				t.Errorf("%d Secrets Manager requests", smN.Load())
			}
		})
	}
}
