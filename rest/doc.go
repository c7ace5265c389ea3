// Package rest is the rest:// driver: a Go client of the secrets REST API
// that package restapi serves (`polysecret serve`) in front of any store.
// A Go program reaches a gateway's store through the same Store API as any
// other: the gateway passes the conformance suite through this driver in
// front of mem:// and of a real Vault server.
//
// The protocol is this module's own: package restapi's documentation is
// its reference (endpoints, envelopes, error codes, ids, cursors,
// Idempotency-Key), its shape taken from the FastAPI-style secrets APIs
// it was designed from (Aimable's public API docs).
//
// The driver declares the served store's Capabilities, fetched once at
// open (GET /v1/admin/capabilities) and fixed thereafter. Get asks for the
// value (reveal=true) and includes expired secrets (the portable layer
// decides), so the key needs the values permission to read values. Writes
// answer metadata only: Create's and Modify's results carry the value the
// call sent (none when a Modify sets no value), and a field write's result
// has the value {field: value}, from which the portable layer selects the
// field.
//
// Every write sends an Idempotency-Key, fresh per call and the same for
// its retries, so that a write whose answer was lost is replayed by the
// gateway, not applied twice (a Create then does not report AlreadyExists
// for its own secret).
//
// # Error table
//
// The gateway's error codes map 1:1 to secrets codes (restapi.ParseCode:
// not_found → NotFound, already_exists → AlreadyExists, …), except
// canceled and deadline_exceeded, which are the gateway's own context and
// become Unavailable (retryable; only the caller's context makes Canceled
// or DeadlineExceeded). An answer without the envelope (a proxy's page) is
// classified by status: 400/413 InvalidArgument, 401 Unauthenticated, 403
// PermissionDenied, 404 NotFound, 409 AlreadyExists, 412
// FailedPrecondition, 429 RateLimited, 500 Internal, 501 Unimplemented,
// 502/503/504 and other 5xx Unavailable. Transport failures (a TLS
// certificate that does not verify included) and the driver's request
// timeout are Unavailable.
//
// # Retries and timeouts
//
// 429, 5xx other than 500, transport failures and request timeouts are
// retried up to max_retries times with backend.RetryPolicy's backoff (the
// exchange itself is backend.HTTPCall, shared with the other drivers that
// make their own requests), honouring Retry-After; a wait past the caller's
// deadline is not slept.
//
// # URLs
//
//	rest://secrets.example.com?env=prod              https://secrets.example.com/v1/…
//	rest://secrets.example.com/polysecret?env=prod   the API mounted under /polysecret
//	rest://127.0.0.1:8080?scheme=http                a test gateway
//
// The API key comes from POLYSECRET_API_KEY, or the file named by
// key_file= or POLYSECRET_API_KEY_FILE; never from the URL (user info is
// refused). Parameters:
//
//	scheme        http for a plain-HTTP gateway (default https)
//	insecure_tls  true: skip TLS verification (tests only)
//	max_retries   0-20 (default backend.DefaultMaxRetries)
//	timeout       one request's timeout (default 35s)
//	key_file      a file holding the API key
//	env, readonly the Store's scope and read-only mode (every driver)
//
// Opening makes one request (the capabilities): a gateway that is down or
// refuses the key fails at open.
//
// # Clients
//
// An application with its own http.Client (mTLS, a proxy) builds a
// [Client] with [NewClient] and makes Stores with [New], or registers a
// [URLOpener] holding it:
//
//	c, err := rest.NewClient(rest.ClientOptions{BaseURL: "https://secrets.example.com", HTTPClient: hc})
//	st, err := rest.New(c, rest.Options{Environment: "prod"})
//	secrets.DefaultURLMux.Register(rest.Scheme, &rest.URLOpener{Client: c})
//	st, err = secrets.OpenStore(ctx, "rest://?env=prod")
//
// The Client belongs to the application: a Store's Close leaves it usable.
//
// # Ping
//
// Store.Ping is GET /v1/health with the key: the gateway answers, accepts
// the key, and its own store answers.
//
// # As
//
// Store.As accepts **rest.Client. Store.ErrorAs accepts **rest.APIError
// (status, code, message, Retry-After).
package rest
