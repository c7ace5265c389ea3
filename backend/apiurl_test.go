package backend

import (
	"net/url"
	"strings"
	"testing"
)

func TestCheckAPIURL(t *testing.T) {
	rules := APIURLRules{
		Driver:      "drv",
		Credentials: "credentials come from DRV_KEY",
		Host: func(u *url.URL) string {
			if u.Hostname() == "" {
				return "the URL needs the API host"
			}
			return ""
		},
		Segments: func(segs []string) string {
			if len(segs) > 2 {
				return "at most two segments"
			}
			return ""
		},
	}
	for _, tc := range []struct {
		url, want string // want: a part of the message, "" = accepted
	}{
		{"drv://api.example.com", ""},
		{"drv://api.example.com:8443/v1/", ""},
		{"drv://[::1]:80/a.b_c~d-e", ""},
		{"drv://user:pw@api.example.com", "drv: the URL must not carry user info; credentials come from DRV_KEY"},
		{"drv://api.example.com#frag?x=1", "#fragment"},
		{"drv:///v1", "drv: the URL needs the API host"},
		{"drv://api.example.com:/v1", "the URL's port is empty"},
		{"drv://api.example.com:0", "1-65535"},
		{"drv://api.example.com:65536", "1-65535"},
		{"drv://api.example.com/" + strings.Repeat("a", MaxAPIPath), "longer than 256 bytes"},
		{"drv://api.example.com/a%2Fb", "escapes"},
		{"drv://api.example.com/a/b/c", "at most two segments"},
		{"drv://api.example.com/a/..", "plain segments"},
		{"drv://api.example.com/./a", "plain segments"},
		{"drv://api.example.com//a", "plain segments"},
		{"drv://api.example.com/a$b", "plain segments"},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckAPIURL(u, rules)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckAPIURL(%q) = %v, want nil", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckAPIURL(%q) = %v, want an error with %q", tc.url, err, tc.want)
		case err != nil && Classify(err, nil) != InvalidArgument:
			t.Errorf("CheckAPIURL(%q) code = %v, want InvalidArgument", tc.url, Classify(err, nil))
		case err != nil && strings.Contains(err.Error(), "pw"):
			t.Errorf("CheckAPIURL(%q) = %v: quotes the URL", tc.url, err)
		}
	}
}

func TestSameAPIBase(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://API.example.com/v1/", "https://api.example.com/v1", true},
		{"http://api.example.com/v1", "https://api.example.com/v1", false},
		{"https://api.example.com/v1", "https://api.example.com/v2", false},
		{"https://api.example.com:8443", "https://api.example.com", false},
	} {
		if got := SameAPIBase(tc.a, tc.b); got != tc.want {
			t.Errorf("SameAPIBase(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestRefuseClientParams(t *testing.T) {
	q := url.Values{"env": {"prod"}, "timeout": {"1s"}}
	if err := RefuseClientParams(q, "drv", "max_retries"); err != nil {
		t.Errorf("RefuseClientParams(no client parameter) = %v", err)
	}
	err := RefuseClientParams(q, "drv", "max_retries", "timeout")
	if err == nil || Classify(err, nil) != InvalidArgument || !strings.Contains(err.Error(), `drv: URL parameter "timeout" configures a client`) {
		t.Errorf("RefuseClientParams(timeout) = %v", err)
	}
}

// FuzzCheckAPIURL: what CheckAPIURL accepts carries no user info, no
// fragment, a port in range and only plain path segments; it never panics.
func FuzzCheckAPIURL(f *testing.F) {
	for _, s := range []string{"drv://h", "drv://h:1/a/b", "drv://u@h", "drv://h#x", "drv://h/%2F", "drv://h/a/../b", "drv://[::1]:65535/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		if CheckAPIURL(u, APIURLRules{Driver: "drv"}) != nil {
			return
		}
		if u.User != nil || u.Fragment != "" || strings.HasSuffix(u.Host, ":") {
			t.Fatalf("CheckAPIURL(%q) accepted user info, a fragment or an empty port", raw)
		}
		for _, s := range strings.Split(strings.Trim(u.Path, "/"), "/") {
			if s == "." || s == ".." || strings.ContainsAny(s, "%/?#") {
				t.Fatalf("CheckAPIURL(%q) accepted segment %q", raw, s)
			}
		}
	})
}

func TestParseAPIBase(t *testing.T) {
	r := APIURLRules{Driver: "drv", Credentials: "credentials come from DRV_KEY"}
	for raw, want := range map[string]string{
		"https://api.example.com/v1": "",
		"http://127.0.0.1:8080":      "",
		"ftp://api.example.com":      "drv: the API URL must be an absolute http(s) URL without a query",
		"/v1":                        "drv: the API URL must be an absolute http(s) URL without a query",
		"https://api.example.com?":   "drv: the API URL must be an absolute http(s) URL without a query",
		"https://api.example.com?a=": "drv: the API URL must be an absolute http(s) URL without a query",
		"https://u@api.example.com":  "drv: the URL must not carry user info; credentials come from DRV_KEY",
		"https://api.example.com/..": "plain segments",
	} {
		u, err := ParseAPIBase(raw, "the API URL", r)
		switch {
		case want == "" && (err != nil || u == nil):
			t.Errorf("ParseAPIBase(%q) = %v", raw, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || Classify(err, nil) != InvalidArgument):
			t.Errorf("ParseAPIBase(%q) = %v, want InvalidArgument with %q", raw, err, want)
		}
	}
}
