package vault_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/vault"
)

// Tests of issue 8 (hardening) for the vault driver. Each names the point
// it proves.

// openVia opens a store on prefix p through the proxy.
func openVia(t *testing.T, px *faultProxy, p, query string) *secrets.Store {
	t.Helper()
	t.Setenv("VAULT_ADDR", px.URL)
	t.Setenv("VAULT_TOKEN", vaultToken)
	return open(t, "vault://secret/"+p+query)
}

func currentVersion(t *testing.T, path string) int {
	t.Helper()
	md, err := rootClient(t).KVv2("secret").GetMetadata(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return md.CurrentVersion
}

// 8.2: two concurrent Modify calls replacing the whole label map end with
// one of the two maps, never a merge; and each makes one version (8.26a).
func TestConcurrentLabelMapReplacement(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	a, b := open(t, "vault://secret/"+p), open(t, "vault://secret/"+p)
	if _, err := a.Create(ctx, secrets.Secret{Key: "L", Value: "v", Labels: map[string]string{"a": "0"}}); err != nil {
		t.Fatal(err)
	}
	x, y := map[string]string{"x": "1"}, map[string]string{"y": "2"}
	const rounds = 10
	for r := range rounds {
		if _, err := a.Modify(ctx, "L", secrets.Update{Labels: map[string]string{"a": fmt.Sprint(r)}}); err != nil {
			t.Fatal(err)
		}
		before := currentVersion(t, p+"/_global/L")
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for i, st := range []*secrets.Store{a, b} {
			labels := x
			if i == 1 {
				labels = y
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = st.Modify(ctx, "L", secrets.Update{Labels: labels})
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", r, err)
			}
		}
		got, err := a.Get(ctx, "L")
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(got.Labels, x) && !cmp.Equal(got.Labels, y) {
			t.Errorf("round %d: labels %v, want exactly %v or %v", r, got.Labels, x, y)
		}
		if v := currentVersion(t, p+"/_global/L"); v != before+2 {
			t.Errorf("round %d: version %d after two Modify calls from version %d, want %d", r, v, before, before+2)
		}
	}
}

// 8.26 (a, b): every Modify, metadata-only too, makes one version; Get at
// a version is that version's value with the current metadata.
func TestVersionSemantics(t *testing.T) {
	needServer(t)
	drivertest.EveryModifyMakesOneVersion(t, open(t, "vault://secret/"+drivertest.Prefix()))
}

// 8.2: secrets written by the earlier layout (metadata in custom_metadata)
// read back right, and a Modify rewrites them whole; a foreign multi-field
// secret keeps its fields on a metadata-only Modify.
func TestEarlierLayout(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	kv := rootClient(t).KVv2("secret")
	if _, err := kv.Put(ctx, p+"/_global/OLD", map[string]any{"value": "pw"}); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, p+"/_global/OLD", map[string]any{"value": "pw2"}); err != nil {
		t.Fatal(err)
	}
	if err := kv.PatchMetadata(ctx, p+"/_global/OLD", api.KVMetadataPatchInput{CustomMetadata: map[string]any{
		"polysecret.description": "d", "polysecret.type": "password", "polysecret.label.team": "core"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, p+"/_global/MULTI", map[string]any{"user": "a", "pass": "b"}); err != nil {
		t.Fatal(err)
	}
	st := open(t, "vault://secret/"+p)
	type view struct {
		Value, Description, Type string
		Labels                   map[string]string
		HasCreatedAt             bool
	}
	look := func(s *secrets.Secret) view {
		return view{s.Value, s.Description, s.Type, s.Labels, !s.CreatedAt.IsZero()}
	}
	want := view{"pw2", "d", "password", map[string]string{"team": "core"}, false}
	got, err := st.Get(ctx, "OLD")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, look(got)); diff != "" {
		t.Errorf("earlier layout (-want +got):\n%s", diff)
	}
	if _, err := st.Modify(ctx, "OLD", secrets.Update{Value: secrets.Ptr("pw3")}); err != nil {
		t.Fatal(err)
	}
	want.Value, want.HasCreatedAt = "pw3", true
	if got, err = st.Get(ctx, "OLD"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, look(got)); diff != "" {
		t.Errorf("after Modify (-want +got):\n%s", diff)
	}
	raw, err := kv.Get(ctx, p+"/_global/OLD")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := raw.Data[vault.DataField].(map[string]any); !ok {
		t.Errorf("Modify did not write the metadata into the version: %v", raw.Data)
	}
	if _, err := st.Modify(ctx, "MULTI", secrets.Update{Description: secrets.Ptr("db")}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Value(ctx, "MULTI"); err != nil || v != `{"pass":"b","user":"a"}` {
		t.Errorf("multi-field secret after a description change: %q, %v", v, err)
	}
}

// 8.4: the reply of Modify's check-and-set write is lost; the driver must
// neither re-send it blindly nor write twice: exactly one new version.
func TestModifyLostReply(t *testing.T) {
	p := drivertest.Prefix()
	px, lost := faultFirst(t, 1, fault{kind: lose}, func(r *http.Request, body []byte) bool {
		return isCASWrite(r, body, p) && strings.Contains(string(body), "after")
	})
	st := openVia(t, px, p, "")
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "before"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr("after")}); err != nil {
		t.Fatalf("Modify after a lost reply: %v", err)
	}
	if lost.Load() == 0 {
		t.Fatal("the proxy lost no reply")
	}
	if v := currentVersion(t, p+"/_global/K"); v != 2 {
		t.Errorf("current version %d after one Create and one Modify, want 2 (a write was duplicated)", v)
	}
	if v, err := st.Value(ctx, "K"); err != nil || v != "after" {
		t.Errorf("Value = %q, %v", v, err)
	}
}

// 8.4: the same for Create and CreateEnvironment: a lost reply is not
// AlreadyExists for the caller's own write.
func TestCreateLostReply(t *testing.T) {
	p := drivertest.Prefix()
	px, _ := faultFirst(t, 2, fault{kind: lose}, func(r *http.Request, body []byte) bool { return isCASWrite(r, body, p) })
	st := openVia(t, px, p, "")
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatalf("CreateEnvironment after a lost reply: %v", err)
	}
	if _, err := st.In("prod").Create(ctx, secrets.Secret{Key: "K", Value: "v", Description: "d"}); err != nil {
		t.Fatalf("Create after a lost reply: %v", err)
	}
	if v := currentVersion(t, p+"/prod/K"); v != 1 {
		t.Errorf("current version %d after one Create, want 1", v)
	}
}

// 8.5: a secret whose current version was deleted (vault kv delete) is
// absent for Get, Delete, Versions and Create alike; Create succeeds.
func TestSoftDeletedCurrentVersion(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	st := open(t, "vault://secret/"+p)
	if _, err := st.Create(ctx, secrets.Secret{Key: "S", Value: "old", Labels: map[string]string{"old": "x"}}); err != nil {
		t.Fatal(err)
	}
	if err := rootClient(t).KVv2("secret").Delete(ctx, p+"/_global/S"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "S"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Fatalf("Get of a soft-deleted secret: %v", err)
	}
	if _, err := st.Versions(ctx, "S"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Errorf("Versions of a soft-deleted secret: %v", err)
	}
	c, err := st.Create(ctx, secrets.Secret{Key: "S", Value: "new", Description: "again"})
	if err != nil {
		t.Fatalf("Create over a soft-deleted secret: %v", err)
	}
	got, err := st.Get(ctx, "S")
	if err != nil || got.Value != "new" || got.Description != "again" || got.Version != c.Version {
		t.Fatalf("Get after re-create: %+v, %v (Create returned version %s)", got, err, c.Version)
	}
	// The custom_metadata mirror is the new secret's alone.
	checkMirror(t, p+"/_global/S", map[string]any{"polysecret.description": "again"})
}

// 8.12: a request that gets no answer within the per-request timeout is
// retried (Unavailable), not DeadlineExceeded, when the caller set no
// deadline: with the timeout URL parameter, and with VAULT_CLIENT_TIMEOUT.
func TestClientTimeoutIsRetried(t *testing.T) {
	for _, tc := range []struct {
		name, query, env string
	}{
		{"url parameter", "?timeout=300ms", ""},
		{"VAULT_CLIENT_TIMEOUT", "", "300ms"},
		{"url parameter wins", "?timeout=300ms", "1h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := drivertest.Prefix()
			px, _ := faultFirst(t, 1, fault{kind: hang}, func(r *http.Request, _ []byte) bool {
				return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/secret/data/"+p+"/")
			})
			if tc.env != "" {
				t.Setenv("VAULT_CLIENT_TIMEOUT", tc.env)
			} else {
				t.Setenv("VAULT_CLIENT_TIMEOUT", "")
			}
			if _, err := rootClient(t).KVv2("secret").Put(ctx, p+"/_global/K", map[string]any{"value": "v"}); err != nil {
				t.Fatal(err)
			}
			st := openVia(t, px, p, tc.query)
			start := time.Now()
			v, err := st.Value(ctx, "K")
			if err != nil || v != "v" {
				t.Fatalf("Value with a first request that never gets an answer: %q, %v (code %v)", v, err, secrets.ErrorCode(err))
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// 8.13: 429 with Retry-After is honoured (the retry waits at least what
// the server asked) and ridden out within max_retries.
func TestRetryAfterHonoured(t *testing.T) {
	p := drivertest.Prefix()
	px, _ := faultFirst(t, 2, fault{kind: answer, status: http.StatusTooManyRequests, header: http.Header{"Retry-After": {"1"}}},
		func(r *http.Request, body []byte) bool { return isCASWrite(r, body, p) })
	st := openVia(t, px, p, "")
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatalf("Create through two 429s: %v", err)
	}
	writes := px.requests(func(s seen) bool { return strings.Contains(s.path, "/_global/K") && s.method != http.MethodGet })
	if len(writes) < 3 {
		t.Fatalf("%d writes seen, want 3", len(writes))
	}
	for i := 1; i < 3; i++ {
		if gap := writes[i].at.Sub(writes[i-1].at); gap < 900*time.Millisecond {
			t.Errorf("retry %d came %v after a 429 with Retry-After: 1", i, gap)
		}
	}
}

// 8.18: a 400 on the check-and-set write that is not a version conflict is
// InvalidArgument at once: one write, no retries. Same for environments.
func TestBadRequestIsNotAConflict(t *testing.T) {
	p := drivertest.Prefix()
	var refuse atomic.Bool
	px := newFaultProxy(t, func(r *http.Request, body []byte) fault {
		if refuse.Load() && isCASWrite(r, body, p) {
			return fault{kind: answer, status: http.StatusBadRequest}
		}
		return fault{}
	})
	st := openVia(t, px, p, "")
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	drivertest.CreateAndRead(t, st)
	refuse.Store(true)
	for _, tc := range []struct {
		name, path string
		call       func() error
	}{
		{"Modify", "/_global/K", func() error {
			_, err := st.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr("w")})
			return err
		}},
		{"ModifyEnvironment", "/_environments/prod", func() error {
			_, err := st.ModifyEnvironment(ctx, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("d")})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isWrite := func(s seen) bool { return s.method != http.MethodGet && strings.HasSuffix(s.path, tc.path) }
			before := len(px.requests(isWrite))
			err := tc.call()
			if code := secrets.ErrorCode(err); code != secrets.InvalidArgument {
				t.Errorf("%s refused with 400: %v (code %v), want InvalidArgument", tc.name, err, code)
			}
			if n := len(px.requests(isWrite)) - before; n != 1 {
				t.Errorf("%d writes sent, want 1", n)
			}
		})
	}
}

// 8.17: a token Vault does not know is Unauthenticated (a valid token
// without the right policy stays PermissionDenied: TestReadOnlyPolicy).
func TestWrongTokenUnauthenticated(t *testing.T) {
	needServer(t)
	t.Setenv("VAULT_TOKEN", "hvs.not-a-token")
	st := open(t, "vault://secret/"+drivertest.Prefix())
	_, err := st.Get(ctx, "K")
	if code := secrets.ErrorCode(err); code != secrets.Unauthenticated {
		t.Fatalf("Get with a wrong token: %v (code %v), want Unauthenticated", err, code)
	}
	var re *api.ResponseError
	if !st.ErrorAs(err, &re) || re.StatusCode != http.StatusForbidden {
		t.Errorf("ErrorAs(*api.ResponseError) = %v", re)
	}
	if strings.Contains(err.Error(), "hvs.not-a-token") {
		t.Errorf("the error shows the token: %v", err)
	}
}

// 8.20: environments keep CreatedAt on read.
func TestEnvironmentCreatedAt(t *testing.T) {
	needServer(t)
	st := open(t, "vault://secret/"+drivertest.Prefix())
	c, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ModifyEnvironment(ctx, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("d")}); err != nil {
		t.Fatal(err)
	}
	g, err := st.GetEnvironment(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	l, err := st.ListEnvironments(ctx)
	if err != nil || len(l) != 1 {
		t.Fatalf("ListEnvironments = %v, %v", l, err)
	}
	for what, e := range map[string]*secrets.Environment{"GetEnvironment": g, "ListEnvironments": l[0]} {
		if e.CreatedAt.IsZero() || !e.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("%s: CreatedAt %v, CreateEnvironment said %v", what, e.CreatedAt, c.CreatedAt)
		}
	}
}

// 8.14: 20 cycles of open/Get/Close leave goroutines and file descriptors
// at their baseline (±5).
func TestCloseReleasesConnections(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	seed := open(t, "vault://secret/"+p)
	drivertest.CreateAndRead(t, seed)
	seed.Close()
	drivertest.CloseCycles(t, 20, func() (*secrets.Store, error) { return secrets.OpenStore(ctx, "vault://secret/"+p) },
		func(st *secrets.Store) error { _, err := st.Get(ctx, "K"); return err })
}

// 8.14: Close leaves a client given to New alone.
func TestCloseLeavesUserClient(t *testing.T) {
	needServer(t)
	c, tr := ownClient(t)
	p := drivertest.Prefix()
	st, err := vault.New(c, vault.Options{Mount: "secret", Prefix: p})
	if err != nil {
		t.Fatal(err)
	}
	drivertest.ClosesOnlyItself(t, st, tr, func() error { _, err := c.KVv2("secret").Get(ctx, p+"/_global/K"); return err })
}
