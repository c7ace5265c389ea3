package datalayertest

import (
	"fmt"
	"net/http"

	"github.com/polysecret/secrets/internal/testserver"
)

// Secrets: what the server stores of one, and the handlers of /secrets.

// StoredSecret is a secret as the server holds it. Value is value_s: what
// the client sent, never decoded.
type StoredSecret struct {
	UID         string
	Name        string
	Variant     string
	Description string
	Value       string
}

func (sec *StoredSecret) json(withValue bool) map[string]any {
	m := map[string]any{"uid": sec.UID, "variant_s": sec.Variant, "name_s": sec.Name, "description_t": sec.Description}
	if withValue {
		m["value_s"] = sec.Value
	}
	return m
}

func (a *account) find(uid string) (int, *StoredSecret) {
	for i, sec := range a.secrets {
		if sec.UID == uid {
			return i, sec
		}
	}
	return -1, nil
}

func (a *account) named(name string) *StoredSecret {
	return testserver.Find(a.secrets, func(sec *StoredSecret) bool { return sec.Name == name })
}

func (s *Server) listSecrets(w http.ResponseWriter, a *account) {
	withValues := !s.omitValues.Load()
	items := make([]any, 0, len(a.secrets))
	for _, sec := range a.secrets {
		items = append(items, sec.json(withValues))
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Secrets retrieved.", "secrets": items})
}

func (s *Server) getSecret(w http.ResponseWriter, a *account, uid string) {
	_, sec := a.find(uid)
	if sec == nil {
		writeErr(w, http.StatusNotFound, "Secret not found.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Secret retrieved.", "secret": sec.json(true)})
}

func (s *Server) createSecret(w http.ResponseWriter, r *http.Request, a *account) {
	var b secretBody
	if !readBody(w, r, &b) {
		return
	}
	sec := &StoredSecret{Variant: "generic"}
	if msg := apply(sec, &b, true); msg != "" {
		writeErr(w, http.StatusBadRequest, msg)
		return
	}
	if a.named(sec.Name) != nil {
		writeErr(w, http.StatusConflict, fmt.Sprintf("A secret named %q already exists.", sec.Name))
		return
	}
	sec.UID = s.uids.next()
	a.secrets = append(a.secrets, sec)
	writeJSON(w, http.StatusCreated, map[string]any{"success": true, "message": "Secret created.", "secret": sec.json(true)})
}

func (s *Server) updateSecret(w http.ResponseWriter, r *http.Request, a *account, uid string) {
	_, sec := a.find(uid)
	if sec == nil {
		writeErr(w, http.StatusNotFound, "Secret not found.")
		return
	}
	var b secretBody
	if !readBody(w, r, &b) {
		return
	}
	next := *sec
	if msg := apply(&next, &b, false); msg != "" {
		writeErr(w, http.StatusBadRequest, msg)
		return
	}
	if o := a.named(next.Name); o != nil && o != sec {
		writeErr(w, http.StatusConflict, fmt.Sprintf("A secret named %q already exists.", next.Name))
		return
	}
	*sec = next
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Secret updated.", "secret": sec.json(true)})
}

func (s *Server) deleteSecret(w http.ResponseWriter, a *account, uid string) {
	i, sec := a.find(uid)
	if sec == nil {
		writeErr(w, http.StatusNotFound, "Secret not found.")
		return
	}
	a.secrets = append(a.secrets[:i], a.secrets[i+1:]...)
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Secret deleted."})
}

// apply sets on sec the fields b carries (create: name and value are
// required) and returns what is wrong with them, or "".
func apply(sec *StoredSecret, b *secretBody, create bool) string {
	if create && (b.Name == nil || *b.Name == "") {
		return "The field name is required."
	}
	if create && b.Value == nil {
		return "The field value is required."
	}
	if b.Name != nil {
		if *b.Name == "" {
			return "The field name may not be empty."
		}
		sec.Name = *b.Name
	}
	if b.Variant != nil {
		if !variants[*b.Variant] {
			return "The field variant must be generic, password, key or token."
		}
		sec.Variant = *b.Variant
	}
	if b.Description != nil {
		sec.Description = *b.Description
	}
	if b.Value != nil {
		sec.Value = *b.Value
	}
	return ""
}

// Stored returns copies of the secrets of the account of apiKey, in
// creation order, as the server holds them (value_s as sent).
func (s *Server) Stored(apiKey string) []StoredSecret {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[apiKey]
	if a == nil {
		return nil
	}
	out := make([]StoredSecret, len(a.secrets))
	for i, sec := range a.secrets {
		out[i] = *sec
	}
	return out
}

// Seed stores a secret in the account of apiKey as another client would
// have written it: sec.Value is value_s as that client sent it (base64
// from today's official clients, plain from newer ones). It returns the
// new uid. A taken name or an unknown account is an error.
func (s *Server) Seed(apiKey string, sec StoredSecret) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[apiKey]
	if a == nil {
		return "", fmt.Errorf("datalayertest: no account for that API key")
	}
	if sec.Variant == "" {
		sec.Variant = "generic"
	}
	if sec.Name == "" || !variants[sec.Variant] {
		return "", fmt.Errorf("datalayertest: a secret needs a name and a known variant")
	}
	if a.named(sec.Name) != nil {
		return "", fmt.Errorf("datalayertest: a secret named %q exists", sec.Name)
	}
	sec.UID = s.uids.next()
	a.secrets = append(a.secrets, &sec)
	return sec.UID, nil
}

// Delete removes the secret uid of the account of apiKey, as another
// client (or the web console) would, and reports whether it was there.
func (s *Server) Delete(apiKey, uid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[apiKey]
	if a == nil {
		return false
	}
	i, sec := a.find(uid)
	if sec == nil {
		return false
	}
	a.secrets = append(a.secrets[:i], a.secrets[i+1:]...)
	return true
}
