package lockertest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"github.com/polysecret/secrets/locker/internal/lockercrypto"
)

// Provisioning: projects and access keys, the part Locker's dashboard
// plays.

// Permission of an access key.
type Permission int

// Permissions, as Locker's dashboard offers them.
const (
	Read Permission = iota + 1
	ReadWrite
)

// KeyOptions describe a new access key.
type KeyOptions struct {
	Permission Permission // default ReadWrite
	RestrictIP []string   // if set, only these client addresses (IPs or CIDR prefixes) are served
	Inactive   bool
	ExpiresAt  time.Time // zero = never
}

// AccessKey is what the dashboard shows once: the id and the secret.
type AccessKey struct {
	ID, Secret string
}

type key struct {
	id         string
	project    *Project
	perm       Permission
	restrictIP []string
	active     bool
	expires    time.Time
	wrapped    string // the project keys, encrypted with this key's access keys
	created    float64
}

// Project holds secrets and environments.
type Project struct {
	s       *Server
	id      int
	name    string
	keys    lockercrypto.Keys // only to wrap for new access keys, as the dashboard does
	secrets []*StoredSecret   // creation order
	envs    []*storedEnv
	rev     float64
	deleted float64 // when a secret was last deleted (deleted_item_date)
}

// CreateProject makes a project with random keys.
func (s *Server) CreateProject(name string) *Project {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := lockercrypto.NewProjectKeys()
	if err != nil {
		panic(err)
	}
	p := &Project{s: s, id: s.nextProj, name: name, keys: k, rev: now()}
	s.nextProj++
	s.projects[p.id] = p
	return p
}

// ID is the project's numeric id (part of every lookup hash).
func (p *Project) ID() int { return p.id }

// CreateAccessKey makes an access key; at most two may be active.
func (p *Project) CreateAccessKey(o KeyOptions) (*AccessKey, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if !o.Inactive && p.activeKeys() >= 2 {
		return nil, fmt.Errorf("lockertest: project %d already has two active access keys", p.id)
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	secret := base64.StdEncoding.EncodeToString(raw)
	ak, err := lockercrypto.AccessKeys(secret)
	if err != nil {
		return nil, err
	}
	wrapped, err := ak.Wrap(p.keys)
	if err != nil {
		return nil, err
	}
	idb := make([]byte, 12)
	_, _ = rand.Read(idb)
	perm := o.Permission
	if perm == 0 {
		perm = ReadWrite
	}
	k := &key{id: "ak_" + base64.RawURLEncoding.EncodeToString(idb), project: p, perm: perm, restrictIP: o.RestrictIP,
		active: !o.Inactive, expires: o.ExpiresAt, wrapped: wrapped, created: now()}
	p.s.keys[k.id] = k
	return &AccessKey{ID: k.id, Secret: secret}, nil
}

func (p *Project) activeKeys() int {
	n := 0
	for _, k := range p.s.keys {
		if k.project == p && k.active {
			n++
		}
	}
	return n
}

// SetKeyActive activates or deactivates a key.
func (p *Project) SetKeyActive(id string, active bool) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	k := p.s.keys[id]
	if k == nil || k.project != p {
		return fmt.Errorf("lockertest: no key %q in project %d", id, p.id)
	}
	if active && !k.active && p.activeKeys() >= 2 {
		return fmt.Errorf("lockertest: project %d already has two active access keys", p.id)
	}
	k.active = active
	return nil
}

// StoredSecrets returns copies of what the server holds.
func (p *Project) StoredSecrets() []StoredSecret {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	out := make([]StoredSecret, len(p.secrets))
	for i, s := range p.secrets {
		out[i] = *s
	}
	return out
}

func (p *Project) newID() string {
	p.s.nextID++
	return strconv.Itoa(p.s.nextID)
}
