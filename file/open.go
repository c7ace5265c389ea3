//go:build linux || darwin || freebsd || netbsd || openbsd

package file

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// Scheme is the URL scheme of this driver.
const Scheme = "file"

// IdentityEnv is the environment variable that holds the age identity
// (AGE-SECRET-KEY-1…) when a URL names no identity file.
const IdentityEnv = "POLYSECRET_AGE_IDENTITY"

// Options configure a store opened by New, and are the defaults of a
// URLOpener.
type Options struct {
	// Identity decrypts the file; the file is encrypted to its recipient.
	// Required by New; a URLOpener reads it from the URL's identity file or
	// POLYSECRET_AGE_IDENTITY when nil.
	Identity *age.X25519Identity
	// Recipients are further recipients the file is encrypted to.
	Recipients []age.Recipient
	// Environment is the scope of the store ("" = global).
	Environment string
	// ReadOnly refuses every write.
	ReadOnly bool
}

// New returns a Store on the file at path (absolute or relative to the
// working directory), read now if it exists (see "Errors" in the package
// documentation), created by the first write if not.
func New(path string, opts Options) (*secrets.Store, error) {
	if err := backend.ValidateScope(opts.Environment); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "file: path: %w", err)
	}
	d, err := newDriver(abs, opts)
	if err != nil {
		return nil, err
	}
	return secrets.NewStore(d, secrets.StoreOptions{Scheme: Scheme, Environment: opts.Environment, ReadOnly: opts.ReadOnly}), nil
}

func newDriver(path string, opts Options) (*driver, error) {
	if opts.Identity == nil {
		return nil, backend.Errorf(backend.InvalidArgument, "file: no age identity (Options.Identity, the URL's identity file, or %s)", IdentityEnv)
	}
	fi, err := os.Stat(filepath.Dir(path))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, backend.Errorf(backend.FailedPrecondition, "file: the directory of %s does not exist", path)
	case err != nil:
		return nil, fileErr("stat the store's directory", err)
	case !fi.IsDir():
		return nil, backend.Errorf(backend.FailedPrecondition, "file: %s is not a directory", filepath.Dir(path))
	}
	d := &driver{path: path, identity: opts.Identity,
		recipients: append([]age.Recipient{opts.Identity.Recipient()}, opts.Recipients...)}
	st, s, f, err := d.load()
	if err != nil {
		return nil, err
	}
	d.adopt(st, s, f)
	return d, nil
}

// URLOpener opens file:// URLs (see the package documentation).
type URLOpener struct {
	// Options holds defaults for what the URL does not set: the URL's
	// identity file wins over Options.Identity, which wins over
	// POLYSECRET_AGE_IDENTITY; the URL's recipients are added to
	// Options.Recipients. ReadOnly makes every store it opens read-only.
	Options Options
}

var (
	_ secrets.URLOpener      = (*URLOpener)(nil)
	_ secrets.StoreDefaulter = (*URLOpener)(nil)
)

// StoreDefaults answers Options.Environment and Options.ReadOnly, for the
// URLMux.
func (o *URLOpener) StoreDefaults() (string, bool) { return o.Options.Environment, o.Options.ReadOnly }

func init() { secrets.Register(Scheme, new(URLOpener)) }

// keyPrefix starts every age secret key: a URL parameter holding one is
// refused.
const keyPrefix = "AGE-SECRET-KEY-"

// OpenDriverURL opens the driver of a file:///path URL.
func (o *URLOpener) OpenDriverURL(_ context.Context, u *url.URL) (backend.Driver, error) {
	q := u.Query()
	for name, vs := range q {
		for _, v := range vs {
			if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(v)), keyPrefix) {
				return nil, backend.Errorf(backend.InvalidArgument,
					"file: URL parameter %q holds an age secret key: give a file path (identity=) or set %s, never the key in the URL", name, IdentityEnv)
			}
		}
	}
	opts := o.Options
	opts.Recipients = append([]age.Recipient(nil), opts.Recipients...)
	for _, r := range q["recipient"] {
		rec, err := age.ParseX25519Recipient(r)
		if err != nil {
			return nil, backend.Errorf(backend.InvalidArgument, "file: URL parameter \"recipient\" is not an age1… X25519 recipient")
		}
		opts.Recipients = append(opts.Recipients, rec)
	}
	q.Del("recipient")
	p := backend.NewParams(q)
	idPath := p.String("identity", "")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if u.Opaque != "" || (u.Host != "" && u.Host != "localhost") || u.User != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "file: want file:///absolute/path (no host, no relative path)")
	}
	if !filepath.IsAbs(u.Path) || strings.HasSuffix(u.Path, "/") {
		return nil, backend.Errorf(backend.InvalidArgument, "file: the URL needs the absolute path of a file (file:///path/to/store.secrets)")
	}
	switch {
	case idPath != "":
		id, err := identityFromFile(idPath)
		if err != nil {
			return nil, err
		}
		opts.Identity = id
	case opts.Identity == nil:
		v := os.Getenv(IdentityEnv)
		if v == "" {
			return nil, backend.Errorf(backend.InvalidArgument, "file: no age identity: give identity=/path/to/key.txt or set %s", IdentityEnv)
		}
		id, err := ParseIdentity(v)
		if err != nil {
			return nil, backend.Errorf(backend.InvalidArgument, "file: %s: %w", IdentityEnv, err)
		}
		opts.Identity = id
	}
	return newDriver(filepath.Clean(u.Path), opts)
}

// ParseIdentity parses one X25519 identity (AGE-SECRET-KEY-1…). Its error
// never contains the key.
func ParseIdentity(s string) (*age.X25519Identity, error) {
	id, err := age.ParseX25519Identity(strings.TrimSpace(s))
	if err != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "not an age X25519 identity (AGE-SECRET-KEY-1…)")
	}
	return id, nil
}

// identityFromFile reads the first X25519 identity of an age identity
// file (age-keygen's format: comments and one key a line).
func identityFromFile(path string) (*age.X25519Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, backend.Errorf(backend.InvalidArgument, "file: the identity file %s does not exist", path)
		}
		return nil, fileErr("open the identity file", err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "file: the identity file %s holds no valid age identity", path)
	}
	for _, id := range ids {
		if x, ok := id.(*age.X25519Identity); ok {
			return x, nil
		}
	}
	return nil, backend.Errorf(backend.InvalidArgument, "file: the identity file %s holds no X25519 identity", path)
}
