// Package otelsecrets is a middleware that traces and measures every driver
// call of a Store with OpenTelemetry — never a value. It is the only package
// of this module that depends on OpenTelemetry.
//
//	store, err := secrets.OpenStore(ctx, "vault://secret/myapp?env=prod")
//	…
//	store = store.With(otelsecrets.Interceptor(
//		otelsecrets.WithTracerProvider(tp), // default: otel.GetTracerProvider()
//		otelsecrets.WithMeterProvider(mp),  // default: otel.GetMeterProvider()
//	))
//
// # Traces
//
// Each driver call is a span of kind Client named "polysecret." and the
// operation (polysecret.Get, polysecret.CreateEnvironment, …), a child of
// the span in the caller's context; the driver's own instrumentation (an
// HTTP client's, for example) makes its spans children of it. Attributes:
//
//	polysecret.scheme       the driver's URL scheme (vault, awssm, locker, mem)
//	polysecret.operation    the operation (Get, Create, Modify, Delete,
//	                        ListPage, Versions, Ping, Put, Values,
//	                        ListEnvironments, GetEnvironment,
//	                        CreateEnvironment, ModifyEnvironment,
//	                        DeleteEnvironment)
//	polysecret.environment  the scope ("" = global; for the environment
//	                        operations, the environment's name)
//	polysecret.key          the secret's key, for the operations that have one
//	polysecret.code         on error only: the code the caller sees
//	                        (NotFound, Unavailable, …)
//
// A failed call's span has status Error with the code as its description.
// The error's text is not recorded (no event, no attribute): the code is
// what a dashboard groups by, and keeping the attributes to these few keeps
// anything a backend put in an error message out of the telemetry.
//
// # Metrics
//
//	polysecret.operation.duration  histogram, seconds, of every call
//	polysecret.operation.errors    counter of the failed calls
//
// both with the attributes polysecret.scheme, polysecret.operation and
// polysecret.code ("OK" for a call that succeeded). Environments and keys
// are left out of the metrics to keep their cardinality bounded.
//
// The spans and measurements are of driver calls, not Store calls: a Get in
// an environment that falls back to the global secret is two spans, the
// first with code NotFound.
//
// A call of an optional operation (Ping, Put, Values) that the driver lacks
// is not measured: the portable layer's fallback calls are. (When this
// middleware is stacked over another one, such a call still leaves a span,
// without a code or error status: the middleware learns that the operation
// is missing only from what its next returns.)
package otelsecrets

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/polysecret/secrets/backend"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/polysecret/secrets/otelsecrets"

// The attribute keys.
const (
	AttrScheme      = attribute.Key("polysecret.scheme")
	AttrOperation   = attribute.Key("polysecret.operation")
	AttrEnvironment = attribute.Key("polysecret.environment")
	AttrKey         = attribute.Key("polysecret.key")
	AttrCode        = attribute.Key("polysecret.code")
)

// The metric names.
const (
	MetricDuration = "polysecret.operation.duration"
	MetricErrors   = "polysecret.operation.errors"
)

// OK is the polysecret.code of a call that succeeded, in the metrics.
const OK = "OK"

// SpanPrefix is the start of every span's name, followed by the operation.
const SpanPrefix = "polysecret."

// durationBuckets are the histogram's bucket boundaries in seconds, those
// OpenTelemetry's semantic conventions advise for client call durations.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// Option configures the Interceptor.
type Option func(*config)

type config struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// WithTracerProvider sets the TracerProvider (default: the global one,
// otel.GetTracerProvider(), at the time Interceptor is called).
func WithTracerProvider(tp trace.TracerProvider) Option { return func(c *config) { c.tp = tp } }

// WithMeterProvider sets the MeterProvider (default: the global one,
// otel.GetMeterProvider(), at the time Interceptor is called).
func WithMeterProvider(mp metric.MeterProvider) Option { return func(c *config) { c.mp = mp } }

// Interceptor returns the middleware, for secrets.Store.With. If an
// instrument cannot be made, the error goes to otel.Handle and that
// instrument records nothing.
func Interceptor(opts ...Option) backend.Interceptor {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	tracer := c.tp.Tracer(ScopeName)
	meter := c.mp.Meter(ScopeName)
	duration, err := meter.Float64Histogram(MetricDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of the driver calls of a polysecret Store."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		otel.Handle(err)
		duration = noop.Float64Histogram{}
	}
	errs, err := meter.Int64Counter(MetricErrors, metric.WithUnit("{error}"),
		metric.WithDescription("Failed driver calls of a polysecret Store, by code."))
	if err != nil {
		otel.Handle(err)
		errs = noop.Int64Counter{}
	}

	return func(ctx context.Context, call *backend.Call, next func(context.Context) error) error {
		attrs := []attribute.KeyValue{
			AttrScheme.String(call.Scheme),
			AttrOperation.String(call.Op),
			AttrEnvironment.String(call.Environment),
		}
		if call.Key != "" {
			attrs = append(attrs, AttrKey.String(call.Key))
		}

		ctx, span := tracer.Start(ctx, SpanPrefix+call.Op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
		defer span.End()
		start := time.Now()
		err := next(ctx)
		elapsed := time.Since(start).Seconds()
		if errors.Is(err, backend.ErrSkip) {
			// Not a call: the driver under this middleware lacks the
			// optional operation, and the portable layer falls back.
			return err
		}
		code := OK
		if err != nil {
			code = call.Code(err).String()
			span.SetAttributes(AttrCode.String(code))
			span.SetStatus(codes.Error, code)
		}
		set := metric.WithAttributeSet(attribute.NewSet(AttrScheme.String(call.Scheme), AttrOperation.String(call.Op), AttrCode.String(code)))
		duration.Record(ctx, elapsed, set)
		if err != nil {
			errs.Add(ctx, 1, set)
		}
		return err
	}
}
