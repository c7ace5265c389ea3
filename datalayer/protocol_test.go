package datalayer_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer/datalayertest"
	"github.com/polysecret/secrets/internal/drivertest"
)

// sent is one request as the server received it.
type sent struct {
	Method, Path, Auth string
	Body               map[string]any // nil: no body
}

// recorder records the requests a server receives, bodies included.
type recorder struct{ drivertest.Log[sent] }

func record(srv *datalayertest.Server) *recorder {
	rec := &recorder{}
	srv.OnRequest(func(r *http.Request) {
		s := sent{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization")}
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			if len(b) > 0 {
				_ = json.Unmarshal(b, &s.Body)
			}
		}
		rec.Add(s)
	})
	return rec
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestProtocolRequests pins what the driver sends for each operation: the
// method, the path under /api/iam/v1, the Bearer API key, and the JSON
// body (base64 values, variants, partial updates), in both list shapes.
func TestProtocolRequests(t *testing.T) {
	for _, shape := range shapes {
		t.Run(shape.name, func(t *testing.T) {
			e := newEnv(t, shape.withValues)
			auth := "Bearer " + e.key
			st := e.open(t)
			rec := record(e.srv)
			const p = "/api/iam/v1/secrets"

			// Create: one POST with every field; values base64 of UTF-8.
			if _, err := st.Create(ctx, secrets.Secret{Key: "DB_PASSWORD", Value: "hünter2", Type: secrets.TypePassword, Description: "the db"}); err != nil {
				t.Fatal(err)
			}
			uid := e.srv.Stored(e.key)[0].UID
			want := []sent{{"POST", p, auth, map[string]any{"name": "DB_PASSWORD", "description": "the db", "variant": "password", "value": b64("hünter2")}}}
			if d := cmp.Diff(want, rec.Take()); d != "" {
				t.Errorf("Create (-want +got):\n%s", d)
			}
			// The default type is sent as generic, an empty description as "".
			if _, err := st.Create(ctx, secrets.Secret{Key: "PLAIN", Value: "x"}); err != nil {
				t.Fatal(err)
			}
			want = []sent{{"POST", p, auth, map[string]any{"name": "PLAIN", "description": "", "variant": "generic", "value": b64("x")}}}
			if d := cmp.Diff(want, rec.Take()); d != "" {
				t.Errorf("Create with defaults (-want +got):\n%s", d)
			}

			// Get through a new store: the list, then (without values) the uid.
			fresh := e.open(t)
			rec.Take()
			got, err := fresh.Get(ctx, "DB_PASSWORD")
			if err != nil {
				t.Fatal(err)
			}
			if got.Value != "hünter2" || got.Type != secrets.TypePassword || got.Description != "the db" || got.ID != uid {
				t.Errorf("Get = %+v (value %q)", got, got.Value)
			}
			want = []sent{{"GET", p, auth, nil}}
			if !shape.withValues {
				want = append(want, sent{"GET", p + "/" + uid, auth, nil})
			}
			if d := cmp.Diff(want, rec.Take()); d != "" {
				t.Errorf("Get, uid unknown (-want +got):\n%s", d)
			}
			// Again: the uid is known, one GET by uid.
			if _, err := fresh.Get(ctx, "DB_PASSWORD"); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]sent{{"GET", p + "/" + uid, auth, nil}}, rec.Take()); d != "" {
				t.Errorf("Get, uid known (-want +got):\n%s", d)
			}

			// Modify: the uid's GET, then a PUT of only what changes.
			for _, tc := range []struct {
				name string
				u    secrets.Update
				body map[string]any
			}{
				{"value", secrets.Update{Value: secrets.Ptr("n€w")}, map[string]any{"value": b64("n€w")}},
				{"description", secrets.Update{Description: secrets.Ptr("")}, map[string]any{"description": ""}},
				{"type", secrets.Update{Type: secrets.Ptr(secrets.TypeToken)}, map[string]any{"variant": "token"}},
				{"generic type", secrets.Update{Type: secrets.Ptr("")}, map[string]any{"variant": "generic"}},
				{"control character", secrets.Update{Value: secrets.Ptr("a\x00b")}, map[string]any{"value": "a\x00b"}},
			} {
				if _, err := fresh.Modify(ctx, "DB_PASSWORD", tc.u); err != nil {
					t.Fatal(err)
				}
				want = []sent{{"GET", p + "/" + uid, auth, nil}, {"PUT", p + "/" + uid, auth, tc.body}}
				if d := cmp.Diff(want, rec.Take()); d != "" {
					t.Errorf("Modify %s (-want +got):\n%s", tc.name, d)
				}
			}

			// Delete: the uid's GET, then DELETE.
			if err := fresh.Delete(ctx, "DB_PASSWORD"); err != nil {
				t.Fatal(err)
			}
			want = []sent{{"GET", p + "/" + uid, auth, nil}, {"DELETE", p + "/" + uid, auth, nil}}
			if d := cmp.Diff(want, rec.Take()); d != "" {
				t.Errorf("Delete (-want +got):\n%s", d)
			}

			// Ping: GET /whoami.
			if err := fresh.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]sent{{"GET", "/api/iam/v1/whoami", auth, nil}}, rec.Take()); d != "" {
				t.Errorf("Ping (-want +got):\n%s", d)
			}
		})
	}
}

// TestStoredValues: what the server holds after the driver's writes is
// what today's official clients send — base64 of the UTF-8 text — and a
// value with a control character goes as it is.
func TestStoredValues(t *testing.T) {
	e := newEnv(t, true)
	st := e.open(t)
	for _, v := range []string{"hunter2", "pässwörd 🔑", `{"a":1}`, "line1\nline2\r\n\t", "", "nul\x00inside", "esc\x1b[0m"} {
		if _, err := st.Put(ctx, secrets.Secret{Key: "K", Value: v}); err != nil {
			t.Fatal(err)
		}
		want := b64(v)
		if strings.ContainsAny(v, "\x00\x1b") || v == "" {
			want = v
		}
		if got := e.srv.Stored(e.key)[0].Value; got != want {
			t.Errorf("value %q stored as %q, want %q", v, got, want)
		}
		if got, err := st.Value(ctx, "K"); err != nil || got != v {
			t.Errorf("value %q read back as %q, %v", v, got, err)
		}
	}
}

// TestValueEncodings: secrets written by other clients — base64 (today's
// official clients) and plain (newer ones) — read back as their values
// through Get, a listing with values and a batch read, in both list
// shapes. A plain value that is canonical base64 of text is the one case
// the rule reads as base64 (documented).
func TestValueEncodings(t *testing.T) {
	seeded := []struct {
		name, valueS, want string
	}{
		{"B64_ASCII", b64("hunter2"), "hunter2"},
		{"B64_UNICODE", b64("pässwörd 🔑 日本語"), "pässwörd 🔑 日本語"},
		{"B64_JSON", b64(`{"user":"a"}`), `{"user":"a"}`},
		{"B64_NEWLINES", b64("a\nb\r\n"), "a\nb\r\n"},
		{"PLAIN_ASCII", "hunter2", "hunter2"},
		{"PLAIN_8CHARS", "hunter22", "hunter22"},      // canonical base64, but not of text
		{"PLAIN_KEY", "q83vEjRWeJA=", "q83vEjRWeJA="}, // base64 of binary bytes: taken as it is
		{"PLAIN_UNICODE", "pässwörd", "pässwörd"},
		{"PLAIN_URL", "postgres://u:p@h/db?sslmode=require", "postgres://u:p@h/db?sslmode=require"},
		{"PLAIN_EMPTY", "", ""},
		{"PLAIN_BASE64_OF_TEXT", "dXNlcjpwYXNz", "user:pass"}, // the ambiguous case
	}
	for _, shape := range shapes {
		t.Run(shape.name, func(t *testing.T) {
			e := newEnv(t, shape.withValues)
			var keys []string
			want := map[string]string{}
			for _, s := range seeded {
				if _, err := e.srv.Seed(e.key, datalayertest.StoredSecret{Name: s.name, Value: s.valueS}); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, s.name)
				want[s.name] = s.want
			}
			st := e.open(t)
			got := map[string]string{}
			for _, k := range keys {
				v, err := st.Value(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				got[k] = v
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("Get (-want +got):\n%s", d)
			}
			got = map[string]string{}
			for s, err := range st.List(ctx, secrets.ListOptions{WithValues: true}) {
				if err != nil {
					t.Fatal(err)
				}
				got[s.Key] = s.Value
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("List with values (-want +got):\n%s", d)
			}
			res, err := st.Values(ctx, keys...)
			if err != nil {
				t.Fatal(err)
			}
			got = map[string]string{}
			for i, r := range res {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				got[keys[i]] = r.Secret.Value
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("Values (-want +got):\n%s", d)
			}
		})
	}
}
