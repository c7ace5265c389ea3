package awssm_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
)

// The URL's credential settings (issue 10.5): profile and role_arn, against
// moto's STS and Secrets Manager through a recording proxy that shows which
// access key signed each request.
//
// What moto checks (moto 5.2, sts/models.py assume_role): nothing about the
// role. AssumeRole answers any role ARN, existing or not, ignores the trust
// policy and its sts:ExternalId condition, and returns fresh credentials
// whose access key id begins with ASIA; its Secrets Manager accepts any
// signature unless IAM authentication is switched on (see
// TestAssumeRoleRefused). So these tests prove what the driver sends (an
// AssumeRole carrying the role, the external id, the session name and the
// duration, signed with the base credentials) and that every Secrets
// Manager request is signed with the key STS returned; that AWS would
// accept the role is the trust policy's business, not the driver's.

// signed is one request seen by the recording proxy.
type signed struct {
	Service string     // the credential scope's service: sts, secretsmanager, …
	KeyID   string     // the access key id of the Authorization header
	Form    url.Values // STS (query protocol): the request's parameters
}

// recorder is a reverse proxy in front of moto that records every request's
// signing key and service, and the access key ids STS hands out.
type recorder struct {
	URL string

	mu     sync.Mutex
	reqs   []signed
	issued []string // AccessKeyId of each AssumeRole answer
}

var credentialRE = regexp.MustCompile(`Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/aws4_request`)

func newRecorder(t *testing.T, target string) *recorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Header.Get("X-Recorded-Service") != "sts" {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var out struct {
			AccessKeyID string `xml:"AssumeRoleResult>Credentials>AccessKeyId"`
		}
		if xml.Unmarshal(body, &out) == nil && out.AccessKeyID != "" {
			rec.mu.Lock()
			rec.issued = append(rec.issued, out.AccessKeyID)
			rec.mu.Unlock()
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := signed{}
		if m := credentialRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			s.KeyID, s.Service = m[1], m[2]
		}
		if s.Service == "sts" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			s.Form, _ = url.ParseQuery(string(body))
			r.Header.Set("X-Recorded-Service", "sts")
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, s)
		rec.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

// of returns the recorded requests to service.
func (r *recorder) of(service string) []signed {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []signed
	for _, s := range r.reqs {
		if s.Service == service {
			out = append(out, s)
		}
	}
	return out
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func (r *recorder) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.issued...)
}

// throughRecorder points Secrets Manager and STS at a recorder in front of
// moto.
func throughRecorder(t *testing.T) *recorder {
	t.Helper()
	needServer(t)
	rec := newRecorder(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", rec.URL)
	t.Setenv("AWS_ENDPOINT_URL_STS", rec.URL)
	return rec
}

// createRole makes an IAM role on moto as an operator would: trusted by the
// account, on condition of an external id.
func createRole(t *testing.T, name, externalID string) string {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) })
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},` +
		`"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` + externalID + `"}}}]}`
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Role.Arn)
}

// useStore makes the requests of a store's life: write, read, list.
func useStore(t *testing.T, st *secrets.Store) {
	t.Helper()
	drivertest.CreateAndRead(t, st)
	if _, _, err := st.ListPage(ctx, secrets.ListOptions{}, ""); err != nil {
		t.Fatal(err)
	}
}

// TestAssumeRole: with role_arn, the store's Secrets Manager requests are
// signed with the credentials of one AssumeRole (cached for the session),
// which carries the role, the external id, the session name and the
// duration, and is itself signed with the default chain's credentials.
func TestAssumeRole(t *testing.T) {
	role := createRole(t, "ps-reader-"+drivertest.Prefix(), "ext-4711")
	for _, tc := range []struct {
		name   string
		params string
		want   url.Values // the AssumeRole's parameters
	}{
		{"defaults", "role_arn=" + url.QueryEscape(role),
			url.Values{"Action": {"AssumeRole"}, "RoleArn": {role}, "RoleSessionName": {"polysecret"}, "DurationSeconds": {"900"}}},
		{"external id, session name, duration", "role_arn=" + url.QueryEscape(role) + "&external_id=ext-4711&session_name=billing.batch&duration=1h30m",
			url.Values{"Action": {"AssumeRole"}, "RoleArn": {role}, "RoleSessionName": {"billing.batch"}, "DurationSeconds": {"5400"}, "ExternalId": {"ext-4711"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := throughRecorder(t)
			st := open(t, "awssm://"+drivertest.Prefix()+"?"+tc.params)
			useStore(t, st)
			stsReqs := rec.of("sts")
			if len(stsReqs) != 1 {
				t.Fatalf("%d STS requests, want 1 (the assumed credentials are cached): %+v", len(stsReqs), stsReqs)
			}
			if stsReqs[0].KeyID != "test" {
				t.Errorf("AssumeRole signed with %q, want the base key %q", stsReqs[0].KeyID, "test")
			}
			got := stsReqs[0].Form
			got.Del("Version")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("AssumeRole parameters (-want +got):\n%s", diff)
			}
			issued := rec.keys()
			if len(issued) != 1 || !strings.HasPrefix(issued[0], "ASIA") {
				t.Fatalf("STS issued %q, want one ASIA… key", issued)
			}
			smReqs := rec.of("secretsmanager")
			if len(smReqs) == 0 {
				t.Fatal("no Secrets Manager request recorded")
			}
			for i, r := range smReqs {
				if r.KeyID != issued[0] {
					t.Errorf("Secrets Manager request %d signed with %q, want the assumed key %q", i, r.KeyID, issued[0])
				}
			}
			if n := rec.count(); n != len(stsReqs)+len(smReqs) {
				t.Errorf("%d requests neither STS nor Secrets Manager", n-len(stsReqs)-len(smReqs))
			}
		})
	}
}

// writeProfiles writes a shared credentials file with the profiles
// default (key AKIADEFAULT0000000001) and other (AKIAOTHER00000000002) and
// a config file giving other a region and a profile chained that assumes
// a role with other's credentials, and points the SDK at them.
func writeProfiles(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id = AKIADEFAULT0000000001\naws_secret_access_key = s1\n\n"+
		"[other]\naws_access_key_id = AKIAOTHER00000000002\naws_secret_access_key = s2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\n\n[profile other]\nregion = us-east-1\n\n"+
		"[profile chained]\nrole_arn = arn:aws:iam::123456789012:role/ps-chained\nsource_profile = other\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_CONFIG_FILE", cfg)
}

// TestProfile: profile picks a shared-config profile, whose key signs every
// request, even when the environment has keys of its own (a profile asked
// for wins over AWS_ACCESS_KEY_ID, as in the SDK); with role_arn, or a
// profile's own role_arn and source_profile, the profile's key signs the
// AssumeRole.
func TestProfile(t *testing.T) {
	for _, tc := range []struct {
		name     string
		envKeys  bool // AWS_ACCESS_KEY_ID=test stays set
		params   string
		wantSM   string // the key of the Secrets Manager requests ("" = the assumed one)
		wantSTS  string // the key of the AssumeRole ("" = none)
		noParams bool
	}{
		{"other", false, "profile=other", "AKIAOTHER00000000002", "", false},
		{"other over the environment's keys", true, "profile=other", "AKIAOTHER00000000002", "", false},
		{"default without the parameter", false, "", "AKIADEFAULT0000000001", "", true},
		{"other, then a role", false, "profile=other&role_arn=arn:aws:iam::123456789012:role/ps-profile-role", "", "AKIAOTHER00000000002", false},
		{"a profile that assumes a role itself", false, "profile=chained", "", "AKIAOTHER00000000002", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := throughRecorder(t)
			writeProfiles(t)
			if !tc.envKeys {
				t.Setenv("AWS_ACCESS_KEY_ID", "")
				t.Setenv("AWS_SECRET_ACCESS_KEY", "")
				os.Unsetenv("AWS_ACCESS_KEY_ID")
				os.Unsetenv("AWS_SECRET_ACCESS_KEY")
			}
			u := "awssm://" + drivertest.Prefix()
			if !tc.noParams {
				u += "?" + tc.params
			}
			useStore(t, open(t, u))
			wantSM := tc.wantSM
			stsReqs := rec.of("sts")
			if tc.wantSTS != "" {
				issued := rec.keys()
				if len(stsReqs) != 1 || len(issued) != 1 {
					t.Fatalf("%d STS requests issuing %q, want 1", len(stsReqs), issued)
				}
				if stsReqs[0].KeyID != tc.wantSTS {
					t.Errorf("AssumeRole signed with %q, want the profile's %q", stsReqs[0].KeyID, tc.wantSTS)
				}
				wantSM = issued[0]
			} else if len(stsReqs) != 0 {
				t.Errorf("%d STS requests without role_arn", len(stsReqs))
			}
			smReqs := rec.of("secretsmanager")
			if len(smReqs) == 0 {
				t.Fatal("no Secrets Manager request recorded")
			}
			for i, r := range smReqs {
				if r.KeyID != wantSM {
					t.Errorf("Secrets Manager request %d signed with %q, want %q", i, r.KeyID, wantSM)
				}
			}
		})
	}
}

// TestAssumeRoleRefresh: the assumed credentials are used until a minute
// before they expire, then the role is assumed again. STS here is a stub
// answering in AWS's format with the expiry the case needs (moto's is the
// requested duration, at least 15 minutes); Secrets Manager is moto.
func TestAssumeRoleRefresh(t *testing.T) {
	for _, tc := range []struct {
		name      string
		expiresIn time.Duration
		atLeast   int64 // AssumeRole calls for three Gets
		atMost    int64
	}{
		{"valid for two hours", 2 * time.Hour, 1, 1},
		// Each Get needs a fresh AssumeRole; its two concurrent requests
		// share one, unless one is done before the other starts.
		{"expires in 30s, within the refresh window", 30 * time.Second, 3, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			needServer(t)
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				w.Header().Set("Content-Type", "text/xml")
				fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>`+
					`<AccessKeyId>ASIASTUB%012d</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>`+
					`<Expiration>%s</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROASTUB:polysecret</AssumedRoleId>`+
					`<Arn>arn:aws:sts::123456789012:assumed-role/app/polysecret</Arn></AssumedRoleUser></AssumeRoleResult>`+
					`<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`,
					n, time.Now().Add(tc.expiresIn).UTC().Format(time.RFC3339))
			}))
			defer srv.Close()
			t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
			st := open(t, "awssm://"+drivertest.Prefix()+"?role_arn=arn:aws:iam::123456789012:role/app")
			for range 3 {
				if _, err := st.Get(ctx, "K"); !errors.Is(err, secrets.ErrNotFound) {
					t.Fatalf("Get: %v, want NotFound from moto", err)
				}
			}
			if got := calls.Load(); got < tc.atLeast || got > tc.atMost {
				t.Errorf("%d AssumeRole calls for three Gets, want %d to %d", got, tc.atLeast, tc.atMost)
			}
		})
	}
}
