// Package datalayer is the datalayer:// driver: the secrets of Datalayer's
// platform (datalayer.io), kept by its IAM service, over the REST API its
// official clients use. Package datalayertest is a Datalayer-compatible
// server for tests.
//
// # Model
//
// A Datalayer secret is a name, unique in the account of the API key, a
// variant (generic, password, key or token: the four secret types), a
// description and a value. The driver maps the key to the name and the
// type to the variant (the empty type is written as generic). Datalayer
// has no environments: the driver declares GlobalOnly, and the portable
// layer answers Unimplemented for every environment operation and for a
// Store opened in an environment (ListEnvironments lists none). It keeps
// no versions, labels or expiry, which are Unimplemented too, and has no
// compare-and-set: concurrent Modify calls may lose an update
// (AtomicModify is false). Values must be valid UTF-8 (TextOnly; see
// Values).
//
// # Protocol and its sources
//
// Each detail comes from the official clients in datalayer/core:
//
//   - the IAM URL: DATALAYER_IAM_URL, default https://prod1.datalayer.run
//     (datalayer_core/utils/urls.py, src/api/constants.ts
//     DEFAULT_SERVICE_URLS.IAM), and the prefix /api/iam/v1
//     (datalayer_core/mixins/secrets.py builds "{iam_url}/api/iam/v1/secrets");
//   - authentication: "Authorization: Bearer <key>" (src/api/DatalayerApi.ts),
//     the key from DATALAYER_API_KEY (the CLI's --api-key fallback);
//   - GET /secrets → {"success","message","secrets":[{"uid","variant_s",
//     "name_s","description_t","value_s"}]} (secrets.py _list_secrets,
//     src/api/iam/secrets.ts listSecrets, src/models/Secret.ts SecretData);
//   - POST /secrets {"name","description","variant","value"}, variant
//     "generic" and description "" by default, 409 on a taken name
//     (secrets.ts createSecret, secrets.py _create_secret);
//   - GET, PUT (the fields given: a partial update) and DELETE
//     /secrets/{uid}, 404 for an unknown uid; answers
//     {"success","message","secret":{…}} (secrets.ts getSecret,
//     updateSecret, deleteSecret; Secret.ts GetSecretResponse …);
//   - uids are ULIDs (Secret.ts SecretData);
//   - error answers carry "message", or "detail" (a string or an object
//     with "message") (DatalayerApi.ts RunResponseError.create);
//   - GET /whoami, the identity of the key (src/api/iam/profile.ts whoami,
//     datalayer_core/mixins/whoami.py): Ping.
//
// What the clients leave open, the driver takes both ways: a listing may
// leave value_s out (absent or null: the driver reads the value by uid);
// any 2xx status is success, but a body with "success": false is an
// error; the order of the list does not matter.
//
// # Values
//
// Datalayer stores value_s exactly as sent. Today's clients send base64 of
// the UTF-8 text (datalayer_core btoa) and the TypeScript model decodes it
// on read (Secret.ts SecretDTO._decodeValue); newer TypeScript clients send
// the value as it is (secrets.ts createSecret: "A secret has one
// representation end to end"). The driver reads both by one rule: value_s
// is base64 when it is canonical standard base64 (padded, a multiple of 4
// long, not empty) of text — valid UTF-8 without control characters but
// tab, line feed and carriage return — and is the value itself otherwise.
// It writes base64 for such text, as today's clients do, and the value as
// it is when it holds another control character (no reader takes that for
// base64). The rule misreads a value a newer client wrote plain that is
// itself canonical base64 of text ("dXNlcjpwYXNz" reads as "user:pass"):
// of random alphanumeric values, about 1 % at 8 characters, 0.1 % at 12,
// 0.01 % at 16. FuzzValueRule checks that the driver's own writes always
// read back.
//
// # Request cost
//
//   - Get: one GET /secrets/{uid} once the name's uid is known (learnt from
//     any listing or write by this Store; the answer must name the key, or
//     the driver lists again); otherwise one GET /secrets, plus one GET by
//     uid when the list leaves values out.
//   - Create: one POST. Modify and Delete: the Get-like lookup of the uid
//     (one request), then one PUT or DELETE — and, for a Modify that sets
//     no value when neither the PUT's answer nor the lookup carried one
//     (a list without values), one GET by uid for the value it returns.
//   - A listing with values: one GET /secrets per page when the list
//     carries values; when it leaves them out, one GET /secrets plus one
//     GET by uid per secret on the page, at most list_concurrency (default
//     8) at a time. The API has no paging: every page reads the whole
//     list, sorted and filtered on the client; the page token is the last
//     name returned, so a secret that exists throughout a listing appears
//     exactly once.
//   - Store.Values: one GET /secrets for any number of keys (plus one GET
//     by uid per key found when the list leaves values out); one key is
//     read as Get reads it.
//   - Store.Ping: one GET /whoami.
//
// # Retries and lost replies
//
// 429, 502–504 and other 5xx but 500 and 501, transport failures and the
// driver's own request timeout are retried up to max_retries times with
// backend.RetryPolicy's backoff (the exchange itself is backend.HTTPCall,
// shared with the other drivers that make their own requests), honouring
// Retry-After (capped at 20 s); a wait that would end after the caller's
// deadline is not slept. A create whose answer was lost and whose retry
// meets 409 reads the secret of that name: if it holds exactly what was
// sent (variant, description, value_s), it is the call's own write and
// Create succeeds — no duplicate, no false AlreadyExists. A delete whose
// retry meets 404 after a lost answer succeeds. A PUT is idempotent and
// simply retried.
//
// # Errors
//
// The API's errors are classified by HTTP status:
//
//	400, 413, 422  InvalidArgument
//	401            Unauthenticated
//	403            PermissionDenied
//	404            NotFound
//	409            AlreadyExists
//	429            RateLimited (retried)
//	500            Internal
//	501            Unimplemented
//	502–504, other 5xx, transport failures, request timeouts
//	               Unavailable (retried)
//	a 2xx with "success": false, other statuses
//	               Unknown
//
// An answer that is not the documented JSON, or a secret whose uid is not
// a plain identifier (the driver puts uids in paths), is Internal. Error
// texts carry the server's message without the value the call sent, never
// the API key.
//
// # URLs
//
//	datalayer://                                 (DATALAYER_IAM_URL, else https://prod1.datalayer.run)
//	datalayer://prod1.datalayer.run
//	datalayer://127.0.0.1:8080?scheme=http       (a test server)
//
// The IAM URL is https://<host><path>; a URL without a host takes
// DATALAYER_IAM_URL, else the default. The API key comes from
// DATALAYER_API_KEY, never from the URL: user info in the URL is refused.
// So are a #fragment, a port outside 1–65535, and a path that is not plain
// segments of A-Z a-z 0-9 . _ ~ - (no ".", ".." or empty segments, no
// escapes such as %2F, at most 256 bytes) — all InvalidArgument at open.
// Parameters:
//
//	scheme            http for a plain-HTTP test server (default https; needs a host)
//	max_retries       retries of 429, 5xx, transport failures and timeouts
//	                  (0-20, default backend.DefaultMaxRetries)
//	timeout           one request's timeout, each retry its own (Go duration,
//	                  default 30s; ClientOptions.Timeout)
//	list_concurrency  reads by uid at once when the list leaves values out
//	                  (1-64, default 8; Options.ListConcurrency)
//	readonly          the Store's read-only mode (every driver); env must be
//	                  absent (Datalayer has no environments)
//
// The opener registered for datalayer:// (a zero [URLOpener]) builds a
// [Client] per Store from these, and the Store's Close releases it.
//
// # Clients
//
// An application that wants its own http.Client, logger or API key source
// builds the Client itself with [NewClient] and makes Stores with [New]:
//
//	c, err := datalayer.NewClient(datalayer.ClientOptions{APIKey: key, HTTPClient: hc})
//	st, err := datalayer.New(c, datalayer.Options{})
//
// or keeps URL configuration with a [URLOpener] holding the client:
//
//	secrets.DefaultURLMux.Register(datalayer.Scheme, &datalayer.URLOpener{Client: c})
//	st, err := secrets.OpenStore(ctx, "datalayer://?list_concurrency=4")
//
// Such a URL has no host (datalayer://?…) or names the client's IAM URL;
// max_retries and timeout are then the client's (ClientOptions), and
// setting them in the URL is InvalidArgument. A Store's Close leaves the
// Client and its connections usable; [Client.CloseIdleConnections]
// releases them.
//
// # As
//
// Store.As accepts **datalayer.Client. Store.ErrorAs accepts
// **datalayer.APIError (the HTTP status, the server's message and
// Retry-After).
package datalayer
