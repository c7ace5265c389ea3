package locker

import (
	"context"

	"github.com/polysecret/secrets/backend"
)

// Integrity (8.25). The server holds ciphertexts it cannot read, next to
// plaintext lookup hashes. A record whose key (or environment name)
// decrypts to something else than its hash says — or than what the driver
// asked for — is another secret's ciphertext served in its place, by a
// broken or hostile server: Internal, naming the record's id and never
// what was decrypted. The limit of the protocol: a value or description
// ciphertext moved alone between two secrets of one project cannot be
// told apart, since Locker's encryption binds no field to its record (and
// the driver must stay readable by the official SDKs).

// want is what the caller asked for: the secret (env, key) exactly.
type want struct{ env, key string }

// verifier decrypts and checks the records of one operation; it caches
// the environment names it has verified.
type verifier struct {
	ctx    context.Context
	d      *driver
	names  map[string]string // environment name ciphertext -> verified name
	byHash map[string]string // environment hash -> name, read when a record lacks its name
	// noValues leaves values encrypted and empty (a listing without values)
	noValues bool
}

func (d *driver) verifier(ctx context.Context) *verifier {
	return &verifier{ctx: ctx, d: d, names: map[string]string{}}
}

func mismatch(what, id string) error {
	return backend.Errorf(backend.Internal,
		"locker: %s %s: the server sent ciphertexts of another record (they do not decrypt to what its lookup hash or the request names)", what, id)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// secret decrypts w and checks it: the key against its hash, the
// environment name against the environment hash, and both against wt when
// the caller asked for a particular secret.
func (v *verifier) secret(w *wireSecret, wt *want) (*backend.Secret, error) {
	c := v.d.c
	key, err := c.Decrypt("key of secret "+w.ID, w.Key)
	if err != nil {
		return nil, err
	}
	if c.Hash(key) != w.SecretHash {
		return nil, mismatch("secret", w.ID)
	}
	env, err := v.envOf(w, wt)
	if err != nil {
		return nil, err
	}
	if wt != nil && key != wt.key {
		return nil, mismatch("secret", w.ID)
	}
	if wt != nil && env != wt.env {
		// A consistent record (key and environment match their hashes) in
		// another environment: not a swap but a move by another client
		// while this call ran (Locker has no compare-and-set).
		return nil, backend.Errorf(backend.Unavailable,
			"locker: secret %s was moved to another environment while this call ran; retry", w.ID)
	}
	val := ""
	if !v.noValues {
		if val, err = c.Decrypt("value of secret "+w.ID, w.Value); err != nil {
			return nil, err
		}
	}
	desc, err := v.d.decryptOpt("description of secret "+w.ID, w.Description)
	if err != nil {
		return nil, err
	}
	s := &backend.Secret{Environment: env, Key: key, Value: val, Description: desc, Type: backend.TypeGeneric, ID: w.ID,
		CreatedAt: epoch(w.CreationDate), UpdatedAt: epoch(w.RevisionDate)}
	if w.UpdatedDate != nil {
		s.UpdatedAt = epoch(*w.UpdatedDate)
	}
	return s, nil
}

// envOf is the verified plain name of w's environment ("" = All).
func (v *verifier) envOf(w *wireSecret, wt *want) (string, error) {
	c := v.d.c
	hash, enc := deref(w.EnvironmentHash), deref(w.EnvironmentName)
	if hash == "" {
		// All: a name, if any, must be the empty one the SDK sends on a
		// move to All.
		if enc != "" {
			name, err := c.Decrypt("environment name of secret "+w.ID, enc)
			if err != nil {
				return "", err
			}
			if name != "" {
				return "", mismatch("secret", w.ID)
			}
		}
		return "", nil
	}
	if enc != "" {
		name, ok := v.names[enc]
		if !ok {
			var err error
			if name, err = c.Decrypt("environment name of secret "+w.ID, enc); err != nil {
				return "", err
			}
			if c.Hash(name) != hash {
				return "", mismatch("secret", w.ID)
			}
			v.names[enc] = name
		}
		return name, nil
	}
	// no name in the record: the hash says which environment
	if wt != nil && wt.env != "" && c.Hash(wt.env) == hash {
		return wt.env, nil
	}
	if v.byHash == nil {
		ws, err := listAll[wireEnv](v.ctx, c, "/v1/environments?"+listQuery("count_environment", 1, serverPageSize, nil))
		if err != nil {
			return "", err
		}
		v.byHash = map[string]string{}
		for i := range ws {
			e, err := v.d.env(&ws[i], "")
			if err != nil {
				return "", err
			}
			v.byHash[ws[i].Hash] = e.Name
		}
	}
	name, ok := v.byHash[hash]
	if !ok {
		return "", backend.Errorf(backend.Internal, "locker: secret %s names an environment the server does not list", w.ID)
	}
	return name, nil
}

// env decrypts an environment and checks its name against its hash, and
// against name when not "".
func (d *driver) env(w *wireEnv, name string) (*backend.Environment, error) {
	got, err := d.c.Decrypt("name of environment "+w.ID, w.Name)
	if err != nil {
		return nil, err
	}
	if d.c.Hash(got) != w.Hash || (name != "" && got != name) {
		return nil, mismatch("environment", w.ID)
	}
	u, err := d.decryptOpt("external URL of environment "+w.ID, w.ExternalURL)
	if err != nil {
		return nil, err
	}
	desc, err := d.decryptOpt("description of environment "+w.ID, w.Description)
	if err != nil {
		return nil, err
	}
	e := &backend.Environment{Name: got, ExternalURL: u, Description: desc, ID: w.ID, CreatedAt: epoch(w.CreationDate),
		UpdatedAt: epoch(w.RevisionDate)}
	if w.UpdatedDate != nil {
		e.UpdatedAt = epoch(*w.UpdatedDate)
	}
	return e, nil
}
