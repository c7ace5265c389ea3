package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

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
				want := c
				if c == secrets.Canceled || c == secrets.DeadlineExceeded {
					want = secrets.Unavailable // the caller's context is alive
				}
				if got := secrets.ErrorCode(err); got != want {
					t.Fatalf("code %v, want %v (%v)", got, want, err)
				}
				c = want
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

// ctxDriver's Get fails as a client whose own per-request timeout fired
// (clientTimeout), or waits for the caller's context.
type ctxDriver struct {
	backend.Driver
	clientTimeout bool
}

func (d *ctxDriver) Get(ctx context.Context, _, _ string, _ backend.GetOptions) (*backend.Secret, error) {
	if d.clientTimeout {
		return nil, fmt.Errorf("request: %w", context.DeadlineExceeded)
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestOnlyCallerContextMakesDeadline: DeadlineExceeded and Canceled mean the
// caller's context ended; a timeout inside the driver while the caller's
// context is alive is Unavailable (retryable) (issue 8.12).
func TestOnlyCallerContextMakesDeadline(t *testing.T) {
	drv := memory.NewDB().Driver()
	st := secrets.NewStore(&ctxDriver{drv, true}, secrets.StoreOptions{Scheme: "t"})
	_, err := st.Get(context.Background(), "K")
	if got := secrets.ErrorCode(err); got != secrets.Unavailable {
		t.Fatalf("client timeout, caller without deadline: code %v (%v), want Unavailable", got, err)
	}
	st = secrets.NewStore(&ctxDriver{drv, false}, secrets.StoreOptions{Scheme: "t"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = st.Get(ctx, "K")
	if got := secrets.ErrorCode(err); got != secrets.DeadlineExceeded {
		t.Fatalf("caller's deadline: code %v (%v), want DeadlineExceeded", got, err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	_, err = st.Get(ctx, "K")
	if got := secrets.ErrorCode(err); got != secrets.Canceled {
		t.Fatalf("caller's cancel: code %v (%v), want Canceled", got, err)
	}
}
