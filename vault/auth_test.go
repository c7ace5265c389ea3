package vault_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/auth/approle"
	"github.com/hashicorp/vault/api/auth/userpass"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/vault"
)

// Tests of the auth methods (issue 10.4), each set up as an operator would
// (authsetup_test.go) on the test server: a store opened by URL logs in
// with its method, works on its prefix with the token it got (not the
// root token: another prefix is PermissionDenied), and its inputs come from
// the environment or a file.

// checkLoggedIn checks that st works on its prefix with a token of policy
// alone, and that other is refused with PermissionDenied.
func checkLoggedIn(t *testing.T, st *secrets.Store, policy string, other *secrets.Store) {
	t.Helper()
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if v, err := st.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("Value = %q, %v", v, err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	var c *api.Client
	if !st.As(&c) {
		t.Fatal("As(**api.Client) failed")
	}
	tok := c.Token()
	if tok == "" || tok == vaultToken {
		t.Fatalf("the store's client has the token %q: not logged in", map[bool]string{true: "", false: "root"}[tok == ""])
	}
	if diff := cmp.Diff([]string{"default", policy}, tokenPolicies(t, tok)); diff != "" {
		t.Errorf("policies of the store's token (-want +got):\n%s", diff)
	}
	if _, err := other.Get(ctx, "K"); secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Errorf("Get outside the policy: %v, want PermissionDenied", err)
	}
}

func TestAuthMethods(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	policy := storePolicy(t, p)
	arMount, roleID, secretID := approleCreds(t, policy, longTTL)
	const password = "s3cret-pa55"
	upMount := userpassUser(t, policy, password)
	jwtIss := jwtRole(t, policy)
	jwt := jwtIss.sign(t, "app-sub")
	for _, tc := range []struct {
		name  string
		query string            // URL parameters; FILE is replaced by the path of a file holding file
		file  string            // the content of FILE
		env   map[string]string // set for the test
	}{
		{"approle from the environment", "auth=approle&auth_mount=" + arMount, "",
			map[string]string{"VAULT_ROLE_ID": roleID, "VAULT_SECRET_ID": secretID}},
		{"approle secret_id from a file", "auth=approle&auth_mount=" + arMount + "&secret_id_file=FILE", secretID,
			map[string]string{"VAULT_ROLE_ID": roleID, "VAULT_SECRET_ID": ""}},
		{"approle role_id from a file", "auth=approle&auth_mount=" + arMount + "&role_id_file=FILE", roleID,
			map[string]string{"VAULT_ROLE_ID": "", "VAULT_SECRET_ID": secretID}},
		{"userpass from the environment", "auth=userpass&auth_mount=" + upMount + "&username=alice", "",
			map[string]string{"VAULT_PASSWORD": password}},
		{"userpass from a file", "auth=userpass&auth_mount=" + upMount + "&username=alice&password_file=FILE", password,
			map[string]string{"VAULT_PASSWORD": ""}},
		{"jwt from the environment", "auth=jwt&auth_mount=" + jwtIss.mount + "&role=app", "",
			map[string]string{"VAULT_JWT": jwt}},
		{"jwt from a file", "auth=jwt&auth_mount=" + jwtIss.mount + "&role=app&jwt_file=FILE", jwt,
			map[string]string{"VAULT_JWT": ""}},
		{"jwt with the mount's default role", "auth=jwt&auth_mount=" + jwtIss.mount, "",
			map[string]string{"VAULT_JWT": jwt}},
		// Kubernetes login has the shape of a JWT login ({role, jwt} to
		// auth/<mount>/login), sent by the official kubernetes module with
		// the service-account token read from jwt_file. There is no
		// Kubernetes API server here for Vault's kubernetes method to
		// review the token with, so the mount is a jwt one (Vault's
		// documented alternative for Kubernetes service-account tokens).
		{"kubernetes with the token file", "auth=kubernetes&auth_mount=" + jwtIss.mount + "&role=app&jwt_file=FILE", jwt,
			map[string]string{"VAULT_JWT": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			q := tc.query
			if strings.Contains(q, "FILE") {
				q = strings.ReplaceAll(q, "FILE", url.QueryEscape(secretFile(t, tc.file)))
			}
			st := open(t, "vault://secret/"+p+"/"+strings.ReplaceAll(tc.name, " ", "-")+"?"+q)
			other := open(t, "vault://secret/"+drivertest.Prefix()+"?"+q)
			checkLoggedIn(t, st, policy, other)
		})
	}
}

// Options.Auth: an auth method the application built, through New and
// through a URLOpener; the application's own client is never changed (its
// token stays its own) and As returns it as it is.
func TestAuthOption(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	policy := storePolicy(t, p)
	mount, roleID, secretID := approleCreds(t, policy, longTTL)
	const password = "pw-option"
	upMount := userpassUser(t, policy, password)
	ar, err := approle.NewAppRoleAuth(roleID, &approle.SecretID{FromString: secretID}, approle.WithMountPath(mount))
	if err != nil {
		t.Fatal(err)
	}
	up, err := userpass.NewUserpassAuth("alice", &userpass.Password{FromString: password}, userpass.WithMountPath(upMount))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("New", func(t *testing.T) {
		c, _ := ownClient(t)
		c.ClearToken() // an application that has no token of its own
		before := stateOf(c)
		st := newStore(t, c, vault.Options{Mount: "secret", Prefix: p + "/new", Auth: ar})
		drivertest.CreateAndRead(t, st)
		var got *api.Client
		if !st.As(&got) || got != c {
			t.Error("As(**api.Client) is not the application's client")
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, stateOf(c)); diff != "" {
			t.Errorf("the login changed the application's client (-before +after):\n%s", diff)
		}
	})
	t.Run("URLOpener with the application's client", func(t *testing.T) {
		c, _ := ownClient(t) // holds the root token: the store must not use it
		before := stateOf(c)
		mux := new(secrets.URLMux)
		mux.Register(vault.Scheme, &vault.URLOpener{Client: c, Options: vault.Options{Auth: up}})
		st, err := mux.OpenStore(ctx, "vault://secret/"+p+"/opener")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		other, err := mux.OpenStore(ctx, "vault://secret/"+drivertest.Prefix())
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Get(ctx, "K"); secrets.ErrorCode(err) != secrets.PermissionDenied {
			t.Errorf("Get outside the policy: %v, want PermissionDenied (the root token was used?)", err)
		}
		if diff := cmp.Diff(before, stateOf(c)); diff != "" {
			t.Errorf("the login changed the application's client (-before +after):\n%s", diff)
		}
	})
	t.Run("URLOpener with a built client", func(t *testing.T) {
		mux := new(secrets.URLMux)
		mux.Register(vault.Scheme, &vault.URLOpener{Options: vault.Options{Auth: ar}})
		st, err := mux.OpenStore(ctx, "vault://secret/"+p+"/built")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		other, err := mux.OpenStore(ctx, "vault://secret/"+drivertest.Prefix())
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		checkLoggedIn(t, st, policy, other)
	})
	t.Run("auth=token in the URL keeps the token", func(t *testing.T) {
		mux := new(secrets.URLMux)
		mux.Register(vault.Scheme, &vault.URLOpener{Options: vault.Options{Auth: ar}})
		st, err := mux.OpenStore(ctx, "vault://secret/"+drivertest.Prefix()+"?auth=token")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
			t.Fatalf("Create outside the AppRole's policy with VAULT_TOKEN: %v", err)
		}
		var c *api.Client
		if st.As(&c); c.Token() != vaultToken {
			t.Error("the store's client does not hold VAULT_TOKEN")
		}
	})
	t.Run("the URL's auth wins", func(t *testing.T) {
		t.Setenv("VAULT_PASSWORD", password)
		mux := new(secrets.URLMux)
		mux.Register(vault.Scheme, &vault.URLOpener{Options: vault.Options{Auth: ar}})
		st, err := mux.OpenStore(ctx, "vault://secret/"+p+"/url?auth=userpass&username=alice&auth_mount="+upMount)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var c *api.Client
		st.As(&c)
		s, err := rootClient(t).Auth().Token().Lookup(c.Token())
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Data["path"]; got != "auth/"+upMount+"/login/alice" {
			t.Errorf("the token came from %v, want the URL's userpass", got)
		}
	})
}

// The conformance suite on stores that log in with AppRole: a token whose
// policy allows the store's prefixes only, renewed in the background while
// each store is open.
func TestConformanceAppRole(t *testing.T) {
	needServer(t)
	base := drivertest.Prefix()
	policy := "conformance-" + base
	if err := rootClient(t).Sys().PutPolicy(policy, strings.ReplaceAll(`
path "secret/data/P*"     { capabilities = ["create", "read", "update", "delete", "list"] }
path "secret/metadata/P*" { capabilities = ["create", "read", "update", "delete", "list"] }`, "P", base)); err != nil {
		t.Fatal(err)
	}
	mount, roleID, secretID := approleCreds(t, policy, longTTL)
	t.Setenv("VAULT_ROLE_ID", roleID)
	t.Setenv("VAULT_SECRET_ID", secretID)
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			p := base + "-" + drivertest.Prefix()
			return func(t *testing.T) *secrets.Store {
				st, err := secrets.OpenStore(ctx, "vault://secret/"+p+"?auth=approle&auth_mount="+mount)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		},
		Want: backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true, Labels: true,
			Expiry: true, AtomicModify: true, FieldWrites: true},
		Concurrency: 16,
	})
}
