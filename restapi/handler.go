package restapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/polysecret/secrets"
)

// Limits bound what one request and one key may cost. Zero fields take the
// defaults.
type Limits struct {
	// MaxBodyBytes bounds a request body (default 256 KiB: a 64 KiB value
	// in the worst JSON escaping, with its metadata); larger is 413.
	MaxBodyBytes int64
	// Rate and Burst are each key's default request rate (per second,
	// default 50) and burst (default 100); a key's own rate and burst in
	// the keys file win. Beyond them: 429 rate_limited with Retry-After.
	Rate  float64
	Burst int
	// RequestTimeout bounds the store calls of one request (default 30 s).
	RequestTimeout time.Duration
	// AnonymousRate and AnonymousBurst bound the requests without a valid
	// key, all together (GET /v1/health, and the 401s of bad keys;
	// default 10 per second, burst 20), so that nobody without a key can
	// flood the audit log or, through health, the backend.
	AnonymousRate  float64
	AnonymousBurst int
	// IdempotencyTTL is how long an Idempotency-Key is remembered (default
	// 24 h); IdempotencyStale is how long a request that claimed one may
	// run before another request with the key takes it over (default
	// RequestTimeout + 30 s).
	IdempotencyTTL, IdempotencyStale time.Duration
}

func (l *Limits) defaults() {
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = 256 << 10
	}
	if l.Rate <= 0 {
		l.Rate = 50
	}
	if l.Burst <= 0 {
		l.Burst = 100
	}
	if l.RequestTimeout <= 0 {
		l.RequestTimeout = 30 * time.Second
	}
	if l.IdempotencyTTL <= 0 {
		l.IdempotencyTTL = 24 * time.Hour
	}
	if l.IdempotencyStale <= 0 {
		l.IdempotencyStale = l.RequestTimeout + 30*time.Second
	}
	if l.AnonymousRate <= 0 {
		l.AnonymousRate = 10
	}
	if l.AnonymousBurst <= 0 {
		l.AnonymousBurst = 20
	}
}

// ProviderLabel is the label the provider_slug filter matches.
const ProviderLabel = "provider"

// Handler serves the secrets REST API over one store. It is an
// http.Handler: mount it at the root of a server, or under a prefix with
// http.StripPrefix.
type Handler struct {
	store *secrets.Store
	ring  atomic.Pointer[keyring]
	idem  IdempotencyStore
	log   *slog.Logger
	lim   Limits
	mux   *http.ServeMux
	// anonymous limits the requests without a valid key, together.
	anonymous *rate.Limiter
	// pinged caches the store's Ping for healthTTL.
	pinged healthCache
}

// New returns the API over store, for the keys (LoadKeys, ParseKeys),
// keeping idempotency records in idem (NewStoreIdempotency: it must be a
// store every replica sees), writing one audit record per request to audit
// (nil: none), within limits. The handler never closes store.
func New(store *secrets.Store, keys []*Key, idem IdempotencyStore, audit *slog.Logger, limits Limits) (*Handler, error) {
	if store == nil {
		return nil, errors.New("restapi: no store")
	}
	if idem == nil {
		return nil, errors.New("restapi: no idempotency store (NewStoreIdempotency)")
	}
	if len(keys) == 0 {
		return nil, errors.New("restapi: no keys")
	}
	limits.defaults()
	if limits.IdempotencyStale <= limits.RequestTimeout {
		return nil, errors.New("restapi: Limits.IdempotencyStale must be longer than RequestTimeout (a claim would be taken over while its request still runs)")
	}
	if audit == nil {
		audit = slog.New(slog.DiscardHandler)
	}
	h := &Handler{store: store, idem: idem, log: audit, lim: limits, mux: http.NewServeMux(),
		anonymous: rate.NewLimiter(rate.Limit(limits.AnonymousRate), limits.AnonymousBurst)}
	if err := h.SetKeys(keys); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

// call is one request as the handlers see it.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	ctx   context.Context
	key   *Key
	body  []byte
	env   string // for the audit line
	skey  string
	route string
}

// answer is what a handler returns: a status and a JSON body.
type answer struct {
	status     int
	body       []byte
	retryAfter time.Duration
}

func (h *Handler) routes() {
	type rt struct {
		pattern string
		write   bool
		auth    bool
		fn      func(*call) answer
		params  []string // the query parameters it takes; any other is invalid_argument
	}
	listParams := []string{"env", "prefix", "type", "label", "provider_slug", "q", "limit", "cursor", "with_values"}
	for _, x := range []rt{
		{"GET /v1/health", false, false, h.health, nil},
		{"GET /v1/admin/capabilities", false, true, h.capabilities, nil},
		{"GET /v1/admin/secrets", false, true, h.listSecrets, listParams},
		{"POST /v1/admin/secrets", true, true, h.createSecret, nil},
		{"GET /v1/admin/secrets/{id}", false, true, h.getSecret, []string{"reveal", "version", "include_expired"}},
		{"PATCH /v1/admin/secrets/{id}", true, true, h.patchSecret, nil},
		{"DELETE /v1/admin/secrets/{id}", true, true, h.deleteSecret, nil},
		{"GET /v1/admin/secrets/{id}/versions", false, true, h.versions, nil},
		{"PUT /v1/admin/secrets/{id}/field", true, true, h.setField, nil},
		{"GET /v1/admin/environments", false, true, h.listEnvironments, nil},
		{"POST /v1/admin/environments", true, true, h.createEnvironment, nil},
		{"GET /v1/admin/environments/{name}", false, true, h.getEnvironment, nil},
		{"PATCH /v1/admin/environments/{name}", true, true, h.patchEnvironment, nil},
		{"DELETE /v1/admin/environments/{name}", true, true, h.deleteEnvironment, nil},
	} {
		fn := x.fn
		if x.auth {
			fn = checkParams(x.params, fn)
		}
		h.mux.HandleFunc(x.pattern, func(w http.ResponseWriter, r *http.Request) {
			h.serve(w, r, x.pattern, x.write, x.auth, fn)
		})
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, "", false, false, func(*call) answer {
			return errAnswer(secrets.NotFound, "no such endpoint")
		})
	})
}

// checkParams refuses query parameters the route does not take, so that
// a misspelt filter (envv=prod) is an error, not a wider listing.
func checkParams(allowed []string, fn func(*call) answer) func(*call) answer {
	return func(c *call) answer {
		for p := range c.r.URL.Query() {
			if !slices.Contains(allowed, p) {
				return errAnswer(secrets.InvalidArgument, "unknown query parameter "+strconv.Quote(p))
			}
		}
		return fn(c)
	}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// serve runs one request: authentication, rate limit, the access check of
// writes, the body limit, idempotency, the handler, the answer and the
// audit line.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, route string, write, auth bool, fn func(*call) answer) {
	start := time.Now()
	parent := r.Context()
	if write {
		// A write runs to its end even when the client goes away, so that
		// its answer is kept for the client's retry with the same
		// Idempotency-Key instead of the write being run a second time.
		parent = context.WithoutCancel(parent)
	}
	ctx, cancel := context.WithTimeout(parent, h.lim.RequestTimeout)
	defer cancel()
	c := &call{w: w, r: r, ctx: ctx, route: route}
	var (
		a        answer
		replayed bool
	)
	if k, presented := h.authenticate(r); k != nil {
		c.key = k
	} else if auth || presented {
		a = errAnswer(secrets.Unauthenticated, "missing or unknown API key (X-API-Key or Authorization: Bearer)")
	}
	switch {
	case a.status != 0:
	case c.key == nil && !h.anonymous.Allow():
		a = errAnswer(secrets.RateLimited, "rate limit of requests without a key exceeded")
		a.retryAfter = time.Second
	case c.key != nil && !h.allow(c.key):
		a = errAnswer(secrets.RateLimited, "rate limit of key "+strconv.Quote(c.key.ID)+" exceeded")
		a.retryAfter = h.retryAfter(c.key)
	case write && c.key.Access != ReadWrite:
		a = errAnswer(secrets.PermissionDenied, "key "+strconv.Quote(c.key.ID)+" is read-only")
	default:
		a, replayed = h.run(c, write, fn)
	}
	h.write(w, a)
	h.audit(c, a.status, replayed, time.Since(start))
}

// run reads the body and runs fn, through the idempotency store when the
// request carries an Idempotency-Key.
func (h *Handler) run(c *call, write bool, fn func(*call) answer) (answer, bool) {
	if c.r.Body != nil && c.r.Body != http.NoBody {
		b, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, h.lim.MaxBodyBytes))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			a := errAnswer(secrets.InvalidArgument, fmt.Sprintf("request body larger than %d bytes", h.lim.MaxBodyBytes))
			a.status = http.StatusRequestEntityTooLarge
			return a, false
		}
		if err != nil {
			return errAnswer(secrets.InvalidArgument, "request body unreadable"), false
		}
		c.body = b
	}
	ik := c.r.Header.Get("Idempotency-Key")
	if ik == "" || !write {
		return safe(c, fn), false
	}
	if len(ik) > 255 || strings.IndexFunc(ik, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return errAnswer(secrets.InvalidArgument, "Idempotency-Key must be 1-255 printable ASCII characters"), false
	}
	fp := h.fingerprint(c)
	now := time.Now()
	old, err := h.idem.Begin(c.ctx, c.key.ID, ik, &IdempotencyRecord{Fingerprint: fp, Started: now,
		Expires: now.Add(h.lim.IdempotencyTTL)}, h.lim.IdempotencyStale)
	switch {
	case err != nil:
		h.log.ErrorContext(c.ctx, "restapi: idempotency store", "code", secrets.ErrorCode(err).String())
		return errAnswer(secrets.Unavailable, "idempotency store unavailable"), false
	case old == nil:
	case !hmac.Equal([]byte(old.Fingerprint), []byte(fp)):
		a := errAnswer(secrets.FailedPrecondition, "this Idempotency-Key was used with another request")
		a.status = http.StatusConflict
		return a, false
	case !old.Done:
		a := errAnswer(secrets.Unavailable, "a request with this Idempotency-Key is in progress")
		a.retryAfter = time.Second
		return a, false
	default:
		return answer{status: old.Status, body: old.Body}, true
	}
	a := safe(c, fn)
	if !keep(a.status, write) {
		actx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), recordTimeout)
		defer cancel()
		if err := h.idem.Abort(actx, c.key.ID, ik); err != nil {
			h.log.ErrorContext(c.ctx, "restapi: idempotency store", "code", secrets.ErrorCode(err).String())
		}
		return a, false
	}
	rec := &IdempotencyRecord{Fingerprint: fp, Done: true, Status: a.status, Body: a.body, Started: now,
		Expires: now.Add(h.lim.IdempotencyTTL)}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), recordTimeout)
	defer cancel()
	if err := h.idem.Finish(fctx, c.key.ID, ik, rec); err != nil {
		h.log.ErrorContext(c.ctx, "restapi: idempotency store", "code", secrets.ErrorCode(err).String())
	}
	return a, false
}

// recordTimeout bounds the write of an idempotency record after the
// request (Finish, Abort): a hung idempotency store must not hold the
// handler forever.
const recordTimeout = 10 * time.Second

// keep says whether an answer is kept for replay: not 429, 499 (the
// request's own context) or 5xx, after which a retry must run again —
// except a write's 504: the write ran out of time and may have landed, so
// its retry is answered the same, never run a second time.
func keep(status int, write bool) bool {
	if write && status == http.StatusGatewayTimeout {
		return true
	}
	return status != http.StatusTooManyRequests && status != 499 && status < 500
}

// safe runs fn; a panic (a defect) becomes a 500 answer, so that the
// request still gets its answer, its audit line, and its idempotency claim
// released.
func safe(c *call, fn func(*call) answer) (a answer) {
	defer func() {
		if p := recover(); p != nil {
			a = errAnswer(secrets.Internal, "the gateway could not answer this request")
		}
	}()
	return fn(c)
}

// fingerprint is HMAC-SHA256(key's stored hash; its access, values
// permission and scopes; method, path, query, body): a key whose
// permissions changed since the first request gets 409, not a replay of
// what it may no longer see.
func (h *Handler) fingerprint(c *call) string {
	m := hmac.New(sha256.New, c.key.hash[:])
	envs := slices.Clone(c.key.Environments)
	slices.Sort(envs)
	fmt.Fprintf(m, "%s\n%t\n%s\n", c.key.Access, c.key.Values, strings.Join(envs, "\x00"))
	fmt.Fprintf(m, "%s\n%s\n%s\n", c.r.Method, c.r.URL.EscapedPath(), c.r.URL.RawQuery)
	m.Write(c.body)
	return hex.EncodeToString(m.Sum(nil))
}

func reveal(r *http.Request) bool {
	q := r.URL.Query()
	return q.Get("reveal") == "true" || q.Get("with_values") == "true"
}

func (h *Handler) write(w http.ResponseWriter, a answer) {
	if a.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(a.retryAfter.Seconds()))))
	}
	w.Header().Set("Cache-Control", "no-store")
	if a.status == http.StatusNoContent {
		w.WriteHeader(a.status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// marshal encodes v without HTML escaping (so that a value's < > & stay
// one byte each).
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own types are encoded; a time beyond RFC 3339 (which
		// validation refuses) is the one way to get here.
		return []byte(`{"error":{"code":"internal","message":"the answer could not be encoded"}}`)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")) // as kept in an idempotency record
}

// ok is a {"data": v} answer.
func ok(status int, v any) answer {
	return answer{status: status, body: marshal(struct {
		Data any `json:"data"`
	}{v})}
}

func errAnswer(c secrets.Code, msg string) answer {
	return answer{status: HTTPStatus(c), body: marshal(struct {
		Error ErrorJSON `json:"error"`
	}{ErrorJSON{Code: CodeName(c), Message: msg}})}
}

// storeErr is the answer of an error the store returned: its code, and
// its text (which by the library's contract holds no value or
// credential). Retryable codes carry Retry-After: 1.
func storeErr(err error) answer {
	c := secrets.ErrorCode(err)
	a := errAnswer(c, err.Error())
	if c.Retryable() {
		a.retryAfter = time.Second
	}
	return a
}
