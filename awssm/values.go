package awssm

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/polysecret/secrets/backend"
)

var _ backend.BatchGetter = (*driver)(nil)

// Values reads keys with BatchGetSecretValue (SecretIdList of names,
// d.batch a call) and answers each key with Get's rule in one pass: when
// env is an environment, the global names of the keys the environment
// lacks join the queue of names as their NotFound answers come in, and
// fill the batches still to be sent, so that a key's result is the
// environment's secret, else the global one (Environment ""), else
// NotFound — a global PermissionDenied keeps the environment's NotFound,
// as Get's fallback does. The portable layer then has nothing to fall
// back on but keys missing in both scopes.
//
// Values answers what the portable layer passes on (DESIGN.md: the
// value, version, id and expiry; no other metadata): BatchGetSecretValue
// gives all of it but the expiry, which the version id carries for every
// version this driver wrote (version.go). Only for a version written
// otherwise (an older driver, another tool) is the expiry tag read: one
// ListSecrets over the scopes involved (100 a page, at most as many pages
// as value batches) for every such secret whose listed current version is
// the one read — the listing is eventually consistent, and the driver
// writes tags before the version, so a listing that shows the version
// shows its tags; a DescribeSecret each for those the listing misses or
// shows at another version.
//
// Without the permission for BatchGetSecretValue, Values answers
// backend.ErrSkip (the portable layer then Gets each key); without the one
// for ListSecrets, every secret found whose version was written by others
// gets a DescribeSecret.
//
// Cost for K keys in an environment of which M are global only:
// ⌈(K+M)/batch⌉ BatchGetSecretValue, plus, only where versions were
// written by others, the metadata reads above. For 50 keys all in the
// scope: 3 requests; 50 keys, 25 of them global: 4 — against 100 and 150
// for 50 Gets (GetSecretValue and DescribeSecret per scope).
func (d *driver) Values(ctx context.Context, env string, keys []string) ([]backend.ValueResult, error) {
	type ref struct{ env, key string }
	refs := map[string]ref{} // name -> what it is
	answers := map[string]*answer{}
	var queue []string
	// lookup queues the name of (e, k) and returns it; a pair the layout
	// refuses gets its answer at once, under a string that is no AWS name.
	lookup := func(e, k string) string {
		name, err := d.l.name(e, k, false)
		if err != nil {
			name = "\x00" + e + "\x00" + k
			answers[name] = &answer{err: err}
		} else if _, dup := refs[name]; !dup {
			queue = append(queue, name)
		}
		refs[name] = ref{e, k}
		return name
	}
	names := make([]string, len(keys)) // of each key in env
	globals := map[string]string{}     // key -> its global name, where the fallback needs it
	fallback := func(name string) {
		if r := refs[name]; r.env != "" && backend.Classify(answers[name].err, classify) == backend.NotFound {
			if _, done := globals[r.key]; !done {
				globals[r.key] = lookup("", r.key)
			}
		}
	}
	for i, k := range keys {
		names[i] = lookup(env, k)
		if answers[names[i]] != nil {
			fallback(names[i])
		}
	}
	for len(queue) > 0 {
		batch := queue[:min(d.batch, len(queue))]
		queue = queue[len(batch):]
		got, err := d.batchGet(ctx, batch, func(name string) (string, string, bool) { r, ok := refs[name]; return r.env, r.key, ok })
		if err != nil {
			if backend.Classify(err, classify) == backend.PermissionDenied {
				// No permission for BatchGetSecretValue itself (policies
				// often grant only GetSecretValue): the portable layer's
				// Gets may still be allowed.
				return nil, backend.ErrSkip
			}
			return nil, err
		}
		for _, name := range batch {
			answers[name] = got[name]
			if got[name].err != nil {
				fallback(name)
			}
		}
	}
	res := make([]backend.ValueResult, len(keys))
	var unknown []*backend.Secret // versions that do not carry their expiry
	seen := map[*answer]bool{}
	for i, k := range keys {
		a := answers[names[i]]
		if env != "" && a.err != nil && backend.Classify(a.err, classify) == backend.NotFound {
			if g := answers[globals[k]]; g.err == nil || backend.Classify(g.err, classify) != backend.PermissionDenied {
				a = g
			}
		}
		if a.sec != nil && !seen[a] {
			seen[a] = true
			if !d.expiryFromVersion(a.sec, a.sec.Version) {
				unknown = append(unknown, a.sec)
			}
		}
		res[i] = backend.ValueResult{Secret: a.sec, Err: a.err, Resolved: true} // the fallback is done above
	}
	gone, err := d.fillMeta(ctx, unknown)
	if err != nil {
		return nil, err
	}
	for i := range res {
		s := res[i].Secret
		switch {
		case s == nil:
		case gone[s]:
			res[i] = backend.ValueResult{Err: backend.Errorf(backend.NotFound, "no secret %q in scope %q (deleted while read)", s.Key, d.l.scopeName(s.Environment))}
		default:
			res[i].Secret = s.Clone() // a repeated key gets its own copy
		}
	}
	return res, nil
}

// answer is BatchGetSecretValue's answer for one name.
type answer struct {
	sec *backend.Secret
	err error
}

// batchGet reads ids (names or ARNs, at most 20) in one
// BatchGetSecretValue, and answers each id: the secret with its value and
// version, or its own error, classified by its own code (a secret pending
// deletion is NotFound, as in Get). whose maps an id asked for to its
// scope and key.
func (d *driver) batchGet(ctx context.Context, ids []string, whose func(id string) (env, key string, ok bool)) (map[string]*answer, error) {
	got := map[string]*answer{}
	p := sm.NewBatchGetSecretValuePaginator(d.c, &sm.BatchGetSecretValueInput{SecretIdList: ids})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range out.SecretValues {
			name := aws.ToString(v.Name) // the id asked: the name, or the ARN
			env, key, ok := whose(name)
			if !ok {
				name = aws.ToString(v.ARN)
				env, key, ok = whose(name)
			}
			if !ok {
				return nil, backend.Errorf(backend.Internal, "BatchGetSecretValue answered for a secret not asked for")
			}
			got[name] = &answer{sec: &backend.Secret{Environment: env, Key: key, ID: aws.ToString(v.ARN),
				Value: d.l.decode(v.SecretString, v.SecretBinary), Version: aws.ToString(v.VersionId)}}
		}
		for _, e := range out.Errors {
			name := aws.ToString(e.SecretId)
			env, key, ok := whose(name)
			if !ok {
				return nil, backend.Errorf(apiCode(aws.ToString(e.ErrorCode)), "BatchGetSecretValue: %s for a secret not asked for", aws.ToString(e.ErrorCode))
			}
			got[name] = &answer{err: d.batchError(ctx, e, name, env, key)}
		}
	}
	for _, id := range ids {
		if got[id] == nil {
			env, key, _ := whose(id)
			return nil, backend.Errorf(backend.Internal, "BatchGetSecretValue gave no answer for secret %q in scope %q", key, d.l.scopeName(env))
		}
	}
	return got, nil
}

// batchError is the error of one secret of a BatchGetSecretValue.
func (d *driver) batchError(ctx context.Context, e types.APIErrorType, id, env, key string) error {
	code := aws.ToString(e.ErrorCode)
	c := apiCode(code)
	if code == "InvalidRequestException" {
		// What AWS answers for a secret pending deletion, among other things.
		desc, err := d.c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &id})
		switch {
		case err != nil && classify(err) != backend.NotFound:
			return err
		case err != nil || desc.DeletedDate != nil:
			c = backend.NotFound
		}
	}
	if c == backend.NotFound {
		return backend.Errorf(backend.NotFound, "no secret %q in scope %q (BatchGetSecretValue: %s)", key, d.l.scopeName(env), code)
	}
	return backend.Errorf(c, "BatchGetSecretValue: %s for secret %q in scope %q", code, key, d.l.scopeName(env))
}

// fillMeta fills the metadata of secrets read by BatchGetSecretValue (see
// Values) and returns those found deleted meanwhile.
func (d *driver) fillMeta(ctx context.Context, secs []*backend.Secret) (map[*backend.Secret]bool, error) {
	need := map[string]*backend.Secret{}
	var prefixes []string
	all := false // a scope is the whole account: no filter
	for _, s := range secs {
		name, err := d.l.name(s.Environment, s.Key, false)
		if err != nil {
			return nil, err // not for a secret just read
		}
		need[name] = s
		p := d.l.scan(&backend.ListOptions{Environment: s.Environment})
		all = all || p == ""
		if !slices.Contains(prefixes, p) {
			prefixes = append(prefixes, p)
		}
	}
	filters := []types.Filter{{Key: types.FilterNameStringTypeName, Values: prefixes}}
	if all {
		filters = nil
	}
	if len(need) == 0 {
		return nil, nil
	}
	maxPages := (len(need) + d.batch - 1) / d.batch
	p := sm.NewListSecretsPaginator(d.c, &sm.ListSecretsInput{MaxResults: aws.Int32(100),
		Filters: filters})
	for pages := 0; len(need) > 0 && p.HasMorePages() && pages < maxPages; pages++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			if backend.Classify(err, classify) == backend.PermissionDenied {
				break // no ListSecrets permission: DescribeSecret each
			}
			return nil, err
		}
		for _, e := range out.SecretList {
			name := aws.ToString(e.Name)
			if s := need[name]; s != nil && e.DeletedDate == nil && currentVersion(e.SecretVersionsToStages) == s.Version {
				setMeta(d.l, s, e.Description, e.Tags, e.CreatedDate, e.LastChangedDate)
				delete(need, name)
			}
		}
	}
	rest := make([]*backend.Secret, 0, len(need))
	for _, s := range need {
		rest = append(rest, s)
	}
	var (
		mu   sync.Mutex
		gone = map[*backend.Secret]bool{}
	)
	err := backend.ForEach(ctx, len(rest), backend.DefaultListFetchConc, func(ctx context.Context, i int) error {
		s := rest[i]
		name, _ := d.l.name(s.Environment, s.Key, false) // checked above
		desc, err := d.c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &name})
		if err != nil && classify(err) != backend.NotFound {
			return err
		}
		if err != nil || desc.DeletedDate != nil {
			mu.Lock()
			gone[s] = true
			mu.Unlock()
			return nil
		}
		setMeta(d.l, s, desc.Description, desc.Tags, desc.CreatedDate, desc.LastChangedDate)
		return nil
	})
	return gone, err
}

// setMeta sets what AWS keeps per secret rather than per version.
func setMeta(l layout, s *backend.Secret, desc *string, tags []types.Tag, created, changed *time.Time) {
	s.Description = aws.ToString(desc)
	l.applyTags(s, tags)
	s.CreatedAt, s.UpdatedAt = aws.ToTime(created), aws.ToTime(changed)
}
