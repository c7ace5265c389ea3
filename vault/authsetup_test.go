package vault_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/polysecret/secrets/internal/drivertest"
)

// The auth methods as an operator sets them up, with the raw API and the
// root token: a policy for a store's prefix, an auth method at its own
// mount, roles and users bound to that policy.

// storePolicy writes a policy that lets a store work on prefix p of the
// secret mount, and returns its name.
func storePolicy(t *testing.T, p string) string {
	t.Helper()
	name := "store-" + p
	rules := strings.ReplaceAll(`
path "secret/data/P/*"     { capabilities = ["create", "read", "update", "delete", "list"] }
path "secret/metadata/P/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "secret/metadata/P"   { capabilities = ["read", "list"] }`, "P", p)
	if err := rootClient(t).Sys().PutPolicy(name, rules); err != nil {
		t.Fatal(err)
	}
	return name
}

// enableAuth enables the auth method typ at a fresh mount and returns the
// mount's name.
func enableAuth(t *testing.T, typ string) string {
	t.Helper()
	mount := typ + "-" + drivertest.Prefix()
	if err := rootClient(t).Sys().EnableAuthWithOptions(mount, &api.EnableAuthOptions{Type: typ}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rootClient(t).Sys().DisableAuth(mount) })
	return mount
}

func write(t *testing.T, path string, data map[string]any) *api.Secret {
	t.Helper()
	s, err := rootClient(t).Logical().Write(path, data)
	if err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return s
}

// tokenTTLs are the token_ttl and token_max_ttl of a role or user, and
// its token_type ("" = the default, service).
type tokenTTLs struct{ ttl, max, typ string }

var longTTL = tokenTTLs{ttl: "10m", max: "20m"}

// approleCreds makes the role "app" on an AppRole mount with policy, and
// returns the mount, its role_id and a secret_id.
func approleCreds(t *testing.T, policy string, ttl tokenTTLs) (mount, roleID, secretID string) {
	t.Helper()
	mount = enableAuth(t, "approle")
	role := map[string]any{"token_policies": policy, "token_ttl": ttl.ttl, "token_max_ttl": ttl.max}
	if ttl.typ != "" {
		role["token_type"] = ttl.typ
	}
	write(t, "auth/"+mount+"/role/app", role)
	r, err := rootClient(t).Logical().Read("auth/" + mount + "/role/app/role-id")
	if err != nil {
		t.Fatal(err)
	}
	s := write(t, "auth/"+mount+"/role/app/secret-id", nil)
	return mount, r.Data["role_id"].(string), s.Data["secret_id"].(string)
}

// userpassUser makes the user alice with password on a userpass mount with
// policy, and returns the mount.
func userpassUser(t *testing.T, policy, password string) string {
	t.Helper()
	mount := enableAuth(t, "userpass")
	write(t, "auth/"+mount+"/users/alice", map[string]any{"password": password, "token_policies": policy,
		"token_ttl": longTTL.ttl, "token_max_ttl": longTTL.max})
	return mount
}

// jwtIssuer signs JWTs with an ECDSA P-256 key that a jwt auth mount
// trusts (jwt_validation_pubkeys).
type jwtIssuer struct {
	mount string
	key   *ecdsa.PrivateKey
}

const jwtAudience = "polysecret-test"

// jwtRole enables jwt at a fresh mount that trusts a key made here, with
// the role "app" (also the default role) for subject "app-sub" and policy.
func jwtRole(t *testing.T, policy string) *jwtIssuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	mount := enableAuth(t, "jwt")
	write(t, "auth/"+mount+"/config", map[string]any{"jwt_validation_pubkeys": []string{pub}, "default_role": "app"})
	write(t, "auth/"+mount+"/role/app", map[string]any{"role_type": "jwt", "user_claim": "sub",
		"bound_subject": "app-sub", "bound_audiences": jwtAudience, "token_policies": policy,
		"token_ttl": longTTL.ttl, "token_max_ttl": longTTL.max})
	return &jwtIssuer{mount: mount, key: key}
}

// sign returns a JWT (ES256) for subject sub, valid for an hour.
func (j *jwtIssuer) sign(t *testing.T, sub string) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	now := time.Now()
	signed := enc(map[string]string{"alg": "ES256", "typ": "JWT"}) + "." +
		enc(map[string]any{"sub": sub, "aud": jwtAudience, "iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(),
			"exp": now.Add(time.Hour).Unix()})
	h := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, j.key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// secretFile writes content to a fresh file and returns its path.
func secretFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// tokenPolicies looks token up and returns its policies.
func tokenPolicies(t *testing.T, token string) []string {
	t.Helper()
	s, err := rootClient(t).Auth().Token().Lookup(token)
	if err != nil {
		t.Fatalf("lookup of the store's token: %v", err)
	}
	var out []string
	for _, p := range s.Data["policies"].([]any) {
		out = append(out, p.(string))
	}
	slices.Sort(out)
	return out
}

// logRecorder is a slog.Handler that keeps every record (all levels).
type logRecorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r.Clone())
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// count returns the number of records with message msg.
func (l *logRecorder) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.recs {
		if r.Message == msg {
			n++
		}
	}
	return n
}

// text returns every record as text, for checks that a secret is absent.
func (l *logRecorder) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, r := range l.recs {
		b.WriteString(r.Time.Format("05.000") + " " + r.Message)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.String())
			return true
		})
		b.WriteString("\n")
	}
	return b.String()
}
