package otelsecrets_test

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/otelsecrets"
)

func Example() {
	ctx := context.Background()
	// In a program: the TracerProvider and MeterProvider of its exporter
	// set up, or the global ones (the default). Here: an in-memory one.
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	store := memory.OpenStore().With(otelsecrets.Interceptor(otelsecrets.WithTracerProvider(tp)))
	defer store.Close()
	_, _ = store.CreateEnvironment(ctx, secrets.Environment{Name: "prod"})
	_, _ = store.Put(ctx, secrets.Secret{Key: "DATABASE_URL", Value: "postgres://…"})
	_, _ = store.In("prod").Get(ctx, "DATABASE_URL") // prod has none: falls back to the global one

	for _, s := range spans.Ended() {
		fmt.Print(s.Name())
		for _, a := range s.Attributes() {
			fmt.Printf(" %s=%q", a.Key, a.Value.String())
		}
		fmt.Println(" status:", s.Status().Code)
	}
	// Output:
	// polysecret.CreateEnvironment polysecret.scheme="mem" polysecret.operation="CreateEnvironment" polysecret.environment="prod" status: Unset
	// polysecret.Put polysecret.scheme="mem" polysecret.operation="Put" polysecret.environment="" polysecret.key="DATABASE_URL" status: Unset
	// polysecret.Get polysecret.scheme="mem" polysecret.operation="Get" polysecret.environment="prod" polysecret.key="DATABASE_URL" polysecret.code="NotFound" status: Error
	// polysecret.Get polysecret.scheme="mem" polysecret.operation="Get" polysecret.environment="" polysecret.key="DATABASE_URL" status: Unset
}
