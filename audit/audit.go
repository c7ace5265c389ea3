// Package audit is a middleware that writes an audit log of every driver
// call of a Store through log/slog: which operation, on which scope and key,
// with what outcome and how long it took — never a value.
//
//	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
//	store, err := secrets.OpenStore(ctx, "vault://secret/myapp?env=prod")
//	…
//	store = store.With(audit.Interceptor(logger))
//
// Each call writes one record with the message "polysecret" and the
// attributes
//
//	scheme    the driver's URL scheme (vault, awssm, locker, mem)
//	op        the driver operation (Get, Create, Modify, Delete, ListPage,
//	          Versions, Ping, Put, Values, ListEnvironments, GetEnvironment,
//	          CreateEnvironment, ModifyEnvironment, DeleteEnvironment)
//	env       the environment ("" = the global scope; for the environment
//	          operations, the environment's name)
//	key       the secret's key ("" for operations without one)
//	code      "OK", or the error's code (NotFound, PermissionDenied, …)
//	duration  the time the call took
//
// at level Info on success and Warn on error (see [WithLevels]). The
// records are of driver calls, not Store calls: a Get in an environment that
// falls back to the global secret is two records, the second with env "".
// A call of an optional operation (Ping, Put, Values) that the driver
// lacks is not logged: the portable layer's fallback calls are. The error's
// text is not logged; the code says what failed, and the
// application's own error handling has the rest.
package audit

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/polysecret/secrets/backend"
)

// Message is the message of every record.
const Message = "polysecret"

// The attribute keys.
const (
	KeyScheme   = "scheme"
	KeyOp       = "op"
	KeyEnv      = "env"
	KeyKey      = "key"
	KeyCode     = "code"
	KeyDuration = "duration"
)

// OK is the code attribute of a call that succeeded.
const OK = "OK"

// Option configures the Interceptor.
type Option func(*config)

type config struct {
	ok, fail slog.Level
}

// WithLevels sets the level of the records of calls that succeeded (default
// Info) and of calls that failed (default Warn). To log only failures, give
// a success level below the handler's.
func WithLevels(success, failure slog.Level) Option {
	return func(c *config) { c.ok, c.fail = success, failure }
}

// Interceptor returns the middleware, for secrets.Store.With. A nil logger
// is slog.Default().
func Interceptor(logger *slog.Logger, opts ...Option) backend.Interceptor {
	c := config{ok: slog.LevelInfo, fail: slog.LevelWarn}
	for _, o := range opts {
		o(&c)
	}
	return func(ctx context.Context, call *backend.Call, next func(context.Context) error) error {
		l := logger
		if l == nil {
			l = slog.Default()
		}
		start := time.Now()
		err := next(ctx)
		d := time.Since(start)
		if errors.Is(err, backend.ErrSkip) {
			// Not a call: the driver under this middleware lacks the
			// optional operation, and the portable layer falls back.
			return err
		}
		level, code := c.ok, OK
		if err != nil {
			level, code = c.fail, call.Code(err).String()
		}
		if !l.Enabled(ctx, level) {
			return err
		}
		l.LogAttrs(ctx, level, Message,
			slog.String(KeyScheme, call.Scheme),
			slog.String(KeyOp, call.Op),
			slog.String(KeyEnv, call.Environment),
			slog.String(KeyKey, call.Key),
			slog.String(KeyCode, code),
			slog.Duration(KeyDuration, d))
		return err
	}
}
