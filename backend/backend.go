// Package backend is the driver contract of polysecret: the interface a secret
// store driver implements, the types it exchanges with the portable layer, and
// what every driver shares (input rules, error codes, list filtering, retry
// policy). It is to package secrets what database/sql/driver is to
// database/sql.
//
// # Writing a driver
//
// A driver implements [Driver]. The portable layer (package secrets) calls it
// only with input it has already validated: keys, environment names, values,
// descriptions, labels and page sizes obey the rules of [ValidateKey],
// [ValidateEnvironmentName], [ValidateSecret] and friends; capabilities the
// driver did not declare in [Capabilities] are refused before the driver is
// called; read-only stores never reach a write method; a closed store never
// reaches the driver. The driver therefore only translates:
//
//   - Every method gets the environment explicitly: "" is the global scope
//     ("All" in Locker). Get looks in exactly that scope; the fallback from an
//     environment to the global secret is done by the portable layer.
//   - Errors: return the backend's own errors (wrapped with %w as you like) and
//     classify them in [Driver.ErrorCode], by type or code, never by message
//     text. Where the driver itself detects a condition (an environment that
//     does not exist, a CAS conflict it gave up on) return [Errorf] or [Wrap]
//     with a [Code]; the portable layer honours it. Context errors are
//     classified by the portable layer.
//   - Error text must never contain a secret value, a token or a key secret.
//   - Returned *Secret and *Environment values belong to the caller: do not
//     keep or share them (copy maps).
//   - Listing: [Driver.ListPage] returns at most opts.PageSize secrets that
//     match every filter of opts ([ListOptions.Match] applies them), and an
//     opaque driver token for the next page ("" when done). A page may be
//     shorter than PageSize, even empty, while a token follows. Every secret
//     that exists throughout a listing must appear exactly once.
//
// The conformance suite (package conformance) checks all of this against a
// real server: a driver is done when conformance.Run passes.
package backend

import (
	"context"
	"time"
)

// Driver is what a secret store driver implements. All methods must be safe
// for concurrent use.
type Driver interface {
	// Get returns the secret (env, key), in exactly that scope. opts.Version,
	// when not empty, asks for that version (only where Capabilities.Versions).
	Get(ctx context.Context, env, key string, opts GetOptions) (*Secret, error)
	// Create stores a new secret. AlreadyExists if (s.Environment, s.Key)
	// exists, NotFound if s.Environment is not "" and does not exist. A
	// retried request whose first attempt succeeded must not report
	// AlreadyExists for the caller's own secret.
	Create(ctx context.Context, s *Secret) (*Secret, error)
	// Modify applies u to (env, key) and returns the result. Where the backend
	// can compare-and-set, concurrent Modify calls never lose an update.
	// u.Environment moves the secret (AlreadyExists if the target holds the
	// key, NotFound if the target environment does not exist).
	Modify(ctx context.Context, env, key string, u *Update) (*Secret, error)
	// Delete removes (env, key) with all its versions; NotFound if absent.
	// Afterwards Create of the same key must succeed at once.
	Delete(ctx context.Context, env, key string) error
	// ListPage returns one page of secrets matching opts, and the token of
	// the next page ("" at the end). token is "" for the first page, or a
	// token this driver returned for the same opts.
	ListPage(ctx context.Context, opts *ListOptions, token string) (secrets []*Secret, next string, err error)
	// Versions lists the versions of (env, key), oldest first.
	Versions(ctx context.Context, env, key string) ([]Version, error)

	Environments

	// Capabilities says what the driver supports. It must not change over
	// the life of the driver.
	Capabilities() Capabilities
	// ErrorCode classifies an error returned by this driver.
	ErrorCode(err error) Code
	// As lets users reach the driver's client; see secrets.Store.As.
	As(i any) bool
	// ErrorAs lets users reach the driver's error types; see
	// secrets.Store.ErrorAs.
	ErrorAs(err error, i any) bool
	// Close releases the driver's resources.
	Close() error
}

// Environments is the environment half of a Driver. A driver that keeps its
// environments in a part of its own (a layout) embeds that part as its
// Environments instead of forwarding the five methods.
type Environments interface {
	ListEnvironments(ctx context.Context) ([]*Environment, error)
	GetEnvironment(ctx context.Context, name string) (*Environment, error)
	CreateEnvironment(ctx context.Context, e *Environment) (*Environment, error)
	ModifyEnvironment(ctx context.Context, name string, u *EnvironmentUpdate) (*Environment, error)
	// DeleteEnvironment removes an empty environment: FailedPrecondition
	// while it holds secrets.
	DeleteEnvironment(ctx context.Context, name string) error
}

// Capabilities says which optional parts of the model a driver supports. The
// portable layer answers Unimplemented for what is not declared, before the
// driver is called.
type Capabilities struct {
	// Versions: Versions and Get at a version.
	Versions bool
	// Delete: Delete of secrets.
	Delete bool
	// DeleteEnvironment: Delete of environments.
	DeleteEnvironment bool
	// Types, Labels, Expiry: the driver stores Secret.Type, Labels and
	// ExpiresAt (natively or in metadata).
	Types, Labels, Expiry bool
	// AtomicModify: concurrent Modify calls on one secret never lose an
	// update (the backend can compare-and-set).
	AtomicModify bool
	// NativeExpiry: the backend itself enforces expiry (informational).
	NativeExpiry bool
	// AtomicMove: the driver's Modify moves a secret to another environment
	// (Update.Environment) in one step of the backend. Without it the
	// portable layer never passes Update.Environment to the driver: it moves
	// the secret itself, retry-safely, with Get, Create and Delete
	// (DESIGN.md §3.4).
	AtomicMove bool
	// FixedEnvironments: the environments are configuration, not data (a
	// native layout maps each configured environment onto a path of the
	// backend): ListEnvironments and GetEnvironment answer the configured
	// ones; CreateEnvironment, ModifyEnvironment and DeleteEnvironment are
	// refused with Unimplemented by the portable layer.
	FixedEnvironments bool
	// TextOnly: the driver stores only values that are valid UTF-8 (a
	// native layout on a backend that holds strings and whose data may not
	// carry an encoding marker): the portable layer refuses other values
	// with InvalidArgument before the driver is called.
	TextOnly bool
	// NoEmptyValues: the backend cannot store an empty value and the
	// driver's layout adds no encoding for one (awssm's native layout): the
	// portable layer refuses "" with InvalidArgument before the driver is
	// called.
	NoEmptyValues bool
	// FieldWrites: the driver implements [FieldSetter]: Modify of one
	// field of a secret whose value is a JSON object (KEY#field) is atomic
	// (memory under its lock, Vault with check-and-set). Without it the
	// portable layer answers Unimplemented before the driver is called.
	FieldWrites bool
	// GlobalOnly: the backend has no environments (ABEJA, Datalayer): the
	// store holds global secrets only. The portable layer answers
	// ListEnvironments with an empty list and Unimplemented for every other
	// environment operation, for a store or view scoped to an environment,
	// for Create in an environment and for a move; the driver is never
	// called with an environment other than "" nor with AllEnvironments,
	// and never through its Environments (embed [NoEnvironments]).
	GlobalOnly bool
}

// The optional interfaces below let the contract grow without breaking
// drivers written elsewhere, as database/sql/driver's do: the portable
// layer finds them by type assertion and falls back to the required
// methods where a driver lacks them or answers ErrSkip.

// Putter is an optional interface of a Driver: Put creates the secret
// (s.Environment, s.Key), or replaces the value and metadata of the one
// there, in one call of the backend, so that "set this key" has no race
// between a Create that fails and a Modify. NotFound if s.Environment is not
// "" and does not exist. On drivers with versions, replacing makes one new
// version.
type Putter interface {
	Put(ctx context.Context, s *Secret) (*Secret, error)
}

// ValueResult is one answer of a batch read: the secret, or the error of
// that key alone.
type ValueResult struct {
	Secret *Secret
	Err    error
	// Resolved, set by a driver, says the result already follows Get's
	// fallback rule (the global secret for a key the environment lacks, or
	// NotFound in both): the portable layer looks no further for it.
	Resolved bool
}

// BatchGetter is an optional interface of a Driver: Values reads keys in
// the scope env, in as few backend calls as the backend allows, and
// returns one result per key, in order; a missing key is a NotFound error in
// its result. The portable layer then reads, in one more call, the global
// secrets of the keys an environment lacks — unless the driver did it in
// the same pass and marked those results Resolved (Get's rule: a global
// read that is refused leaves the environment's NotFound). The error
// return is for the call as a whole.
type BatchGetter interface {
	Values(ctx context.Context, env string, keys []string) ([]ValueResult, error)
}

// ValueGetter is an optional interface of a Driver: GetValue reads only the
// value of (env, key), in exactly that scope, and its expiry (zero for
// never), without building a Secret, so that Store.Value on the hot path
// need not allocate. Errors as Get's, for what it reads (a driver whose
// Get makes a second call for metadata, as awssm's, may answer a value
// where Get is refused that call).
type ValueGetter interface {
	GetValue(ctx context.Context, env, key string) (value string, expiresAt time.Time, err error)
}

// KeyChecker is an optional interface of a Driver whose backend cannot
// hold every portable key (AWS names allow no space): CheckKey answers
// InvalidArgument, naming the backend's rule, for a key that passed
// ValidateKey but that the backend cannot hold. The portable layer calls it
// wherever it validates a key, before any request. CheckKey must answer the
// same for the same key for the life of the driver: Store.Value remembers
// the keys it accepted.
type KeyChecker interface {
	CheckKey(key string) error
}

// Pinger is an optional interface of a Driver: Ping makes one cheap call
// that proves the backend is reachable and the credentials are accepted.
// Store.Ping uses it, then checks that the scope's environment exists;
// without it Store.Ping lists environments instead.
type Pinger interface {
	Ping(ctx context.Context) error
}

// GetOptions are the driver-level options of Get.
type GetOptions struct {
	// Version, if not empty, selects a version (as in Version.ID).
	Version string
}

// Version describes one version of a secret.
type Version struct {
	ID        string    // opaque, as accepted by Get at a version
	CreatedAt time.Time // zero if the backend does not say
	Current   bool      // the version Get returns
}

// ListOptions are the filters of a listing, as validated by the portable
// layer.
type ListOptions struct {
	// AllEnvironments lists every scope; otherwise only Environment ("" =
	// the global secrets).
	AllEnvironments bool
	Environment     string
	// Prefix keeps keys that start with it.
	Prefix string
	// Type keeps secrets of that type ("" = any).
	Type string
	// Labels keeps secrets that carry every one of these labels.
	Labels map[string]string
	// Query keeps secrets whose key or description contains it,
	// case-insensitively.
	Query string
	// PageSize is 1..MaxPageSize.
	PageSize int
	// WithValues asks for values; otherwise Value is left empty.
	WithValues bool
}
