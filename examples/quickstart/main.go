// Command quickstart walks through the polysecret API on an in-memory store.
// Change the URL to vault://…, awssm://… or locker://… and nothing else
// changes. It prints what it does, never a secret's value.
//
//	go run ./examples/quickstart            # or: make demo
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/polysecret/secrets"
	_ "github.com/polysecret/secrets/memory" // registers mem://
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Println("\nquickstart: done")
}

func step(format string, args ...any) { fmt.Printf("• "+format+"\n", args...) }

// mask shows that a value is there without showing it.
func mask(v string) string { return fmt.Sprintf("<%d bytes>", len(v)) }

func run(ctx context.Context) error {
	url := "mem://quickstart"
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	store, err := secrets.OpenStore(ctx, url)
	if err != nil {
		return err
	}
	defer store.Close()
	step("opened %s (scope: global)", strings.SplitN(url, "?", 2)[0])

	// Two environments.
	for _, e := range []secrets.Environment{
		{Name: "staging", Description: "pre-production", ExternalURL: "https://staging.example.com"},
		{Name: "prod", Description: "production"},
	} {
		if _, err := store.CreateEnvironment(ctx, e); err != nil {
			return err
		}
		step("created environment %q", e.Name)
	}

	// Global secrets are valid in every environment; an environment may
	// override one with its own.
	mustCreate := func(st *secrets.Store, s secrets.Secret) error {
		if _, err := st.Create(ctx, s); err != nil {
			return err
		}
		where := st.Environment()
		if where == "" {
			where = "global"
		}
		typ := s.Type
		if typ == "" {
			typ = secrets.TypeGeneric
		}
		step("created %s/%s (type %s, value %s)", where, s.Key, typ, mask(s.Value))
		return nil
	}
	prod := store.In("prod")
	staging := store.In("staging")
	if err := mustCreate(store, secrets.Secret{Key: "LOG_LEVEL", Value: "info", Description: "default log level"}); err != nil {
		return err
	}
	if err := mustCreate(store, secrets.Secret{Key: "DATABASE_URL", Value: "postgres://dev@localhost/app",
		Description: "primary database", Labels: map[string]string{"team": "payments"}}); err != nil {
		return err
	}
	if err := mustCreate(prod, secrets.Secret{Key: "DATABASE_URL", Value: "postgres://app@db.prod/app",
		Type: secrets.TypePassword, Description: "primary database", Labels: map[string]string{"team": "payments", "pci": "yes"}}); err != nil {
		return err
	}
	if err := mustCreate(staging, secrets.Secret{Key: "STRIPE_KEY", Value: "sk_test_123", Type: secrets.TypeKey,
		ExpiresAt: time.Now().Add(90 * 24 * time.Hour)}); err != nil {
		return err
	}

	// Reads with fallback: prod has its own DATABASE_URL, staging falls
	// back to the global one.
	for _, st := range []*secrets.Store{prod, staging} {
		s, err := st.Get(ctx, "DATABASE_URL")
		if err != nil {
			return err
		}
		from := s.Environment
		if from == "" {
			from = "global (fallback)"
		}
		step("In(%q).Get(DATABASE_URL) → from %s, value %s", st.Environment(), from, mask(s.Value))
	}
	level, err := prod.ValueOr(ctx, "LOG_LEVEL", "debug")
	if err != nil {
		return err
	}
	step("prod LOG_LEVEL = %q (global value; log levels are not secret)", level)
	timeout, err := prod.ValueOr(ctx, "HTTP_TIMEOUT", "30s")
	if err != nil {
		return err
	}
	step("prod HTTP_TIMEOUT = %q (not found → the default)", timeout)

	// Listing with a filter, across every environment.
	step("secrets labelled team=payments, all environments:")
	for s, err := range store.List(ctx, secrets.ListOptions{AllEnvironments: true, Labels: map[string]string{"team": "payments"}}) {
		if err != nil {
			return err
		}
		env := s.Environment
		if env == "" {
			env = "global"
		}
		fmt.Printf("    %-8s %-14s %-9s %q\n", env, s.Key, s.Type, s.Description)
	}

	// Modify: a partial update; other fields stay.
	updated, err := prod.Modify(ctx, "DATABASE_URL", secrets.Update{Value: secrets.Ptr("postgres://app@db2.prod/app")})
	if err != nil {
		return err
	}
	step("modified prod/DATABASE_URL → version %s, value %s, labels kept: %v", updated.Version, mask(updated.Value), updated.Labels)

	// Errors are classified the same way on every backend.
	_, err = store.Create(ctx, secrets.Secret{Key: "LOG_LEVEL", Value: "warn"})
	if errors.Is(err, secrets.ErrAlreadyExists) {
		step("creating LOG_LEVEL again → %v (handled: AlreadyExists)", secrets.ErrorCode(err))
	} else {
		return fmt.Errorf("expected AlreadyExists, got %v", err)
	}
	_, err = prod.Get(ctx, "NO_SUCH_SECRET")
	if secrets.ErrorCode(err) == secrets.NotFound {
		step("getting NO_SUCH_SECRET → %v", err)
	} else {
		return fmt.Errorf("expected NotFound, got %v", err)
	}
	ro := store.ReadOnlyView()
	if _, err := ro.Create(ctx, secrets.Secret{Key: "X", Value: "y"}); errors.Is(err, secrets.ErrPermissionDenied) {
		step("a read-only view refuses writes → %v", secrets.ErrorCode(err))
	} else {
		return fmt.Errorf("expected PermissionDenied, got %v", err)
	}
	if err := store.DeleteEnvironment(ctx, "prod"); secrets.ErrorCode(err) == secrets.FailedPrecondition {
		step("deleting environment prod while it holds secrets → %v (nothing lost)", secrets.ErrorCode(err))
	} else {
		return fmt.Errorf("expected FailedPrecondition, got %v", err)
	}
	vs, err := prod.Versions(ctx, "DATABASE_URL")
	if err != nil {
		return err
	}
	step("prod/DATABASE_URL has %d versions", len(vs))
	// Printing a secret never shows its value.
	s, err := prod.Get(ctx, "DATABASE_URL")
	if err != nil {
		return err
	}
	step("fmt.Sprint(secret) = %v", s)
	return nil
}
