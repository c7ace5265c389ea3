package datalayertest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzRouteOf: the path router never panics, and a uid it takes from a
// path is one plain path segment of a /secrets/{uid} route.
func FuzzRouteOf(f *testing.F) {
	for _, s := range []string{"/api/iam/v1/secrets", "/api/iam/v1/secrets/01J", "/api/iam/v1/secrets/a/b",
		"/api/iam/v1/whoami", "/api/iam/v1/secrets/", "/x"} {
		f.Add("GET", s)
		f.Add("PUT", s)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		r := &http.Request{Method: method, URL: &url.URL{Path: path}}
		route, uid := routeOf(r)
		if uid == "" {
			return
		}
		if route != "get" && route != "update" && route != "delete" || strings.Contains(uid, "/") ||
			path != APIPrefix+"/secrets/"+uid {
			t.Fatalf("routeOf(%s %q) = %q, %q", method, path, route, uid)
		}
	})
}
