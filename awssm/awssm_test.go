package awssm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/internal/drivertest"
)

var ctx = context.Background()

func rawClient(t testing.TB, rt http.RoundTripper) *sm.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return sm.NewFromConfig(cfg, func(o *sm.Options) {
		if rt != nil {
			o.HTTPClient = &http.Client{Transport: rt}
		}
	})
}

func open(t testing.TB, url string) *secrets.Store { t.Helper(); return drivertest.Open(t, url) }

func TestConformance(t *testing.T) {
	needServer(t)
	conformance.Run(t, conformance.Harness{
		New:  conformance.ByURL(func() string { return "awssm://" + drivertest.Prefix() + "?region=us-east-1" }),
		Want: backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true, Labels: true, Expiry: true},
		CheckAs: func(t *testing.T, s *secrets.Store) {
			var c *sm.Client
			if !s.As(&c) || c == nil {
				t.Error("As(**secretsmanager.Client) failed")
			}
		},
		CheckErrorAs: func(t *testing.T, s *secrets.Store, err error) {
			var nf *types.ResourceNotFoundException
			if !s.ErrorAs(err, &nf) {
				t.Errorf("ErrorAs(%v, **types.ResourceNotFoundException) failed", err)
			}
		},
	})
}

// TestRawSecretReadsBack: a secret made with the raw SDK under the
// documented name and tags reads back with them mapped; its JSON value
// passes through untouched.
func TestRawSecretReadsBack(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	raw := rawClient(t, nil)
	val := `{"user":"a","pass":"b"}`
	_, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(p + "/_global/DB"), SecretString: &val,
		Description: aws.String("made by hand"), Tags: []types.Tag{
			{Key: aws.String("polysecret:type"), Value: aws.String("password")},
			{Key: aws.String("polysecret:label:team"), Value: aws.String("core")},
			{Key: aws.String("polysecret:expires-at"), Value: aws.String("2099-01-02T03:04:05Z")},
			{Key: aws.String("owner"), Value: aws.String("someone-else")}}})
	if err != nil {
		t.Fatal(err)
	}
	st := open(t, "awssm://"+p)
	got, err := st.Get(ctx, "DB")
	if err != nil {
		t.Fatal(err)
	}
	want := &secrets.Secret{Key: "DB", Value: val, Description: "made by hand", Type: "password",
		Labels: map[string]string{"team": "core"}, ExpiresAt: time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)}
	if diff := cmp.Diff(want, got, cmpIgnoreDriverFields()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// and the driver's own Create lands under the documented name with the documented tags
	if _, err := st.Create(ctx, secrets.Secret{Key: "API", Value: "v", Type: secrets.TypeToken, Labels: map[string]string{"tier": "gold"}}); err != nil {
		t.Fatal(err)
	}
	desc, err := raw.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(p + "/_global/API")})
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tg := range desc.Tags {
		tags[*tg.Key] = *tg.Value
	}
	if diff := cmp.Diff(map[string]string{"polysecret:type": "token", "polysecret:label:tier": "gold"}, tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
}

func cmpIgnoreDriverFields() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool {
		switch p.Last().String() {
		case ".ID", ".Version", ".CreatedAt", ".UpdatedAt":
			return true
		}
		return false
	}, cmp.Ignore())
}

// TestBinaryValue: a value that is not UTF-8 goes to SecretBinary and comes
// back byte for byte.
func TestBinaryValue(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	st := open(t, "awssm://"+p)
	bin := "\xff\x00\xfe binary"
	if _, err := st.Create(ctx, secrets.Secret{Key: "BIN", Value: bin}); err != nil {
		t.Fatal(err)
	}
	out, err := rawClient(t, nil).GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(p + "/_global/BIN")})
	if err != nil {
		t.Fatal(err)
	}
	if string(out.SecretBinary) != bin || out.SecretString != nil {
		t.Fatalf("stored as string %v / binary %q", out.SecretString != nil, out.SecretBinary)
	}
	if v, err := st.Value(ctx, "BIN"); err != nil || v != bin {
		t.Fatalf("Value = %q, %v", v, err)
	}
}

// TestReplayedCreate: AWS makes a CreateSecret with the same
// ClientRequestToken idempotent; the driver relies on it when the SDK
// retries, so check the server honours it.
func TestReplayedCreate(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	raw := rawClient(t, nil)
	in := &sm.CreateSecretInput{Name: aws.String(p + "/_global/ONCE"), SecretString: aws.String("v"),
		ClientRequestToken: aws.String("11111111-2222-3333-4444-555555555555")}
	first, err := raw.CreateSecret(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	second, err := raw.CreateSecret(ctx, in)
	if err != nil {
		t.Fatalf("replayed CreateSecret with the same token: %v", err)
	}
	if *first.VersionId != *second.VersionId {
		t.Fatalf("replay made a new version %s != %s", *second.VersionId, *first.VersionId)
	}
	vs, err := open(t, "awssm://"+p).Versions(ctx, "ONCE")
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions %v, %v", vs, err)
	}
}

// TestRecoveryWindow: with recovery_window_days, Delete then Get is
// NotFound, Create says why it cannot, and a raw RestoreSecret brings it back.
func TestRecoveryWindow(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	st := open(t, "awssm://"+p+"?recovery_window_days=7")
	if _, err := st.Create(ctx, secrets.Secret{Key: "R", Value: "keep-me"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, "R"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "R"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := st.Delete(ctx, "R"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	_, err := st.Create(ctx, secrets.Secret{Key: "R", Value: "new"})
	if secrets.ErrorCode(err) != secrets.FailedPrecondition {
		t.Fatalf("Create of a key pending deletion: %v", err)
	}
	t.Logf("Create while pending deletion: %v", err)
	if _, err := rawClient(t, nil).RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String(p + "/_global/R")}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Value(ctx, "R"); err != nil || v != "keep-me" {
		t.Fatalf("after RestoreSecret: %q, %v", v, err)
	}
}

// TestUnavailable: a server that is not there is Unavailable, within the
// retries.
func TestUnavailable(t *testing.T) {
	needServer(t)
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:1")
	st := open(t, "awssm://x?max_retries=1")
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err := st.Get(c, "K")
	if secrets.ErrorCode(err) != secrets.Unavailable {
		t.Fatalf("Get against a closed port: %v (code %v)", err, secrets.ErrorCode(err))
	}
}

func TestURLErrors(t *testing.T) {
	drivertest.InvalidURLs(t, "awssm://", "awssm://a//b", "awssm://a?bogus=1", "awssm://a?timeout=soon", "awssm://a?timeout=-1s",
		"awssm://a?recovery_window_days=3", "awssm://a/_global")
}

var _ = fmt.Sprint
