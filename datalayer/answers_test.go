package datalayer_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer"
)

// fakeStore opens a Store (no retries) on a handler that plays the API.
func fakeStore(t *testing.T, h http.HandlerFunc) *secrets.Store {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	c, err := datalayer.NewClient(datalayer.ClientOptions{IAMURL: ts.URL, APIKey: "k", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	st, err := datalayer.New(c, datalayer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestAnswerShapes: the answers the clients know, and broken ones. A
// list whose value_s is absent or null is read by uid; "success": false
// is an error even with 200; error messages come from "message" or
// "detail"; an undecodable answer or a uid that is no plain identifier is
// Internal.
func TestAnswerShapes(t *testing.T) {
	const list = "/api/iam/v1/secrets"
	for _, tc := range []struct {
		name     string
		answers  map[string]func(w http.ResponseWriter) // by path
		wantVal  string                                 // when wantCode is -1: success
		wantCode secrets.Code
		wantMsg  string // of the *APIError, when there is one
	}{
		{"value_s null in the list", map[string]func(http.ResponseWriter){
			list:         answer(200, `{"success":true,"message":"","secrets":[{"uid":"U1","variant_s":"generic","name_s":"K","description_t":"","value_s":null}]}`),
			list + "/U1": answer(200, `{"success":true,"message":"","secret":{"uid":"U1","variant_s":"generic","name_s":"K","description_t":"","value_s":"dg=="}}`),
		}, "v", -1, ""},
		{"value_s absent in the list", map[string]func(http.ResponseWriter){
			list:         answer(200, `{"success":true,"secrets":[{"uid":"U1","variant_s":"generic","name_s":"K","description_t":""}]}`),
			list + "/U1": answer(200, `{"success":true,"secret":{"uid":"U1","variant_s":"generic","name_s":"K","description_t":"","value_s":"v"}}`),
		}, "v", -1, ""},
		{"success false with 200", map[string]func(http.ResponseWriter){
			list: answer(200, `{"success":false,"message":"not today"}`),
		}, "", secrets.Unknown, "not today"},
		{"404 message", map[string]func(http.ResponseWriter){
			list: answer(404, `{"success":false,"message":"Nothing here."}`),
		}, "", secrets.NotFound, "Nothing here."},
		{"400 detail string", map[string]func(http.ResponseWriter){
			list: answer(400, `{"detail":"bad request detail"}`),
		}, "", secrets.InvalidArgument, "bad request detail"},
		{"422 detail object", map[string]func(http.ResponseWriter){
			list: answer(422, `{"detail":{"message":"field x"}}`),
		}, "", secrets.InvalidArgument, "field x"},
		{"401", map[string]func(http.ResponseWriter){
			list: answer(401, `{"success":false,"message":"Invalid token."}`),
		}, "", secrets.Unauthenticated, "Invalid token."},
		{"502 from a proxy, HTML", map[string]func(http.ResponseWriter){
			list: answer(502, `<html>bad gateway</html>`),
		}, "", secrets.Unavailable, "Bad Gateway"},
		{"200 not JSON", map[string]func(http.ResponseWriter){
			list: answer(200, `<html>login</html>`),
		}, "", secrets.Internal, ""},
		{"uid with a slash", map[string]func(http.ResponseWriter){
			list: answer(200, `{"success":true,"secrets":[{"uid":"../whoami","variant_s":"generic","name_s":"K","description_t":""}]}`),
		}, "", secrets.Internal, ""},
		{"GET by uid answers another uid", map[string]func(http.ResponseWriter){
			list:         answer(200, `{"success":true,"secrets":[{"uid":"U1","variant_s":"generic","name_s":"K","description_t":""}]}`),
			list + "/U1": answer(200, `{"success":true,"secret":{"uid":"U2","variant_s":"generic","name_s":"K","description_t":"","value_s":"v"}}`),
		}, "", secrets.Internal, ""},
		{"GET by uid without value", map[string]func(http.ResponseWriter){
			list:         answer(200, `{"success":true,"secrets":[{"uid":"U1","variant_s":"generic","name_s":"K","description_t":""}]}`),
			list + "/U1": answer(200, `{"success":true,"secret":{"uid":"U1","variant_s":"generic","name_s":"K","description_t":""}}`),
		}, "", secrets.Internal, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := fakeStore(t, func(w http.ResponseWriter, r *http.Request) {
				if f := tc.answers[r.URL.Path]; f != nil && r.Method == "GET" {
					f(w)
					return
				}
				http.Error(w, "unexpected", 599)
			})
			v, err := st.Value(ctx, "K")
			if tc.wantCode == -1 {
				if err != nil || v != tc.wantVal {
					t.Fatalf("Value = %q, %v; want %q", v, err, tc.wantVal)
				}
				return
			}
			if got := secrets.ErrorCode(err); got != tc.wantCode {
				t.Fatalf("Value: %v (code %v), want %v", err, got, tc.wantCode)
			}
			var ae *datalayer.APIError
			if tc.wantMsg != "" && (!st.ErrorAs(err, &ae) || ae.Message != tc.wantMsg) {
				t.Errorf("ErrorAs(**APIError) = %+v, want message %q", ae, tc.wantMsg)
			}
		})
	}
}

func answer(status int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

// TestErrorTextHasNoValue: a server that quotes the value it was sent in
// its error message (plain or base64) has it cut out of the error text.
func TestErrorTextHasNoValue(t *testing.T) {
	const value = "s3cr3t-valu3"
	st := fakeStore(t, func(w http.ResponseWriter, r *http.Request) {
		answer(400, `{"success":false,"message":"value `+value+` (`+b64(value)+`) is not allowed"}`)(w)
	})
	_, err := st.Create(ctx, secrets.Secret{Key: "K", Value: value})
	if secrets.ErrorCode(err) != secrets.InvalidArgument {
		t.Fatalf("Create = %v, want InvalidArgument", err)
	}
	if text := err.Error(); strings.Contains(text, value) || strings.Contains(text, b64(value)) || !strings.Contains(text, "[redacted]") {
		t.Errorf("error text %q shows the value", text)
	}
}

// TestErrorTable: each status of the error table, through FailNext, with
// retries off; ErrorAs reaches the *APIError.
func TestErrorTable(t *testing.T) {
	e := newEnv(t, true)
	st := e.open(t, func(o *datalayer.ClientOptions) { o.MaxRetries = -1 })
	for _, tc := range []struct {
		status int
		want   secrets.Code
	}{
		{400, secrets.InvalidArgument}, {401, secrets.Unauthenticated}, {403, secrets.PermissionDenied},
		{404, secrets.NotFound}, {409, secrets.AlreadyExists}, {413, secrets.InvalidArgument},
		{422, secrets.InvalidArgument}, {429, secrets.RateLimited}, {500, secrets.Internal},
		{501, secrets.Unimplemented}, {502, secrets.Unavailable}, {503, secrets.Unavailable},
		{504, secrets.Unavailable}, {507, secrets.Unavailable}, {418, secrets.Unknown},
	} {
		e.srv.FailNext(1, tc.status, 0)
		err := st.Ping(ctx)
		if got := secrets.ErrorCode(err); got != tc.want {
			t.Errorf("HTTP %d: code %v (%v), want %v", tc.status, got, err, tc.want)
		}
		var ae *datalayer.APIError
		if !st.ErrorAs(err, &ae) || ae.Status != tc.status {
			t.Errorf("HTTP %d: ErrorAs = %+v", tc.status, ae)
		}
	}
}

// TestDuplicateName: a second Create of a name is the server's 409,
// AlreadyExists, and the first value stays.
func TestDuplicateName(t *testing.T) {
	e := newEnv(t, true)
	st := e.open(t)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "first"}); err != nil {
		t.Fatal(err)
	}
	_, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "second"})
	var ae *datalayer.APIError
	if secrets.ErrorCode(err) != secrets.AlreadyExists || !st.ErrorAs(err, &ae) || ae.Status != 409 {
		t.Fatalf("second Create = %v (%+v), want AlreadyExists from a 409", err, ae)
	}
	if n := e.srv.Count("create"); n != 2 {
		t.Errorf("%d POSTs, want 2 (no recognition read without a lost answer)", n)
	}
	if got := e.srv.Stored(e.key); len(got) != 1 || got[0].Value != b64("first") {
		t.Errorf("stored %+v", got)
	}
}

// TestAuthentication: the API key comes from DATALAYER_API_KEY; none is
// Unauthenticated before any request; a wrong one is the server's 401.
func TestAuthentication(t *testing.T) {
	e := newEnv(t, true)
	t.Setenv("DATALAYER_API_KEY", "")
	if _, err := datalayer.NewClient(datalayer.ClientOptions{IAMURL: e.srv.URL()}); secrets.ErrorCode(err) != secrets.Unauthenticated {
		t.Errorf("NewClient without a key = %v, want Unauthenticated", err)
	}
	t.Setenv("DATALAYER_API_KEY", "wrong")
	c, err := datalayer.NewClient(datalayer.ClientOptions{IAMURL: e.srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := datalayer.New(c, datalayer.Options{})
	defer st.Close()
	if err := st.Ping(ctx); secrets.ErrorCode(err) != secrets.Unauthenticated || strings.Contains(err.Error(), "wrong") {
		t.Errorf("Ping with a wrong key = %v, want Unauthenticated without the key", err)
	}
	t.Setenv("DATALAYER_API_KEY", e.key)
	t.Setenv("DATALAYER_IAM_URL", e.srv.URL())
	c, err = datalayer.NewClient(datalayer.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.IAMURL() != e.srv.URL() {
		t.Errorf("IAMURL() = %q, want DATALAYER_IAM_URL", c.IAMURL())
	}
	st, _ = datalayer.New(c, datalayer.Options{})
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		t.Errorf("Ping with the environment's key and URL: %v", err)
	}
}

// TestRequestTimeout: a request that outlives the driver's timeout is
// retried, and all of them timing out is Unavailable, not the caller's
// DeadlineExceeded.
func TestRequestTimeout(t *testing.T) {
	var n atomic.Int64
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(ts.Close)
	c, err := datalayer.NewClient(datalayer.ClientOptions{IAMURL: ts.URL, APIKey: "k", MaxRetries: 1, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := datalayer.New(c, datalayer.Options{})
	defer st.Close()
	err = st.Ping(ctx)
	if secrets.ErrorCode(err) != secrets.Unavailable || errors.Is(err, secrets.ErrDeadlineExceeded) {
		t.Errorf("Ping = %v, want Unavailable", err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d requests, want 2 (one retry)", got)
	}
}
