package awssm_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/internal/drivertest"
)

// action is what the faulty transport does with one request of an operation.
type action int

const (
	// lose forwards the request to the server, then drops the answer and
	// reports a 503: the write happened, the client does not know it.
	lose action = iota + 1
	// scheduledForDeletion answers, without forwarding, what AWS answers
	// when a name is still being deleted in the background.
	scheduledForDeletion
	// refuse answers, without forwarding, AccessDeniedException (not
	// retried): the call fails and nothing is written.
	refuse
)

// faulty is an http.RoundTripper that applies queued actions per operation
// (the X-Amz-Target header), counting the requests of each.
type faulty struct {
	next http.RoundTripper
	mu   sync.Mutex
	plan map[string][]action
	seen map[string]int
	// around, if set for an operation, handles each of its requests in place
	// of the plan: it may act before forwarding (with next) or edit the
	// answer.
	around map[string]func(r *http.Request, next http.RoundTripper) (*http.Response, error)
}

func newFaulty() *faulty {
	return &faulty{next: http.DefaultTransport, plan: map[string][]action{}, seen: map[string]int{},
		around: map[string]func(*http.Request, http.RoundTripper) (*http.Response, error){}}
}

// wrap makes fn handle every request of op from now on.
func (f *faulty) wrap(op string, fn func(r *http.Request, next http.RoundTripper) (*http.Response, error)) {
	f.mu.Lock()
	f.around[op] = fn
	f.mu.Unlock()
}

func (f *faulty) then(op string, a ...action) {
	f.mu.Lock()
	f.plan[op] = append(f.plan[op], a...)
	f.mu.Unlock()
}

func (f *faulty) count(op string) int { f.mu.Lock(); defer f.mu.Unlock(); return f.seen[op] }

func (f *faulty) RoundTrip(r *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
	f.mu.Lock()
	f.seen[op]++
	var a action
	if q := f.plan[op]; len(q) > 0 {
		a, f.plan[op] = q[0], q[1:]
	}
	fn := f.around[op]
	f.mu.Unlock()
	if fn != nil && a == 0 {
		return fn(r, f.next)
	}
	switch a {
	case lose:
		resp, err := f.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return awsError(r, 503, "ServiceUnavailable"), nil
	case scheduledForDeletion:
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		return awsError(r, 400, "InvalidRequestException"), nil
	case refuse:
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		return awsError(r, 400, "AccessDeniedException"), nil
	}
	return f.next.RoundTrip(r)
}

// awsError is an error answer as the awsJson1.1 protocol writes it.
func awsError(r *http.Request, status int, code string) *http.Response {
	body := fmt.Sprintf(`{"__type":%q,"message":"injected by the test"}`, code)
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amzn-Requestid": {"test"}},
		Body:   io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}
}

func faultyStore(t *testing.T, f *faulty, recoveryDays int) (*secrets.Store, string) {
	t.Helper()
	p := drivertest.Prefix()
	st, err := awssm.New(rawClient(t, f), awssm.Options{Prefix: p, RecoveryWindowDays: recoveryDays})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, p
}

// faultyStoreClient is faultyStore (no recovery window) with the client it
// uses, for requests of another tool's.
func faultyStoreClient(t *testing.T, f *faulty) (*secrets.Store, string, *sm.Client) {
	t.Helper()
	st, p := faultyStore(t, f, 0)
	var c *sm.Client
	if !st.As(&c) {
		t.Fatal("Store.As(**secretsmanager.Client) failed")
	}
	return st, p, c
}

// TestRetriedWritesAreIdempotent: when the answer to a write is lost and the
// SDK's retryer sends it again, the request token makes the retry the same
// write: Create does not report AlreadyExists for its own secret, Modify
// does not make a second version.
func TestRetriedWritesAreIdempotent(t *testing.T) {
	needServer(t)
	f := newFaulty()
	st, _ := faultyStore(t, f, 0)

	f.then("CreateSecret", lose)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "one"}); err != nil {
		t.Fatalf("Create whose first answer was lost: %v", err)
	}
	if n := f.count("CreateSecret"); n != 2 {
		t.Fatalf("CreateSecret sent %d times, want 2 (one lost, one retried by the SDK)", n)
	}

	f.then("PutSecretValue", lose)
	if _, err := st.Modify(ctx, "K", secrets.Update{Value: aws.String("two")}); err != nil {
		t.Fatalf("Modify whose first answer was lost: %v", err)
	}
	if n := f.count("PutSecretValue"); n != 2 {
		t.Fatalf("PutSecretValue sent %d times, want 2", n)
	}
	vs, err := st.Versions(ctx, "K")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 {
		t.Fatalf("%d versions after one Create and one Modify, want 2: %+v", len(vs), vs)
	}
	if v, err := st.Value(ctx, "K"); err != nil || v != "two" {
		t.Fatalf("Value = %q, %v", v, err)
	}
}

// TestCreateWaitsForForcedDeletion: AWS deletes in the background, so a
// Create right after a forced Delete may hear that the name is scheduled for
// deletion; the driver backs off and retries (AWS's advice).
func TestCreateWaitsForForcedDeletion(t *testing.T) {
	needServer(t)
	defer awssm.SetForcedDeleteWait([]time.Duration{time.Millisecond, time.Millisecond})()
	f := newFaulty()
	st, _ := faultyStore(t, f, 0)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "old"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, "K"); err != nil {
		t.Fatal(err)
	}
	before := f.count("CreateSecret")
	f.then("CreateSecret", scheduledForDeletion, scheduledForDeletion)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "new"}); err != nil {
		t.Fatalf("Create after forced Delete, with the deletion still running twice: %v", err)
	}
	if n := f.count("CreateSecret") - before; n != 3 {
		t.Fatalf("CreateSecret sent %d times, want 3", n)
	}
	// And when it never finishes: FailedPrecondition saying so.
	if err := st.Delete(ctx, "K"); err != nil {
		t.Fatal(err)
	}
	f.then("CreateSecret", scheduledForDeletion, scheduledForDeletion, scheduledForDeletion)
	_, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "newer"})
	if secrets.ErrorCode(err) != secrets.FailedPrecondition || !strings.Contains(err.Error(), "scheduled for deletion") {
		t.Fatalf("Create while the deletion never ends: %v", err)
	}
	var ir *types.InvalidRequestException
	if !st.ErrorAs(err, &ir) {
		t.Fatalf("ErrorAs(InvalidRequestException) failed on %v", err)
	}
}

// TestCreateOverRecoverableSecret: a forced-deletion store that meets a
// secret deleted with a recovery window (by another store) waits a bounded
// time, then says FailedPrecondition.
func TestCreateOverRecoverableSecret(t *testing.T) {
	needServer(t)
	defer awssm.SetForcedDeleteWait([]time.Duration{time.Millisecond})()
	p := drivertest.Prefix()
	rec := open(t, "awssm://"+p+"?recovery_window_days=7")
	if _, err := rec.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Delete(ctx, "K"); err != nil {
		t.Fatal(err)
	}
	_, err := open(t, "awssm://"+p).Create(ctx, secrets.Secret{Key: "K", Value: "w"})
	if secrets.ErrorCode(err) != secrets.FailedPrecondition {
		t.Fatalf("Create over a secret pending deletion: %v", err)
	}
}

// TestErrorCodes: AWS's error types and codes map to the portable codes by
// type and code, and retryable ones are retried exactly max_retries times.
// The server is a stub answering every request with one AWS error.
func TestErrorCodes(t *testing.T) {
	const html = "<html><body><h1>Bad Gateway</h1></body></html>"
	const xml = `<?xml version="1.0"?><Error><Code>Oops</Code></Error>`
	for _, tc := range []struct {
		status   int
		code     string // the JSON answer's __type; "" = the body below
		want     secrets.Code
		requests int64 // with max_retries=2
		body     string
	}{
		{400, "ResourceNotFoundException", secrets.NotFound, 1, ""},
		{400, "InvalidParameterException", secrets.InvalidArgument, 1, ""},
		{400, "InvalidRequestException", secrets.FailedPrecondition, 1, ""},
		{400, "ValidationException", secrets.InvalidArgument, 1, ""},
		{400, "AccessDeniedException", secrets.PermissionDenied, 1, ""},
		{400, "UnrecognizedClientException", secrets.Unauthenticated, 1, ""},
		{403, "InvalidSignatureException", secrets.Unauthenticated, 1, ""},
		{400, "ExpiredTokenException", secrets.Unauthenticated, 1, ""},
		{400, "ThrottlingException", secrets.RateLimited, 3, ""},
		{500, "InternalServiceError", secrets.Unavailable, 3, ""},
		{400, "SomethingNew", secrets.Unknown, 1, ""},
		// 8.20: an answer that is not JSON (a proxy's) by its HTTP status
		{503, "", secrets.Unavailable, 3, html},
		{502, "", secrets.Unavailable, 3, ""},
		{500, "", secrets.Unavailable, 3, xml},
		{429, "", secrets.RateLimited, 3, html},
		{401, "", secrets.Unauthenticated, 1, html},
		{403, "", secrets.PermissionDenied, 1, xml},
		{404, "", secrets.NotFound, 1, html},
		{400, "", secrets.InvalidArgument, 1, html},
	} {
		name := tc.code
		if name == "" {
			name = fmt.Sprintf("%d-not-JSON", tc.status)
		}
		t.Run(name, func(t *testing.T) {
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				if tc.code == "" {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(tc.status)
					fmt.Fprint(w, tc.body)
					return
				}
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(tc.status)
				fmt.Fprintf(w, `{"__type":%q,"message":"stub"}`, tc.code)
			}))
			defer srv.Close()
			setStubEnv(t, srv.URL)
			st := open(t, "awssm://app?max_retries=2")
			err := st.Delete(ctx, "K") // one DescribeSecret
			if got := secrets.ErrorCode(err); got != tc.want {
				t.Errorf("code %v, want %v (%v)", got, tc.want, err)
			}
			if got := n.Load(); got != tc.requests {
				t.Errorf("%d requests, want %d", got, tc.requests)
			}
			if tc.code == "" {
				return
			}
			var api smithy.APIError
			if !st.ErrorAs(err, &api) || api.ErrorCode() != tc.code {
				t.Errorf("ErrorAs(*smithy.APIError) on %v: %v", err, api)
			}
		})
	}
}

// setStubEnv points the default chain at a stub server with dummy
// credentials.
func setStubEnv(t *testing.T, url string) {
	for k, v := range map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": url, "AWS_ENDPOINT_URL_STS": url, "AWS_ACCESS_KEY_ID": "test",
		"AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PROFILE": "", "AWS_SESSION_TOKEN": ""} {
		t.Setenv(k, v)
	}
}

// silentStub starts a server that counts requests and answers nothing
// useful, and points the default chain at it.
func silentStub(t *testing.T) (requests *atomic.Int64, url string) {
	t.Helper()
	requests = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	t.Cleanup(srv.Close)
	setStubEnv(t, srv.URL)
	return requests, srv.URL
}

// TestNoCredentials: no credentials anywhere in the default chain is
// Unauthenticated, before any request reaches the server.
func TestNoCredentials(t *testing.T) {
	n, _ := silentStub(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	st := open(t, "awssm://app")
	_, err := st.Get(ctx, "K")
	if secrets.ErrorCode(err) != secrets.Unauthenticated {
		t.Fatalf("Get without credentials: %v (code %v)", err, secrets.ErrorCode(err))
	}
	if n.Load() != 0 {
		t.Fatalf("%d requests sent without credentials", n.Load())
	}
	if errors.Is(err, secrets.ErrNotFound) {
		t.Fatal("credential error is NotFound")
	}
}
