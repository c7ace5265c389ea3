// Package awssm is the awssm:// driver: AWS Secrets Manager through
// github.com/aws/aws-sdk-go-v2/service/secretsmanager.
//
// # Layout
//
// The secret (env, key) is the AWS secret named <prefix>/<env>/<key>, or
// <prefix>/_global/<key> for the global scope. The description is AWS's
// own. Type, labels and expiry are tags in the polysecret: namespace:
//
//	polysecret:type          generic, password, key or token (absent = generic)
//	polysecret:expires-at    RFC 3339 time, UTC (absent = never)
//	polysecret:label:<k>     label k
//
// A value that is valid UTF-8 is stored in SecretString, anything else in
// SecretBinary; both read back byte for byte. Secrets Manager cannot store
// an empty value: an empty value is one NUL byte in SecretBinary. That is
// unambiguous, since a value "\x00" is valid UTF-8 and goes to SecretString,
// so emptiness is decided by the version alone. (Drivers before issue 8 also
// wrote a tag polysecret:empty=true, in a separate call; it is ignored: such
// a secret reads as its version holds, "" for the NUL byte, the stored value
// otherwise.)
// Environments are marker secrets <prefix>/_environments/<name> whose
// SecretString is {"external_url": …} and whose description is the
// environment's; creating one is a CreateSecret, so two processes creating
// the same environment cannot both succeed.
//
// Versions are AWS version ids; every Create and Modify carries a
// ClientRequestToken, so a request the SDK retries cannot make a second
// version or report AlreadyExists for its own write. Every successful
// Modify makes exactly one version, whatever it changes: the metadata
// (description, tags) is written first, then a PutSecretValue of the new
// value, or of the current one again when only metadata changed. Get at an
// old version returns that version's value with the secret's current
// metadata (tags and description are per secret in AWS). AWS has no
// compare-and-set: concurrent Modify calls may lose an update — a
// metadata-only Modify racing a value Modify may write the old value again
// (Capabilities.AtomicModify is false). Moves to another environment are
// the portable layer's (Capabilities.AtomicMove is false): the moved secret
// starts a new history in its new environment.
//
// Put (create or replace) is native: one DescribeSecret, then CreateSecret
// for a new secret, or, for an existing one, the tag changes needed
// (UntagResource, TagResource) and one UpdateSecret with the description
// and the value under a fresh request token — two calls when the type,
// labels and expiry stay. Fields left zero are cleared; the description
// is sent as "" (AWS clears it; moto ignores an empty Description, so on
// moto an emptied description stays).
//
// Values (batch read) is native: BatchGetSecretValue, 20 names a call,
// answering an environment's keys and, in the same batches, the global
// names of the keys the environment lacks (Get's fallback, in one pass);
// the metadata comes from one ListSecrets of the scopes involved, with a
// DescribeSecret for a secret the listing shows at another version (the
// listing is eventually consistent; the driver writes tags before the
// version, so a listing that shows the version shows its tags). Cost for
// K keys of an environment, M of them global only: ⌈(K+M)/20⌉
// BatchGetSecretValue + 1 ListSecrets (per 100 secrets in the scopes, at
// most one page per value batch) + one DescribeSecret per secret changed
// since the listing's view, plus, from the portable layer, one more batch
// for keys missing in both scopes. 50 keys, 25 global: 5 requests (50
// Gets: 150). Fewer cannot be correct: BatchGetSecretValue returns no tags
// (expiry is a tag), and a key's absence from the environment must be read
// from AWS, not from the eventually consistent listing. Without the
// permission for BatchGetSecretValue, Values falls back to Gets; without
// ListSecrets, to a DescribeSecret per secret.
//
// # URLs
//
//	awssm://<prefix>?region=eu-west-1&env=prod
//
// With the default opener (a blank import registers it on
// secrets.DefaultURLMux), credentials, region and endpoint come from the
// SDK's default chain (config.LoadDefaultConfig: AWS_PROFILE, AWS_REGION,
// AWS_ENDPOINT_URL_SECRETS_MANAGER, …). A region is required (from the URL
// or the chain) and must be an AWS region name (eu-west-1, us-gov-west-1,
// us-iso-east-1, …): otherwise OpenStore is InvalidArgument. Parameters:
//
//	region                  overrides the chain's region (not with an own client)
//	timeout                 per-request timeout, each attempt (Go duration,
//	                        default 30s; 0 = none). A request that times out
//	                        while the caller's context is alive is Unavailable
//	                        and retried like a 503.
//	max_retries             retries after the first attempt (default
//	                        backend.DefaultMaxRetries) of throttling, 5xx,
//	                        timeouts and connection failures, with
//	                        backend.RetryPolicy's exponential backoff and
//	                        jitter; a Retry-After header wins (capped at
//	                        20s). No retry sleeps past the caller's context.
//	                        Not with an own client (its retryer decides).
//	recovery_window_days    7–30: Delete keeps the secret recoverable that long;
//	                        by default Delete forces deletion without recovery
//	list_batch              values fetched per BatchGetSecretValue call, in
//	                        listings and Values (1–20, default 20)
//
// env and readonly are the mux's (see secrets.URLMux). Close releases the
// connections of the HTTP client built for the URL.
//
// # Clients
//
// An application that authenticates its own way (assume-role, SSO, a
// custom transport) builds its *secretsmanager.Client and either opens a
// Store on it directly:
//
//	st, err := awssm.New(client, awssm.Options{Prefix: "myapp", Environment: "prod"})
//
// or keeps URL configuration with a [URLOpener] holding the client:
//
//	mux := new(secrets.URLMux) // DefaultURLMux already has this package's opener
//	mux.Register(awssm.Scheme, &awssm.URLOpener{Client: client})
//	st, err := mux.OpenStore(ctx, "awssm://myapp?env=prod")
//
// The client stays the caller's: its retryer decides what to retry and how
// often (the driver adds Retry-After and the retry of timeouts and of
// 429/5xx answers that are not AWS's JSON), its region must be set and
// valid (a region or max_retries URL parameter is then InvalidArgument),
// Options.Timeout or the URL's timeout is the per-request timeout, and
// Close leaves it and its connections alone. URLOpener.Options are the
// defaults of the settings the URL does not give.
//
// Errors are classified by the SDK's types and AWS error codes; an answer
// without an AWS error code (a proxy's HTML or XML page) by its HTTP status:
// 400 InvalidArgument, 401 Unauthenticated, 403 PermissionDenied, 404
// NotFound, 408 Unavailable, 429 RateLimited, 5xx Unavailable. Ping lists at
// most one secret under the prefix.
//
// # As
//
// Store.As accepts **secretsmanager.Client. Store.ErrorAs reaches the SDK's
// typed errors (**types.ResourceNotFoundException and the other types of
// package types) and *smithy.APIError.
package awssm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/polysecret/secrets/backend"
)

// Scheme is the URL scheme of this driver.
const Scheme = "awssm"

// Tag keys.
const (
	TagType        = "polysecret:type"
	TagExpiresAt   = "polysecret:expires-at"
	TagLabelPrefix = "polysecret:label:"

	tagNamespace = "polysecret:" // every tag of the driver's (Put replaces them all)
)

const (
	globalDir = "_global"
	envDir    = "_environments"
)

type driver struct {
	c        *sm.Client // the driver's copy of user (see newDriver)
	user     *sm.Client // the client given, or built from the URL: what As returns
	prefix   string
	recovery int
	batch    int
	owned    closeIdler // the transport of a client the driver built, or nil
}

var (
	_ backend.Driver = (*driver)(nil)
	_ backend.Pinger = (*driver)(nil)
)

// Ping lists at most one secret under the prefix: one request that needs
// the endpoint, the region and accepted credentials.
func (d *driver) Ping(ctx context.Context) error {
	_, err := d.c.ListSecrets(ctx, &sm.ListSecretsInput{MaxResults: aws.Int32(1),
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{d.prefix + "/"}}}})
	return err
}

func scopeDir(env string) string {
	if env == "" {
		return globalDir
	}
	return env
}

func (d *driver) name(env, key string) string { return d.prefix + "/" + scopeDir(env) + "/" + key }
func (d *driver) envName(name string) string  { return d.prefix + "/" + envDir + "/" + name }

// parseName splits <prefix>/<scope>/<key>; ok is false for anything else
// (environment markers, foreign secrets).
func (d *driver) parseName(name string) (env, key string, ok bool) {
	rest, found := strings.CutPrefix(name, d.prefix+"/")
	if !found {
		return "", "", false
	}
	scope, key, found := strings.Cut(rest, "/")
	if !found || scope == envDir || backend.ValidateKey(key) != nil {
		return "", "", false
	}
	if scope == globalDir {
		return "", key, true
	}
	if backend.ValidateEnvironmentName(scope) != nil {
		return "", "", false
	}
	return scope, key, true
}

// token makes a ClientRequestToken (32–64 characters; becomes the version id).
func token() *string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	s := hex.EncodeToString(b)
	s = s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
	return &s
}

func tagsOf(s *backend.Secret) []types.Tag {
	var tags []types.Tag
	if s.Type != "" && s.Type != backend.TypeGeneric {
		tags = append(tags, types.Tag{Key: aws.String(TagType), Value: aws.String(s.Type)})
	}
	if !s.ExpiresAt.IsZero() {
		tags = append(tags, types.Tag{Key: aws.String(TagExpiresAt), Value: aws.String(s.ExpiresAt.UTC().Format(time.RFC3339Nano))})
	}
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		tags = append(tags, types.Tag{Key: aws.String(TagLabelPrefix + k), Value: aws.String(s.Labels[k])})
	}
	return tags
}

// applyTags fills type, expiry and labels from AWS tags; foreign tags (and
// the polysecret:empty tag of older drivers) are ignored.
func applyTags(s *backend.Secret, tags []types.Tag) {
	s.Type = backend.TypeGeneric
	for _, t := range tags {
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		switch {
		case k == TagType:
			s.Type = v
		case k == TagExpiresAt:
			if ts, err := time.Parse(time.RFC3339Nano, v); err == nil {
				s.ExpiresAt = ts
			}
		case strings.HasPrefix(k, TagLabelPrefix):
			if s.Labels == nil {
				s.Labels = map[string]string{}
			}
			s.Labels[strings.TrimPrefix(k, TagLabelPrefix)] = v
		}
	}
}

func setValue(v string) (str *string, bin []byte) {
	if v == "" {
		return nil, []byte{0}
	}
	if utf8.ValidString(v) {
		return aws.String(v), nil
	}
	return nil, []byte(v)
}

// valueOf reads a version's value: one NUL byte in SecretBinary is the
// empty value (setValue never writes a lone NUL there otherwise).
func valueOf(str *string, bin []byte) string {
	if str == nil && len(bin) == 1 && bin[0] == 0 {
		return ""
	}
	if bin != nil {
		return string(bin)
	}
	return aws.ToString(str)
}

func currentVersion(m map[string][]string) string {
	for id, stages := range m {
		if slices.Contains(stages, "AWSCURRENT") {
			return id
		}
	}
	return ""
}

func (d *driver) Get(ctx context.Context, env, key string, opts backend.GetOptions) (*backend.Secret, error) {
	name := d.name(env, key)
	// The value and the metadata are two calls; make them at once.
	type valRes struct {
		out *sm.GetSecretValueOutput
		err error
	}
	ch := make(chan valRes, 1)
	go func() {
		in := &sm.GetSecretValueInput{SecretId: &name}
		if opts.Version != "" {
			in.VersionId = &opts.Version
		}
		out, err := d.c.GetSecretValue(ctx, in)
		ch <- valRes{out, err}
	}()
	desc, derr := d.c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &name})
	v := <-ch
	if derr != nil {
		return nil, d.notFound(derr, env, key)
	}
	if desc.DeletedDate != nil {
		return nil, backend.Errorf(backend.NotFound, "secret %q is scheduled for deletion", key)
	}
	if v.err != nil {
		if opts.Version != "" && isCode(v.err, backend.NotFound, backend.InvalidArgument) {
			return nil, backend.Errorf(backend.NotFound, "secret %q has no version %q", key, opts.Version)
		}
		return nil, d.notFound(v.err, env, key)
	}
	s := &backend.Secret{Environment: env, Key: key,
		Description: aws.ToString(desc.Description), ID: aws.ToString(desc.ARN), Version: aws.ToString(v.out.VersionId),
		CreatedAt: aws.ToTime(desc.CreatedDate), UpdatedAt: aws.ToTime(desc.LastChangedDate)}
	applyTags(s, desc.Tags)
	s.Value = valueOf(v.out.SecretString, v.out.SecretBinary)
	return s, nil
}

func isCode(err error, codes ...backend.Code) bool { return slices.Contains(codes, classify(err)) }

// notFound gives a ResourceNotFoundException a message naming the key.
func (d *driver) notFound(err error, env, key string) error {
	if classify(err) == backend.NotFound {
		return backend.Errorf(backend.NotFound, "no secret %q in scope %q: %w", key, scopeDir(env), err)
	}
	return err
}

func (d *driver) checkEnv(ctx context.Context, env string) error {
	if env == "" {
		return nil
	}
	_, err := d.GetEnvironment(ctx, env)
	return err
}

func (d *driver) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	if err := d.checkEnv(ctx, s.Environment); err != nil {
		return nil, err
	}
	name := d.name(s.Environment, s.Key)
	str, bin := setValue(s.Value)
	in := &sm.CreateSecretInput{Name: &name, SecretString: str, SecretBinary: bin, Tags: tagsOf(s), ClientRequestToken: token()}
	if s.Description != "" {
		in.Description = &s.Description
	}
	out, err := d.createSecret(ctx, in, d.recovery == 0)
	if err != nil {
		return nil, d.createError(ctx, err, name, s.Key)
	}
	c := s.Clone()
	c.Type = backend.EffectiveType(c.Type)
	c.ID, c.Version = aws.ToString(out.ARN), aws.ToString(out.VersionId)
	now := time.Now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	return c, nil
}

// forcedDeleteWait bounds how long Create waits for a forced deletion of
// the same name to finish (Secrets Manager deletes in the background).
var forcedDeleteWait = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}

// createSecret is CreateSecret, plus AWS's advice for a name deleted with
// ForceDeleteWithoutRecovery a moment ago: the deletion runs in the
// background, so CreateSecret may still answer that the name is scheduled
// for deletion; back off and retry. Only in the driver's forced-deletion
// mode (forced; environment markers are always deleted so): with a
// recovery window a pending deletion is deliberate. The request
// token stays the same, so a retry can never make a second secret.
func (d *driver) createSecret(ctx context.Context, in *sm.CreateSecretInput, forced bool) (*sm.CreateSecretOutput, error) {
	for attempt := 0; ; attempt++ {
		out, err := d.c.CreateSecret(ctx, in)
		if err == nil || !forced || attempt >= len(forcedDeleteWait) || !d.pendingDeletion(ctx, err, *in.Name) {
			return out, err
		}
		if serr := backend.Sleep(ctx, forcedDeleteWait[attempt]); serr != nil {
			return nil, serr
		}
	}
}

// pendingDeletion reports whether a CreateSecret failed because name is
// scheduled for deletion: AWS answers InvalidRequestException, moto
// ResourceExistsException; either way DescribeSecret then shows a
// DeletedDate, or (AWS, a forced deletion finishing) no secret at all.
func (d *driver) pendingDeletion(ctx context.Context, err error, name string) bool {
	var (
		ex *types.ResourceExistsException
		ir *types.InvalidRequestException
	)
	if !errors.As(err, &ex) && !errors.As(err, &ir) {
		return false
	}
	desc, derr := d.c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &name})
	if derr != nil {
		return ir != nil && classify(derr) == backend.NotFound
	}
	return desc.DeletedDate != nil
}

// createError classifies a failed CreateSecret of a secret.
func (d *driver) createError(ctx context.Context, err error, name, key string) error {
	if d.pendingDeletion(ctx, err, name) {
		if d.recovery > 0 {
			return backend.Errorf(backend.FailedPrecondition,
				"secret %q was deleted with a recovery window and is pending deletion; restore it (RestoreSecret) or wait for the window to end: %w", key, err)
		}
		return backend.Errorf(backend.FailedPrecondition,
			"secret %q is still scheduled for deletion (deleted with a recovery window, or a forced deletion still running); restore it or retry later: %w", key, err)
	}
	var ex *types.ResourceExistsException
	if errors.As(err, &ex) {
		return backend.Errorf(backend.AlreadyExists, "secret %q exists: %w", key, err)
	}
	return err
}

func (d *driver) Modify(ctx context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	if u.Environment != nil {
		// Capabilities.AtomicMove is false: the portable layer moves secrets
		// (Get, Create in the target, Delete the source) and never asks us.
		return nil, backend.Errorf(backend.Internal, "awssm: Modify was handed a move of %q; the driver does not declare AtomicMove", key)
	}
	cur, err := d.Get(ctx, env, key, backend.GetOptions{})
	if err != nil {
		return nil, err
	}
	next := cur.Clone()
	u.Apply(next)
	next.Type = backend.EffectiveType(next.Type)
	name := d.name(env, key)
	// Metadata first, the new version last: every successful Modify makes
	// exactly one version (DESIGN.md, decision 8.26a), holding the new value
	// or, for a change of metadata only, the current one again. A Modify
	// that fails half-way made no version (its metadata may have landed;
	// AWS has no transaction). The request token makes a retried
	// PutSecretValue the same version.
	if u.Description != nil && *u.Description != cur.Description {
		if _, err := d.c.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: &name, Description: u.Description}); err != nil {
			return nil, d.notFound(err, env, key)
		}
	}
	if err := d.retag(ctx, name, tagsOf(cur), tagsOf(next)); err != nil {
		return nil, d.notFound(err, env, key)
	}
	str, bin := setValue(next.Value)
	out, err := d.c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: &name, SecretString: str, SecretBinary: bin, ClientRequestToken: token()})
	if err != nil {
		return nil, d.notFound(err, env, key)
	}
	next.Version = aws.ToString(out.VersionId)
	next.UpdatedAt = time.Now().UTC()
	return next, nil
}

// retag changes the polysecret tags of name from have to want; foreign
// tags stay.
func (d *driver) retag(ctx context.Context, name string, have, want []types.Tag) error {
	wantm := map[string]string{}
	for _, t := range want {
		wantm[*t.Key] = *t.Value
	}
	havem := map[string]string{}
	var remove []string
	for _, t := range have {
		k := aws.ToString(t.Key)
		if !strings.HasPrefix(k, tagNamespace) {
			continue
		}
		havem[k] = aws.ToString(t.Value)
		if _, ok := wantm[k]; !ok {
			remove = append(remove, k)
		}
	}
	slices.Sort(remove)
	var add []types.Tag
	for _, t := range want {
		if v, ok := havem[*t.Key]; !ok || v != *t.Value {
			add = append(add, t)
		}
	}
	if len(remove) > 0 {
		if _, err := d.c.UntagResource(ctx, &sm.UntagResourceInput{SecretId: &name, TagKeys: remove}); err != nil {
			return err
		}
	}
	if len(add) > 0 {
		if _, err := d.c.TagResource(ctx, &sm.TagResourceInput{SecretId: &name, Tags: add}); err != nil {
			return err
		}
	}
	return nil
}

func (d *driver) deleteName(ctx context.Context, name string) error {
	in := &sm.DeleteSecretInput{SecretId: &name}
	if d.recovery > 0 {
		in.RecoveryWindowInDays = aws.Int64(int64(d.recovery))
	} else {
		in.ForceDeleteWithoutRecovery = aws.Bool(true)
	}
	_, err := d.c.DeleteSecret(ctx, in)
	return err
}

func (d *driver) Delete(ctx context.Context, env, key string) error {
	name := d.name(env, key)
	desc, err := d.c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &name})
	if err != nil {
		return d.notFound(err, env, key)
	}
	if desc.DeletedDate != nil {
		return backend.Errorf(backend.NotFound, "secret %q is already scheduled for deletion", key)
	}
	if err := d.deleteName(ctx, name); err != nil {
		return d.notFound(err, env, key)
	}
	return nil
}

// ListPage pages by name: the driver's token is the last name the previous
// page returned, and each page is the PageSize smallest names after it that
// match. AWS's NextToken cannot be used across pages: it is a position in a
// list that shifts when a secret before it is deleted or moved, and a secret
// that exists throughout would be skipped. So each page scans the name
// prefix (ListSecrets, 100 a call, metadata only; ⌈N/100⌉ calls for N
// secrets under the prefix), keeping only the best PageSize candidates.
func (d *driver) ListPage(ctx context.Context, o *backend.ListOptions, after string) ([]*backend.Secret, string, error) {
	namePrefix := d.prefix + "/"
	if !o.AllEnvironments {
		namePrefix += scopeDir(o.Environment) + "/" + o.Prefix
	}
	p := sm.NewListSecretsPaginator(d.c, &sm.ListSecretsInput{
		MaxResults: aws.Int32(100),
		Filters:    []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{namePrefix}}},
	})
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
			env, key, ok := d.parseName(name)
			if !ok {
				continue
			}
			s := &backend.Secret{Environment: env, Key: key, Description: aws.ToString(e.Description), ID: aws.ToString(e.ARN),
				Version: currentVersion(e.SecretVersionsToStages), CreatedAt: aws.ToTime(e.CreatedDate), UpdatedAt: aws.ToTime(e.LastChangedDate)}
			applyTags(s, e.Tags)
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
				s.Value, s.Version = a.sec.Value, a.sec.Version
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

func (d *driver) Versions(ctx context.Context, env, key string) ([]backend.Version, error) {
	name := d.name(env, key)
	// Describe first: moto answers ListSecretVersionIds of a missing secret
	// with a 500, not ResourceNotFoundException.
	desc, err := d.c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &name})
	if err != nil {
		return nil, d.notFound(err, env, key)
	}
	if desc.DeletedDate != nil {
		return nil, backend.Errorf(backend.NotFound, "secret %q is scheduled for deletion", key)
	}
	var vs []backend.Version
	p := sm.NewListSecretVersionIdsPaginator(d.c, &sm.ListSecretVersionIdsInput{SecretId: &name, IncludeDeprecated: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, d.notFound(err, env, key)
		}
		for _, v := range out.Versions {
			vs = append(vs, backend.Version{ID: aws.ToString(v.VersionId), CreatedAt: aws.ToTime(v.CreatedDate),
				Current: slices.Contains(v.VersionStages, "AWSCURRENT")})
		}
	}
	slices.SortStableFunc(vs, func(a, b backend.Version) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		// Same second: the current version is the newest.
		switch {
		case a.Current && !b.Current:
			return 1
		case b.Current && !a.Current:
			return -1
		}
		return 0
	})
	return vs, nil
}

type envData struct {
	ExternalURL string `json:"external_url,omitempty"`
}

func (d *driver) ListEnvironments(ctx context.Context) ([]*backend.Environment, error) {
	prefix := d.prefix + "/" + envDir + "/"
	var envs []*backend.Environment
	p := sm.NewListSecretsPaginator(d.c, &sm.ListSecretsInput{MaxResults: aws.Int32(100),
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{prefix}}}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, e := range out.SecretList {
			name, ok := strings.CutPrefix(aws.ToString(e.Name), prefix)
			if !ok || e.DeletedDate != nil || backend.ValidateEnvironmentName(name) != nil {
				continue
			}
			env, err := d.GetEnvironment(ctx, name)
			if err != nil {
				if classify(err) == backend.NotFound {
					continue
				}
				return nil, err
			}
			envs = append(envs, env)
		}
	}
	return envs, nil
}

func (d *driver) GetEnvironment(ctx context.Context, name string) (*backend.Environment, error) {
	id := d.envName(name)
	desc, err := d.c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &id})
	if err != nil {
		if classify(err) == backend.NotFound {
			return nil, backend.Errorf(backend.NotFound, "environment %q does not exist: %w", name, err)
		}
		return nil, err
	}
	if desc.DeletedDate != nil {
		return nil, backend.Errorf(backend.NotFound, "environment %q is scheduled for deletion", name)
	}
	out, err := d.c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: &id})
	if err != nil {
		return nil, err
	}
	var data envData
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &data); err != nil {
		return nil, backend.Errorf(backend.Internal, "environment %q: marker secret is not polysecret's JSON", name)
	}
	return &backend.Environment{Name: name, ExternalURL: data.ExternalURL, Description: aws.ToString(desc.Description),
		ID: aws.ToString(desc.ARN), CreatedAt: aws.ToTime(desc.CreatedDate), UpdatedAt: aws.ToTime(desc.LastChangedDate)}, nil
}

func (d *driver) CreateEnvironment(ctx context.Context, e *backend.Environment) (*backend.Environment, error) {
	id := d.envName(e.Name)
	b, _ := json.Marshal(envData{ExternalURL: e.ExternalURL})
	in := &sm.CreateSecretInput{Name: &id, SecretString: aws.String(string(b)), ClientRequestToken: token()}
	if e.Description != "" {
		in.Description = &e.Description
	}
	out, err := d.createSecret(ctx, in, true)
	if err != nil {
		if d.pendingDeletion(ctx, err, id) {
			return nil, backend.Errorf(backend.FailedPrecondition, "environment %q is still being deleted; retry later: %w", e.Name, err)
		}
		var exists *types.ResourceExistsException
		if errors.As(err, &exists) {
			return nil, backend.Errorf(backend.AlreadyExists, "environment %q exists: %w", e.Name, err)
		}
		return nil, err
	}
	c := e.Clone()
	c.ID = aws.ToString(out.ARN)
	now := time.Now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	return c, nil
}

func (d *driver) ModifyEnvironment(ctx context.Context, name string, u *backend.EnvironmentUpdate) (*backend.Environment, error) {
	cur, err := d.GetEnvironment(ctx, name)
	if err != nil {
		return nil, err
	}
	next := cur.Clone()
	u.Apply(next)
	id := d.envName(name)
	in := &sm.UpdateSecretInput{SecretId: &id, ClientRequestToken: token()}
	if u.Description != nil {
		in.Description = u.Description
	}
	if u.ExternalURL != nil {
		b, _ := json.Marshal(envData{ExternalURL: next.ExternalURL})
		in.SecretString = aws.String(string(b))
	} else {
		in.ClientRequestToken = nil
	}
	if _, err := d.c.UpdateSecret(ctx, in); err != nil {
		return nil, err
	}
	next.UpdatedAt = time.Now().UTC()
	return next, nil
}

func (d *driver) DeleteEnvironment(ctx context.Context, name string) error {
	if _, err := d.GetEnvironment(ctx, name); err != nil {
		return err
	}
	// A page may be empty before the end; ask until the listing ends.
	for tok := ""; ; {
		p, next, err := d.ListPage(ctx, &backend.ListOptions{Environment: name, PageSize: 100}, tok)
		if err != nil {
			return err
		}
		if len(p) > 0 {
			return backend.Errorf(backend.FailedPrecondition, "environment %q still holds secrets", name)
		}
		if next == "" {
			break
		}
		tok = next
	}
	id := d.envName(name)
	_, err := d.c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: &id, ForceDeleteWithoutRecovery: aws.Bool(true)})
	return err
}

func (d *driver) Capabilities() backend.Capabilities {
	return backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true, Labels: true, Expiry: true}
}

func (d *driver) As(i any) bool {
	p, ok := i.(**sm.Client)
	if !ok {
		return false
	}
	*p = d.user
	return true
}

func (d *driver) ErrorAs(err error, i any) bool { return errors.As(err, i) }

// Close releases the connections of the HTTP client the driver built from a
// URL; a client given in Options is the user's and is left alone.
func (d *driver) Close() error {
	if d.owned != nil {
		d.owned.CloseIdleConnections()
	}
	return nil
}
