package awssm

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/polysecret/secrets/backend"
)

// Credentials from a URL (issue 10.5): a shared-config profile and an
// assumed role, on top of the SDK's default chain. Nothing here reads a
// secret: the profile's keys stay in the SDK's files, the assume-role's
// base credentials are the chain's, and the external id is not secret (AWS
// calls it an identifier, not a password), but no error repeats it.

// DefaultSessionName is the role session name of an assumed role when the
// URL gives none.
const DefaultSessionName = "polysecret"

// authParams are the URL's credential settings.
type authParams struct {
	profile     string
	roleARN     string
	externalID  string
	sessionName string
	duration    time.Duration
}

// authParamNames are the URL parameters of authParams, in the order errors
// name them.
var authParamNames = []string{"profile", "role_arn", "external_id", "session_name", "duration"}

var (
	// roleARNSyntax: arn:<partition>:iam::<account>:role/<path><name>, the
	// name of IAM's role-name alphabet (1–64), the path of printable ASCII.
	roleARNSyntax = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([!-~]*/)?[A-Za-z0-9+=,.@_-]{1,64}$`)
	// sessionNameSyntax and externalIDSyntax are STS's constraints on
	// RoleSessionName and ExternalId.
	sessionNameSyntax = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{2,64}$`)
	externalIDSyntax  = regexp.MustCompile(`^[A-Za-z0-9+=,.@:/_-]+$`)
)

// Bounds of the duration parameter: STS's minimum, and its maximum for a
// role whose MaxSessionDuration allows it (the role's own limit may be
// lower; STS then refuses with ValidationError, InvalidArgument).
const (
	minRoleDuration = 15 * time.Minute
	maxRoleDuration = 12 * time.Hour
)

// readAuth reads the credential parameters of a URL; check them after
// p.Err.
func readAuth(p *backend.Params) authParams {
	return authParams{
		profile:     p.String("profile", ""),
		roleARN:     p.String("role_arn", ""),
		externalID:  p.String("external_id", ""),
		sessionName: p.String("session_name", DefaultSessionName),
		duration:    p.Duration("duration", 0),
	}
}

// check refuses settings that cannot work; q is the URL's query (what it
// set, even to "").
func (a authParams) check(q url.Values) error {
	if q.Has("profile") && a.profile == "" {
		return backend.Errorf(backend.InvalidArgument, "awssm: URL parameter profile is empty")
	}
	if !q.Has("role_arn") {
		for _, name := range authParamNames[2:] {
			if q.Has(name) {
				return backend.Errorf(backend.InvalidArgument, "awssm: URL parameter %s applies only with role_arn", name)
			}
		}
		return nil
	}
	if len(a.roleARN) > 2048 || !roleARNSyntax.MatchString(a.roleARN) {
		return backend.Errorf(backend.InvalidArgument,
			"awssm: role_arn %q is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)", a.roleARN)
	}
	if q.Has("external_id") && (len(a.externalID) < 2 || len(a.externalID) > 1224 || !externalIDSyntax.MatchString(a.externalID)) {
		return backend.Errorf(backend.InvalidArgument,
			"awssm: external_id must be 2-1224 characters of letters, digits and +=,.@:/_-")
	}
	if !sessionNameSyntax.MatchString(a.sessionName) {
		return backend.Errorf(backend.InvalidArgument,
			"awssm: session_name must be 2-64 characters of letters, digits and +=,.@_-")
	}
	if q.Has("duration") && (a.duration < minRoleDuration || a.duration > maxRoleDuration) {
		return backend.Errorf(backend.InvalidArgument, "awssm: duration must be between 15m and 12h")
	}
	return nil
}

// given names the first credential parameter q sets, or "".
func given(q url.Values) string {
	for _, name := range authParamNames {
		if q.Has(name) {
			return name
		}
	}
	return ""
}

// loadOptions are the config.LoadDefaultConfig options of a.
func (a authParams) loadOptions() []func(*config.LoadOptions) error {
	if a.profile == "" {
		return nil
	}
	return []func(*config.LoadOptions) error{config.WithSharedConfigProfile(a.profile)}
}

// loadError classifies a failure of config.LoadDefaultConfig: all
// InvalidArgument (the configuration cannot work), with a profile that
// does not exist named as such (by the SDK's type).
func (a authParams) loadError(err error) error {
	var nx config.SharedConfigProfileNotExistError
	if errors.As(err, &nx) {
		return backend.Errorf(backend.InvalidArgument,
			"awssm: AWS profile %q is not in the shared config or credentials files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE): %w", nx.Profile, err)
	}
	return backend.Errorf(backend.InvalidArgument, "awssm: loading AWS configuration: %w", err)
}

// apply replaces cfg's credentials with the assumed role's, obtained with
// the credentials cfg had (the default chain's, or the profile's) from STS
// at the endpoint the SDK resolves (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL,
// or the region's), cached and refreshed a minute before they expire (the
// SDK's cache; concurrent requests wait for one AssumeRole). Each attempt
// of the AssumeRole has the per-request timeout (0: none).
func (a authParams) apply(cfg *aws.Config, timeout time.Duration) {
	if a.roleARN == "" {
		return
	}
	stsClient := sts.NewFromConfig(*cfg, func(o *sts.Options) {
		if timeout > 0 {
			o.APIOptions = append(o.APIOptions, withAttemptTimeout(timeout))
		}
	})
	p := stscreds.NewAssumeRoleProvider(stsClient, a.roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = a.sessionName
		o.Duration = a.duration // 0: the SDK's default, 15 minutes
		if a.externalID != "" {
			o.ExternalID = aws.String(a.externalID)
		}
	})
	cfg.Credentials = aws.NewCredentialsCache(assumeRoleProvider{p: p, role: a.roleARN},
		func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = refreshWindow })
}

// refreshWindow is how long before the assumed session expires the next
// request assumes the role again, so that no request is signed with
// credentials that expire on its way.
const refreshWindow = time.Minute

// assumeRoleError is a failed AssumeRole: classified as STS answered
// (AccessDenied PermissionDenied, InvalidClientTokenId or ExpiredToken
// Unauthenticated, …; STS unreachable Unavailable), unlike other failures
// to get credentials, which are Unauthenticated.
type assumeRoleError struct {
	role string
	err  error
}

func (e *assumeRoleError) Error() string { return "assuming role " + e.role + ": " + e.err.Error() }
func (e *assumeRoleError) Unwrap() error { return e.err }

// assumeRoleProvider marks the errors of the AssumeRole provider.
type assumeRoleProvider struct {
	p    *stscreds.AssumeRoleProvider
	role string
}

func (a assumeRoleProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	v, err := a.p.Retrieve(ctx)
	if err != nil {
		return v, &assumeRoleError{role: a.role, err: err}
	}
	return v, nil
}

// ProviderSources keeps the SDK's credential-source tracking working.
func (a assumeRoleProvider) ProviderSources() []aws.CredentialSource { return a.p.ProviderSources() }
