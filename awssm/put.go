package awssm

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/polysecret/secrets/backend"
)

var _ backend.Putter = (*driver)(nil)

// putAttempts bounds Put's rounds when the secret is created or deleted by
// someone else between its calls.
const putAttempts = 4

// Put creates the secret or replaces the value and metadata of the one
// there. One DescribeSecret tells which, and gives the tags to replace:
//
//   - absent (or pending deletion): Create — one CreateSecret with value,
//     description and tags (plus the environment check of Create); an
//     AlreadyExists from a concurrent create goes to the replace path;
//   - present: the polysecret tags are replaced as a whole (UntagResource
//     of those not wanted, TagResource of those new or changed, each only
//     when needed; foreign tags stay), then one UpdateSecret with the
//     description and the value under a fresh request token makes the new
//     version. Metadata first, the version last, as Modify: a successful
//     Put makes exactly one version, a failed one none. Fields left zero
//     are cleared: the description is sent as "" (moto ignores an empty
//     Description; AWS clears it), type, labels and expiry tags removed.
//
// A Put that replaces a secret with the same type, labels and expiry is
// therefore two calls (DescribeSecret, UpdateSecret); at most four.
func (d *driver) Put(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	if err := d.l.checkValue(s.Value); err != nil {
		return nil, err
	}
	name, err := d.l.name(s.Environment, s.Key, true)
	if err != nil {
		return nil, err
	}
	for range putAttempts {
		var desc *sm.DescribeSecretOutput
		desc, err = d.c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &name})
		switch {
		case err != nil && classify(err) != backend.NotFound:
			return nil, err
		case err != nil || desc.DeletedDate != nil:
			var out *backend.Secret
			if out, err = d.Create(ctx, s); err == nil || backend.Classify(err, classify) != backend.AlreadyExists {
				return out, err
			}
			continue // created meanwhile: replace it
		}
		var out *backend.Secret
		if out, err = d.replace(ctx, name, desc, s); err == nil || backend.Classify(err, classify) != backend.NotFound {
			return out, err
		}
		// Deleted meanwhile: create it.
	}
	return nil, err
}

// replace writes s over the existing secret name described by desc.
func (d *driver) replace(ctx context.Context, name string, desc *sm.DescribeSecretOutput, s *backend.Secret) (*backend.Secret, error) {
	if err := d.retag(ctx, name, desc.Tags, d.l.tags(s)); err != nil {
		return nil, d.notFound(err, s.Environment, s.Key)
	}
	str, bin := d.l.encode(s.Value, false)
	out, err := d.c.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: &name, Description: aws.String(s.Description),
		SecretString: str, SecretBinary: bin, ClientRequestToken: token(s.ExpiresAt)})
	if err != nil {
		return nil, d.notFound(err, s.Environment, s.Key)
	}
	c := s.Clone()
	c.Type = backend.EffectiveType(c.Type)
	c.ID, c.Version = aws.ToString(out.ARN), aws.ToString(out.VersionId)
	c.CreatedAt, c.UpdatedAt = aws.ToTime(desc.CreatedDate), time.Now().UTC()
	return c, nil
}
