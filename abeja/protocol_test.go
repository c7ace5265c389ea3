package abeja_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
	"github.com/polysecret/secrets/internal/drivertest"
)

// exchange is one request and its answer, as they went over the wire.
type exchange struct {
	Method, Path, Query string
	Header              http.Header
	Body                string
	Status              int
	Answer              string
}

// recorder is an http.RoundTripper that keeps every exchange.
type recorder struct{ drivertest.Log[exchange] }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ans, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(ans))
	r.Add(exchange{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Clone(), string(body), resp.StatusCode, string(ans)})
	return resp, nil
}

// route is an exchange reduced to what a test pins: method, path with ids
// replaced by {id}, and query.
func route(e exchange) string {
	return e.Method + " " + ids.ReplaceAllString(e.Path, "{id}") + queryPart(e.Query)
}

func queryPart(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

var (
	ids       = regexp.MustCompile(`\b[0-9]{13}\b`)
	id13      = regexp.MustCompile(`^[1-9][0-9]{12}$`)
	microTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, s)
	}
	return m
}

// TestProtocolRoutes pins the requests each operation sends: paths under
// /secret-manager/organizations/{org}, query parameters, and how many.
func TestProtocolRoutes(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	st := e.store(t, abeja.ClientOptions{HTTPClient: &http.Client{Transport: rec}})
	org := "/secret-manager/organizations/{id}"
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"Create", func() error { _, err := st.Create(ctx, secrets.Secret{Key: "DB_URL", Value: "v1"}); return err },
			[]string{"POST " + org + "/secrets"}},
		{"Get (id known from Create)", func() error { _, err := st.Get(ctx, "DB_URL"); return err },
			[]string{"GET " + org + "/secrets/{id}?return_secret_value=true"}},
		{"Modify value", func() error {
			_, err := st.Modify(ctx, "DB_URL", secrets.Update{Value: secrets.Ptr("v2")})
			return err
		}, []string{"GET " + org + "/secrets/{id}?return_secret_value=true",
			"POST " + org + "/secrets/{id}/versions?return_secret_value=true"}},
		{"Modify description", func() error {
			_, err := st.Modify(ctx, "DB_URL", secrets.Update{Description: secrets.Ptr("d")})
			return err
		}, []string{"GET " + org + "/secrets/{id}?return_secret_value=true", "PATCH " + org + "/secrets/{id}",
			"POST " + org + "/secrets/{id}/versions?return_secret_value=true"}},
		{"Versions", func() error { _, err := st.Versions(ctx, "DB_URL"); return err },
			[]string{"GET " + org + "/secrets/{id}?return_secret_value=true",
				"GET " + org + "/secrets/{id}/versions?limit=100&offset=0&return_secret_value=true"}},
		{"List", func() error { _, _, err := st.ListPage(ctx, secrets.ListOptions{}, ""); return err },
			[]string{"GET " + org + "/secrets?limit=100&offset=0&return_secret_value=false"}},
		{"List with values", func() error { _, _, err := st.ListPage(ctx, secrets.ListOptions{WithValues: true}, ""); return err },
			[]string{"GET " + org + "/secrets?limit=100&offset=0&return_secret_value=true"}},
		{"Ping", func() error { return st.Ping(ctx) },
			[]string{"GET " + org + "/secrets?limit=1&offset=0&return_secret_value=false"}},
		{"Delete", func() error { return st.Delete(ctx, "DB_URL") },
			[]string{"GET " + org + "/secrets/{id}?return_secret_value=true", "DELETE " + org + "/secrets/{id}"}},
		{"Get after Delete (a scan)", func() error {
			_, err := st.Get(ctx, "DB_URL")
			if secrets.ErrorCode(err) != secrets.NotFound {
				t.Errorf("Get after Delete: %v, want NotFound", err)
			}
			return nil
		}, []string{"GET " + org + "/secrets?limit=100&offset=0&return_secret_value=false"}}, // no value of another secret
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var got []string
		for _, x := range rec.Take() {
			got = append(got, route(x))
			if !strings.HasPrefix(x.Path, "/secret-manager/organizations/"+e.org+"/") && x.Path != "/secret-manager/organizations/"+e.org+"/secrets" {
				t.Errorf("%s: path %s is not under the organization %s", s.name, x.Path, e.org)
			}
		}
		if d := cmp.Diff(s.want, got); d != "" {
			t.Errorf("%s: requests (-want +got):\n%s", s.name, d)
		}
	}
}

// TestProtocolShapes pins bodies and answers: base64 values, the create
// and PATCH bodies, 13-digit ids, microsecond times, the listing's paging
// fields, the DELETE answer, and the headers.
func TestProtocolShapes(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	st := e.store(t, abeja.ClientOptions{HTTPClient: &http.Client{Transport: rec}})
	bin := "\x00\xffbinary\n"
	exp := time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC)
	if _, err := st.Create(ctx, secrets.Secret{Key: "BIN", Value: bin, Description: "about", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	x := rec.Take()[0]
	if d := cmp.Diff(map[string]any{"name": "BIN", "value": base64.StdEncoding.EncodeToString([]byte(bin)),
		"description": "about", "expired_at": "2030-01-02T03:04:05.123456Z"}, decode(t, x.Body)); d != "" {
		t.Errorf("POST /secrets body (-want +got):\n%s", d)
	}
	for k, want := range map[string]string{"Content-Type": "application/json", "Accept": "application/json",
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("user-"+e.user+":"+e.pat))} {
		if got := x.Header.Get(k); got != want {
			t.Errorf("header %s: %q, want %q", k, got, want)
		}
	}
	ans := decode(t, x.Answer)
	for _, k := range []string{"id", "organization_id", "user_id"} {
		if s, _ := ans[k].(string); !id13.MatchString(s) {
			t.Errorf("answer %s = %v, want a 13-digit string", k, ans[k])
		}
	}
	for _, k := range []string{"created_at", "updated_at"} {
		if s, _ := ans[k].(string); !microTime.MatchString(s) {
			t.Errorf("answer %s = %v, want RFC 3339 with microseconds", k, ans[k])
		}
	}
	v := ans["versions"].([]any)[0].(map[string]any)
	if d := cmp.Diff(map[string]any{"value": base64.StdEncoding.EncodeToString([]byte(bin)), "version": 1.0, "status": "active",
		"provider": "aws-secret-manager", "organization_id": e.org, "secret_id": ans["id"]}, v,
		cmp.FilterPath(func(p cmp.Path) bool {
			k := p.Last().String()
			return k == `["id"]` || k == `["created_at"]` || k == `["updated_at"]`
		}, cmp.Ignore())); d != "" {
		t.Errorf("version (-want +got):\n%s", d)
	}
	got, err := st.Get(ctx, "BIN")
	if err != nil || got.Value != bin || !got.ExpiresAt.Equal(exp) || got.Description != "about" || got.Version != "1" {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	rec.Take()

	// PATCH carries only description and expired_at; clearing the
	// expiry is null; the value goes to a new version.
	if _, err := st.Modify(ctx, "BIN", secrets.Update{Description: secrets.Ptr(""), ExpiresAt: &time.Time{}, Value: secrets.Ptr("new")}); err != nil {
		t.Fatal(err)
	}
	xs := rec.Take()
	if d := cmp.Diff(map[string]any{"description": "", "expired_at": nil}, decode(t, xs[1].Body)); d != "" {
		t.Errorf("PATCH body (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]any{"value": base64.StdEncoding.EncodeToString([]byte("new"))}, decode(t, xs[2].Body)); d != "" {
		t.Errorf("POST versions body (-want +got):\n%s", d)
	}
	stored := e.srv.Secrets(e.org)
	if len(stored) != 1 || stored[0].Description != "" || !stored[0].ExpiredAt.IsZero() || len(stored[0].Versions) != 2 ||
		stored[0].Versions[1].Value != "new" || stored[0].Versions[0].Value != bin {
		t.Errorf("stored after Modify: %+v", stored)
	}

	// The listing's paging fields.
	if _, _, err := st.ListPage(ctx, secrets.ListOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	l := decode(t, rec.Take()[0].Answer)
	if d := cmp.Diff(map[string]any{"organization_id": e.org, "offset": 0.0, "limit": 100.0, "has_next": false}, l,
		cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == `["secrets"]` }, cmp.Ignore())); d != "" {
		t.Errorf("listing (-want +got):\n%s", d)
	}
	if _, ok := l["secrets"].([]any)[0].(map[string]any)["versions"].([]any)[0].(map[string]any)["value"]; ok {
		t.Error("a listing with return_secret_value=false carried a value")
	}

	// DELETE answers JSON.
	if err := st.Delete(ctx, "BIN"); err != nil {
		t.Fatal(err)
	}
	d := rec.Take()[1]
	if m := decode(t, d.Answer); !regexp.MustCompile(`^secret_id [0-9]{13} successfully deleted$`).MatchString(m["message"].(string)) {
		t.Errorf("DELETE answer %s", d.Answer)
	}
}

// TestProtocolBearer: a platform auth token is sent as Bearer, and wins
// over a user's credentials in the environment, as in the SDK.
func TestProtocolBearer(t *testing.T) {
	e := newEnv(t)
	tok := e.srv.NewAuthToken(e.org)
	t.Setenv("PLATFORM_AUTH_TOKEN", tok)
	t.Setenv("ABEJA_PLATFORM_USER_ID", "1")
	t.Setenv("ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN", "wrong")
	rec := &recorder{}
	c, err := abeja.NewClient(abeja.ClientOptions{APIURL: e.srv.URL(), HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := abeja.New(c, abeja.Options{Organization: e.org})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.Take()[0].Header.Get("Authorization"); got != "Bearer "+tok {
		t.Errorf("Authorization %q, want Bearer and the token", got)
	}
}

// TestProtocolErrors: the error body {"error","error_description"} and
// the status give the code; ErrorAs reaches *APIError; no credential in
// the text.
func TestProtocolErrors(t *testing.T) {
	e := newEnv(t)
	other := e.srv.NewOrganization()
	for _, tc := range []struct {
		name   string
		opts   abeja.ClientOptions
		org    string
		status int
		code   secrets.Code
	}{
		{"wrong token", abeja.ClientOptions{UserID: e.user, PersonalAccessToken: "nope"}, e.org, 401, secrets.Unauthenticated},
		{"unknown user", abeja.ClientOptions{UserID: "1234567890123", PersonalAccessToken: e.pat}, e.org, 401, secrets.Unauthenticated},
		{"not a member", abeja.ClientOptions{}, other, 403, secrets.PermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := abeja.New(e.client(t, tc.opts), abeja.Options{Organization: tc.org})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			_, err = st.Get(ctx, "K")
			if secrets.ErrorCode(err) != tc.code {
				t.Fatalf("Get: %v, want %v", err, tc.code)
			}
			var ae *abeja.APIError
			if !st.ErrorAs(err, &ae) || ae.Status != tc.status || ae.Err == "" || ae.Description == "" {
				t.Fatalf("ErrorAs: %+v", ae)
			}
			if strings.Contains(err.Error(), e.pat) {
				t.Error("the error text holds the personal access token")
			}
		})
	}
	// A duplicate name is 409 → AlreadyExists, with the server's body.
	st := e.store(t, abeja.ClientOptions{})
	if _, err := st.Create(ctx, secrets.Secret{Key: "DUP", Value: "a"}); err != nil {
		t.Fatal(err)
	}
	_, err := st.Create(ctx, secrets.Secret{Key: "DUP", Value: "b"})
	var ae *abeja.APIError
	if secrets.ErrorCode(err) != secrets.AlreadyExists || !st.ErrorAs(err, &ae) || ae.Status != 409 || ae.Err != "conflict" {
		t.Fatalf("duplicate Create: %v (%+v)", err, ae)
	}
}

// TestNameRule: keys ABEJA refuses are InvalidArgument naming the rule,
// before any request.
func TestNameRule(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	st := e.store(t, abeja.ClientOptions{HTTPClient: &http.Client{Transport: rec}})
	for _, k := range []string{"a/b", "a.b", "a+b", "a=b", "a@b", "with space", "x-abcdef", "long-suffix", "------a"} {
		_, err := st.Create(ctx, secrets.Secret{Key: k, Value: "v"})
		if secrets.ErrorCode(err) != secrets.InvalidArgument || !strings.Contains(err.Error(), "hyphen followed by six") {
			t.Errorf("Create(%q): %v, want InvalidArgument naming the rule", k, err)
		}
		_, err = st.Get(ctx, k)
		if secrets.ErrorCode(err) != secrets.InvalidArgument {
			t.Errorf("Get(%q): %v, want InvalidArgument", k, err)
		}
	}
	if n := len(rec.Take()); n != 0 {
		t.Errorf("%d requests for keys refused by the rule", n)
	}
	for _, k := range []string{"a-bcdef", "a-bcdefgh", "_-x", "Z9", "x-abcdef1"} {
		if _, err := st.Create(ctx, secrets.Secret{Key: k, Value: "v"}); err != nil {
			t.Errorf("Create(%q): %v", k, err)
		}
	}
}
