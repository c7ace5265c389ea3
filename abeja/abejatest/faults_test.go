package abejatest_test

import (
	"testing"
	"time"

	"github.com/polysecret/secrets/abeja/abejatest"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestFaults: FailNext answers the status (Retry-After in seconds for a
// 429) without applying; LoseReplyNext applies, then drops the
// connection; Requests counts them all.
func TestFaults(t *testing.T) {
	srv := abejatest.NewServer()
	defer srv.Close()
	org := srv.NewOrganization()
	user, pat := srv.NewUser(org)
	auth := basic(user, pat)
	p := "/secret-manager/organizations/" + org + "/secrets"
	create := `{"name":"F","value":"` + b64("v") + `"}`

	srv.FailNext(1, 429, 1500*time.Millisecond)
	if a := drivertest.Send(t, "POST", srv.URL()+p, "", "Authorization", auth); a.Status != 429 || a.Header.Get("Retry-After") != "2" {
		t.Errorf("FailNext: %d, Retry-After %q", a.Status, a.Header.Get("Retry-After"))
	}
	srv.FailNext(1, 503, 0)
	if s, m := call(t, srv, auth, "POST", p, create); s != 503 || m["error"] != "service_unavailable" {
		t.Errorf("FailNext 503: %d %v", s, m)
	}
	if n := len(srv.Secrets(org)); n != 0 {
		t.Fatalf("a failed request created %d secrets", n)
	}

	srv.LoseReplyNext(1)
	drivertest.NoAnswer(t, "POST", srv.URL()+p, create, "Authorization", auth)
	if n := len(srv.Secrets(org)); n != 1 {
		t.Fatalf("after a lost reply the server holds %d secrets, want 1", n)
	}
	if got := srv.Requests(); got != 3 {
		t.Errorf("Requests() = %d, want 3", got)
	}
}
