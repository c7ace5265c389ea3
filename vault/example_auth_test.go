package vault_test

import (
	"context"
	"log"
	"os"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/auth/approle"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/vault"
)

// A store that logs in with AppRole by URL: role_id and secret_id come from
// VAULT_ROLE_ID and a file (never from the URL); the token is renewed, and
// replaced by a new login, until Close.
func Example_appRoleURL() {
	ctx := context.Background()
	st, err := secrets.OpenStore(ctx, "vault://secret/myapp?env=prod&auth=approle&auth_mount=approle-prod"+
		"&secret_id_file=/run/secrets/vault-secret-id")
	if err != nil {
		log.Fatal(err) // InvalidArgument: an input is missing; Unauthenticated: Vault refused the login
	}
	defer st.Close()
	dsn, err := st.Value(ctx, "DATABASE_URL")
	_, _ = dsn, err
}

// An auth method the application built, with New: the driver logs in on its
// own clone of client, which keeps its own token (here: none).
func ExampleOptions_auth() {
	client, err := api.NewClient(api.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	client.ClearToken()
	ar, err := approle.NewAppRoleAuth(os.Getenv("VAULT_ROLE_ID"), &approle.SecretID{FromEnv: "VAULT_SECRET_ID"},
		approle.WithMountPath("approle-prod"))
	if err != nil {
		log.Fatal(err)
	}
	st, err := vault.New(client, vault.Options{Mount: "secret", Prefix: "myapp", Environment: "prod", Auth: ar})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
}
