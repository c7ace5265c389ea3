package audit_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/audit"
	"github.com/polysecret/secrets/memory"
)

func Example() {
	ctx := context.Background()
	// Time and duration are left out only to make the output stable.
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == audit.KeyDuration {
				return slog.Attr{}
			}
			return a
		},
	}))
	store := memory.OpenStore().With(audit.Interceptor(logger))
	defer store.Close()

	_, _ = store.CreateEnvironment(ctx, secrets.Environment{Name: "prod"})
	_, _ = store.In("prod").Put(ctx, secrets.Secret{Key: "DATABASE_URL", Value: "postgres://…"})
	_, _ = store.Get(ctx, "DATABASE_URL") // no global one
	// Output:
	// {"level":"INFO","msg":"polysecret","scheme":"mem","op":"CreateEnvironment","env":"prod","key":"","code":"OK"}
	// {"level":"INFO","msg":"polysecret","scheme":"mem","op":"Put","env":"prod","key":"DATABASE_URL","code":"OK"}
	// {"level":"WARN","msg":"polysecret","scheme":"mem","op":"Get","env":"","key":"DATABASE_URL","code":"NotFound"}
}
