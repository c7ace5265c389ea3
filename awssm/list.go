package awssm

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/polysecret/secrets/backend"
)

// ListPage pages by name: the driver's token is the last name the previous
// page returned, and each page is the PageSize smallest names after it that
// match. AWS's NextToken cannot be used across pages: it is a position in a
// list that shifts when a secret before it is deleted or moved, and a secret
// that exists throughout would be skipped. So each page scans the name
// prefix (ListSecrets, 100 a call, metadata only; ⌈N/100⌉ calls for N
// secrets under the prefix), keeping only the best PageSize candidates.
func (d *driver) ListPage(ctx context.Context, o *backend.ListOptions, after string) ([]*backend.Secret, string, error) {
	namePrefix := d.l.scan(o)
	p := sm.NewListSecretsPaginator(d.c, &sm.ListSecretsInput{MaxResults: aws.Int32(100), Filters: nameFilter(namePrefix)})
	var (
		page []*backend.Secret // sorted by ID's name, at most PageSize
		more bool
	)
	names := map[*backend.Secret]string{}
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, "", err
		}
		for _, e := range out.SecretList {
			name := aws.ToString(e.Name)
			if e.DeletedDate != nil || name <= after || !strings.HasPrefix(name, namePrefix) { // AWS's name filter ignores case
				continue
			}
			env, key, ok := d.l.parse(name)
			if !ok || !o.AllEnvironments && env != o.Environment { // a scope's scan may hold others' (native: the global scope's holds the environments')
				continue
			}
			s := &backend.Secret{Environment: env, Key: key, Description: aws.ToString(e.Description), ID: aws.ToString(e.ARN),
				Version: currentVersion(e.SecretVersionsToStages), CreatedAt: aws.ToTime(e.CreatedDate), UpdatedAt: aws.ToTime(e.LastChangedDate)}
			d.l.applyTags(s, e.Tags)
			d.expiryFromVersion(s, s.Version)
			if !o.Match(s) {
				continue
			}
			i, _ := slices.BinarySearchFunc(page, name, func(x *backend.Secret, n string) int { return strings.Compare(names[x], n) })
			if i >= o.PageSize {
				more = true
				continue
			}
			names[s] = name
			page = slices.Insert(page, i, s)
			if len(page) > o.PageSize {
				page = page[:o.PageSize]
				more = true
			}
		}
	}
	next := ""
	if more && len(page) > 0 {
		next = names[page[len(page)-1]]
	}
	if o.WithValues && len(page) > 0 {
		var err error
		if page, err = d.fillValues(ctx, page); err != nil {
			return nil, "", err
		}
	}
	return page, next, nil
}

// fillValues fetches values with BatchGetSecretValue, d.batch at a time,
// and returns the page without the secrets deleted since they were listed
// (they did not exist throughout the listing). Any other per-secret error
// fails the page, classified by its own code.
func (d *driver) fillValues(ctx context.Context, page []*backend.Secret) ([]*backend.Secret, error) {
	// By ARN: a secret deleted and made again since the listing is another
	// secret, and this one is gone.
	byARN := map[string]*backend.Secret{}
	ids := make([]string, len(page))
	for i, s := range page {
		ids[i] = s.ID
		byARN[s.ID] = s
	}
	whose := func(id string) (string, string, bool) {
		if s := byARN[id]; s != nil {
			return s.Environment, s.Key, true
		}
		return "", "", false
	}
	gone := map[*backend.Secret]bool{}
	for i := 0; i < len(ids); i += d.batch {
		batch := ids[i:min(i+d.batch, len(ids))]
		got, err := d.batchGet(ctx, batch, whose)
		if err != nil {
			return nil, err
		}
		for _, id := range batch {
			s, a := byARN[id], got[id]
			switch {
			case a.err == nil:
				// The value's version, which the listing (eventually
				// consistent) may not show yet: its id is the expiry.
				s.Value, s.Version = a.sec.Value, a.sec.Version
				d.expiryFromVersion(s, s.Version)
			case backend.Classify(a.err, classify) == backend.NotFound:
				gone[s] = true
			default:
				return nil, a.err
			}
		}
	}
	if len(gone) > 0 {
		page = slices.DeleteFunc(page, func(s *backend.Secret) bool { return gone[s] })
	}
	return page, nil
}
