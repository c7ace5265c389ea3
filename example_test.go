package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/polysecret/secrets"
	_ "github.com/polysecret/secrets/memory"
)

func ExampleOpenStore() {
	ctx := context.Background()
	// mem:// in tests; vault://secret/myapp?env=prod, awssm://myapp?env=prod
	// or locker://api.locker.io/locker_secrets?env=prod in production.
	store, err := secrets.OpenStore(ctx, "mem://?env=prod")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	fmt.Println("scope:", store.Environment())
	// Output: scope: prod
}

func ExampleStore_Get() {
	ctx := context.Background()
	store, _ := secrets.OpenStore(ctx, "mem://")
	defer store.Close()
	_, _ = store.CreateEnvironment(ctx, secrets.Environment{Name: "prod"})
	_, _ = store.Create(ctx, secrets.Secret{Key: "DATABASE_URL", Value: "postgres://global"})

	// prod has no DATABASE_URL of its own: Get falls back to the global one.
	s, err := store.In("prod").Get(ctx, "DATABASE_URL")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("from %q: %s\n", s.Environment, s.Value)

	// ValueOr returns the default only when the secret does not exist.
	timeout, err := store.In("prod").ValueOr(ctx, "HTTP_TIMEOUT", "30s")
	fmt.Println(timeout, err)
	// Output:
	// from "": postgres://global
	// 30s <nil>
}

func ExampleStore_Create() {
	ctx := context.Background()
	store, _ := secrets.OpenStore(ctx, "mem://")
	defer store.Close()
	s, err := store.Create(ctx, secrets.Secret{Key: "API_TOKEN", Value: "t0k3n", Type: secrets.TypeToken,
		Labels: map[string]string{"team": "edge"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Key, s.Type, s.Version)

	_, err = store.Create(ctx, secrets.Secret{Key: "API_TOKEN", Value: "other"})
	fmt.Println(errors.Is(err, secrets.ErrAlreadyExists))
	// Printing a secret never prints its value.
	fmt.Println(s)
	// Output:
	// API_TOKEN token 1
	// true
	// {(global)/API_TOKEN REDACTED (5 bytes)}
}

func ExampleStore_Modify() {
	ctx := context.Background()
	store, _ := secrets.OpenStore(ctx, "mem://")
	defer store.Close()
	_, _ = store.Create(ctx, secrets.Secret{Key: "DB_PASSWORD", Value: "old", Description: "primary"})
	// nil fields stay as they are.
	s, err := store.Modify(ctx, "DB_PASSWORD", secrets.Update{Value: secrets.Ptr("new")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Value, s.Description, s.Version)
	_, err = store.Modify(ctx, "MISSING", secrets.Update{Value: secrets.Ptr("x")})
	fmt.Println(secrets.ErrorCode(err))
	// Output:
	// new primary 2
	// NotFound
}

func ExampleStore_List() {
	ctx := context.Background()
	store, _ := secrets.OpenStore(ctx, "mem://")
	defer store.Close()
	for _, k := range []string{"DB_HOST", "DB_PASSWORD", "API_KEY"} {
		_, _ = store.Create(ctx, secrets.Secret{Key: k, Value: "v"})
	}
	for s, err := range store.List(ctx, secrets.ListOptions{Prefix: "DB_"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.Key)
	}
	// Output:
	// DB_HOST
	// DB_PASSWORD
}
