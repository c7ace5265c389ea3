package faultinject_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/faultinject"
	"github.com/polysecret/secrets/memory"
)

func Example() {
	ctx := context.Background()
	inj := faultinject.New()
	store := memory.OpenStore().With(inj.Interceptor())
	defer store.Close()
	_, _ = store.Create(ctx, secrets.Secret{Key: "API_TOKEN", Value: "t0k3n"})

	// The backend is down for the next two reads.
	inj.FailNext("Get", 2, secrets.Unavailable)

	// The application's retry loop.
	for {
		v, err := store.Value(ctx, "API_TOKEN")
		if errors.Is(err, secrets.ErrUnavailable) {
			fmt.Println("retrying:", err)
			continue
		}
		fmt.Println(v, err)
		break
	}
	fmt.Println("Gets:", inj.Calls("Get"))
	// Output:
	// retrying: secrets: Get "API_TOKEN" (mem): Unavailable: faultinject: injected Unavailable in Get
	// retrying: secrets: Get "API_TOKEN" (mem): Unavailable: faultinject: injected Unavailable in Get
	// t0k3n <nil>
	// Gets: 3
}
