package testenv

import (
	"context"
	"fmt"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Container is a test server in a Docker container.
type Container struct {
	// Endpoint is http://host:port of the container's exposed port.
	Endpoint string
	c        testcontainers.Container
}

// Stop removes the container.
func (c *Container) Stop() { _ = testcontainers.TerminateContainer(c.c) }

// StartContainer runs image with env, exposing port (e.g. "8200/tcp"), and
// waits until healthPath answers 200 on it. It is the fallback for
// developers who have Docker and neither a local server binary nor an
// endpoint; it fails fast (within timeout) where no Docker engine answers.
func StartContainer(ctx context.Context, image, port, healthPath string, env map[string]string, timeout time.Duration) (*Container, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := testcontainers.ContainerRequest{
		Image:        image,
		Env:          env,
		ExposedPorts: []string{port},
		WaitingFor:   wait.ForHTTP(healthPath).WithPort(port).WithStartupTimeout(timeout),
	}
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{ContainerRequest: req, Started: true})
	if err != nil {
		if c != nil {
			_ = testcontainers.TerminateContainer(c)
		}
		return nil, fmt.Errorf("docker: %w", err)
	}
	ep, err := c.PortEndpoint(ctx, port, "http")
	if err != nil {
		_ = testcontainers.TerminateContainer(c)
		return nil, fmt.Errorf("docker: %w", err)
	}
	return &Container{Endpoint: ep, c: c}, nil
}
