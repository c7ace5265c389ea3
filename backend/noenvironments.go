package backend

import "context"

// NoEnvironments is the Environments of a driver whose backend has none
// (Capabilities.GlobalOnly): embed it. The portable layer never calls it;
// should anything else, every method answers Unimplemented.
type NoEnvironments struct{}

var _ Environments = NoEnvironments{}

func errNoEnvironments() error {
	return Errorf(Unimplemented, "this backend has no environments: it holds global secrets only")
}

// ListEnvironments answers no environment.
func (NoEnvironments) ListEnvironments(context.Context) ([]*Environment, error) { return nil, nil }

// GetEnvironment answers Unimplemented.
func (NoEnvironments) GetEnvironment(context.Context, string) (*Environment, error) {
	return nil, errNoEnvironments()
}

// CreateEnvironment answers Unimplemented.
func (NoEnvironments) CreateEnvironment(context.Context, *Environment) (*Environment, error) {
	return nil, errNoEnvironments()
}

// ModifyEnvironment answers Unimplemented.
func (NoEnvironments) ModifyEnvironment(context.Context, string, *EnvironmentUpdate) (*Environment, error) {
	return nil, errNoEnvironments()
}

// DeleteEnvironment answers Unimplemented.
func (NoEnvironments) DeleteEnvironment(context.Context, string) error { return errNoEnvironments() }
