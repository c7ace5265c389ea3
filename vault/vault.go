// Package vault is the vault:// driver: HashiCorp Vault's KV version 2
// secrets engine through github.com/hashicorp/vault/api.
//
// # Layout
//
// A store keeps its secrets in one of two layouts, chosen by the URL
// parameter layout (Options.Layout): the default layout below
// (layout=polysecret, or no parameter), which holds the whole portable
// model, or the native layout (layout=native, see "Native layout"), which reads and
// writes the paths people and other tools already use.
//
// The secret (env, key) of a store on mount M with prefix P lives at
// M/data/P/<env or _global>/<key>. Each version's data holds the whole
// secret, value and metadata:
//
//	"value"        the value
//	"encoding"     "base64" when the value is not valid UTF-8 (absent otherwise)
//	"polysecret"   an object with the metadata of this version:
//	    "type"         password, key or token (absent = generic)
//	    "description"  the description (absent when empty)
//	    "labels"       an object of the labels (absent when none)
//	    "expires_at"   RFC 3339 (absent = never)
//	    "created_at"   RFC 3339, the secret's creation (absent in the version
//	                   Create wrote: that version's own time)
//	    "write"        a random id of the write that made the version
//
// Every write is one write of a whole version (with check-and-set, except
// Put's), so the value and the metadata always change together. Readers trust only the version's
// data. After each write the driver also copies the metadata into the
// secret's custom_metadata (polysecret.description, polysecret.type,
// polysecret.expires_at, polysecret.label.<k>), as a mirror for people who
// browse Vault: it is written best effort after the version, may lag behind
// it, and is never read for a version that has a "polysecret" field.
// Versions written by earlier releases of this driver have no such field:
// their metadata is read from custom_metadata, and their next Modify
// rewrites them in this layout.
//
// Environments are entries M/data/P/_environments/<name> whose data holds
// {"description", "external_url", "polysecret_write"} (the last one: the
// write id). A secret that someone else wrote with several fields (vault kv
// put M/P/_global/db user=a pass=b) reads back with Value = the JSON object
// of its fields; it is never rewritten unless modified, and a Modify that
// leaves its value alone keeps its fields as they are (plus "polysecret").
//
// Create writes with check-and-set 0 (or, when the current version was
// deleted with vault kv delete, over it: a deleted current version is an
// absent secret, for Create as for Get). Modify reads the current version,
// applies the update and writes the whole result with check-and-set on the
// version read; when another write came first it reads again (short
// backoff, at most 50 rounds, then Unavailable). Every Modify makes exactly
// one version, whatever it changes, metadata alone included. A check-and-set
// write is never re-sent blindly: after a failure that may hide a write that
// landed (a lost reply, a timeout, a 5xx) or a refusal (400), the driver
// reads version cas+1 and recognises its own write by its write id. A 400
// that is not a conflict is InvalidArgument at once. Put ("create or
// replace") checks the environment, reads the current version (for the
// secret's CreatedAt) and writes the whole secret as one version without
// check-and-set, the last write winning; after a failure that may hide a
// write that landed, it reads the current version and recognises its own
// write by its write id before sending again. Delete removes the metadata
// and all versions, so the key can be created again at once.
// Versions are KV v2's version numbers; Get at a version returns that
// version's value with the secret's current metadata.
//
// Field writes (Modify of "KEY#field", Capabilities.FieldWrites, in both
// layouts): the driver reads the current version, sets the field to the
// JSON string and writes the result as one new version with check-and-set
// on the version read, with the secret's metadata unchanged; when another
// write came first it reads again, as Modify does, so concurrent writes of
// different fields are all kept. In this layout the value is one string of
// the data: it is decoded as a JSON object and written back compact with
// its keys sorted (the other fields keep their JSON text). In the native
// layout the fields of a multi-field secret are the data: the field is set
// in the data and no other field is touched (a number stays the number
// Vault holds); data that is exactly {"value": <string>} has that string as
// its value, whose field is set as in this layout, and keeps that shape.
// A value that is not a JSON object is InvalidArgument, a missing secret
// NotFound; nothing is written then.
//
// Get reads the current version (one request; two at an earlier version).
// Values reads each distinct key's current version, list_concurrency reads
// in flight; in an environment, for two keys or more, it first lists the
// environment's keys and reads only those there (the others fall back to
// the global scope): n keys cost at most n+1 requests, fallback included.
// Listings read each secret's current version too, values wanted or not, so
// a listing needs read access to the data paths.
//
// # Native layout
//
//	vault://<mount>/<prefix>?layout=native&envs=prod,staging
//	vault://<mount>?layout=native                 (the whole mount)
//
// The key is the secret's path below M/P, exactly: vault kv put
// secret/legacyapp/config user=u pass=p is the key "legacyapp/config" of
// vault://secret?layout=native, and "config" of
// vault://secret/legacyapp?layout=native. Nothing is added to a path or to
// a version's data, and every secret below the prefix is listed, exactly
// once (keys of any depth: listings LIST the tree recursively, descending
// only into the directories that can hold the asked prefix). The prefix may
// be empty; the default layout's reserved names (_global, _environments)
// mean nothing here. A path that is not a portable key (a character
// outside A-Z a-z 0-9 _ . - / + = @ and space, a segment that starts or
// ends with a space, more than 256 bytes) cannot be asked for, and
// listings leave it out.
//
// Environments are configuration, not data (Capabilities.FixedEnvironments):
// the URL parameter envs (Options.Environments), a comma-separated list of
// names, configures them, and each is the directory P/<env>/: the secret
// (prod, "db") is M/P/prod/db. No template is needed or accepted. The
// global scope is everything below P that is not under a configured
// environment's directory; so a global key of two segments or more whose
// first segment is a configured environment ("prod/db" with envs=prod) is
// InvalidArgument (it is the secret "db" of prod), while a secret at
// exactly P/prod (a leaf, not the directory) is the global key "prod".
// ListEnvironments and GetEnvironment answer the configured environments
// (CreatedAt zero, Description empty); environments cannot be created,
// modified or deleted (Unimplemented).
//
// Values. A version whose data is exactly {"value": <string>} reads as that
// string; any other data reads as its JSON object: keys sorted at every
// level, compact, no HTML escaping, numbers as Vault returns them (vault kv
// put secret/legacyapp/config user=u pass=p reads {"pass":"p","user":"u"},
// and "legacyapp/config#user" reads u). Writing, a value is stored as
// fields when it is a JSON object written exactly in that form (so that it
// reads back byte for byte; this is what a read gives, so a
// read-modify-write of a multi-field secret keeps its fields), unless those
// fields would read back as something else ({"value": <string>} alone, or
// {}); any other value, including JSON written otherwise (other key order,
// spaces, 1.50 which Vault keeps as 1.5, integers beyond 2^53), is stored
// as {"value": v}. A value that is not valid UTF-8 is InvalidArgument: Vault
// holds JSON strings, and this layout invents no encoding marker.
//
// Metadata: only what Vault has a place for. Labels are the entries of the
// secret's custom_metadata; the description is the custom_metadata entry
// "description" (so "description" is not a label key: InvalidArgument), and
// must be printable (no control characters), as Vault requires of
// custom_metadata. Types and expiry have no place: Unimplemented
// (Capabilities.Types and Expiry are false). Versions are KV v2's; every
// Modify makes exactly one version (a metadata-only Modify writes the same
// data again), then writes custom_metadata as a JSON merge patch of what
// changed. Get and Values leave CreatedAt zero unless the current version
// is the first (the secret's creation time is in its metadata, one more
// request); listings and writes fill it in. A listing without values
// reads each secret's metadata only (one request per secret: description,
// labels, version and times); with values, its current version too (and
// its metadata when that version is not the first).
//
// Atomicity: the data is written with check-and-set, as in the default
// layout, but Vault writes custom_metadata without check-and-set, so two
// concurrent Modify calls of the labels or description can lose one
// update: Capabilities.AtomicModify is false in this layout. Concurrent
// Modify calls of the value alone never lose an update. Create and Modify
// write the data, then the custom_metadata: a reader in between sees the
// new value with the old metadata. After a lost reply, a check-and-set
// write is recognised as the driver's own by its data (this layout has no
// write id), and only then: a refusal without an earlier lost reply is
// always another writer's version (so Create of an existing secret with
// the same value is AlreadyExists).
//
// # URLs
//
//	vault://<mount>/<prefix>?env=prod
//
// Through the default registration (a nil [URLOpener.Client]) the driver
// builds its own client for each store: address, token and namespace come
// from VAULT_ADDR, VAULT_TOKEN and VAULT_NAMESPACE, and the client's other
// VAULT_* variables (TLS) apply, since api.DefaultConfig reads them; with
// an auth parameter the token comes from a login instead (see
// Authentication). Parameters (each overrides the matching field of
// [URLOpener.Options]):
//
//	max_retries        retries of a failed request (429, 5xx, no answer, a reset connection),
//	                   0–20, 0 = none (default backend.DefaultMaxRetries)
//	list_concurrency   reads in flight while listing and in Values (1–64, default 8)
//	timeout            bound of each request, each retry apart (Go duration, e.g. 10s)
//	auth, auth_mount, role_id_file, secret_id_file, username, password_file, role, jwt_file
//	                   the login (see Authentication)
//	layout             polysecret (the default) or native (see "Native layout")
//	envs               the native layout's environments, comma-separated (valid
//	                   environment names, no duplicates; refused in the default layout)
//
// The timeout is the URL parameter when given; else Options.Timeout; else,
// for a client the driver builds, VAULT_CLIENT_TIMEOUT when set; else 30s
// ([DefaultTimeout]). A request that gets no answer in time is Unavailable
// and retried; only the caller's context makes DeadlineExceeded. Retries
// back off exponentially (backend.RetryPolicy) and honour Retry-After, never
// past the caller's context.
//
// # Authentication
//
// Without an auth parameter the driver uses the client's token
// (VAULT_TOKEN for a client it builds). The parameter auth makes it log in
// with one of Vault's auth methods, through HashiCorp's official modules
// (github.com/hashicorp/vault/api/auth/approle, …/userpass,
// …/kubernetes; JWT has no module: the driver writes {role, jwt} to
// auth/<mount>/login):
//
//	vault://secret/myapp?auth=approle                       role_id from VAULT_ROLE_ID or role_id_file, secret_id from VAULT_SECRET_ID or secret_id_file
//	vault://secret/myapp?auth=userpass&username=alice       password from VAULT_PASSWORD or password_file
//	vault://secret/myapp?auth=jwt&role=myapp                JWT from VAULT_JWT or jwt_file (role may be left to the mount's default_role)
//	vault://secret/myapp?auth=kubernetes&role=myapp         the service-account token from jwt_file, default /var/run/secrets/kubernetes.io/serviceaccount/token
//	vault://secret/myapp?auth=token                         the default: the client's token
//
// auth_mount names the method's mount (default: the method's name, e.g.
// auth_mount=approle-prod for auth/approle-prod). A file named in the URL
// wins over the environment variable; its content is trimmed of
// surrounding white space and read again at each login, so a rotated
// file (a Kubernetes projected token, a secret_id renewed by an agent) is
// picked up. Secret inputs never come from the URL: the parameters token,
// role_id, secret_id, password and jwt are refused with InvalidArgument
// naming the parameter (never its value), whatever the method. A
// parameter of another method, or one without auth, is InvalidArgument
// too.
//
// The driver logs in when the store is opened (OpenStore, or New with
// [Options.Auth]): a missing, unreadable or empty secret input is
// InvalidArgument before any request ("auth=approle needs a secret_id: set
// VAULT_SECRET_ID or secret_id_file"); credentials Vault refuses (a 4xx
// answer to the login: a wrong password or secret_id, an untrusted JWT, a
// mount that does not exist) are Unauthenticated from OpenStore or New, so
// a misconfigured application fails at start-up; a login that gets no
// answer is retried like any request, then Unavailable.
//
// While the store is open, a goroutine renews the token with the client's
// [api.LifetimeWatcher] (renew-self, each time about two thirds of its
// TTL) and logs in again when it can no longer be renewed: its max TTL is
// near, it is not renewable (a batch token: the new login comes before
// its TTL, less 1s, has run out, as Vault counts it from the second of its
// creation), renewals failed until its end, or Vault
// refused it (a request whose token fails its self-lookup is
// Unauthenticated, and the next login starts at once, so the next request
// works). A login that fails in the background is tried again, the pause
// doubling from 1s to 1 minute. Store.Close stops all of it, a renewal or
// login in flight included, before it returns. The old token is not
// revoked: it expires on its own. Renewals and logins are logged with
// log/slog ([Options.Logger], else slog.Default()) — "vault: logged in"
// (Debug at open, Info afterwards), "vault: token renewed" (Debug), "vault: token renewal ended;
// logging in again" (Info), "vault: login failed" (Warn) — with the
// method, mount and TTL, never the token or a secret input.
//
// [Options.Auth] takes any api.AuthMethod the application built (AWS,
// GCP, LDAP, or the official modules with their own options), for New and
// for a URLOpener, with the same login at open, renewal and re-login; a
// URL's auth parameter wins over it (auth=token to use the client's token
// instead).
//
// The token of a login goes to the driver's own clone of the client (see
// Clients): when the URLOpener built the client, that client gets it too,
// so Store.As returns a client logged in as the store; an application's
// client (New, URLOpener.Client) is never changed: it keeps its own token,
// or none, and Store.As returns it as it is, not logged in as the store.
// The driver then no longer follows that client's token.
//
// # Clients
//
// An application that authenticates its own way (a custom transport, an
// auth method it logs in with itself) hands its *api.Client to the driver,
// either directly:
//
//	st, err := vault.New(client, vault.Options{Mount: "secret", Prefix: "myapp", Environment: "prod"})
//
// or through a URLOpener, keeping URL configuration:
//
//	mux := new(secrets.URLMux)
//	mux.Register(vault.Scheme, &vault.URLOpener{Client: client})
//	st, err := mux.OpenStore(ctx, "vault://secret/myapp?env=prod")
//
// (an own mux: secrets.DefaultURLMux already holds this package's default
// opener, and Register panics on a duplicate scheme). The driver never
// modifies that client: it sends its requests through a clone with its own
// retries and timeout, that follows the token of the application's client
// (renewals included), unless the driver logs in itself (auth or
// Options.Auth: see Authentication). Store.Close closes the idle connections of a client
// the driver built; the application's client and its connections are left
// alone.
//
// # Errors
//
// A 403 is PermissionDenied, or Unauthenticated when a self-lookup of the
// token (auth/token/lookup-self) is refused too, i.e. the token itself is
// not valid. Ping looks the token up and lists the prefix.
//
// Paths with empty, "." or ".." segments are rejected with InvalidArgument.
//
// # As
//
// Store.As accepts **api.Client; Store.ErrorAs accepts **api.ResponseError.
package vault

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets/backend"
)

// Scheme is the URL scheme of this driver.
const Scheme = "vault"

const (
	globalDir = "_global"
	envDir    = "_environments"
)

// DefaultTimeout is the per-request timeout when neither the URL, nor
// Options, nor (for a client the driver builds) VAULT_CLIENT_TIMEOUT sets
// one.
const DefaultTimeout = 30 * time.Second

type driver struct {
	// user is the client As returns: the application's (New,
	// URLOpener.Client) or the one the URLOpener built.
	user *api.Client
	// c is the driver's own clone of user (see newDriver); kv is on c.
	c  *api.Client
	kv *api.KVv2
	// owned is the http.Client the driver built, nil for a user's client.
	owned      *http.Client
	maxRetries int
	timeout    time.Duration
	mount      string
	prefix     string
	conc       int
	// sess is the login and token renewal of a driver that logs in (auth=
	// or Options.Auth), nil otherwise.
	sess *session
	// l is the layout of the store's secrets (layouts.go); its
	// environment methods are the driver's (Environments = l).
	l layout
	backend.Environments
}

var (
	_ backend.Driver = (*driver)(nil)
	_ backend.Pinger = (*driver)(nil)
)

func scopeDir(env string) string {
	if env == "" {
		return globalDir
	}
	return env
}

func (d *driver) envPath(name string) string { return d.prefix + "/" + envDir + "/" + name }

// ErrorCode classifies the client's errors; see classify.
func (d *driver) ErrorCode(err error) backend.Code { return classify(err) }

func (d *driver) As(i any) bool { return backend.AsClient(i, d.user) }

func (d *driver) ErrorAs(err error, i any) bool { return errors.As(err, i) }

// Ping looks the token up (Unauthenticated when Vault refuses it), then
// lists the store's prefix (a 404, an empty prefix, is fine).
func (d *driver) Ping(ctx context.Context) error {
	tok := d.sessionToken()
	err := d.lookupSelf(ctx)
	if isStatus(err, http.StatusForbidden) {
		d.tokenRefused(tok)
		return backend.Errorf(backend.Unauthenticated, "vault: the token is not accepted: %w", err)
	}
	if err != nil {
		return err
	}
	_, err = d.list(ctx, d.prefix)
	return err
}

// Close closes the idle connections of the client the URLOpener built; the
// application's client is left alone.
func (d *driver) Close() error {
	if d.sess != nil {
		d.sess.close()
	}
	if d.owned != nil {
		d.owned.CloseIdleConnections()
	}
	return nil
}
