package faultmatrix_test

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets/internal/faultmatrix"
	"github.com/polysecret/secrets/internal/faultproxy"
)

func TestStoreURL(t *testing.T) {
	got := faultmatrix.StoreURL("http://127.0.0.1:4000", "locker", "/locker_secrets", "scheme=http", 2, 1500*time.Millisecond)
	if want := "locker://127.0.0.1:4000/locker_secrets?scheme=http&max_retries=2&timeout=1.5s"; got != want {
		t.Errorf("StoreURL = %q, want %q", got, want)
	}
}

func TestSetenv(t *testing.T) {
	t.Setenv("FAULTMATRIX_SET", "before")
	os.Unsetenv("FAULTMATRIX_UNSET")
	restore := faultmatrix.Setenv(map[string]string{"FAULTMATRIX_SET": "during", "FAULTMATRIX_UNSET": "during"})
	if os.Getenv("FAULTMATRIX_SET") != "during" || os.Getenv("FAULTMATRIX_UNSET") != "during" {
		t.Error("Setenv did not set")
	}
	restore()
	if v, ok := os.LookupEnv("FAULTMATRIX_UNSET"); ok || os.Getenv("FAULTMATRIX_SET") != "before" {
		t.Errorf("restore: FAULTMATRIX_SET=%q, FAULTMATRIX_UNSET=%q (set: %v)", os.Getenv("FAULTMATRIX_SET"), v, ok)
	}
}

func TestRequests(t *testing.T) {
	post := faultproxy.Match{Methods: []string{"POST"}, PathPrefix: "/s"}
	get := faultproxy.Match{Methods: []string{"GET"}, PathPrefix: "/s"}
	req := faultmatrix.Requests(map[faultmatrix.Op]faultproxy.Match{faultmatrix.Create: post}, get)
	if diff := cmp.Diff([]faultproxy.Match{post, get, get}, []faultproxy.Match{
		req(faultmatrix.Create, "k"), req(faultmatrix.Get, "k"), req(faultmatrix.List, "k")}); diff != "" {
		t.Errorf("Requests (-want +got):\n%s", diff)
	}
}
