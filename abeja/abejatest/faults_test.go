package abejatest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/polysecret/secrets/abeja/abejatest"
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
	req, _ := http.NewRequest("POST", srv.URL()+p, nil)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("FailNext: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	srv.FailNext(1, 503, 0)
	if s, m := call(t, srv, auth, "POST", p, create); s != 503 || m["error"] != "service_unavailable" {
		t.Errorf("FailNext 503: %d %v", s, m)
	}
	if n := len(srv.Secrets(org)); n != 0 {
		t.Fatalf("a failed request created %d secrets", n)
	}

	srv.LoseReplyNext(1)
	req, _ = http.NewRequest("POST", srv.URL()+p, stringsReader(create))
	req.Header.Set("Authorization", auth)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("LoseReplyNext: got an answer")
	}
	if n := len(srv.Secrets(org)); n != 1 {
		t.Fatalf("after a lost reply the server holds %d secrets, want 1", n)
	}
	if got := srv.Requests(); got != 3 {
		t.Errorf("Requests() = %d, want 3", got)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
