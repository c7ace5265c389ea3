package rest_test

import (
	"os"
	"testing"

	"github.com/polysecret/secrets/internal/testenv"
)

// The Vault tests run the gateway in front of a real Vault server
// (testenv.MainWithVault): VAULT_ADDR and VAULT_TOKEN if set; else `server
// -dev` of VAULT_BIN or of the binary scripts/vault-dev.sh caches. Without
// either they skip naming `make test` — and under CI=true they fail.

var vaultSrv testenv.Server

func TestMain(m *testing.M) {
	os.Exit(testenv.MainWithVault(m, &vaultSrv))
}
