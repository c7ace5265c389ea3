package psvar_test

import (
	"os"
	"testing"

	"github.com/polysecret/secrets/internal/testenv"
)

// vault is the Vault dev server of the vault:// cases (see
// testenv.MainWithVault: a missing server skips them, and fails them under
// CI=true).
var vault testenv.Server

func TestMain(m *testing.M) { os.Exit(testenv.MainWithVault(m, &vault)) }

func needServer(t testing.TB) { t.Helper(); vault.Require(t) }
