// Package locker is the locker:// driver: Locker Secrets (locker.io) over
// its REST API, with Locker's end-to-end encryption done in the driver —
// no CLI binary, no cgo. Every key, value, description and environment name
// is encrypted with the project key before it leaves the process; the
// server sees ciphertexts and lookup hashes only. Package lockertest is a
// Locker-compatible server for tests.
//
// Locker's known API has no types, labels, expiry, versions or deletion:
// the driver declares them unsupported, so the portable layer answers
// Unimplemented rather than dropping them or hiding them somewhere a Locker
// dashboard user would trip over. It has no compare-and-set either:
// concurrent Modify calls may lose an update (AtomicModify is false). A
// move to another environment is one PUT of the secret's environment, so
// the driver declares AtomicMove and moves natively; the secret keeps its
// id.
//
// # Listings
//
// Every ListPage call reads the listed scope whole, as the official SDKs
// do (pages of 2,000, following the server's next links), orders it by
// secret id and returns the secrets after the id in its token. A token is
// therefore a position the server's changes cannot shift: a secret that
// stays in the scope throughout a listing appears exactly once, whatever is
// created, deleted or moved meanwhile. Filters apply on the client, after
// decryption, so a page may be short. The following pages of a listing
// reuse the first page's read (ciphertexts only, for at most a minute)
// while the project's /v1/sync/revision_date and deleted_item_date — the
// stamp the official SDKs validate their cache with — are unchanged: two
// small requests instead of a read; any change means a new read. A scope
// of more than 2,000 secrets takes several server pages per read; a read
// whose stamp or count changes between its pages starts over (at most 3
// times, then Unavailable).
//
// Next links are followed at most 1,000 pages per read, never to a page
// already read, another host, or a path outside the API base's /v1/: such
// a server is broken, and the call fails with Internal.
//
// # Integrity
//
// Each key and environment name the driver decrypts must hash to the
// record's lookup hash and, on Get, Create and Modify, name what was asked
// for; environments likewise. Otherwise the server served another record's
// ciphertexts, and the call fails with Internal (naming the record id,
// never what was decrypted). Locker's encryption binds no field to its
// record, so a value swapped alone between two secrets cannot be detected.
//
// # Batch reads
//
// Store.Values of several keys reads the scope once — Locker's listings
// carry the values — and picks the keys from it: one request for the
// global scope, two for an environment, whatever the number of keys (the
// global fallback of the keys an environment lacks is one more read). A
// scope of more than one server page of 2,000 is read as a listing reads
// it, consistently. One key is one Get. Every record is decrypted and
// checked as a Get's is (Integrity).
//
// # Retries and timeouts
//
// 429, 5xx, transport failures and the driver's own request timeout are
// retried up to max_retries times with backend.RetryPolicy's backoff (the
// exchange itself is backend.HTTPCall, shared with the other drivers that
// make their own requests), honouring Retry-After (capped at 20s). A wait
// that would end after the caller's deadline is not slept: the last answer
// is returned at once. A request timeout while the caller's context is
// alive is Unavailable; only the caller's context makes Canceled or
// DeadlineExceeded. A create whose reply was lost and whose retry finds the
// name taken recognises its own write (secrets and environments) by its
// ciphertext.
//
// # URLs
//
//	locker://api.locker.io/locker_secrets?env=prod
//	locker://127.0.0.1:8080/locker_secrets?scheme=http    (a test server)
//
// The API base is https://<host><path> (path /locker_secrets when empty).
// Credentials come from LOCKER_ACCESS_KEY_ID and LOCKER_SECRET_ACCESS_KEY
// (or the legacy ACCESS_KEY_ID, SECRET_ACCESS_KEY, LOCKER_ACCESS_KEY_SECRET,
// ACCESS_KEY_SECRET), never from the URL: user info in the URL is
// refused. So are a #fragment, a port outside 1–65535, and a path that is
// not plain segments of A-Z a-z 0-9 . _ ~ - (no ".", ".." or empty
// segments, no escapes such as %2F, at most 256 bytes) — all
// InvalidArgument at open. Parameters:
//
//	scheme         http for a plain-HTTP test server (default https)
//	insecure_tls   true: skip TLS verification on every request (tests only)
//	max_retries    retries of 429, 5xx, transport failures and timeouts
//	               (0-20, default backend.DefaultMaxRetries)
//	timeout        one request's timeout, each retry its own (Go duration,
//	               default 30s; ClientOptions.Timeout)
//	env, readonly  the Store's scope and read-only mode (every driver)
//
// The opener registered for locker:// (a zero [URLOpener]) builds a
// [Client] per Store from these, and the Store's Close releases it.
//
// # Clients
//
// An application that authenticates its own way, or wants headers, a
// logger or its own http.Client, builds the Client itself with
// [NewClient] and [ClientOptions], then makes Stores from it with [New]:
//
//	c, err := locker.NewClient(ctx, locker.ClientOptions{AccessKeyID: id, SecretAccessKey: secret,
//		Headers: map[string]string{"cf-access-client-id": cfID}})
//	…
//	st, err := locker.New(c, locker.Options{Environment: "prod"})
//
// or keeps URL configuration with a [URLOpener] holding the client, on
// DefaultURLMux or an own [secrets.URLMux]:
//
//	mux := new(secrets.URLMux)
//	mux.Register(locker.Scheme, &locker.URLOpener{Client: c})
//	st, err := mux.OpenStore(ctx, "locker://?env=prod")
//
// Such a URL has an empty host and path (locker://?…) or the client's own
// API base; insecure_tls, max_retries and timeout are then the client's
// (ClientOptions), and setting them in the URL is InvalidArgument. The
// Client belongs to the application: a Store's Close leaves it, and its
// connections, usable; [Client.CloseIdleConnections] releases them.
//
// # Ping
//
// Store.Ping reads one environment (page size 1): one request proving the
// server is reachable and the access key valid, active and allowed from
// this address.
//
// # As
//
// Store.As accepts **locker.Client. Store.ErrorAs accepts **locker.APIError
// (the status and the API's {"code","message"}).
package locker
