package rest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/rest"
)

// A program with its own http.Client (a proxy, mTLS) builds the Client;
// Stores made from it leave it open.
func ExampleNew() {
	c, err := rest.NewClient(rest.ClientOptions{
		BaseURL:    "https://secrets.example.com",
		HTTPClient: &http.Client{Transport: http.DefaultTransport},
		Timeout:    10 * time.Second,
	}) // the API key from POLYSECRET_API_KEY or POLYSECRET_API_KEY_FILE
	if err != nil {
		log.Fatal(err)
	}
	st, err := rest.New(c, rest.Options{Environment: "prod"}) // fetches the capabilities
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	dsn, err := st.Value(context.Background(), "DATABASE_URL") // prod's, else the global one
	fmt.Println(len(dsn), err)
}

// Or by URL, with the key in the environment.
func ExampleURLOpener() {
	// export POLYSECRET_API_KEY=psk_…
	st, err := secrets.OpenStore(context.Background(), "rest://secrets.example.com?env=prod")
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
}
