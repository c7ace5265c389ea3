package datalayer_test

import (
	"context"
	"fmt"
	"log"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer"
	"github.com/polysecret/secrets/datalayer/datalayertest"
)

// A Store on a Client the application built: here against the test
// server, as an application's own tests would.
func ExampleNew() {
	srv := datalayertest.NewServer()
	defer srv.Close()

	c, err := datalayer.NewClient(datalayer.ClientOptions{IAMURL: srv.URL(), APIKey: srv.NewAPIKey()})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseIdleConnections()
	st, err := datalayer.New(c, datalayer.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	ctx := context.Background()
	if _, err := st.Create(ctx, secrets.Secret{Key: "DB_PASSWORD", Value: "hunter2", Type: secrets.TypePassword}); err != nil {
		log.Fatal(err)
	}
	v, err := st.Value(ctx, "DB_PASSWORD")
	fmt.Println(v, err)
	_, err = st.In("prod").Value(ctx, "DB_PASSWORD")
	fmt.Println(secrets.ErrorCode(err))
	// Output:
	// hunter2 <nil>
	// Unimplemented
}

// Opening by URL: the API key from DATALAYER_API_KEY, the IAM URL from the
// URL (or DATALAYER_IAM_URL for datalayer://).
func Example_url() {
	srv := datalayertest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	// os.Setenv("DATALAYER_API_KEY", …) in a real program; here a URLOpener
	// holds a client instead.
	c, _ := datalayer.NewClient(datalayer.ClientOptions{IAMURL: srv.URL(), APIKey: srv.NewAPIKey()})
	mux := new(secrets.URLMux)
	mux.Register(datalayer.Scheme, &datalayer.URLOpener{Client: c})
	st, err := mux.OpenStore(ctx, "datalayer://"+srv.Host()+"?scheme=http&list_concurrency=4")
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	fmt.Println(st.Ping(ctx), st.Capabilities().GlobalOnly)
	// Output: <nil> true
}
