package psvar

import (
	"context"
	"errors"
	"strings"
	"time"

	"gocloud.dev/gcerrors"
	"gocloud.dev/runtimevar"
	"gocloud.dev/runtimevar/driver"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/gocdk"
)

// Options configure a Variable. The zero value (or nil) is the default.
type Options struct {
	// Wait is how long the Variable waits between two reads of the secret
	// (driver.DefaultWaitDuration, 30 s, when zero or negative).
	Wait time.Duration
}

// OpenVariable returns a runtimevar.Variable whose value is the secret key
// of store (as store.Get returns it: the store's scope, else the global
// secret; "KEY#field" selects one field of a JSON object), decoded by
// decoder (runtimevar.StringDecoder, BytesDecoder, a JSON decoder, …).
// The Variable reads the secret every opts.Wait. Closing it leaves store
// open: store is the caller's.
//
// A nil store or decoder, or an invalid key, is InvalidArgument.
func OpenVariable(store *secrets.Store, key string, decoder *runtimevar.Decoder, opts *Options) (*runtimevar.Variable, error) {
	w, err := newWatcher(store, key, decoder, opts, false)
	if err != nil {
		return nil, err
	}
	return runtimevar.New(w), nil
}

// NewWatcher is OpenVariable's driver, for code (such as gocloud's
// conformance suite) that builds the Variable itself: runtimevar.New(w).
func NewWatcher(store *secrets.Store, key string, decoder *runtimevar.Decoder, opts *Options) (driver.Watcher, error) {
	return newWatcher(store, key, decoder, opts, false)
}

func newWatcher(store *secrets.Store, key string, decoder *runtimevar.Decoder, opts *Options, own bool) (*watcher, error) {
	invalid := func(msg string, err error) error {
		if err == nil {
			err = errors.New(msg)
		}
		return &secrets.Error{Code: secrets.InvalidArgument, Op: "OpenVariable", Key: key, Err: err}
	}
	if store == nil {
		return nil, invalid("nil store", nil)
	}
	if decoder == nil {
		return nil, invalid("nil decoder", nil)
	}
	k, _, _ := strings.Cut(key, secrets.FieldSeparator)
	if err := backend.ValidateKey(k); err != nil {
		return nil, invalid("", err)
	}
	w := &watcher{store: store, key: key, decoder: decoder, own: own}
	if opts != nil {
		w.wait = opts.Wait
	}
	w.wait = driver.WaitDuration(w.wait)
	return w, nil
}

// watcher implements driver.Watcher by polling Store.Get.
type watcher struct {
	store   *secrets.Store
	key     string
	decoder *runtimevar.Decoder
	wait    time.Duration
	own     bool // opened by the URL opener: Close closes the store
}

// WatchVariable reads the secret once: a new State when the secret (scope,
// version or value) or the error code differs from prev's, else nil; and
// always the wait until the next read.
func (w *watcher) WatchVariable(ctx context.Context, prev driver.State) (driver.State, time.Duration) {
	p, _ := prev.(*state)
	sec, err := w.store.Get(ctx, w.key)
	if err != nil {
		return w.errorState(err, p), w.wait
	}
	if p != nil && p.sec != nil && sameSecret(p.sec, sec) {
		return nil, w.wait
	}
	val, err := w.decoder.Decode(ctx, []byte(sec.Value))
	if err != nil {
		err = &secrets.Error{Code: secrets.InvalidArgument, Op: "Decode", Environment: sec.Environment, Key: w.key, Err: &decodeError{err}}
		if p != nil && p.err != nil && sameError(p.err, err) {
			return nil, w.wait
		}
		return &state{store: w.store, sec: sec, err: err, updated: updateTime(sec)}, w.wait
	}
	return &state{store: w.store, sec: sec, val: val, updated: updateTime(sec)}, w.wait
}

// errorState is the State of err after prev: nil (no change) when prev
// held an error of the same code, as Store.Watch yields each distinct
// error code once.
func (w *watcher) errorState(err error, p *state) driver.State {
	if p != nil && p.err != nil && p.sec == nil && sameError(p.err, err) {
		return nil
	}
	return &state{store: w.store, err: err, updated: time.Now()}
}

func sameError(a, b error) bool { return secrets.ErrorCode(a) == secrets.ErrorCode(b) }

// sameSecret: nothing the Variable must hear of (as Store.Watch decides).
func sameSecret(a, b *secrets.Secret) bool {
	return a.Environment == b.Environment && a.Version == b.Version && a.Value == b.Value
}

func updateTime(sec *secrets.Secret) time.Time {
	switch {
	case !sec.UpdatedAt.IsZero():
		return sec.UpdatedAt
	case !sec.CreatedAt.IsZero():
		return sec.CreatedAt
	}
	return time.Now()
}

// Close closes the store when the URL opener opened it; a store given to
// OpenVariable stays open.
func (w *watcher) Close() error {
	if w.own {
		return w.store.Close()
	}
	return nil
}

// ErrorAs is the store's ErrorAs (the driver's own error types, such as
// *api.ResponseError for vault), and also reaches *secrets.Error.
func (w *watcher) ErrorAs(err error, i any) bool {
	if w.store.ErrorAs(err, i) {
		return true
	}
	if p, ok := i.(**secrets.Error); ok {
		return errors.As(err, p)
	}
	return false
}

// ErrorCode maps the polysecret code of err as gocdk.GCErrorCode does.
func (w *watcher) ErrorCode(err error) gcerrors.ErrorCode {
	return gocdk.GCErrorCode(secrets.ErrorCode(err))
}
