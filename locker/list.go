package locker

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/polysecret/secrets/backend"
)

// Listing. Locker's list endpoints page by page number over a list the
// server filters (by hash or environment); the order is not documented. A
// page-number token is therefore not safe across calls: a secret moved out
// of the scope shifts every later one back by one, and the next page skips
// one (8.6). ListPage does not carry server positions between calls:
// each call reads the scope whole, as the official SDKs do (size=2000 and
// every next link), orders it by secret id — an order of the client's own
// that never changes, since an id stays with its secret through updates
// and moves — and returns the secrets after the token's id. A secret that
// stays in the scope throughout a listing is therefore listed exactly once,
// whatever is created, deleted or moved meanwhile; what is moved in or out
// during the listing is listed at most once. snapshot.go checks each read
// for consistency and lets the pages of one listing share a read.

// serverPageSize is the page size asked of the server, as the SDKs ask.
const serverPageSize = 2000

// maxListPages bounds the next links one read follows (2,000,000 records
// at serverPageSize). A server whose links go on past it, repeat a page,
// or leave the API base is broken: Internal, since trying again would not
// help.
const maxListPages = 1000

// listRereads bounds how often a read of several server pages starts over
// because the list changed under it.
const listRereads = 3

var errListChanged = errors.New("locker: the listing changed while it was read")

// listEnvelope is a page of a listing.
type listEnvelope[T any] struct {
	Count   int     `json:"count"`
	Next    *string `json:"next"`
	Results []T     `json:"results"`
}

// listAll reads a listing whole, following next links from path. One
// server page is one consistent answer; a read of several pages starts
// over (at most listRereads times, then Unavailable) when the count moves
// between its pages. Listings of a scope check more (readScope).
func listAll[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	for try := 0; ; try++ {
		all, _, err := listOnce[T](ctx, c, path)
		if !errors.Is(err, errListChanged) {
			return all, err
		}
		if try == listRereads {
			return nil, errKeptChanging(try+1, err)
		}
	}
}

func errKeptChanging(tries int, err error) error {
	return backend.Errorf(backend.Unavailable, "locker: the listing kept changing while it was read (%d tries): %w", tries, err)
}

// listOnce follows next links from path, within the bounds of
// maxListPages, and fails with errListChanged when the count moves.
func listOnce[T any](ctx context.Context, c *Client, path string) (all []T, pages int, err error) {
	seen := map[string]bool{}
	count := -1
	for ; path != ""; pages++ {
		if pages == maxListPages {
			return nil, 0, backend.Errorf(backend.Internal, "locker: the server's listing goes on past %d pages; stopped", maxListPages)
		}
		if seen[path] {
			return nil, 0, backend.Errorf(backend.Internal, "locker: the server's next link %s leads back to a page already read; stopped", redactQuery(path))
		}
		seen[path] = true
		var env listEnvelope[T]
		if err := c.do(ctx, "GET", path, nil, &env); err != nil {
			return nil, 0, err
		}
		if count >= 0 && env.Count != count {
			return nil, 0, errListChanged
		}
		count = env.Count
		all = append(all, env.Results...)
		path = ""
		if env.Next != nil && *env.Next != "" {
			p, err := c.nextPath(*env.Next)
			if err != nil {
				return nil, 0, err
			}
			path = p
		}
	}
	return all, pages, nil
}

// nextPath turns a next link into a path under the API base. The SDK
// concatenates base + next, so a link is normally a path such as
// /v1/secrets?page=2; an absolute link is accepted on the base's own
// scheme, host and path. Anything else — another host, a path that leaves
// /v1/ (dot segments, escapes) — is Internal and never requested.
func (c *Client) nextPath(next string) (string, error) {
	bad := func(why string) (string, error) {
		return "", backend.Errorf(backend.Internal, "locker: the server's next link %s; not followed", why)
	}
	u, err := url.Parse(next)
	if err != nil {
		return bad("does not parse")
	}
	if u.IsAbs() || u.Host != "" {
		base, _ := url.Parse(c.base)
		if u.Scheme != base.Scheme || u.Host != base.Host || u.User != nil {
			return bad("points to another host")
		}
		rest, ok := strings.CutPrefix(u.EscapedPath(), base.EscapedPath())
		if !ok {
			return bad("leaves the API base")
		}
		if u.RawQuery != "" {
			rest += "?" + u.RawQuery
		}
		if u, err = url.Parse(rest); err != nil || u.IsAbs() || u.Host != "" {
			return bad("leaves the API base")
		}
	}
	if u.Fragment != "" || u.Opaque != "" || strings.Contains(u.EscapedPath(), "%") {
		return bad("is malformed")
	}
	if !strings.HasPrefix(u.Path, "/v1/") || slices.ContainsFunc(strings.Split(u.Path, "/"), func(s string) bool { return s == "." || s == ".." }) {
		return bad("leaves the API base")
	}
	return u.RequestURI(), nil
}

func listQuery(kind string, page, size int, extra url.Values) string {
	q := url.Values{}
	q.Set(kind, "1")
	q.Set("page", strconv.Itoa(page))
	q.Set("paging", "1")
	q.Set("revision_date", "0.000000")
	q.Set("size", strconv.Itoa(size))
	for k, v := range extra {
		q[k] = v
	}
	return q.Encode()
}

// idLess orders ids: shorter first, then bytewise — numeric order for
// decimal ids, plain order for ids of one length (UUIDs), a total order
// for any.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func idCmp(a, b string) int {
	switch {
	case a == b:
		return 0
	case idLess(a, b):
		return -1
	}
	return 1
}

// Page tokens are "id:" + the id of the last secret examined.
const tokenPrefix = "id:"

// ListPage reads the scope whole (see Listing above), and returns the
// first PageSize secrets after the token's id, in id order, that match
// opts. Only the records it examines are decrypted.
func (d *driver) ListPage(ctx context.Context, o *backend.ListOptions, tok string) ([]*backend.Secret, string, error) {
	after := ""
	if tok != "" {
		var ok bool
		if after, ok = strings.CutPrefix(tok, tokenPrefix); !ok || after == "" {
			return nil, "", backend.Errorf(backend.InvalidArgument, "malformed page token")
		}
	}
	extra := url.Values{}
	envHash := "" // the scope's environment hash when listing one scope
	if !o.AllEnvironments && o.Environment != "" {
		e, err := d.findEnv(ctx, o.Environment)
		if err != nil {
			if classify(err) == backend.NotFound {
				return nil, "", nil // an environment that does not exist holds nothing
			}
			return nil, "", err
		}
		extra.Set("environment_id", e.ID)
		envHash = e.Hash
	}
	path := "/v1/secrets?" + listQuery("count_secrets", 1, serverPageSize, extra)
	ws, sn, err := d.scope(ctx, path, tok != "")
	if err != nil {
		return nil, "", err
	}
	start, _ := slices.BinarySearchFunc(ws, after, func(w wireSecret, id string) int { return idCmp(w.ID, id) })
	if start < len(ws) && ws[start].ID == after {
		start++
	}
	v := d.verifier(ctx)
	v.noValues = !o.WithValues
	var page []*backend.Secret
	for i := start; i < len(ws); i++ {
		w := &ws[i]
		if !o.AllEnvironments && deref(w.EnvironmentHash) != envHash {
			continue // outside the scope, by the server's own account
		}
		s, err := v.secret(w, nil)
		if err != nil {
			return nil, "", err
		}
		if !o.Match(s) {
			continue
		}
		page = append(page, s)
		if len(page) == o.PageSize {
			if i+1 < len(ws) {
				d.snaps.put(path, sn) // the next page may reuse this read
				return page, tokenPrefix + w.ID, nil
			}
			break
		}
	}
	return page, "", nil
}
