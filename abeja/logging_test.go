package abeja_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
)

// TestLogsHoldNoSecret: the driver's debug records (requests, retries)
// carry no value, token or personal access token.
func TestLogsHoldNoSecret(t *testing.T) {
	e := newEnv(t)
	var buf bytes.Buffer
	st := e.store(t, abeja.ClientOptions{MaxRetries: 1, Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	const value = "PSV-the-value-itself"
	if _, err := st.Create(ctx, secrets.Secret{Key: "L", Value: value}); err != nil {
		t.Fatal(err)
	}
	e.srv.FailNext(1, 503, 0)
	if _, err := st.Modify(ctx, "L", secrets.Update{Value: secrets.Ptr(value + "2")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.ListPage(ctx, secrets.ListOptions{WithValues: true}, ""); err != nil {
		t.Fatal(err)
	}
	logs := buf.String()
	if !strings.Contains(logs, "abeja: retrying") || !strings.Contains(logs, "abeja: request") {
		t.Fatalf("no request or retry records:\n%s", logs)
	}
	for _, s := range []string{value, e.pat, "Basic ", "user-" + e.user} {
		if strings.Contains(logs, s) {
			t.Errorf("the logs hold %q:\n%s", s, logs)
		}
	}
}
