package datalayertest

import (
	"encoding/json"
	"errors"
	"net/http"
)

// The protocol's envelopes: JSON answers {"success","message",…}, error
// answers {"success":false,"message"} and request bodies.

// maxBody is the largest request body the server reads.
const maxBody = 1 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"success": false, "message": message})
}

// secretBody is the body of POST /secrets and PUT /secrets/{uid}: a nil
// field was not sent.
type secretBody struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Variant     *string `json:"variant"`
	Value       *string `json:"value"`
}

// readBody decodes a JSON object body into b; it answers the problem and
// reports false when it cannot.
func readBody(w http.ResponseWriter, r *http.Request, b *secretBody) bool {
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(b)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeErr(w, http.StatusRequestEntityTooLarge, "The request body is too large.")
		return false
	case err != nil:
		writeErr(w, http.StatusBadRequest, "The request body must be a JSON object.")
		return false
	}
	return true
}

// variants are the secret variants of the official clients
// (ISecretVariant, SecretVariant).
var variants = map[string]bool{"generic": true, "password": true, "key": true, "token": true}
