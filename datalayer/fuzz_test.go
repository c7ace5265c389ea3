package datalayer

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzValueRule: the value rule (value.go) never panics; what it decodes
// was canonical base64 of text; and every value the driver writes (valid
// UTF-8) reads back exactly.
func FuzzValueRule(f *testing.F) {
	for _, s := range []string{"", "hunter2", "aHVudGVyMg==", "dXNlcjpwYXNz", "hunter22", "q83vEjRWeJA=", "a\x00b",
		"pässwörd 🔑", "line\r\n", "YQ", "YQ==", "YR==", "\xff\xfe", "\x7f", "\u0085", "====", "AAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d := decodeValue(s); d != s {
			b, err := base64.StdEncoding.Strict().DecodeString(s)
			if err != nil || string(b) != d || base64.StdEncoding.EncodeToString(b) != s || !isText(b) {
				t.Fatalf("decodeValue(%q) = %q: not canonical base64 of text", s, d)
			}
		}
		if !utf8.ValidString(s) {
			return // TextOnly: the portable layer never passes such a value
		}
		enc := encodeValue(s)
		if !utf8.ValidString(enc) {
			t.Fatalf("encodeValue(%q) = %q is not valid UTF-8", s, enc)
		}
		if got := decodeValue(enc); got != s {
			t.Fatalf("value %q written as %q reads back as %q", s, enc, got)
		}
	})
}

// FuzzErrorMessage: the error-answer parser never panics, always says
// something (the status text when the body says nothing), stays short,
// and never shows what it must redact.
func FuzzErrorMessage(f *testing.F) {
	f.Add([]byte(`{"success":false,"message":"Secret not found."}`), "")
	f.Add([]byte(`{"detail":"bad"}`), "x")
	f.Add([]byte(`{"detail":{"message":"value s3cr3t bad"}}`), "s3cr3t")
	f.Add([]byte(`<html>502</html>`), "")
	f.Add([]byte(`{"message":null,"detail":[1]}`), "")
	f.Fuzz(func(t *testing.T, body []byte, redact string) {
		msg := errorMessage(body, 400, []string{redact})
		if msg == "" {
			t.Fatal("empty message")
		}
		if len(msg) > maxMessage+len("…") {
			t.Fatalf("message of %d bytes", len(msg))
		}
		if redact != "" && !strings.ContainsAny(redact, "[redacted]…") && msg != http.StatusText(400) && strings.Contains(msg, redact) {
			t.Fatalf("message %q shows %q", msg, redact)
		}
	})
}

// FuzzListAnswer: the list answer parser (JSON, then the checks of
// newListing) never panics, and what it accepts is addressable: plain
// uids, one secret per name, names sorted.
func FuzzListAnswer(f *testing.F) {
	f.Add([]byte(`{"success":true,"message":"","secrets":[{"uid":"01J","variant_s":"generic","name_s":"K","description_t":"","value_s":"dg=="}]}`))
	f.Add([]byte(`{"secrets":[{"uid":"B","name_s":"K"},{"uid":"A","name_s":"K","value_s":null}]}`))
	f.Add([]byte(`{"secrets":[{"uid":"../x","name_s":"K"}]}`))
	f.Add([]byte(`{"secrets":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a listAnswer
		if json.Unmarshal(b, &a) != nil {
			return
		}
		l, err := newListing(a.Secrets)
		if err != nil {
			return
		}
		if len(l.names) != len(l.byName) {
			t.Fatalf("%d names, %d secrets", len(l.names), len(l.byName))
		}
		for i, n := range l.names {
			if i > 0 && l.names[i-1] >= n {
				t.Fatalf("names not sorted and unique: %q", l.names)
			}
			w := l.byName[n]
			if !plainUID(w.UID) || w.Name != n {
				t.Fatalf("accepted %+v", w)
			}
			_ = w.secret()
		}
	})
}

// FuzzIAMURL: the datalayer:// URL parser never panics, and an IAM URL it
// names is an absolute http(s) URL of the same host, without user info,
// query or fragment, that it accepts again.
func FuzzIAMURL(f *testing.F) {
	for _, s := range []string{"datalayer://prod1.datalayer.run", "datalayer://127.0.0.1:8080?scheme=http", "datalayer://",
		"datalayer://u:p@h", "datalayer://h/a/../b", "datalayer://h/a%2Fb", "datalayer://h#f", "datalayer://[::1]:9/x/y/"} {
		f.Add(s, "")
		f.Add(s, "http")
	}
	f.Fuzz(func(t *testing.T, raw, scheme string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		iam, err := urlIAM(u, scheme)
		if err != nil || iam == "" {
			return
		}
		v, err := url.Parse(iam)
		if err != nil || (v.Scheme != "https" && v.Scheme != "http") || v.Host != u.Host || v.User != nil ||
			v.RawQuery != "" || v.Fragment != "" {
			t.Fatalf("urlIAM(%q) = %q", raw, iam)
		}
		if err := checkURL(v); err != nil {
			t.Fatalf("urlIAM(%q) = %q, which checkURL refuses: %v", raw, iam, err)
		}
	})
}
