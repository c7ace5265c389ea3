package awssm

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/polysecret/secrets/backend"
)

// The driver's environments are its layout's: marker secrets in the
// polysecret layout (below), configured names in the native one.

// In the polysecret layout, environments are marker secrets
// <prefix>/_environments/<name>.

type envData struct {
	ExternalURL string `json:"external_url,omitempty"`
}

func (l polysecret) ListEnvironments(ctx context.Context) ([]*backend.Environment, error) {
	d := l.d
	prefix := l.prefix + "/" + envDir + "/"
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
			env, err := l.GetEnvironment(ctx, name)
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

func (l polysecret) GetEnvironment(ctx context.Context, name string) (*backend.Environment, error) {
	d := l.d
	id := l.envName(name)
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

func (l polysecret) CreateEnvironment(ctx context.Context, e *backend.Environment) (*backend.Environment, error) {
	d := l.d
	id := l.envName(e.Name)
	b, _ := json.Marshal(envData{ExternalURL: e.ExternalURL})
	in := &sm.CreateSecretInput{Name: &id, SecretString: aws.String(string(b)), ClientRequestToken: aws.String(uuid())}
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

func (l polysecret) ModifyEnvironment(ctx context.Context, name string, u *backend.EnvironmentUpdate) (*backend.Environment, error) {
	d := l.d
	cur, err := d.GetEnvironment(ctx, name)
	if err != nil {
		return nil, err
	}
	next := cur.Clone()
	u.Apply(next)
	id := l.envName(name)
	in := &sm.UpdateSecretInput{SecretId: &id, ClientRequestToken: aws.String(uuid())}
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

func (l polysecret) DeleteEnvironment(ctx context.Context, name string) error {
	d := l.d
	if _, err := l.GetEnvironment(ctx, name); err != nil {
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
	id := l.envName(name)
	_, err := d.c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: &id, ForceDeleteWithoutRecovery: aws.Bool(true)})
	return err
}
