package main

import (
	"context"
	"os"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/polysecret/secrets"
)

// The drivers read credentials from the process environment when a store
// is opened; the in-process commands of the scripts (libget) open theirs
// with the script's credentials, one at a time.
var envMu sync.Mutex

func openWithScriptEnv(ctx context.Context, ts *testscript.TestScript, url string) (*secrets.Store, error) {
	envMu.Lock()
	defer envMu.Unlock()
	for _, k := range []string{"LOCKER_ACCESS_KEY_ID", "LOCKER_SECRET_ACCESS_KEY", "VAULT_ADDR", "VAULT_TOKEN", "POLYSECRET_AGE_IDENTITY"} {
		if err := os.Setenv(k, ts.Getenv(k)); err != nil {
			return nil, err
		}
	}
	return secrets.OpenStore(ctx, url)
}
