package vault

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/auth/approle"
	"github.com/hashicorp/vault/api/auth/kubernetes"
	"github.com/hashicorp/vault/api/auth/userpass"

	"github.com/polysecret/secrets/backend"
)

// This file is how a store logs in: the auth method a URL names (auth=…)
// with its inputs from the environment or files, or the api.AuthMethod of
// Options.Auth. The login itself and the token's renewal are in renew.go.

// The environment variables and the default file of the secret inputs.
const (
	EnvRoleID   = "VAULT_ROLE_ID"
	EnvSecretID = "VAULT_SECRET_ID"
	EnvPassword = "VAULT_PASSWORD"
	EnvJWT      = "VAULT_JWT"
	// ServiceAccountTokenFile is where auth=kubernetes reads the pod's
	// service-account token when the URL has no jwt_file.
	ServiceAccountTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
)

// authConfig is how a store logs in.
type authConfig struct {
	// name is the method as the URL names it ("approle", …), or
	// "Options.Auth (<type>)" for an application's method.
	name string
	// mount is the auth mount ("" for Options.Auth: the method knows it).
	mount string
	// method returns the api.AuthMethod of one login: URL methods read
	// their inputs afresh each time (a rotated file is picked up at the
	// next login).
	method func() (api.AuthMethod, error)
}

func customAuth(m api.AuthMethod) *authConfig {
	return &authConfig{name: fmt.Sprintf("Options.Auth (%T)", m), method: func() (api.AuthMethod, error) { return m, nil }}
}

// credentialParams are URL parameters that would carry a secret input:
// always refused, named, never shown.
var credentialParams = []struct{ name, instead string }{
	{"token", "set VAULT_TOKEN, or log in with auth="},
	{"role_id", "set " + EnvRoleID + " or role_id_file"},
	{"secret_id", "set " + EnvSecretID + " or secret_id_file"},
	{"password", "set " + EnvPassword + " or password_file"},
	{"jwt", "set " + EnvJWT + " or jwt_file"},
}

// authParams are the URL parameters of each method (auth_mount for all).
var authParams = map[string][]string{
	"token":      nil,
	"approle":    {"auth_mount", "role_id_file", "secret_id_file"},
	"userpass":   {"auth_mount", "username", "password_file"},
	"jwt":        {"auth_mount", "role", "jwt_file"},
	"kubernetes": {"auth_mount", "role", "jwt_file"},
}

// authFromURL reads the auth parameters of q: nil when the URL names no
// method (or auth=token), so that Options.Auth or the token applies. Every
// secret input is checked here, before any request: a missing one is
// InvalidArgument.
func authFromURL(p *backend.Params, q url.Values) (cfg *authConfig, token bool, err error) {
	for _, c := range credentialParams {
		if q.Has(c.name) {
			return nil, false, backend.Errorf(backend.InvalidArgument,
				"vault: URL parameter %q would put a credential in the URL: %s", c.name, c.instead)
		}
	}
	method := p.String("auth", "")
	own, known := authParams[method]
	if method != "" && !known {
		return nil, false, backend.Errorf(backend.InvalidArgument,
			"vault: URL parameter \"auth\": unknown method %q (approle, userpass, jwt, kubernetes or token)", method)
	}
	for _, name := range []string{"auth_mount", "role_id_file", "secret_id_file", "username", "password_file", "role", "jwt_file"} {
		if q.Has(name) && !slices.Contains(own, name) {
			if method == "" {
				return nil, false, backend.Errorf(backend.InvalidArgument, "vault: URL parameter %q needs an auth method (auth=…)", name)
			}
			return nil, false, backend.Errorf(backend.InvalidArgument, "vault: URL parameter %q does not apply to auth=%s", name, method)
		}
	}
	param := func(name string) string { return p.String(name, "") }
	if method == "" || method == "token" {
		return nil, method == "token", nil
	}
	cfg = &authConfig{name: method, mount: param("auth_mount")}
	if cfg.mount == "" {
		cfg.mount = method
	}
	if err := checkPath("auth_mount", cfg.mount, false); err != nil {
		return nil, false, err
	}
	switch method {
	case "approle":
		roleID := input{method: method, what: "role_id", env: EnvRoleID, file: param("role_id_file")}
		secretID := input{method: method, what: "secret_id", env: EnvSecretID, file: param("secret_id_file")}
		if err := roleID.check(); err != nil {
			return nil, false, err
		}
		if err := secretID.check(); err != nil {
			return nil, false, err
		}
		cfg.method = func() (api.AuthMethod, error) {
			id, err := roleID.read()
			if err != nil {
				return nil, err
			}
			sid := &approle.SecretID{FromEnv: EnvSecretID}
			if secretID.file != "" {
				sid = &approle.SecretID{FromFile: secretID.file}
			}
			return approle.NewAppRoleAuth(id, sid, approle.WithMountPath(cfg.mount))
		}
	case "userpass":
		user := param("username")
		if user == "" {
			return nil, false, backend.Errorf(backend.InvalidArgument, "vault: auth=userpass needs a username (URL parameter username)")
		}
		password := input{method: method, what: "password", env: EnvPassword, file: param("password_file")}
		if err := password.check(); err != nil {
			return nil, false, err
		}
		cfg.method = func() (api.AuthMethod, error) {
			pw := &userpass.Password{FromEnv: EnvPassword}
			if password.file != "" {
				pw = &userpass.Password{FromFile: password.file}
			}
			return userpass.NewUserpassAuth(user, pw, userpass.WithMountPath(cfg.mount))
		}
	case "jwt", "kubernetes":
		role := param("role")
		jwt := input{method: method, what: "jwt", env: EnvJWT, file: param("jwt_file")}
		if method == "kubernetes" {
			if role == "" {
				return nil, false, backend.Errorf(backend.InvalidArgument, "vault: auth=kubernetes needs a role (URL parameter role)")
			}
			if jwt.file == "" {
				jwt.file = ServiceAccountTokenFile
			}
			jwt.env = "" // the service-account token file only
		}
		if err := jwt.check(); err != nil {
			return nil, false, err
		}
		cfg.method = func() (api.AuthMethod, error) {
			tok, err := jwt.read()
			if err != nil {
				return nil, err
			}
			if method == "kubernetes" {
				return kubernetes.NewKubernetesAuth(role, kubernetes.WithMountPath(cfg.mount), kubernetes.WithServiceAccountToken(tok))
			}
			return &jwtAuth{mount: cfg.mount, role: role, jwt: tok}, nil
		}
	}
	return cfg, false, nil
}

// input is a secret input of a method: the file when the URL names one,
// else the environment variable env.
type input struct {
	method, what, env, file string
}

// check reports a missing, unreadable or empty input, InvalidArgument,
// without sending anything.
func (in input) check() error {
	_, err := in.read()
	return err
}

func (in input) read() (string, error) {
	if in.file != "" {
		b, err := os.ReadFile(in.file)
		if err != nil {
			// The *PathError names the file, never its content.
			return "", backend.Errorf(backend.InvalidArgument, "vault: auth=%s: %s_file: %w", in.method, in.what, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", backend.Errorf(backend.InvalidArgument, "vault: auth=%s: %s_file %q is empty", in.method, in.what, in.file)
		}
		return v, nil
	}
	if v := strings.TrimSpace(os.Getenv(in.env)); v != "" {
		return v, nil
	}
	return "", backend.Errorf(backend.InvalidArgument, "vault: auth=%s needs a %s: set %s or %s_file", in.method, in.what, in.env, in.what)
}

// jwtAuth is the login of Vault's JWT auth method, which has no official
// module: {role, jwt} to auth/<mount>/login.
type jwtAuth struct {
	mount, role, jwt string
}

func (a *jwtAuth) Login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	body := map[string]any{"jwt": a.jwt}
	if a.role != "" {
		body["role"] = a.role
	}
	return c.Logical().WriteWithContext(ctx, "auth/"+a.mount+"/login", body)
}
