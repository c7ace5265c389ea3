package datalayer

import (
	"context"

	"github.com/polysecret/secrets/backend"
)

// noEnvironments is the driver's Environments: Datalayer has none.
type noEnvironments struct{}

func (noEnvironments) ListEnvironments(context.Context) ([]*backend.Environment, error) {
	return nil, errNoEnvs
}

func (noEnvironments) GetEnvironment(context.Context, string) (*backend.Environment, error) {
	return nil, errNoEnvs
}

func (noEnvironments) CreateEnvironment(context.Context, *backend.Environment) (*backend.Environment, error) {
	return nil, errNoEnvs
}

func (noEnvironments) ModifyEnvironment(context.Context, string, *backend.EnvironmentUpdate) (*backend.Environment, error) {
	return nil, errNoEnvs
}

func (noEnvironments) DeleteEnvironment(context.Context, string) error { return errNoEnvs }
