// Package restapi is the secrets REST API over any polysecret store: an
// http.Handler that an application mounts in its own server, and that
// `polysecret serve` runs. Package rest is its Go client (rest://), and
// restapitest starts it in tests.
//
//	keys, err := restapi.LoadKeys("/etc/polysecret/keys.json")
//	idem, err := secrets.OpenStore(ctx, "vault://secret/polysecret-idempotency")
//	h, err := restapi.New(store, keys, restapi.NewStoreIdempotency(idem), slog.Default(), restapi.Limits{})
//	http.Handle("/", h) // or mux.Handle("/secrets/", http.StripPrefix("/secrets", h))
//
// The API's shape follows the FastAPI-style secrets APIs it was designed
// from (Aimable's public API docs: /v1/admin/secrets with X-API-Key,
// {"data": …} envelopes, {"error":{"code","message"}} errors, 201 on
// create, Idempotency-Key, limit/cursor paging, provider_slug, 429
// rate_limited with Retry-After, no value in a metadata answer).
//
// # Endpoints
//
//	GET    /v1/health                               the store's Ping; no key needed (a key sent must be valid)
//	GET    /v1/admin/capabilities                   the served store's Capabilities
//	GET    /v1/admin/secrets                        a page of metadata: env (name, _global, or * / absent = all),
//	                                                prefix, type, label=k:v (repeatable), provider_slug (= label
//	                                                "provider"), q (key or description contains), limit (1-1000,
//	                                                default 100), cursor, with_values=true (needs values;
//	                                                pages of values hold at most 100)
//	                                                → {"data":[…],"next_cursor":"…"} (absent on the last page)
//	POST   /v1/admin/secrets                        {"environment","key","value" | "value_base64","type",
//	                                                "description","labels","expires_at"} → 201, metadata
//	GET    /v1/admin/secrets/{id}                   metadata; reveal=true adds the value (needs values);
//	                                                version=…; include_expired=true
//	PATCH  /v1/admin/secrets/{id}                   partial update: value | value_base64, type, description,
//	                                                labels (replaces; {} removes), expires_at (year 1 removes),
//	                                                environment (moves; "" = global) → metadata
//	DELETE /v1/admin/secrets/{id}                   204
//	GET    /v1/admin/secrets/{id}/versions          [{"id","created_at","current"}], oldest first
//	PUT    /v1/admin/secrets/{id}/field             {"field": "…", "value": "…"}: one field of a JSON-object
//	                                                value, set atomically to the JSON string value
//	GET    /v1/admin/environments                   the environments the key may touch
//	POST   /v1/admin/environments                   {"name","description","external_url"} → 201
//	GET    /v1/admin/environments/{name}
//	PATCH  /v1/admin/environments/{name}            {"description","external_url"}
//	DELETE /v1/admin/environments/{name}            204; failed_precondition while it holds secrets
//
// Any other path, or another method on these paths, is 404 not_found; a
// query parameter an endpoint does not take is invalid_argument (a
// misspelt filter never widens a listing).
// Answers are {"data": …}. A value is in an answer only where asked for
// (reveal=true, with_values=true) by a key allowed to read values:
// "value" when it is valid UTF-8 without control characters but tab, line feed
// and carriage return, else "value_base64" (standard base64);
// requests take either. Writes answer metadata only. Times are RFC 3339.
// Get by id is the exact scope, never the global fallback (a Go client's
// portable layer does the fallback with a second request); its not_found
// says nothing of whether a global secret of that key exists.
//
// # Errors
//
// {"error":{"code","message"}}; the code is 1:1 with secrets.Code:
//
//	code                 status  secrets.Code
//	not_found            404     NotFound
//	already_exists       409     AlreadyExists
//	invalid_argument     400     InvalidArgument (413 for a body over Limits.MaxBodyBytes)
//	failed_precondition  412     FailedPrecondition (409 for an Idempotency-Key reused with another request)
//	permission_denied    403     PermissionDenied
//	unauthenticated      401     Unauthenticated
//	rate_limited         429     RateLimited (Retry-After, seconds)
//	unavailable          503     Unavailable (Retry-After: 1)
//	internal             500     Internal
//	unimplemented        501     Unimplemented
//	canceled             499     Canceled
//	deadline_exceeded    504     DeadlineExceeded
//	unknown              500     Unknown
//
// The message is the store's error text, which by the library's contract
// never holds a value or credential.
//
// # Keys
//
// Every /v1/admin request carries an API key in X-API-Key or
// Authorization: Bearer. The keys file (LoadKeys, ParseKeys) is JSON:
//
//	{"keys": [
//	  {"id": "deploy", "sha256": "<hex SHA-256 of the key>", "access": "read-write",
//	   "values": true, "environments": ["*"]},
//	  {"id": "ci-prod", "sha256": "…", "access": "read", "values": true,
//	   "environments": ["prod", "_global"], "rate": 20, "burst": 40}
//	]}
//
// id (1–64 of A-Z a-z 0-9 _ . -, starting with a letter or digit) names
// the key in audit lines, rate limits and idempotency records; access is "read" (GET only) or "read-write"; values allows
// reveal=true and with_values=true; environments are environment names,
// "_global" (the global scope) or "*" (every scope, and the listings
// across all of them); rate (per second) and burst override Limits.
// Unknown fields, duplicate ids or hashes are errors. The file holds only
// SHA-256 hashes: NewKeySecret makes a key ("psk_" + 256 random bits,
// base64url) and its hash; with keys of that entropy an unsalted SHA-256
// cannot be reversed or guessed. The handler compares the hash of the
// presented key with every key's in constant time (crypto/subtle), and
// never logs a key, its hash or the file's contents.
//
// Scope rule: a request about a scope the key may not touch — a secret id,
// a create or move target, a listing's env, an environment name — is 403
// permission_denied before the store is read, whether or not the thing
// exists: the answer says nothing about other scopes. A listing without env
// (all environments) needs "*". A read key writing is 403; no key or an
// unknown key is 401.
//
// # Ids and cursors
//
// A secret's id is base64url(environment + ":" + key) without padding
// (environment "" for global): stateless, so any replica serves any id,
// and a client may compute it (but should treat it as opaque). A move
// changes the id. A cursor is base64url("c1" + the store's own page
// token): opaque, bound by the store to the listing's filters (a cursor
// used with other filters is invalid_argument), and stateless too.
//
// # Idempotency
//
// POST, PATCH, PUT and DELETE accept an Idempotency-Key (1–255 printable
// ASCII). The first request with a key claims it in the IdempotencyStore
// and its answer is kept (24 h by default); the same key with the same
// method, path, query and body replays that answer (the same id and
// version; header-less, status and body as first sent); with another
// request it is 409 failed_precondition; while the first is still running
// it is 503 unavailable with Retry-After: 1. Answers 429, 499 (the
// request's own context ended) and 5xx are not kept: a retry runs again. Records are per API key. The rest driver sends
// a fresh key with every write and reuses it for its retries, so a write
// whose answer was lost is not applied twice.
//
// Records must live where every replica sees them: StoreIdempotency keeps
// them in a polysecret store of their own, given by URL (polysecret serve
// --idempotency-url vault://secret/polysecret-idempotency; mem:// only for
// a single replica), as global secrets idem/<key id>/<SHA-256 of the
// Idempotency-Key> whose value is the record: the request's fingerprint
// (HMAC-SHA256 of method, path, query and body keyed with the API key's
// stored hash) and the answer — metadata, never a value. Not the served
// store, so that its listings never show records. Purge deletes expired
// records.
//
// # Limits and audit
//
// Bodies are bounded (Limits.MaxBodyBytes, 413); each key has a token
// bucket (golang.org/x/time/rate; Limits.Rate and Burst, or the key's
// own): beyond it 429 rate_limited with Retry-After. Store calls of one
// request are bounded by Limits.RequestTimeout. One audit record per
// request goes to the *slog.Logger given to New, at Info, message
// "restapi request": method, route (the pattern), path, status, duration,
// key_id, env, secret (the key name), reveal and idempotent_replay when
// true. Never a value, an API key or a request body.
package restapi
