package abeja_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
)

// TestErrorTextQuotesNoValue: a server whose error_description quotes
// what was sent (the value's base64, or the value) never gets it into the
// error the caller sees, nor into the APIError ErrorAs reaches.
func TestErrorTextQuotesNoValue(t *testing.T) {
	const value = "PSV-sentinel-abeja-redact"
	quoting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Value string `json:"value"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		plain, _ := base64.StdEncoding.DecodeString(body.Value)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "bad_request",
			"error_description": "value " + body.Value + " (" + string(plain) + ") is not allowed"})
	}))
	t.Cleanup(quoting.Close)
	c, err := abeja.NewClient(abeja.ClientOptions{APIURL: quoting.URL, AuthToken: "t", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	st, err := abeja.New(c, abeja.Options{Organization: "1234567890123"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.Create(ctx, secrets.Secret{Key: "K", Value: value})
	if secrets.ErrorCode(err) != secrets.InvalidArgument {
		t.Fatalf("Create: %v, want InvalidArgument", err)
	}
	var ae *abeja.APIError
	if !st.ErrorAs(err, &ae) {
		t.Fatal("no APIError")
	}
	enc := base64.StdEncoding.EncodeToString([]byte(value))
	for _, text := range []string{err.Error(), ae.Description} {
		if strings.Contains(text, value) || strings.Contains(text, enc) {
			t.Errorf("the error quotes the value: %s", text)
		}
	}
	if !strings.Contains(ae.Description, "[redacted]") {
		t.Errorf("description %q: want the server's text with the value cut out", ae.Description)
	}
}
