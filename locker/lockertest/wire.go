package lockertest

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/polysecret/secrets/locker/internal/lockercrypto"
)

// The protocol's envelopes: error answers {"code","message"}, JSON
// answers, request bodies and the checks every body gets.

type apiError struct {
	status        int
	code, message string
}

func (s *Server) writeErr(w http.ResponseWriter, e apiError) {
	if f := s.hooks.errors.Load(); f != nil {
		e.status, e.code, e.message = (*f)(e.status, e.code, e.message)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": e.code, "message": e.message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func parseF(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// encField is a field of a request body that holds a ciphertext when set.
type encField struct {
	name     string
	v        *string
	required bool // on create
}

// body is a request body: its ciphertext fields, in the order they are
// checked, and its lookup hash (required on every write).
type body interface {
	encFields() []encField
	hash() *string
}

// readBody decodes the JSON body of a create (or an update) into b and
// checks it: well-formed JSON, then each ciphertext field (the required
// ones only on create), then the hash. It answers the first problem and
// reports false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, b body, create bool) bool {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err := dec.Decode(b); err != nil {
		s.writeErr(w, apiError{400, "validation_error", "Malformed JSON body."})
		return false
	}
	for _, f := range b.encFields() {
		if e := checkEnc(f.name, f.v, create && f.required); e != nil {
			s.writeErr(w, *e)
			return false
		}
	}
	if h := b.hash(); h == nil || *h == "" {
		s.writeErr(w, apiError{400, "validation_error", "The field hash is required."})
		return false
	}
	return true
}

// checkEnc: the server only accepts ciphertexts where the protocol has them.
func checkEnc(field string, p *string, required bool) *apiError {
	if p == nil || *p == "" {
		if required {
			return &apiError{400, "validation_error", "The field " + field + " is required."}
		}
		return nil
	}
	if _, _, _, err := lockercrypto.Parse(*p); err != nil {
		return &apiError{422, "validation_error", "The field " + field + " must be an encrypted string."}
	}
	return nil
}
