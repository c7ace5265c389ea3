package psvar_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"gocloud.dev/runtimevar"
	"gocloud.dev/runtimevar/driver"
	"gocloud.dev/runtimevar/drivertest"

	"github.com/polysecret/secrets"
	pstest "github.com/polysecret/secrets/internal/drivertest"
	_ "github.com/polysecret/secrets/memory"
	psvar "github.com/polysecret/secrets/runtimevar"
	_ "github.com/polysecret/secrets/vault"
)

// harness runs gocloud's suite over a Store: the variable is a secret,
// created, modified and deleted through the same Store the watcher reads.
type harness struct {
	store *secrets.Store
}

func (h *harness) MakeWatcher(_ context.Context, name string, decoder *runtimevar.Decoder) (driver.Watcher, error) {
	return psvar.NewWatcher(h.store, name, decoder, nil)
}

func (h *harness) CreateVariable(ctx context.Context, name string, val []byte) error {
	_, err := h.store.Create(ctx, secrets.Secret{Key: name, Value: string(val)})
	return err
}

func (h *harness) UpdateVariable(ctx context.Context, name string, val []byte) error {
	_, err := h.store.Modify(ctx, name, secrets.Update{Value: secrets.Ptr(string(val))})
	return err
}

func (h *harness) DeleteVariable(ctx context.Context, name string) error {
	return h.store.Delete(ctx, name)
}

func (h *harness) Close()        { _ = h.store.Close() }
func (h *harness) Mutable() bool { return true }

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		need func(t testing.TB)
		url  func() string
	}{
		{"mem", func(testing.TB) {}, func() string { return "mem://" }},
		{"vault", needServer, func() string {
			return "vault://secret/" + pstest.Prefix()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.need(t)
			drivertest.RunConformanceTests(t, func(t *testing.T) (drivertest.Harness, error) {
				s, err := secrets.OpenStore(context.Background(), tc.url())
				if err != nil {
					return nil, err
				}
				return &harness{store: s}, nil
			}, []drivertest.AsTest{asTest{}})
		})
	}
}

// asTest checks what As and ErrorAs expose: the Store and the Secret on a
// snapshot, *secrets.Error (then the store's own ErrorAs) on an error.
type asTest struct{}

func (asTest) Name() string { return "polysecret As" }

func (asTest) SnapshotCheck(s *runtimevar.Snapshot) error {
	var st *secrets.Store
	if !s.As(&st) || st == nil {
		return errors.New("Snapshot.As(*secrets.Store) = false")
	}
	var sec *secrets.Secret
	if !s.As(&sec) || sec == nil || sec.Key != "variable-for-as" {
		return fmt.Errorf("Snapshot.As(*secrets.Secret) = %v", sec)
	}
	return nil
}

func (asTest) ErrorCheck(v *runtimevar.Variable, err error) error {
	var e *secrets.Error
	if !v.ErrorAs(err, &e) {
		return errors.New("Variable.ErrorAs(*secrets.Error) = false")
	}
	if e.Code != secrets.NotFound {
		return fmt.Errorf("Variable.ErrorAs(*secrets.Error): code %v, want NotFound", e.Code)
	}
	return nil
}
