package locker_test

import (
	"context"
	"fmt"
	"log"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/locker"
	"github.com/polysecret/secrets/locker/lockertest"
)

// The application builds its own Client (here against lockertest; in
// production with the API base left empty) and makes Stores from it.
func ExampleNew() {
	ctx := context.Background()
	srv := lockertest.NewServer()
	defer srv.Close()
	key, err := srv.CreateProject("example").CreateAccessKey(lockertest.KeyOptions{})
	if err != nil {
		log.Fatal(err)
	}
	c, err := locker.NewClient(ctx, locker.ClientOptions{APIBase: srv.URL(), AccessKeyID: key.ID, SecretAccessKey: key.Secret})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseIdleConnections()

	st, err := locker.New(c, locker.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Create(ctx, secrets.Secret{Key: "DB_PASSWORD", Value: "s3cret"}); err != nil {
		log.Fatal(err)
	}
	ro, err := locker.New(c, locker.Options{ReadOnly: true})
	if err != nil {
		log.Fatal(err)
	}
	defer ro.Close()
	v, err := ro.Value(ctx, "DB_PASSWORD")
	fmt.Println(v, err)
	_, err = ro.Create(ctx, secrets.Secret{Key: "OTHER", Value: "x"})
	fmt.Println(secrets.ErrorCode(err))
	// Output:
	// s3cret <nil>
	// PermissionDenied
}

// A URLOpener holding the application's Client keeps URL configuration:
// the URL chooses the scope, the client the credentials and transport.
func ExampleURLOpener() {
	ctx := context.Background()
	srv := lockertest.NewServer()
	defer srv.Close()
	key, err := srv.CreateProject("example").CreateAccessKey(lockertest.KeyOptions{})
	if err != nil {
		log.Fatal(err)
	}
	c, err := locker.NewClient(ctx, locker.ClientOptions{APIBase: srv.URL(), AccessKeyID: key.ID, SecretAccessKey: key.Secret})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseIdleConnections()

	mux := new(secrets.URLMux)
	mux.Register(locker.Scheme, &locker.URLOpener{Client: c})
	st, err := mux.OpenStore(ctx, "locker://")
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		log.Fatal(err)
	}
	if _, err := st.In("prod").Create(ctx, secrets.Secret{Key: "API_KEY", Value: "prod-key"}); err != nil {
		log.Fatal(err)
	}
	prod, err := mux.OpenStore(ctx, "locker://?env=prod")
	if err != nil {
		log.Fatal(err)
	}
	defer prod.Close()
	v, err := prod.Value(ctx, "API_KEY")
	fmt.Println(prod.Environment(), v, err)
	// Output:
	// prod prod-key <nil>
}
