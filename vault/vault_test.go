package vault_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/internal/testenv"
	"github.com/polysecret/secrets/vault"
)

var ctx = context.Background()

func rootClient(t testing.TB) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = vaultAddr
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(vaultToken)
	return c
}

func open(t testing.TB, url string) *secrets.Store { t.Helper(); return drivertest.Open(t, url) }

func TestConformance(t *testing.T) {
	needServer(t)
	conformance.Run(t, conformance.Harness{
		New: conformance.ByURL(func() string { return "vault://secret/" + drivertest.Prefix() }),
		Want: backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true, Labels: true,
			Expiry: true, AtomicModify: true, FieldWrites: true},
		Concurrency: 16,
		CheckAs: func(t *testing.T, s *secrets.Store) {
			var c *api.Client
			if !s.As(&c) || c == nil {
				t.Error("As(**api.Client) failed")
			}
		},
		CheckErrorAs: func(t *testing.T, s *secrets.Store, err error) {
			// A missing secret is api.ErrSecretNotFound, not a ResponseError;
			// check ErrorAs on a real 403 in TestReadOnlyPolicy.
			if !errors.Is(err, api.ErrSecretNotFound) {
				t.Errorf("%v does not wrap api.ErrSecretNotFound", err)
			}
		},
	})
}

// TestReadOnlyPolicy: a token whose policy only reads gets PermissionDenied
// on writes, can still read, and ErrorAs reaches the *api.ResponseError.
func TestReadOnlyPolicy(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	tok := tokenWithPolicy(t, "ro-"+p, fmt.Sprintf(`
path "secret/data/%[1]s/*" { capabilities = ["read"] }
path "secret/metadata/%[1]s/*" { capabilities = ["read", "list"] }`, p))
	rw := open(t, "vault://secret/"+p)
	if _, err := rw.Create(ctx, secrets.Secret{Key: "K", Value: "v", Labels: map[string]string{"a": "b"}}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VAULT_TOKEN", tok)
	ro := open(t, "vault://secret/"+p)
	if v, err := ro.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("read with the read-only token: %q, %v", v, err)
	}
	_, err := ro.Create(ctx, secrets.Secret{Key: "N", Value: "x"})
	if secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Fatalf("Create with a read-only token: %v", err)
	}
	var re *api.ResponseError
	if !ro.ErrorAs(err, &re) || re.StatusCode != 403 {
		t.Fatalf("ErrorAs(*api.ResponseError) = %v", re)
	}
	if _, err := ro.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr("w")}); secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Fatalf("Modify with a read-only token: %v", err)
	}
	if err := ro.Delete(ctx, "K"); secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Fatalf("Delete with a read-only token: %v", err)
	}
	if v, err := rw.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("value changed: %q %v", v, err)
	}
}

// TestMultiFieldSecret: a secret written with several fields reads back as
// their JSON object and is not rewritten by reading.
func TestMultiFieldSecret(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	root := rootClient(t)
	if _, err := root.KVv2("secret").Put(ctx, p+"/_global/db", map[string]any{"user": "a", "pass": "b"}); err != nil {
		t.Fatal(err)
	}
	st := open(t, "vault://secret/"+p)
	v, err := st.Value(ctx, "db")
	if err != nil {
		t.Fatal(err)
	}
	if v != `{"pass":"b","user":"a"}` {
		t.Fatalf("Value = %s", v)
	}
	md, err := root.KVv2("secret").GetMetadata(ctx, p+"/_global/db")
	if err != nil || md.CurrentVersion != 1 {
		t.Fatalf("reading rewrote the secret: %v %v", md, err)
	}
}

// TestLayout: after Create, the raw client finds the documented path and
// metadata.
func TestLayout(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	st := open(t, "vault://secret/"+p)
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod", Description: "production"}); err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := st.In("prod").Create(ctx, secrets.Secret{Key: "DB", Value: "pw", Description: "primary", Type: secrets.TypePassword,
		Labels: map[string]string{"team": "core"}, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, secrets.Secret{Key: "BIN", Value: "\xff\x00"}); err != nil {
		t.Fatal(err)
	}
	kv := rootClient(t).KVv2("secret")
	s, err := kv.Get(ctx, p+"/prod/DB")
	if err != nil {
		t.Fatal(err)
	}
	// The version holds the whole secret; the write id is random.
	if own, ok := s.Data[vault.DataField].(map[string]any); ok {
		if id, _ := own["write"].(string); len(id) < 16 {
			t.Errorf("write id %q", id)
		}
		delete(own, "write")
	}
	wantData := map[string]any{"value": "pw", "polysecret": map[string]any{"description": "primary", "type": "password",
		"labels": map[string]any{"team": "core"}, "expires_at": "2030-01-02T03:04:05Z"}}
	if diff := cmp.Diff(wantData, s.Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	// custom_metadata mirrors it for people browsing Vault.
	want := map[string]any{"polysecret.description": "primary", "polysecret.type": "password",
		"polysecret.label.team": "core", "polysecret.expires_at": "2030-01-02T03:04:05Z"}
	if diff := cmp.Diff(want, s.CustomMetadata); diff != "" {
		t.Errorf("custom_metadata (-want +got):\n%s", diff)
	}
	b, err := kv.Get(ctx, p+"/_global/BIN")
	if err != nil {
		t.Fatal(err)
	}
	delete(b.Data, vault.DataField)
	if diff := cmp.Diff(map[string]any{"value": "/wA=", "encoding": "base64"}, b.Data); diff != "" {
		t.Errorf("binary data (-want +got):\n%s", diff)
	}
	e, err := kv.Get(ctx, p+"/_environments/prod")
	if err != nil || e.Data["description"] != "production" {
		t.Fatalf("environment entry: %v %v", e, err)
	}
}

// TestConcurrentModifyTwoStores: 2 stores × 16 goroutines modifying one
// secret's value lose no update: every write is a version.
func TestConcurrentModifyTwoStores(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	a, b := open(t, "vault://secret/"+p), open(t, "vault://secret/"+p)
	if _, err := a.Create(ctx, secrets.Secret{Key: "hot", Value: "0"}); err != nil {
		t.Fatal(err)
	}
	const per = 3
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := range 32 {
		st := a
		if g%2 == 1 {
			st = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range per {
				if _, err := st.Modify(ctx, "hot", secrets.Update{Value: secrets.Ptr(fmt.Sprintf("g%d-%d", g, r))}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	md, err := rootClient(t).KVv2("secret").GetMetadata(ctx, p+"/_global/hot")
	if err != nil {
		t.Fatal(err)
	}
	if md.CurrentVersion != 1+32*per {
		t.Fatalf("current version %d after %d writes: an update was lost", md.CurrentVersion, 1+32*per)
	}
}

// TestStoppedServer: a server that is gone is Unavailable within the
// context deadline, not a hang.
func TestStoppedServer(t *testing.T) {
	needServer(t)
	if testenv.VaultBin() == "" {
		t.Skip("needs a local Vault binary to stop")
	}
	addr, stop, err := testenv.StartVault()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("VAULT_ADDR", addr)
	t.Setenv("VAULT_TOKEN", "root")
	st := open(t, "vault://secret/app?max_retries=1")
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	stop()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err = st.Get(c, "K")
	if code := secrets.ErrorCode(err); code != secrets.Unavailable && code != secrets.DeadlineExceeded {
		t.Fatalf("Get from a stopped server: %v (code %v)", err, code)
	}
	t.Logf("stopped server: %v after %v", secrets.ErrorCode(err), time.Since(start).Round(time.Millisecond))
}

func TestURLErrors(t *testing.T) {
	drivertest.InvalidURLs(t, "vault://", "vault://secret", "vault://secret/", "vault://secret/a/../b", "vault://secret/a//b",
		"vault://secret/_global", "vault://secret/app?bogus=1", "vault://secret/app?max_retries=x", "vault://secret/a%2Fb")
}
