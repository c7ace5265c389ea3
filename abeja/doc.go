// Package abeja is the abeja:// driver: ABEJA Platform's Secret Manager
// over its REST API, with a client of its own (no Python, no cgo). Package
// abejatest is an in-process server of the same protocol for tests.
//
// # Model
//
// A secret is an ABEJA secret of the store's organization, addressed by
// its name: the key. ABEJA has no environments, so the store holds global
// secrets only (Capabilities.GlobalOnly): every environment operation, and
// a store opened in an environment, answer Unimplemented. Native: the
// description, the expiry (expired_at), versions and deletion. The
// value of a secret is that of its active version with the highest number;
// Version ids are those numbers ("1", "2", …); a secret whose versions are
// all inactive has no value (Get answers FailedPrecondition, listings leave
// it out). Not held: types, labels (Unimplemented), and the empty value
// (InvalidArgument before any request: the SDK refuses it and Secrets
// Manager, the provider every answer names, cannot hold one).
//
// Keys must be ABEJA names: 1 or more of A-Z a-z 0-9 _ -, not ending
// with a hyphen followed by six characters (so no "/" segments). Any other
// key is InvalidArgument naming that rule, before any request.
//
// # Modify
//
// ABEJA's PATCH changes only the description and expired_at; a new value
// is a new version (POST /secrets/{id}/versions). Modify sends the PATCH
// when the update has a description or expiry, then posts one version —
// the new value, or the current one again, so that every Modify makes one
// version as on every driver with versions. ABEJA has no compare-and-set
// (AtomicModify is false), and so Modify can lose updates: of two
// concurrent Modify calls the later version's value wins and the other's
// value remains only as an older version; descriptions and expiries are
// last-writer-wins; a Modify of the description or expiry alone posts the
// value it read, so a value written by someone else between its read and
// its write is superseded (it too remains as an older version); and a
// Modify that fails after its PATCH has changed the description or expiry
// but not the value.
//
// # Requests
//
// The API addresses secrets by id and has no lookup by name. A Store
// remembers the id of every name it creates or reads (at most 10,000
// names), so a Get, Modify, Delete or Versions of a known name starts with
// one GET /secrets/{id}; a name it does not know — and a name whose id
// answers 404, having been deleted and perhaps created again elsewhere —
// is looked for in the organization's listing without values, pages of
// 100 read until the name is found — at most ⌈(N−1)/99⌉ requests for
// N > 1 secrets, one for N ≤ 1 (that many too to conclude NotFound) — then
// read by its id (one more request), so that no other secret's value is
// read. Create is one POST; Modify is one GET, a PATCH
// when the update changes the description or expiry, and one POST; Delete
// one GET and one DELETE; Versions one GET and one per 100 versions. Ping
// is one GET of a listing page of one secret.
//
// # Listings
//
// The listing is offset-paged (offset, limit 1–100, has_next) and an
// offset shifts when a secret before it is created or deleted. So a
// listing reads the organization's whole listing in pages of 100 that
// overlap by one secret, and starts over (at most 3 times, then
// Unavailable) when a page does not begin with the last secret of the page
// before: a complete read holds every secret that existed throughout it
// exactly once, in ⌈(N−1)/99⌉ requests for N secrets (values included —
// they come with the listing, return_secret_value=true, only when asked
// for). The read is ordered by name and each page token is the read's id
// and the last name returned, a position no change can shift. The
// listing's next pages come from the same read while it is less than 15
// seconds old (at most 4 reads kept per Store, dropped by Close; a read
// with values holds them in memory that long); after that, or on another
// Store, a page makes a new read and resumes after the name. A listing of
// 1,000 secrets is thus 11 requests whatever its page size, when its pages
// are asked for within 15 seconds. Filters apply on the client.
//
// # Batch reads
//
// Store.Values reads the keys whose ids the Store knows by id, eight at a
// time, and finds the others in one read of the listing that ends when it
// has met them all; when the known keys are more than the requests of the
// Store's last complete read of the listing, that read serves them all
// instead. Values of 50 keys in an organization of 1,000 is thus 50
// requests at most, 11 once the Store has listed it, and at most 11 on a
// Store that knows none of them.
//
// # Retries and lost replies
//
// 429, 5xx, transport failures and the driver's own request timeout are
// retried up to max_retries times with backend.RetryPolicy's backoff (the
// exchange itself is backend.HTTPCall, shared with the other drivers that
// make their own requests), honouring Retry-After (the SDK itself retries
// 500, 502, 503 and 504 for every method). A request timeout while the
// caller's context is alive is Unavailable. An attempt that failed after it
// may have reached the server (a transport failure other than a refused
// connection, a timeout, 500, 502, 504) makes the next steps careful: a
// Create whose retry meets 409 reads the secret and takes it for its own
// when it holds exactly what the Create wrote (one version, the same value,
// description and expiry) — a concurrent Create of the same name with the
// same content is then indistinguishable, and harmless; a version POST is
// not sent again before a GET shows that no version above the ones seen
// before holds the value; a Delete whose retry meets 404 has succeeded.
//
// # Errors
//
// By HTTP status, as the SDK's STATUS_CODE_EXCEPTION_CLASS_MAP: 400
// InvalidArgument, 401 Unauthenticated, 403 PermissionDenied, 404 NotFound,
// 405 Internal, 409 AlreadyExists, 413 InvalidArgument, 429 RateLimited,
// 500, 502, 503, 504 and other 5xx Unavailable (retried first); anything
// else Unknown. An answer that is not the documented JSON, an id that is
// not decimal digits, a value that is not base64, or a listing that never
// ends is Internal. The "error" names of the body are not documented and
// not used.
//
// # URLs
//
//	abeja://api.abeja.io/1234567890123
//	abeja://127.0.0.1:8080/1234567890123?scheme=http    (a test server)
//	abeja:///1234567890123                               (host from ABEJA_API_URL)
//
// The host is the API's (https://<host>, ABEJA_API_URL or
// https://api.abeja.io when empty); the path is the organization id, alone.
// Credentials come from the environment, as the SDK reads them
// (abeja/common/auth.py): PLATFORM_AUTH_TOKEN (sent as Bearer), else
// ABEJA_PLATFORM_USER_ID and ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN (HTTP
// Basic "user-<id>:<token>"); never from the URL. User info, a #fragment,
// a port outside 1–65535, a path that is not one plain segment of digits
// (no escapes, no "." or ".."), and unknown parameters are InvalidArgument
// at open. Parameters:
//
//	scheme         http for a plain-HTTP test server (default https)
//	max_retries    retries of 429, 5xx, transport failures and timeouts
//	               (0-20, default backend.DefaultMaxRetries)
//	timeout        one request's timeout, each retry its own (Go duration,
//	               default 30s, the SDK's too)
//	readonly       the Store's read-only mode (every driver); env is
//	               Unimplemented (ABEJA has no environments)
//
// The opener registered for abeja:// (a zero [URLOpener]) builds a
// [Client] per Store, and the Store's Close releases it.
//
// # Clients
//
// An application that authenticates its own way, or wants its own
// http.Client or logger, builds the Client with [NewClient] and makes
// Stores with [New]:
//
//	c, err := abeja.NewClient(abeja.ClientOptions{AuthToken: tok})
//	st, err := abeja.New(c, abeja.Options{Organization: "1234567890123"})
//
// or keeps URL configuration with a [URLOpener] holding it (the URL's host
// is then empty or the client's, and max_retries and timeout are
// ClientOptions):
//
//	secrets.DefaultURLMux.Register(abeja.Scheme, &abeja.URLOpener{Client: c})
//	st, err := secrets.OpenStore(ctx, "abeja:///1234567890123")
//
// The Client belongs to the application: a Store's Close leaves it usable.
//
// # As
//
// Store.As accepts **abeja.Client. Store.ErrorAs accepts **abeja.APIError
// (the status, "error", "error_description" and Retry-After of an error
// answer); a NotFound the driver concludes from a listing has none.
//
// # Sources
//
// Every protocol detail comes from the official Python SDK,
// github.com/abeja-inc/abeja-platform-sdk:
//
//   - abeja/common/connection.py: the base URL ABEJA_API_URL (default
//     https://api.abeja.io), the "user-" prefix of user ids, the Basic and
//     Bearer headers, the 30 s timeout, the retried statuses (500, 502,
//     503, 504 for every method), the error body {"error",
//     "error_description"} and the statuses 400, 401, 403, 404, 405, 409,
//     500.
//   - abeja/common/auth.py: PLATFORM_AUTH_TOKEN first, then
//     ABEJA_PLATFORM_USER_ID and ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN.
//   - abeja/secret/api/client.py: the paths of /secret-manager/
//     organizations/{organization_id}/secrets, offset, limit (1–100,
//     default 50) and return_secret_value=true, the listing
//     {"organization_id","secrets","offset","limit","has_next"}, the
//     create body {"name","value","description"?,"expired_at"?} with the
//     value as standard base64 of its bytes, the name rule
//     (^[a-zA-Z0-9_-]+$, not .*-......$), the required value, PATCH of
//     description and expired_at only, DELETE answering {"message"}, the
//     secret and version objects (13-digit string ids, times in RFC 3339
//     with microseconds, "status" active or inactive, "version" numbers).
//   - abeja/secret_version/api/client.py: /secrets/{id}/versions (list with
//     {"pagination":{"count","has_next","limit","offset"},"versions"},
//     create {"value"}, get, PATCH {"status"}, delete).
//
// Not said there, and assumed here (abejatest does the same): a name taken
// in the organization is 409; a PATCH field sent as null or "" clears it
// (the SDK never sends one, so it cannot clear); the listing is in a stable
// order (abejatest: creation); a new version is active, and the value is
// the highest active version's.
package abeja
