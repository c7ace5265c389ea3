package psvar_test

import (
	"os"
	"testing"

	"github.com/polysecret/secrets/internal/testenv"
)

// The tests run against a real Vault server (testenv.MainWithVault):
// VAULT_ADDR and VAULT_TOKEN if set; else `server -dev` of VAULT_BIN or of
// the binary scripts/vault-dev.sh caches (make test builds it). Without
// either they skip naming `make test` — and under CI=true they fail.

var srv testenv.Server

// vaultAddr and vaultToken are the server's, for the tests.
var vaultAddr, vaultToken string

func TestMain(m *testing.M) {
	srv.Ready = func(s *testenv.Server) { vaultAddr, vaultToken = s.Addr, s.Token }
	os.Exit(testenv.MainWithVault(m, &srv))
}

func needServer(t testing.TB) {
	t.Helper()
	srv.Require(t)
}
