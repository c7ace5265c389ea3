package datalayer_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestLogging: the debug records name requests and retries — the wait a
// 429's Retry-After asked for included — and never a value (in either
// encoding) or the API key.
func TestLogging(t *testing.T) {
	e := newEnv(t, false)
	var buf drivertest.SyncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st := e.open(t, func(o *datalayer.ClientOptions) { o.Logger = log })
	const value = "s3cr3t-v4lue"
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: value}); err != nil {
		t.Fatal(err)
	}
	e.srv.FailNext(1, 429, time.Second)
	if v, err := st.Value(ctx, "K"); err != nil || v != value {
		t.Fatalf("Value = %q, %v", v, err)
	}
	if _, err := st.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr(value + "2")}); err != nil {
		t.Fatal(err)
	}
	for _, err := range st.List(ctx, secrets.ListOptions{WithValues: true}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	out := buf.String()
	for _, want := range []string{"method=POST path=/secrets status=201", "method=PUT", "datalayer: retrying",
		"code=RateLimited", "wait=1s"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{value, b64(value), b64(value + "2"), e.key} {
		if strings.Contains(out, secret) {
			t.Errorf("the log shows %q:\n%s", secret, out)
		}
	}
}
