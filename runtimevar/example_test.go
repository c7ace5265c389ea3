package psvar_test

import (
	"context"
	"fmt"
	"log"
	"net/url"

	"gocloud.dev/runtimevar"

	"github.com/polysecret/secrets"
	psvar "github.com/polysecret/secrets/runtimevar"
)

func ExampleOpenVariable() {
	ctx := context.Background()
	store, err := secrets.OpenStore(ctx, "mem://?cache_ttl=1m")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Create(ctx, secrets.Secret{Key: "DATABASE", Value: `{"user":"app","password":"hunter2"}`}); err != nil {
		log.Fatal(err)
	}

	v, err := psvar.OpenVariable(store, "DATABASE#user", runtimevar.StringDecoder, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	snap, err := v.Latest(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(snap.Value)
	// Output: app
}

func Example_fromURL() {
	ctx := context.Background()
	store, err := secrets.OpenStore(ctx, "mem://example")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Put(ctx, secrets.Secret{Key: "GREETING", Value: "hello"}); err != nil {
		log.Fatal(err)
	}

	// The polysecret URL goes, escaped, in the parameter url.
	u := "polysecret://?decoder=string&key=GREETING&url=" + url.QueryEscape("mem://example?cache_ttl=1m")
	v, err := runtimevar.OpenVariable(ctx, u)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close() // closes the store it opened
	snap, err := v.Latest(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(snap.Value)
	// Output: hello
}
