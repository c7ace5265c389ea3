package awssm_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

// rewrite forwards a request and hands the JSON answer to edit.
func rewrite(edit func(out map[string]any)) func(*http.Request, http.RoundTripper) (*http.Response, error) {
	return func(r *http.Request, next http.RoundTripper) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var out map[string]any
		if err := json.Unmarshal(body, &out); err != nil {
			return nil, err
		}
		edit(out)
		body, _ = json.Marshal(out)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Del("Content-Length")
		resp.Header.Del("X-Amz-Crc32")
		return resp, nil
	}
}

// denyBatch makes BatchGetSecretValue answer AccessDeniedException for the
// names that end in one of suffixes, as AWS does per secret.
func denyBatch(suffixes ...string) func(*http.Request, http.RoundTripper) (*http.Response, error) {
	denied := func(id any) bool {
		s, _ := id.(string)
		return slices.ContainsFunc(suffixes, func(suf string) bool { return strings.HasSuffix(s, suf) })
	}
	return rewrite(func(out map[string]any) {
		var vals, errs []any
		for _, v := range asList(out["SecretValues"]) {
			if n := v["Name"]; denied(n) {
				errs = append(errs, map[string]any{"SecretId": n, "ErrorCode": "AccessDeniedException", "Message": "denied by the test"})
				continue
			}
			vals = append(vals, v)
		}
		for _, e := range asList(out["Errors"]) {
			if id := e["SecretId"]; denied(id) {
				e = map[string]any{"SecretId": id, "ErrorCode": "AccessDeniedException", "Message": "denied by the test"}
			}
			errs = append(errs, e)
		}
		out["SecretValues"], out["Errors"] = vals, errs
	})
}

func asList(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, len(l))
	for i, e := range l {
		out[i], _ = e.(map[string]any)
	}
	return out
}

// staleListing is ListSecrets as of before the last version of every
// secret: another current version, no tags, another description.
var staleListing = rewrite(func(out map[string]any) {
	for _, m := range asList(out["SecretList"]) {
		m["SecretVersionsToStages"] = map[string]any{"00000000-0000-0000-0000-000000000000": []string{"AWSCURRENT"}}
		m["Tags"] = []any{}
		m["Description"] = "stale"
	}
})

// asOlderDriver forwards a write with the ClientRequestToken that drivers
// before the expiry-carrying version ids sent, and that the AWS CLI and
// SDKs send: a plain UUID (the first 36 characters of the driver's token).
func asOlderDriver(r *http.Request, next http.RoundTripper) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body.Close()
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	if tok, ok := in["ClientRequestToken"].(string); ok && len(tok) > 36 {
		in["ClientRequestToken"] = tok[:36]
	}
	body, _ = json.Marshal(in)
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return next.RoundTrip(r)
}

// writeAsOlderDriver makes every later write of f's client send plain
// UUID tokens.
func writeAsOlderDriver(f *faulty) {
	for _, op := range []string{"CreateSecret", "PutSecretValue", "UpdateSecret"} {
		f.wrap(op, asOlderDriver)
	}
}

// withProd is a store on a faulty transport (recovery window 7 days) with
// the environment prod, and its view of prod; older makes every later
// write send the tokens of an older driver.
func withProd(t *testing.T, older bool) (*faulty, *secrets.Store, *secrets.Store) {
	t.Helper()
	f := newFaulty()
	st, _ := faultyStore(t, f, 7)
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	if older {
		writeAsOlderDriver(f)
	}
	return f, st, st.In("prod")
}

// TestValuesNative (9.4): Values is the driver's BatchGetSecretValue,
// answering each key of an environment with Get's rule in one pass
// (environment, else global, else NotFound; a global PermissionDenied keeps
// NotFound, an environment's PermissionDenied stays), expiry honoured:
// from the version ids for versions the driver wrote (no other request),
// from the tags — one ListSecrets, or a DescribeSecret where the listing is
// stale — for versions written otherwise. The answers carry no other
// metadata (DESIGN.md, Values).
func TestValuesNative(t *testing.T) {
	needServer(t)
	type want struct {
		env, value string
		code       secrets.Code // Unknown: found
	}
	keys := []string{"ENV", "GLOBAL", "BOTH", "NONE", "EXPIRED", "PENDING", "DENYENV", "DENYGLOBAL", "ENV"}
	wants := []want{
		{env: "prod", value: "e"},
		{env: "", value: "g"},
		{env: "prod", value: "b-prod"},
		{code: secrets.NotFound},
		{code: secrets.FailedPrecondition}, // ErrExpired: prod's, although a global one exists
		{env: "", value: "pending-global"}, // prod's is pending deletion
		{code: secrets.PermissionDenied},
		{code: secrets.NotFound},
		{env: "prod", value: "e"},
	}
	for _, tc := range []struct {
		name    string
		older   bool                                                           // the secrets' versions carry no expiry
		list    func(*http.Request, http.RoundTripper) (*http.Response, error) // ListSecrets, if not moto's
		wantOps map[string]int
	}{
		// The driver: 7 prod names in one batch, then the 4 global names of
		// the keys prod lacks (GLOBAL, NONE, PENDING, DENYGLOBAL) in a
		// second; the DescribeSecret is PENDING's InvalidRequestException.
		// The driver marks its results Resolved, so the portable layer
		// makes no third batch for the keys missing in both scopes (NONE,
		// DENYGLOBAL).
		{"versions carrying their expiry", false, nil, map[string]int{"BatchGetSecretValue": 2, "DescribeSecret": 1}},
		{"older versions, listing", true, nil, map[string]int{"BatchGetSecretValue": 2, "ListSecrets": 1, "DescribeSecret": 1}},
		{"older versions, stale listing", true, func(r *http.Request, next http.RoundTripper) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, Body: io.NopCloser(strings.NewReader(`{"SecretList":[]}`)),
				ContentLength: int64(len(`{"SecretList":[]}`)), Request: r}, nil
		}, map[string]int{"BatchGetSecretValue": 2, "ListSecrets": 1, "DescribeSecret": 1 + 5}}, // + the 5 secrets found
		{"older versions, listing at another version", true, staleListing, map[string]int{"BatchGetSecretValue": 2, "ListSecrets": 1, "DescribeSecret": 1 + 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, st, prod := withProd(t, tc.older)
			for _, c := range []struct {
				st  *secrets.Store
				sec secrets.Secret
			}{
				{prod, secrets.Secret{Key: "ENV", Value: "e", Description: "in prod", Labels: map[string]string{"a": "1"}}},
				{st, secrets.Secret{Key: "GLOBAL", Value: "g", Description: "global"}},
				{prod, secrets.Secret{Key: "BOTH", Value: "b-prod"}},
				{st, secrets.Secret{Key: "BOTH", Value: "b-global"}},
				{prod, secrets.Secret{Key: "EXPIRED", Value: "x", ExpiresAt: time.Now().Add(-time.Hour)}},
				{st, secrets.Secret{Key: "EXPIRED", Value: "x-global"}},
				{prod, secrets.Secret{Key: "PENDING", Value: "pending-prod"}},
				{st, secrets.Secret{Key: "PENDING", Value: "pending-global"}},
				{prod, secrets.Secret{Key: "DENYENV", Value: "d"}},
				{st, secrets.Secret{Key: "DENYENV", Value: "d-global"}},
				{st, secrets.Secret{Key: "DENYGLOBAL", Value: "dg"}},
			} {
				if _, err := c.st.Create(ctx, c.sec); err != nil {
					t.Fatal(err)
				}
			}
			if err := prod.Delete(ctx, "PENDING"); err != nil { // recovery window: pending deletion
				t.Fatal(err)
			}
			f.wrap("BatchGetSecretValue", denyBatch("/prod/DENYENV", "/_global/DENYGLOBAL"))
			if tc.list != nil {
				f.wrap("ListSecrets", tc.list)
			}
			before := seenOps(f)
			res, err := prod.Values(ctx, keys...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantOps, opsSince(f, before)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			for i, w := range wants {
				r := res[i]
				if w.code != secrets.Unknown {
					if r.Secret != nil || secrets.ErrorCode(r.Err) != w.code {
						t.Errorf("%s: %+v (code %v), want %v", keys[i], r, secrets.ErrorCode(r.Err), w.code)
					}
					if w.code == secrets.FailedPrecondition && !errors.Is(r.Err, secrets.ErrExpired) {
						t.Errorf("%s: %v, want ErrExpired", keys[i], r.Err)
					}
					continue
				}
				if r.Err != nil {
					t.Errorf("%s: %v", keys[i], r.Err)
					continue
				}
				got := want{env: r.Secret.Environment, value: r.Secret.Value}
				if diff := cmp.Diff(w, got, cmp.AllowUnexported(want{})); diff != "" {
					t.Errorf("%s (-want +got):\n%s", keys[i], diff)
				}
				if r.Secret.Version == "" || r.Secret.ID == "" || r.Secret.Description != "" || r.Secret.Labels != nil || !r.Secret.CreatedAt.IsZero() || r.Secret.Type != "" {
					t.Errorf("%s: %+v, want a version and an id, and no other metadata", keys[i], r.Secret)
				}
			}
			if res[0].Secret == res[8].Secret {
				t.Error("a repeated key shares its *Secret")
			}
		})
	}
}

// TestValuesWithoutPermissions: a policy without BatchGetSecretValue makes
// Values fall back to Gets; one without ListSecrets, for versions written
// by an older driver, to a DescribeSecret per secret; the answers are the
// same.
func TestValuesWithoutPermissions(t *testing.T) {
	needServer(t)
	for _, tc := range []struct {
		denied  string
		wantOps map[string]int
	}{
		// 2 keys: Get = GetSecretValue + DescribeSecret per scope tried.
		{"BatchGetSecretValue", map[string]int{"BatchGetSecretValue": 1, "GetSecretValue": 3, "DescribeSecret": 3}},
		{"ListSecrets", map[string]int{"BatchGetSecretValue": 2, "ListSecrets": 1, "DescribeSecret": 2}},
	} {
		t.Run(tc.denied, func(t *testing.T) {
			f := newFaulty()
			st, _ := faultyStore(t, f, 0)
			if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
				t.Fatal(err)
			}
			writeAsOlderDriver(f)
			prod := st.In("prod")
			if _, err := prod.Create(ctx, secrets.Secret{Key: "E", Value: "e", Labels: map[string]string{"a": "1"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Create(ctx, secrets.Secret{Key: "G", Value: "g", Description: "global"}); err != nil {
				t.Fatal(err)
			}
			f.wrap(tc.denied, func(r *http.Request, _ http.RoundTripper) (*http.Response, error) {
				return awsError(r, 400, "AccessDeniedException"), nil
			})
			before := seenOps(f)
			res, err := prod.Values(ctx, "E", "G")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantOps, opsSince(f, before)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			want := []*secrets.Secret{
				{Environment: "prod", Key: "E", Value: "e"},
				{Key: "G", Value: "g"},
			}
			for i, r := range res {
				if r.Err != nil {
					t.Fatalf("%s: %v", want[i].Key, r.Err)
				}
				if diff := cmp.Diff(want[i], r.Secret, cmpIgnoreDriverFields()); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
		})
	}
}
