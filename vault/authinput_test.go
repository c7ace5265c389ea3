package vault_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/vault"
)

// Bad auth input: a missing secret input or a secret in the URL is
// InvalidArgument before any request; wrong credentials are
// Unauthenticated at open (the login is made there). No error text shows a
// secret input.

func TestAuthBadInput(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	policy := storePolicy(t, p)
	arMount, roleID, _ := approleCreds(t, policy, longTTL)
	upMount := userpassUser(t, policy, "the-right-password")
	jwtIss := jwtRole(t, policy)
	stranger := jwtRole(t, policy) // another key: its tokens are not trusted by jwtIss's mount
	const secret = "SECRET-VALUE-7f3a"
	missing := filepath.Join(t.TempDir(), "absent")
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		query    string
		env      map[string]string
		want     secrets.Code
		mention  string // the error names this
		requests int64  // requests sent
	}{
		// A missing secret input: nothing is sent.
		{"approle without a secret_id", "auth=approle&auth_mount=" + arMount, map[string]string{"VAULT_ROLE_ID": roleID},
			secrets.InvalidArgument, "auth=approle needs a secret_id: set VAULT_SECRET_ID or secret_id_file", 0},
		{"approle without a role_id", "auth=approle", map[string]string{"VAULT_SECRET_ID": secret},
			secrets.InvalidArgument, "auth=approle needs a role_id: set VAULT_ROLE_ID or role_id_file", 0},
		{"approle with a missing secret_id_file", "auth=approle&secret_id_file=" + url.QueryEscape(missing), map[string]string{"VAULT_ROLE_ID": roleID},
			secrets.InvalidArgument, "secret_id_file", 0},
		{"approle with an empty secret_id_file", "auth=approle&secret_id_file=" + url.QueryEscape(empty), map[string]string{"VAULT_ROLE_ID": roleID},
			secrets.InvalidArgument, "secret_id_file", 0},
		{"userpass without a username", "auth=userpass", map[string]string{"VAULT_PASSWORD": secret},
			secrets.InvalidArgument, "auth=userpass needs a username", 0},
		{"userpass without a password", "auth=userpass&username=alice", nil,
			secrets.InvalidArgument, "auth=userpass needs a password: set VAULT_PASSWORD or password_file", 0},
		{"jwt without a jwt", "auth=jwt&role=app", nil,
			secrets.InvalidArgument, "auth=jwt needs a jwt: set VAULT_JWT or jwt_file", 0},
		{"kubernetes without a role", "auth=kubernetes&jwt_file=" + url.QueryEscape(empty), nil,
			secrets.InvalidArgument, "auth=kubernetes needs a role", 0},
		{"kubernetes with a missing token file", "auth=kubernetes&role=app&jwt_file=" + url.QueryEscape(missing), nil,
			secrets.InvalidArgument, "jwt_file", 0},
		// A secret input in the URL: refused, named, never shown.
		{"secret_id in the URL", "auth=approle&secret_id=" + secret, map[string]string{"VAULT_ROLE_ID": roleID},
			secrets.InvalidArgument, `"secret_id"`, 0},
		{"password in the URL", "auth=userpass&username=alice&password=" + secret, nil,
			secrets.InvalidArgument, `"password"`, 0},
		{"jwt in the URL", "auth=jwt&role=app&jwt=" + secret, nil, secrets.InvalidArgument, `"jwt"`, 0},
		{"token in the URL", "token=" + secret, nil, secrets.InvalidArgument, `"token"`, 0},
		{"role_id in the URL", "auth=approle&role_id=" + secret, map[string]string{"VAULT_SECRET_ID": secret},
			secrets.InvalidArgument, `"role_id"`, 0},
		// Parameters that do not fit.
		{"unknown method", "auth=ldap", nil, secrets.InvalidArgument, `"ldap"`, 0},
		{"a parameter of another method", "auth=approle&username=alice", map[string]string{"VAULT_ROLE_ID": roleID, "VAULT_SECRET_ID": secret},
			secrets.InvalidArgument, `"username"`, 0},
		{"an auth parameter without auth", "role=app", nil, secrets.InvalidArgument, `"role"`, 0},
		{"auth=token with a mount", "auth=token&auth_mount=x", nil, secrets.InvalidArgument, `"auth_mount"`, 0},
		// Wrong credentials: one login, refused.
		{"wrong password", "auth=userpass&username=alice&auth_mount=" + upMount, map[string]string{"VAULT_PASSWORD": secret},
			secrets.Unauthenticated, "auth=userpass", 1},
		{"wrong secret_id", "auth=approle&auth_mount=" + arMount, map[string]string{"VAULT_ROLE_ID": roleID, "VAULT_SECRET_ID": secret},
			secrets.Unauthenticated, "auth=approle", 1},
		{"untrusted jwt", "auth=jwt&role=app&auth_mount=" + jwtIss.mount, map[string]string{"VAULT_JWT": stranger.sign(t, "app-sub")},
			secrets.Unauthenticated, "auth=jwt", 1},
		{"jwt of another subject", "auth=jwt&role=app&auth_mount=" + jwtIss.mount, map[string]string{"VAULT_JWT": jwtIss.sign(t, "intruder")},
			secrets.Unauthenticated, "auth=jwt", 1},
		{"no such auth mount", "auth=userpass&username=alice&auth_mount=nothing-here", map[string]string{"VAULT_PASSWORD": secret},
			secrets.Unauthenticated, "auth=userpass", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"VAULT_ROLE_ID", "VAULT_SECRET_ID", "VAULT_PASSWORD", "VAULT_JWT"} {
				t.Setenv(k, tc.env[k])
			}
			c, rc := ownClient(t)
			mux := new(secrets.URLMux)
			mux.Register(vault.Scheme, &vault.URLOpener{Client: c})
			st, err := mux.OpenStore(ctx, "vault://secret/"+p+"?"+tc.query)
			if err == nil {
				st.Close()
			}
			t.Logf("%v", err)
			if code := secrets.ErrorCode(err); code != tc.want {
				t.Errorf("OpenStore: %v (code %v), want %v", err, code, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("the error does not say %q: %v", tc.mention, err)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the secret input: %v", err)
			}
			if n := rc.Requests(); n != tc.requests {
				t.Errorf("%d requests sent, want %d", n, tc.requests)
			}
		})
	}
}

// The built client (default opener) refuses the same inputs before any
// request: VAULT_ADDR points at a closed port, where a request would be
// Unavailable.
func TestAuthBadInputBuiltClient(t *testing.T) {
	t.Setenv("VAULT_ADDR", "http://127.0.0.1:1")
	t.Setenv("VAULT_SECRET_ID", "")
	t.Setenv("VAULT_ROLE_ID", "r")
	_, err := secrets.OpenStore(ctx, "vault://secret/app?auth=approle")
	if code := secrets.ErrorCode(err); code != secrets.InvalidArgument {
		t.Fatalf("OpenStore: %v (code %v), want InvalidArgument", err, code)
	}
}

// A login that gets no answer is retried like any request: a 503 once,
// then the store opens; a server that never answers is Unavailable after
// max_retries.
func TestAuthLoginUnavailable(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	mount, roleID, secretID := approleCreds(t, storePolicy(t, p), longTTL)
	t.Setenv("VAULT_ROLE_ID", roleID)
	t.Setenv("VAULT_SECRET_ID", secretID)
	isLogin := func(r *http.Request, _ []byte) bool { return r.URL.Path == "/v1/auth/"+mount+"/login" }
	for _, tc := range []struct {
		name   string
		n      int32
		f      fault
		query  string
		want   secrets.Code // Unknown: opens
		logins int32
	}{
		{"a 503 once", 1, fault{kind: answer, status: http.StatusServiceUnavailable}, "", secrets.Unknown, 2},
		{"no answer", 100, fault{kind: hang}, "&timeout=200ms&max_retries=1", secrets.Unavailable, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			px, seen := faultFirst(t, tc.n, tc.f, isLogin)
			t.Setenv("VAULT_ADDR", px.URL)
			st, err := secrets.OpenStore(ctx, "vault://secret/"+p+"?auth=approle&auth_mount="+mount+tc.query)
			if err == nil {
				st.Close()
			}
			if code := secrets.ErrorCode(err); code != tc.want {
				t.Errorf("OpenStore: %v (code %v), want %v", err, code, tc.want)
			}
			if n := seen.Load(); n != tc.logins {
				t.Errorf("%d logins sent, want %d", n, tc.logins)
			}
		})
	}
}
