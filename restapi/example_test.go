package restapi_test

import (
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/restapi"
)

// An application mounts the API in its own server, under a prefix.
func ExampleNew() {
	secret, hash, err := restapi.NewKeySecret() // give secret to the client, keep hash
	if err != nil {
		log.Fatal(err)
	}
	keys, err := restapi.ParseKeys([]byte(`{"keys": [{"id": "deploy", "sha256": "` + hash +
		`", "access": "read-write", "values": true, "environments": ["*"]}]}`))
	if err != nil {
		log.Fatal(err)
	}
	store := memory.OpenStore()                                         // the served store: any URL
	idem := restapi.NewStoreIdempotency(memory.OpenStore())             // one replica; else a shared store
	audit := slog.New(slog.NewJSONHandler(os.Stderr, nil))              // one line per request
	api, err := restapi.New(store, keys, idem, audit, restapi.Limits{}) // default limits
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/secrets/", http.StripPrefix("/secrets", api))
	srv := httptest.NewServer(mux) // in production: http.Server with TLS and timeouts
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/secrets/v1/admin/capabilities", nil)
	req.Header.Set("X-API-Key", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}
