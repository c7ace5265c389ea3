package backend

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestClientURLOpen: without the application's client, Open builds one
// from the URL's base and settings (max_retries=0 is none, absent is the
// default) and answers it owned; with it, the client's parameters and a
// URL naming another base are refused, and a URL naming no base — or the
// client's own — answers the application's client, not owned. Unknown
// parameters are refused either way; the driver's own are read.
func TestClientURLOpen(t *testing.T) {
	type client struct{ base string }
	rules := ClientURL[client]{
		Driver:      "drv",
		Mismatch:    "another base",
		InsecureTLS: true,
		Own:         []string{"key_file"},
		Base: func(u *url.URL, scheme string) (string, error) {
			return URLAPIBase(u, scheme, APIURLRules{Driver: "drv"}, "/api")
		},
		ClientBase: func(c *client) string { return c.base },
	}
	app := &client{base: "https://api.example.com/api"}
	type result struct {
		Base     string
		Settings ClientSettings
		Own      bool // the application's client came back
		Owned    bool
		KeyFile  string
		Err      string // a part of the error's text; "" for none
		Code     Code
	}
	for _, tc := range []struct {
		name string
		url  string
		own  *client
		want result
	}{
		{"built", "drv://api.example.com?max_retries=0&timeout=5s&insecure_tls=true&key_file=k", nil,
			result{Base: "https://api.example.com/api", Settings: ClientSettings{InsecureTLS: true, MaxRetries: -1, Timeout: 5 * time.Second}, Owned: true, KeyFile: "k"}},
		{"built, defaults", "drv://h:8080/v1/?scheme=http", nil,
			result{Base: "http://h:8080/v1", Settings: ClientSettings{MaxRetries: DefaultMaxRetries, Timeout: DefaultRequestTimeout}, Owned: true}},
		{"built, bad scheme", "drv://h?scheme=ftp", nil, result{Err: "drv: scheme must be https or http", Code: InvalidArgument}},
		{"built, unknown parameter", "drv://h?colour=red", nil, result{Err: `unknown URL parameter "colour"`, Code: InvalidArgument}},
		{"own, no base", "drv://?x=1", app, result{Err: `unknown URL parameter "x"`, Code: InvalidArgument}},
		{"own, empty", "drv://", app, result{Own: true}},
		{"own, the client's base", "drv://API.example.com/api/", app, result{Own: true}},
		{"own, another base", "drv://api.example.com/other", app, result{Err: "drv: another base", Code: InvalidArgument}},
		{"own, scheme alone", "drv://?scheme=http", app, result{Err: "drv: another base", Code: InvalidArgument}},
		{"own, client parameter", "drv://?timeout=1s", app, result{Err: `"timeout" configures a client`, Code: InvalidArgument}},
		{"own, driver's client parameter", "drv://?key_file=k", app, result{Err: `"key_file" configures a client`, Code: InvalidArgument}},
		{"own, fragment", "drv://#x", app, result{Err: "#fragment", Code: InvalidArgument}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			var got result
			c, owned, err := rules.Open(u, tc.own, func(p *Params) { got.KeyFile = p.String("key_file", "") },
				func(base string, s ClientSettings) (*client, error) {
					got.Base, got.Settings = base, s
					return &client{base: base}, nil
				})
			if err != nil {
				got = result{Err: tc.want.Err, Code: Classify(err, nil)}
				if !strings.Contains(err.Error(), tc.want.Err) || tc.want.Err == "" {
					got.Err = err.Error()
				}
			} else {
				got.Own, got.Owned = c == tc.own, owned
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Open(%s) (-want +got):\n%s", tc.url, d)
			}
		})
	}
}
