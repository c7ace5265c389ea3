package datalayer_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer/datalayertest"
)

// TestListingForeignNames: names other clients wrote that are no portable
// key are left out of listings; the rest list in name order.
func TestListingForeignNames(t *testing.T) {
	e := newEnv(t, false)
	for _, n := range []string{"b", "with#hash", "a//b", "/lead", "a", "dot/./seg", "ünï", "c/d"} {
		if _, err := e.srv.Seed(e.key, datalayertest.StoredSecret{Name: n, Value: b64("v")}); err != nil {
			t.Fatal(err)
		}
	}
	st := e.open(t)
	var got []string
	for s, err := range st.List(ctx, secrets.ListOptions{WithValues: true, PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.Key)
	}
	if d := cmp.Diff([]string{"a", "b", "c/d"}, got); d != "" {
		t.Errorf("listed (-want +got):\n%s", d)
	}
	if n := e.srv.Count("get"); n != 3 {
		t.Errorf("%d reads by uid, want 3 (only the listed secrets)", n)
	}
}

// TestPageToken: a token the driver did not make is InvalidArgument
// before any request.
func TestPageToken(t *testing.T) {
	e := newEnv(t, true)
	st := e.open(t)
	before := e.srv.Requests()
	_, _, err := st.ListPage(ctx, secrets.ListOptions{}, "not-ours")
	if secrets.ErrorCode(err) != secrets.InvalidArgument {
		t.Errorf("ListPage with a foreign token = %v, want InvalidArgument", err)
	}
	if e.srv.Requests() != before {
		t.Error("requests sent")
	}
}

// TestDuplicateNamesInList: should a server list two secrets of one name,
// the older uid (ULIDs sort by time) is the one read and listed.
func TestDuplicateNamesInList(t *testing.T) {
	st := fakeStore(t, func(w http.ResponseWriter, r *http.Request) {
		answer(200, `{"success":true,"secrets":[`+
			`{"uid":"01B","variant_s":"generic","name_s":"K","description_t":"newer","value_s":"bmV3ZXI="},`+
			`{"uid":"01A","variant_s":"token","name_s":"K","description_t":"older","value_s":"b2xkZXI="}]}`)(w)
	})
	got, err := st.Get(ctx, "K")
	if err != nil || got.ID != "01A" || got.Value != "older" || got.Type != "token" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	n := 0
	for s, err := range st.List(ctx, secrets.ListOptions{WithValues: true}) {
		if err != nil || s.ID != "01A" {
			t.Fatalf("listed %+v, %v", s, err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("listed %d", n)
	}
}
