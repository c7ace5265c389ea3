package lockertest

import (
	"fmt"
	"sync/atomic"
)

// Hooks that play a lossy network and a broken or malicious server. They
// change what the server does or answers, never the protocol it speaks
// otherwise.

type hooks struct {
	next    atomic.Pointer[func(string) string]
	errors  atomic.Pointer[func(int, string, string) (int, string, string)]
	maxPage atomic.Int64
}

// SetMaxPageSize caps the page size of list answers at n (0: the normal
// cap of 2000), as a server configured with a smaller maximum would: a
// client asking for 2000 then gets several pages.
func (s *Server) SetMaxPageSize(n int) { s.hooks.maxPage.Store(int64(n)) }

// DeleteSecret deletes a secret as Locker's dashboard does (the API of the
// SDKs has no deletion), and moves deleted_item_date.
func (p *Project) DeleteSecret(id string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	for i, sec := range p.secrets {
		if sec.ID == id {
			p.secrets = append(p.secrets[:i], p.secrets[i+1:]...)
			p.deleted = now()
			p.rev = p.deleted
			return nil
		}
	}
	return fmt.Errorf("lockertest: no secret %q", id)
}

// RewriteNextLinks makes every list answer carry f(next) as its next link
// instead of next ("" on the last page); f returning "" means no next link.
// nil restores the normal links. For testing clients against a server
// whose links loop, never end, or point elsewhere.
func (s *Server) RewriteNextLinks(f func(next string) string) {
	if f == nil {
		s.hooks.next.Store(nil)
		return
	}
	s.hooks.next.Store(&f)
}

// RewriteErrors passes every error answer (status, code, message) through
// f before it is sent; nil restores the normal answers. For testing
// clients against the variants of error envelopes Locker's SDKs know
// (e.g. a duplicate reported only by status 400 and its message).
func (s *Server) RewriteErrors(f func(status int, code, message string) (int, string, string)) {
	if f == nil {
		s.hooks.errors.Store(nil)
		return
	}
	s.hooks.errors.Store(&f)
}

// SwapSecrets exchanges the ciphertexts (key, value, description and
// environment name) of two stored secrets, leaving their ids, hashes and
// environment ids in place: what a server that mixes up records, or
// attacks its clients, would serve.
func (p *Project) SwapSecrets(id1, id2 string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	a, b := p.secret(id1), p.secret(id2)
	if a == nil || b == nil {
		return fmt.Errorf("lockertest: no secret %q or %q", id1, id2)
	}
	a.Key, b.Key = b.Key, a.Key
	a.Value, b.Value = b.Value, a.Value
	a.Description, b.Description = b.Description, a.Description
	a.EnvironmentName, b.EnvironmentName = b.EnvironmentName, a.EnvironmentName
	return nil
}

// SwapEnvironments exchanges the ciphertexts (name, external URL and
// description) of two stored environments, leaving ids and hashes.
func (p *Project) SwapEnvironments(id1, id2 string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	a, b := p.env(id1), p.env(id2)
	if a == nil || b == nil {
		return fmt.Errorf("lockertest: no environment %q or %q", id1, id2)
	}
	a.Name, b.Name = b.Name, a.Name
	a.ExternalURL, b.ExternalURL = b.ExternalURL, a.ExternalURL
	a.Description, b.Description = b.Description, a.Description
	return nil
}

// TamperSecret overwrites a stored field ("key", "value", "description")
// of the secret with that id, as a broken or malicious server might.
func (p *Project) TamperSecret(id, field, value string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	for _, s := range p.secrets {
		if s.ID == id {
			switch field {
			case "key":
				s.Key = value
			case "value":
				s.Value = value
			case "description":
				s.Description = value
			default:
				return fmt.Errorf("lockertest: unknown field %q", field)
			}
			return nil
		}
	}
	return fmt.Errorf("lockertest: no secret %q", id)
}
