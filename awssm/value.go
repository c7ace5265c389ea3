package awssm

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/polysecret/secrets/backend"
)

var _ backend.ValueGetter = (*driver)(nil)

// GetValue is Store.Value's read, in exactly the scope env: one
// GetSecretValue where the version id carries the expiry (every version
// the driver writes: version.go) — half of Get's two calls. A version
// written otherwise, and a secret GetSecretValue refuses with
// InvalidRequestException (what AWS answers for one pending deletion),
// take one DescribeSecret more, for the expiry tag and the deletion date:
// the answer is then Get's.
func (d *driver) GetValue(ctx context.Context, env, key string) (string, time.Time, error) {
	name, err := d.l.name(env, key, false)
	if err != nil {
		return "", time.Time{}, err
	}
	out, err := d.c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: &name})
	var invalid *types.InvalidRequestException
	if err != nil && !errors.As(err, &invalid) {
		return "", time.Time{}, d.notFound(err, env, key)
	}
	var s backend.Secret
	if err == nil && d.expiryFromVersion(&s, aws.ToString(out.VersionId)) {
		return d.l.decode(out.SecretString, out.SecretBinary), s.ExpiresAt, nil
	}
	desc, derr := d.c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &name})
	switch {
	case derr != nil:
		return "", time.Time{}, d.notFound(derr, env, key)
	case desc.DeletedDate != nil:
		return "", time.Time{}, backend.Errorf(backend.NotFound, "secret %q is scheduled for deletion", key)
	case err != nil:
		return "", time.Time{}, err
	}
	d.l.applyTags(&s, desc.Tags)
	return d.l.decode(out.SecretString, out.SecretBinary), s.ExpiresAt, nil
}
