package abeja

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/polysecret/secrets/backend"
)

// FuzzNameRule: nameOK agrees with the SDK's two regular expressions.
func FuzzNameRule(f *testing.F) {
	for _, s := range []string{"", "a", "a-bcdef", "a-bcdefg", "x-abcdef1", "a/b", "------a", "ü", "A_b-9"} {
		f.Add(s)
	}
	allowed := regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
	suffix := regexp.MustCompile(`^.*-......$`)
	f.Fuzz(func(t *testing.T, name string) {
		want := allowed.MatchString(name) && !suffix.MatchString(name)
		if got := nameOK(name); got != want {
			t.Fatalf("nameOK(%q) = %v, the SDK's rule says %v", name, got, want)
		}
	})
}

// FuzzSecretAnswer: any answer body decodes into a Secret or an error
// with a code, never a panic; a decoded Secret has a digits-only id.
func FuzzSecretAnswer(f *testing.F) {
	f.Add(`{"id":"3471958194321","name":"test","description":"d","expired_at":"2025-05-21T19:01:00Z",` +
		`"created_at":"2025-04-30T19:01:19.209973Z","updated_at":"2025-04-30T19:01:19.209975Z",` +
		`"versions":[{"id":"4914543680412","value":"dGVzdA==","version":1,"status":"active","created_at":"2025-05-01T04:02:20.962352Z"}]}`)
	f.Add(`{"id":"1/../2","versions":[]}`)
	f.Add(`{"id":"1","versions":[{"version":1,"status":"active","value":"!!"}]}`)
	f.Add(`{"id":"1","expired_at":"tomorrow","versions":[{"version":1,"status":"active","value":""}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var w wireSecret
		if json.Unmarshal([]byte(body), &w) != nil {
			return
		}
		s, err := w.secret(true, nil)
		if err != nil {
			if backend.Classify(err, nil) == backend.Unknown {
				t.Fatalf("uncoded error %v", err)
			}
			return
		}
		if !validID(s.ID) || s.Key != w.Name {
			t.Fatalf("secret %+v from %s", s, body)
		}
	})
}

// FuzzErrorAnswer: any error answer gives an APIError whose code follows
// the status, and whose text is bounded.
func FuzzErrorAnswer(f *testing.F) {
	f.Add(404, `{"error":"not_found","error_description":"secret 1 not found"}`, "")
	f.Add(429, `<html>slow down</html>`, "2")
	f.Add(500, `{"error":1,"error_description":null}`, "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Fuzz(func(t *testing.T, status int, body, retryAfter string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		ae := parseAPIError(status, h, []byte(body))
		if len(ae.Description) > maxDescription+len("…") {
			t.Fatalf("description of %d bytes", len(ae.Description))
		}
		if c, ok := statusCodes[status]; ok && ae.code() != c {
			t.Fatalf("status %d: code %v, want %v", status, ae.code(), c)
		}
		_ = ae.Error()
	})
}

// FuzzTime: parseTime never panics; what it accepts, it accepts as RFC
// 3339.
func FuzzTime(f *testing.F) {
	for _, s := range []string{"", "2025-05-01T04:13:32.861378Z", "2024-12-15T16:50:33+09:00", "2025-05-29T04:13:00Z", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := parseTime("t", s)
		if err == nil && s != "" && tm.IsZero() && !strings.HasPrefix(s, "0001-01-01") {
			t.Fatalf("%q parsed as the zero time", s)
		}
	})
}

// FuzzURL: the opener refuses with InvalidArgument or opens an
// organization of digits; it never panics and never quotes user info.
func FuzzURL(f *testing.F) {
	for _, s := range []string{"abeja://api.abeja.io/1234567890123", "abeja:///1234567890123?scheme=http",
		"abeja://u:p@h/1", "abeja://h/1#x", "abeja://h:0/1", "abeja://h/%2F1", "abeja://h/a/b", "abeja://h/1?max_retries=3"} {
		f.Add(s)
	}
	t := &URLOpener{Client: &Client{base: "https://api.abeja.io"}}
	f.Fuzz(func(tt *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		d, err := t.OpenDriverURL(context.Background(), u) // with a Client the opener makes no request
		if err != nil {
			if backend.Classify(err, nil) != backend.InvalidArgument {
				tt.Fatalf("%q: %v, want InvalidArgument", raw, err)
			}
			if u.User != nil {
				if p, ok := u.User.Password(); ok && len(p) > 3 && strings.Contains(err.Error(), p) {
					tt.Fatalf("%q: the error quotes the password", raw)
				}
			}
			return
		}
		if !validID(d.(*driver).org) {
			tt.Fatalf("%q opened organization %q", raw, d.(*driver).org)
		}
	})
}

// FuzzPageToken: a page token is "<16 hex>:<name>" or refused with
// InvalidArgument; what is accepted round-trips.
func FuzzPageToken(f *testing.F) {
	for _, s := range []string{"", "0123456789abcdef:K1", "x:K", "0123456789abcdef:", "0123456789abcdef:a/b", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		snap, after, err := parseToken(tok)
		if err != nil {
			if backend.Classify(err, nil) != backend.InvalidArgument {
				t.Fatalf("%q: %v", tok, err)
			}
			return
		}
		if tok != "" && (snap+":"+after != tok || !nameOK(after)) {
			t.Fatalf("%q parsed as %q, %q", tok, snap, after)
		}
	})
}
