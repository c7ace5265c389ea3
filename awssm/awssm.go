// Package awssm is the awssm:// driver: AWS Secrets Manager through
// github.com/aws/aws-sdk-go-v2/service/secretsmanager.
//
// # Layouts
//
// A store has one of two layouts, chosen by the URL parameter layout (or
// Options.Layout): polysecret, the default, where the driver owns the names
// below its prefix and keeps its metadata in tags; or native, where the
// key is the AWS name an operator already uses (see "The native layout").
//
// # The polysecret layout
//
// The secret (env, key) is the AWS secret named <prefix>/<env>/<key>, or
// <prefix>/_global/<key> for the global scope. The description is AWS's
// own. Type, labels and expiry are tags in the polysecret: namespace:
//
//	polysecret:type          generic, password, key or token (absent = generic)
//	polysecret:expires-at    RFC 3339 time, UTC (absent = never)
//	polysecret:label:<k>     label k
//
// The expiry is also in the id of every version the driver writes (see
// Values below), and that id is what the driver reads: the expires-at tag
// mirrors it for people and for versions written by other tools. To
// revoke a leaked secret, Modify its expiry (or delete it) through
// polysecret; an expires-at tag edited in the console is ignored while the
// current version is one the driver wrote, and set back by its next write.
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
// names of the keys the environment lacks (Get's fallback, in one pass).
// It answers no metadata but the expiry (DESIGN.md), and the expiry is in
// the version id: every version the driver writes has a ClientRequestToken
// of the form <uuid>-n (never expires) or <uuid>-e<YYYYMMDDhhmmss>[-<ns>]
// (expires then, UTC), and that id, not the polysecret:expires-at tag, is
// the expiry of the secret's current version in Get, List and Values (the
// tag repeats it, for people; a tag changed by hand is ignored, and set
// back by the next write). A version written otherwise (an older driver, another tool)
// carries no expiry: for those alone, Values reads the tags, with one
// ListSecrets of the scopes involved and a DescribeSecret for a secret the
// listing shows at another version (it is eventually consistent). Cost
// for K keys of an environment, M of them global only: ⌈(K+M)/20⌉
// BatchGetSecretValue, plus, from the portable layer, one more batch for
// keys missing in both scopes; Store.Value, likewise, is one GetSecretValue
// (Get: two calls) — so a policy that grants GetSecretValue but not
// DescribeSecret lets Value read what Get refuses (PermissionDenied),
// except for versions written by others, whose expiry needs the tags. 50 keys in the scope: 3 requests; 50 keys,
// 25 of them global: 4 (50 Gets: 100 and 150). Without the permission for
// BatchGetSecretValue, Values falls back to Gets; without ListSecrets, to
// a DescribeSecret per secret written by others.
//
// # The native layout
//
//	awssm://legacyapp?layout=native&envs=prod,staging&region=eu-west-1
//	awssm://?layout=native&region=eu-west-1     every secret of the account
//
// The key is the AWS name below the prefix, exactly: nothing is added or
// hidden. With the prefix legacyapp, the secret legacyapp/config is the key
// config and legacyapp/db/primary/creds the key db/primary/creds; with no
// prefix the key is the whole name. Keys are the AWS name alphabet (A-Z a-z
// 0-9 / _ + = . @ -) with the portable key rule (no empty, "." or ".."
// segment). Names below the prefix that are no portable key (a doubled,
// leading or trailing /, a "." or ".." segment, longer than 256 bytes) cannot
// be addressed and are not listed.
//
// Environments are configuration, not data (Capabilities.FixedEnvironments):
// the URL parameter envs (comma-separated) or Options.Environments names
// them, each a valid environment name, none twice, and each is the
// directory <prefix>/<env>/ — no template: the environment is the first
// segment below the prefix. The global scope is everything below the prefix
// that is not under a configured environment's directory, so every secret
// below the prefix is seen exactly once: legacyapp/prod/db is the key db of
// environment prod when prod is configured, and the global key prod/db
// otherwise; legacyapp/prod itself (no further segment) is the global key
// prod. In the global scope a key whose first segment is a configured
// environment (prod/db) is that environment's secret: writing it (Create,
// Put, Modify, Delete) is InvalidArgument, and reading it NotFound — both
// before any request (NotFound rather than InvalidArgument for reads, so
// that an environment's Get falling back to the global scope, and
// ValueOr, answer "not found"). A secret in an environment that is not
// configured is NotFound, before any request. ListEnvironments and
// GetEnvironment answer the configured environments (sorted; no
// description, no dates; ID is the directory); CreateEnvironment,
// ModifyEnvironment and DeleteEnvironment are Unimplemented.
//
// Values are as AWS holds them: a SecretString is read as it is, a
// SecretBinary byte for byte. Create and Put write a value that is valid
// UTF-8 as SecretString and anything else as SecretBinary; Modify of a
// secret whose current version is SecretBinary writes SecretBinary again (a
// certificate stored with --secret-binary stays binary). An empty value is
// InvalidArgument before any request: Secrets Manager cannot store one, and
// the native layout adds no encoding (there is no NUL convention here: one
// NUL byte is the value "\x00"). A JSON SecretString is one value; the
// portable KEY#field syntax reads one of its fields.
//
// Metadata: only what Secrets Manager has a place for. The description is
// AWS's; the labels are the secret's tags, all of them but AWS's own
// (aws:…), so the operator's tags (owner, Name, …) read as labels and
// writing labels replaces them (a Put without labels removes them, as it
// clears every field it leaves zero). Type and expiry have no place:
// Capabilities.Types and Expiry are false (setting them is Unimplemented;
// every secret reads as generic). Versions are AWS's version ids, as in the
// polysecret layout; Delete and Modify work as there (one version per
// Modify, no compare-and-set: AtomicModify is false). Listing pages by
// name over a scan of the scope's name prefix, as in the polysecret layout,
// so a secret that exists throughout is listed exactly once, also under
// moves; the global scope's scan includes the environments' directories
// (they share its prefix) and skips their secrets. Creating a secret in an
// environment is one CreateSecret (the polysecret layout also reads the
// environment's marker).
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
//	layout                  polysecret (default) or native
//	envs                    native layout: the configured environments,
//	                        comma-separated (prod,staging)
//	profile                 the shared-config profile to use (see Authentication)
//	role_arn                an IAM role to assume (see Authentication)
//	external_id             the AssumeRole's external id (with role_arn)
//	session_name            the role session name (with role_arn; default
//	                        "polysecret")
//	duration                the assumed session's lifetime (with role_arn; Go
//	                        duration, 15m–12h; default the SDK's, 15m)
//
// env and readonly are the mux's (see secrets.URLMux). Close releases the
// connections of the HTTP client built for the URL (STS's included).
//
// # Authentication
//
// Credentials are the SDK's default chain (environment, shared files, SSO,
// web identity, container and instance roles), which two URL parameters
// adjust; nothing secret is ever in the URL (the external id is an
// identifier that AWS does not treat as a secret; errors never repeat it):
//
//	awssm://myapp?profile=billing
//	awssm://myapp?role_arn=arn:aws:iam::123456789012:role/app-reader&external_id=acme-7&env=prod
//
// profile selects a profile of the shared config and credentials files
// (config.WithSharedConfigProfile: like AWS_PROFILE, and like it winning
// over AWS_ACCESS_KEY_ID), with everything such a profile can say (its
// keys, region, SSO session, or its own role_arn and source_profile). A
// profile that is in neither file is InvalidArgument at open.
//
// role_arn assumes that role (stscreds.AssumeRoleProvider behind an
// aws.CredentialsCache) with the credentials the chain, or the profile,
// gives: one AssumeRole when the first request needs credentials, the
// next one a minute before the session expires (concurrent requests wait
// for one AssumeRole). external_id, session_name and
// duration are the AssumeRole's ExternalId, RoleSessionName and
// DurationSeconds. STS is reached where the SDK resolves it
// (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, or the region's endpoint),
// through the store's HTTP client, with its per-request timeout and
// retries. A role_arn that is not arn:<partition>:iam::<12-digit
// account>:role/<name>, a malformed external_id or session_name, a
// duration out of range, or one of the three without role_arn is
// InvalidArgument at open, before any request. An AssumeRole that STS
// refuses fails the request that needed credentials, before it is sent to
// Secrets Manager, with a code by STS's error code: AccessDenied
// PermissionDenied; InvalidClientTokenId, ExpiredToken,
// SignatureDoesNotMatch Unauthenticated; ValidationError (such as a
// duration above the role's maximum) InvalidArgument;
// RegionDisabledException FailedPrecondition; STS unreachable or not
// answering within the timeout Unavailable. Other failures to get credentials are Unauthenticated.
//
// With an own client (New, or URLOpener.Client) these parameters are
// InvalidArgument: the client has its credentials. Build them into it:
//
//	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile("billing"))
//	…
//	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg),
//		"arn:aws:iam::123456789012:role/app-reader", func(o *stscreds.AssumeRoleOptions) {
//			o.ExternalID = aws.String("acme-7")
//			o.RoleSessionName = "myapp"
//		}))
//	st, err := awssm.New(secretsmanager.NewFromConfig(cfg), awssm.Options{Prefix: "myapp"})
//
// # Clients
//
// An application that authenticates its own way (credentials of its own
// making, a custom transport; see Authentication for assume-role) builds
// its *secretsmanager.Client and either opens a Store on it directly:
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
// valid (a region, max_retries or credential URL parameter is then
// InvalidArgument),
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
	"errors"
	"slices"
	"time"

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
	c                    *sm.Client // the driver's copy of user (see newDriver)
	user                 *sm.Client // the client given, or built from the URL: what As returns
	l                    layout     // where secrets live and how they are encoded: polysecret or native
	backend.Environments            // = l: the layout's environment methods are the driver's
	recovery             int
	batch                int
	owned                closeIdler // the transport of a client the driver built, or nil
}

var (
	_ backend.Driver     = (*driver)(nil)
	_ backend.Pinger     = (*driver)(nil)
	_ backend.KeyChecker = (*driver)(nil)
)

// Ping lists at most one secret under the prefix: one request that needs
// the endpoint, the region and accepted credentials.
func (d *driver) Ping(ctx context.Context) error {
	_, err := d.c.ListSecrets(ctx, &sm.ListSecretsInput{MaxResults: aws.Int32(1), Filters: nameFilter(d.l.scan(&backend.ListOptions{AllEnvironments: true}))})
	return err
}

// nameFilter is ListSecrets's filter of names that start with prefix (none
// for "": the whole account). AWS's filter ignores case; callers check the
// names again.
func nameFilter(prefix string) []types.Filter {
	if prefix == "" {
		return nil
	}
	return []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{prefix}}}
}

func (d *driver) Get(ctx context.Context, env, key string, opts backend.GetOptions) (*backend.Secret, error) {
	r, err := d.read(ctx, env, key, opts)
	return r.Secret, err
}

// readResult is what read read: the secret, whether its version is
// SecretBinary, and the tags AWS holds (which may disagree with the
// secret's expiry, taken from the version id).
type readResult struct {
	*backend.Secret
	binary bool
	tags   []types.Tag
}

// read is Get, with what Modify needs besides.
func (d *driver) read(ctx context.Context, env, key string, opts backend.GetOptions) (readResult, error) {
	name, err := d.l.name(env, key, false)
	if err != nil {
		return readResult{}, err
	}
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
		return readResult{}, d.notFound(derr, env, key)
	}
	if desc.DeletedDate != nil {
		return readResult{}, backend.Errorf(backend.NotFound, "secret %q is scheduled for deletion", key)
	}
	if v.err != nil {
		if opts.Version != "" && isCode(v.err, backend.NotFound, backend.InvalidArgument) {
			return readResult{}, backend.Errorf(backend.NotFound, "secret %q has no version %q", key, opts.Version)
		}
		return readResult{}, d.notFound(v.err, env, key)
	}
	s := &backend.Secret{Environment: env, Key: key,
		Description: aws.ToString(desc.Description), ID: aws.ToString(desc.ARN), Version: aws.ToString(v.out.VersionId),
		CreatedAt: aws.ToTime(desc.CreatedDate), UpdatedAt: aws.ToTime(desc.LastChangedDate)}
	d.l.applyTags(s, desc.Tags)
	current := s.Version
	if opts.Version != "" {
		current = currentVersion(desc.VersionIdsToStages) // the secret's metadata, not the old version's
	}
	d.expiryFromVersion(s, current)
	s.Value = d.l.decode(v.out.SecretString, v.out.SecretBinary)
	return readResult{s, v.out.SecretBinary != nil, desc.Tags}, nil
}

func isCode(err error, codes ...backend.Code) bool { return slices.Contains(codes, classify(err)) }

// notFound gives a ResourceNotFoundException a message naming the key.
func (d *driver) notFound(err error, env, key string) error {
	if classify(err) == backend.NotFound {
		return backend.Errorf(backend.NotFound, "no secret %q in scope %q: %w", key, d.l.scopeName(env), err)
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
	if err := d.l.checkValue(s.Value); err != nil {
		return nil, err
	}
	name, err := d.l.name(s.Environment, s.Key, true)
	if err != nil {
		return nil, err
	}
	if err := d.checkEnv(ctx, s.Environment); err != nil {
		return nil, err
	}
	str, bin := d.l.encode(s.Value, false)
	in := &sm.CreateSecretInput{Name: &name, SecretString: str, SecretBinary: bin, Tags: d.l.tags(s), ClientRequestToken: token(s.ExpiresAt)}
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
	if u.Value != nil {
		if err := d.l.checkValue(*u.Value); err != nil {
			return nil, err
		}
	}
	name, err := d.l.name(env, key, true)
	if err != nil {
		return nil, err
	}
	r, err := d.read(ctx, env, key, backend.GetOptions{})
	if err != nil {
		return nil, err
	}
	cur, binary := r.Secret, r.binary
	next := cur.Clone()
	u.Apply(next)
	next.Type = backend.EffectiveType(next.Type)
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
	// From the tags AWS holds, not those cur would make: a tag that
	// drifted from the version id (changed by hand, or left by a Modify
	// whose version failed) is set right by the next write.
	if err := d.retag(ctx, name, r.tags, d.l.tags(next)); err != nil {
		return nil, d.notFound(err, env, key)
	}
	str, bin := d.l.encode(next.Value, binary)
	out, err := d.c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: &name, SecretString: str, SecretBinary: bin, ClientRequestToken: token(next.ExpiresAt)})
	if err != nil {
		return nil, d.notFound(err, env, key)
	}
	next.Version = aws.ToString(out.VersionId)
	next.UpdatedAt = time.Now().UTC()
	return next, nil
}

// retag changes the layout's tags of name from have to want; other tags
// stay.
func (d *driver) retag(ctx context.Context, name string, have, want []types.Tag) error {
	wantm := map[string]string{}
	for _, t := range want {
		wantm[*t.Key] = *t.Value
	}
	havem := map[string]string{}
	var remove []string
	for _, t := range have {
		k := aws.ToString(t.Key)
		if !d.l.ownsTag(k) {
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
	name, err := d.l.name(env, key, true)
	if err != nil {
		return err
	}
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

func (d *driver) Versions(ctx context.Context, env, key string) ([]backend.Version, error) {
	name, err := d.l.name(env, key, false)
	if err != nil {
		return nil, err
	}
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

func (d *driver) Capabilities() backend.Capabilities { return d.l.capabilities() }

func (d *driver) As(i any) bool { return backend.AsClient(i, d.user) }

func (d *driver) ErrorAs(err error, i any) bool { return errors.As(err, i) }

// Close releases the connections of the HTTP client the driver built from a
// URL; a client given in Options is the user's and is left alone.
func (d *driver) Close() error {
	if d.owned != nil {
		d.owned.CloseIdleConnections()
	}
	return nil
}
