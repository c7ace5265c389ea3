package psvar

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"gocloud.dev/runtimevar"

	"github.com/polysecret/secrets"
)

// Scheme is the scheme this package registers on runtimevar's
// DefaultURLMux.
const Scheme = "polysecret"

func init() {
	runtimevar.DefaultURLMux().RegisterVariable(Scheme, &URLOpener{})
}

// URLOpener opens polysecret://?url=…&key=… URLs (see the package
// documentation).
type URLOpener struct {
	// Mux opens the inner URL; nil is secrets.DefaultURLMux (the drivers
	// blank-imported by the program).
	Mux *secrets.URLMux
	// Decoder is used when the URL names none; nil is
	// runtimevar.BytesDecoder, as for gocloud's own openers.
	Decoder *runtimevar.Decoder
	// Options apply when the URL has no wait parameter.
	Options Options
}

// OpenVariableURL opens the store of the parameter url, which the
// Variable owns (Variable.Close closes it), and watches the secret key.
func (o *URLOpener) OpenVariableURL(ctx context.Context, u *url.URL) (*runtimevar.Variable, error) {
	fail := func(err error) error {
		return fmt.Errorf("open variable %s://: %w", Scheme, err)
	}
	if u.Host != "" || (u.Path != "" && u.Path != "/") || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return nil, fail(invalidURL("everything goes in the query: polysecret://?url=…&key=…"))
	}
	q := u.Query()
	inner, key := q.Get("url"), q.Get("key")
	opts := o.Options
	if w := q.Get("wait"); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil || d <= 0 {
			return nil, fail(invalidURL("wait must be a positive duration such as 30s"))
		}
		opts.Wait = d
	}
	decoder, err := runtimevar.DecoderByName(ctx, q.Get("decoder"), o.Decoder)
	if err != nil {
		return nil, fail(&secrets.Error{Code: secrets.InvalidArgument, Op: "OpenVariable", Err: err})
	}
	for p := range q {
		switch p {
		case "url", "key", "decoder", "wait":
		default:
			return nil, fail(invalidURL(fmt.Sprintf("unknown parameter %q", p)))
		}
	}
	if inner == "" || key == "" {
		return nil, fail(invalidURL("parameters url (a polysecret URL, escaped) and key are required"))
	}
	mux := o.Mux
	if mux == nil {
		mux = secrets.DefaultURLMux
	}
	store, err := mux.OpenStore(ctx, inner)
	if err != nil {
		return nil, fail(err)
	}
	w, err := newWatcher(store, key, decoder, &opts, true)
	if err != nil {
		_ = store.Close()
		return nil, fail(err)
	}
	return runtimevar.New(w), nil
}

func invalidURL(msg string) error {
	return &secrets.Error{Code: secrets.InvalidArgument, Op: "OpenVariable", Err: errors.New(msg)}
}
