package vault_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/drivertest"
)

// opLog records the driver operations a Store makes.
type opLog struct{ drivertest.Log[string] }

func (l *opLog) intercept(ctx context.Context, c *backend.Call, next func(context.Context) error) error {
	l.Add(c.Op)
	return next(ctx)
}

// 9.4: Put is the driver's own, one write: on an absent, an existing, a
// soft-deleted and a foreign secret it makes exactly one version, replaces
// value and metadata (fields left zero cleared, the mirror too) and keeps
// the secret's CreatedAt.
func TestPutNative(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	base := open(t, "vault://secret/"+p)
	kv := rootClient(t).KVv2("secret")
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	for _, tc := range []struct {
		name        string
		setup       func(t *testing.T, key string) (created time.Time) // zero: Put creates
		wantVersion int
	}{
		{"absent", func(*testing.T, string) time.Time { return time.Time{} }, 1},
		{"existing", func(t *testing.T, key string) time.Time {
			s, err := base.Create(ctx, secrets.Secret{Key: key, Value: "old", Description: "d", Type: secrets.TypePassword,
				Labels: map[string]string{"a": "b"}, ExpiresAt: exp})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := base.Modify(ctx, key, secrets.Update{Value: secrets.Ptr("older")}); err != nil {
				t.Fatal(err)
			}
			return s.CreatedAt
		}, 3},
		{"soft-deleted", func(t *testing.T, key string) time.Time {
			if _, err := base.Create(ctx, secrets.Secret{Key: key, Value: "old", Description: "d"}); err != nil {
				t.Fatal(err)
			}
			if err := kv.Delete(ctx, p+"/_global/"+key); err != nil {
				t.Fatal(err)
			}
			return time.Time{}
		}, 2},
		{"foreign", func(t *testing.T, key string) time.Time {
			s, err := kv.Put(ctx, p+"/_global/"+key, map[string]any{"user": "a", "pass": "b"})
			if err != nil {
				t.Fatal(err)
			}
			return s.VersionMetadata.CreatedTime
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "P-" + tc.name
			created := tc.setup(t, key)
			var log opLog
			st := base.With(log.intercept)
			got, err := st.Put(ctx, secrets.Secret{Key: key, Value: "new", Labels: map[string]string{"x": "y"}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"Put"}, log.Take()); diff != "" {
				t.Errorf("driver operations (-want +got):\n%s", diff)
			}
			if v := currentVersion(t, p+"/_global/"+key); v != tc.wantVersion {
				t.Errorf("current version %d, want %d", v, tc.wantVersion)
			}
			if created.IsZero() {
				created = got.UpdatedAt
			}
			read, err := base.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			want := &secrets.Secret{Key: key, Value: "new", Type: secrets.TypeGeneric, Labels: map[string]string{"x": "y"},
				ID: "secret/data/" + p + "/_global/" + key, Version: got.Version, CreatedAt: created, UpdatedAt: got.UpdatedAt}
			for what, s := range map[string]*secrets.Secret{"Put": got, "Get": read} {
				if diff := cmp.Diff(want, s); diff != "" {
					t.Errorf("%s (-want +got):\n%s", what, diff)
				}
			}
			checkMirror(t, p+"/_global/"+key, map[string]any{"polysecret.label.x": "y"})
		})
	}
}

// 9.4: Put checks the environment as Create does.
func TestPutMissingEnvironment(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	st := open(t, "vault://secret/"+p)
	if _, err := st.In("nosuch").Put(ctx, secrets.Secret{Key: "K", Value: "v"}); secrets.ErrorCode(err) != secrets.NotFound {
		t.Fatalf("Put in a missing environment: %v", err)
	}
	if _, err := rootClient(t).KVv2("secret").GetMetadata(ctx, p+"/nosuch/K"); err == nil {
		t.Error("Put in a missing environment wrote the secret")
	}
}

// 9.4: a Put whose reply is lost, or that is refused with a retryable
// status, is recognised or sent again: it succeeds with exactly one
// version.
func TestPutFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault fault
	}{
		{"lost reply", fault{kind: lose}},
		{"503", fault{kind: answer, status: http.StatusServiceUnavailable}},
		{"429", fault{kind: answer, status: http.StatusTooManyRequests}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := drivertest.Prefix()
			px, hit := faultFirst(t, 1, tc.fault, func(r *http.Request, body []byte) bool { return isWrite(r, body, p, "put-value") })
			st := openVia(t, px, p, "?max_retries=2")
			if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
				t.Fatal(err)
			}
			got, err := st.Put(ctx, secrets.Secret{Key: "K", Value: "put-value"})
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if hit.Load() == 0 {
				t.Fatal("the proxy injected no fault")
			}
			if v := currentVersion(t, p+"/_global/K"); v != 2 || got.Version != "2" {
				t.Errorf("current version %d, Put says %s; want 2 (one Create, one Put)", v, got.Version)
			}
			if v, err := st.Value(ctx, "K"); err != nil || v != "put-value" {
				t.Errorf("Value = %q, %v", v, err)
			}
		})
	}
}
