package secrets_test

import (
	"context"
	"errors"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/memory"
)

// failing is a driver whose Get fails with a given code, classified either
// by backend.Errorf or by the driver's ErrorCode table.
type failing struct {
	backend.Driver
	code     backend.Code
	viaTable bool
}

var errBackend = errors.New("backend said no")

func (f *failing) Get(context.Context, string, string, backend.GetOptions) (*backend.Secret, error) {
	if f.viaTable {
		return nil, errBackend
	}
	return nil, backend.Errorf(f.code, "driver error")
}

func (f *failing) ErrorCode(err error) backend.Code {
	if errors.Is(err, errBackend) {
		return f.code
	}
	return backend.Unknown
}

// TestEveryCodeThroughStore: an error of each code from a driver reaches
// the caller with that code and sentinel, and ValueOr defaults only on
// NotFound.
func TestEveryCodeThroughStore(t *testing.T) {
	ctx := context.Background()
	for _, viaTable := range []bool{false, true} {
		for _, c := range backend.Codes() {
			t.Run(c.String(), func(t *testing.T) {
				st := secrets.NewStore(&failing{memory.NewDB().Driver(), c, viaTable}, secrets.StoreOptions{Scheme: "failing"})
				_, err := st.Get(ctx, "K")
				if got := secrets.ErrorCode(err); got != c {
					t.Fatalf("code %v, want %v (%v)", got, c, err)
				}
				if !errors.Is(err, secrets.Sentinel(c)) {
					t.Fatalf("errors.Is(%v, Sentinel(%v)) false", err, c)
				}
				if viaTable && !errors.Is(err, errBackend) {
					t.Fatal("the driver's error is not reachable with errors.Is")
				}
				v, err := st.ValueOr(ctx, "K", "def")
				if c == secrets.NotFound {
					if err != nil || v != "def" {
						t.Fatalf("ValueOr on NotFound = %q, %v", v, err)
					}
				} else if err == nil || secrets.ErrorCode(err) != c {
					t.Fatalf("ValueOr on %v = %q, %v; want the error", c, v, err)
				}
			})
		}
	}
}
