// Command quickstart walks through the polysecret API. It takes a store URL
// and imports every driver, so the same program runs on every backend:
//
//	go run ./examples/quickstart                                  # mem:// (make demo)
//	go run ./examples/quickstart 'vault://secret/quickstart'      # VAULT_ADDR, VAULT_TOKEN
//	go run ./examples/quickstart 'awssm://quickstart?region=eu-west-1'
//	go run ./examples/quickstart 'locker://api.locker.io/locker_secrets'
//	go run ./examples/quickstart 'abeja://api.abeja.io/1234567890123'  # no environments: global only
//	go run ./examples/quickstart 'datalayer://'
//	go run ./examples/quickstart 'rest://secrets.example.com'          # a polysecret serve gateway
//
// It adapts to what the backend supports (Capabilities), can run twice
// against a persistent store (its names carry a per-run suffix), removes what
// it created where the backend can delete, and says what it left where it
// cannot. It prints what it does, never a secret's value.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/polysecret/secrets"
	_ "github.com/polysecret/secrets/abeja"     // registers abeja://
	_ "github.com/polysecret/secrets/awssm"     // registers awssm://
	_ "github.com/polysecret/secrets/datalayer" // registers datalayer://
	_ "github.com/polysecret/secrets/file"      // registers file://
	_ "github.com/polysecret/secrets/locker"    // registers locker://
	_ "github.com/polysecret/secrets/memory"    // registers mem://
	_ "github.com/polysecret/secrets/rest"      // registers rest://
	_ "github.com/polysecret/secrets/vault"     // registers vault://
)

func main() {
	url := "mem://quickstart"
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, url); err != nil {
		log.Fatal(err)
	}
	fmt.Println("\nquickstart: done")
}

func step(format string, args ...any) { fmt.Printf("• "+format+"\n", args...) }

// mask shows that a value is there without showing it.
func mask(v string) string { return fmt.Sprintf("<%d bytes>", len(v)) }

func scope(env string) string {
	if env == "" {
		return "global"
	}
	return env
}

func run(ctx context.Context, url string) error {
	store, err := secrets.OpenStore(ctx, url)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Ping(ctx); err != nil {
		return fmt.Errorf("the store is not usable: %w", err)
	}
	caps := store.Capabilities()
	step("opened %s: reachable, credentials accepted", strings.SplitN(url, "?", 2)[0])

	// Names unique to this run, so that a second run on a persistent store
	// does not meet the first one's secrets.
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	run := hex.EncodeToString(b)
	stagingName, prodName := "staging-"+run, "prod-"+run
	key := func(k string) string { return "QS_" + run + "_" + k }

	var cleanup []func() error
	defer func() {
		left := 0
		for i := len(cleanup) - 1; i >= 0; i-- {
			if err := cleanup[i](); err != nil {
				if secrets.ErrorCode(err) != secrets.Unimplemented {
					step("clean-up: %v", err)
				}
				left++
			}
		}
		if left == 0 {
			step("removed everything this run created")
		} else {
			step("left %d things this backend cannot delete (names with %q)", left, run)
		}
	}()

	// Two environments — where the backend has any (ABEJA and Datalayer
	// hold global secrets only: everything below is then global).
	prod, staging := store.In(prodName), store.In(stagingName)
	if caps.GlobalOnly {
		prod, staging, prodName = store, store, "global"
		step("this backend has no environments: every secret below is global")
	}
	for _, e := range []secrets.Environment{
		{Name: stagingName, Description: "pre-production", ExternalURL: "https://staging.example.com"},
		{Name: prodName, Description: "production"},
	} {
		if caps.GlobalOnly {
			break
		}
		if _, err := store.CreateEnvironment(ctx, e); err != nil {
			return err
		}
		cleanup = append(cleanup, func() error { return store.DeleteEnvironment(ctx, e.Name) })
		step("created environment %q", e.Name)
	}

	// Global secrets are valid in every environment; an environment may
	// override one with its own. Types, labels and expiry only where the
	// backend keeps them.
	create := func(st *secrets.Store, s secrets.Secret) error {
		if !caps.Types {
			s.Type = ""
		}
		if !caps.Labels {
			s.Labels = nil
		}
		if !caps.Expiry {
			s.ExpiresAt = time.Time{}
		}
		if _, err := st.Create(ctx, s); err != nil {
			return err
		}
		cleanup = append(cleanup, func() error { return st.Delete(ctx, s.Key) })
		typ := s.Type
		if typ == "" {
			typ = secrets.TypeGeneric
		}
		step("created %s/%s (type %s, value %s)", scope(st.Environment()), s.Key, typ, mask(s.Value))
		return nil
	}
	for _, c := range []struct {
		st *secrets.Store
		s  secrets.Secret
	}{
		{store, secrets.Secret{Key: key("LOG_LEVEL"), Value: "info", Description: "default log level"}},
		{store, secrets.Secret{Key: key("DATABASE_URL"), Value: "postgres://dev@localhost/app",
			Description: "primary database", Labels: map[string]string{"team": "payments"}}},
		{prod, secrets.Secret{Key: key("DATABASE_URL"), Value: "postgres://app@db.prod/app", Type: secrets.TypePassword,
			Description: "primary database", Labels: map[string]string{"team": "payments", "pci": "yes"}}},
		{staging, secrets.Secret{Key: key("STRIPE_KEY"), Value: "sk_test_123", Type: secrets.TypeKey,
			ExpiresAt: time.Now().Add(90 * 24 * time.Hour)}},
	} {
		if caps.GlobalOnly && c.s.Key == key("DATABASE_URL") && c.s.Type != "" {
			continue // prod's own DATABASE_URL: no environment to hold it
		}
		if err := create(c.st, c.s); err != nil {
			return err
		}
	}

	// Reads with fallback: prod has its own DATABASE_URL, staging falls
	// back to the global one.
	readers := []*secrets.Store{prod, staging}
	if caps.GlobalOnly {
		readers = readers[:1] // one scope: nothing to fall back from
	}
	for _, st := range readers {
		s, err := st.Get(ctx, key("DATABASE_URL"))
		if err != nil {
			return err
		}
		from := s.Environment
		switch {
		case from == "" && st.Environment() != "":
			from = "the global scope (fallback)"
		case from == "":
			from = "the global scope"
		}
		step("%s: Get(%s) → from %s, value %s", scope(st.Environment()), key("DATABASE_URL"), from, mask(s.Value))
	}
	level, err := prod.ValueOr(ctx, key("LOG_LEVEL"), "debug")
	if err != nil {
		return err
	}
	step("%s: %s = %q (the global value; log levels are not secret)", prodName, key("LOG_LEVEL"), level)
	timeout, err := prod.ValueOr(ctx, key("HTTP_TIMEOUT"), "30s")
	if err != nil {
		return err
	}
	step("%s: %s = %q (no such secret → the default)", prodName, key("HTTP_TIMEOUT"), timeout)

	// Several at once: one batch where the backend has one.
	keys := []string{key("DATABASE_URL"), key("LOG_LEVEL"), key("HTTP_TIMEOUT")}
	res, err := prod.Values(ctx, keys...)
	if err != nil {
		return err
	}
	for i, r := range res {
		if r.Err != nil {
			step("%s: Values → %s: %v", prodName, keys[i], secrets.ErrorCode(r.Err))
		} else {
			step("%s: Values → %s from %s, value %s", prodName, keys[i], scope(r.Secret.Environment), mask(r.Secret.Value))
		}
	}

	// Listing with a filter, across every environment.
	opts := secrets.ListOptions{AllEnvironments: true, Prefix: key("")}
	what := "every secret of this run"
	if caps.Labels {
		opts.Labels, what = map[string]string{"team": "payments"}, "secrets of this run labelled team=payments"
	}
	step("%s, all environments:", what)
	for s, err := range store.List(ctx, opts) {
		if err != nil {
			return err
		}
		fmt.Printf("    %-16s %-32s %-9s %q\n", scope(s.Environment), s.Key, s.Type, s.Description)
	}

	// Modify: a partial update; other fields stay.
	updated, err := prod.Modify(ctx, key("DATABASE_URL"), secrets.Update{Value: secrets.Ptr("postgres://app@db2.prod/app")})
	if err != nil {
		return err
	}
	step("modified %s/%s → value %s, description kept: %q", prodName, key("DATABASE_URL"), mask(updated.Value), updated.Description)

	// Errors are classified the same way on every backend.
	_, err = store.Create(ctx, secrets.Secret{Key: key("LOG_LEVEL"), Value: "warn"})
	if !errors.Is(err, secrets.ErrAlreadyExists) {
		return fmt.Errorf("creating an existing key: want AlreadyExists, got %v", err)
	}
	step("creating %s again → %v, as expected", key("LOG_LEVEL"), secrets.ErrorCode(err))
	_, err = prod.Get(ctx, key("NO_SUCH_SECRET"))
	if secrets.ErrorCode(err) != secrets.NotFound {
		return fmt.Errorf("getting a missing key: want NotFound, got %v", err)
	}
	step("getting a missing key → %v", err)
	ro := store.ReadOnlyView()
	if _, err := ro.Create(ctx, secrets.Secret{Key: key("X"), Value: "y"}); !errors.Is(err, secrets.ErrPermissionDenied) {
		return fmt.Errorf("a read-only view: want PermissionDenied, got %v", err)
	}
	step("a read-only view refuses writes → PermissionDenied")
	switch {
	case caps.GlobalOnly:
		step("this backend has no environments: their operations are Unimplemented")
	case caps.DeleteEnvironment:
		if err := store.DeleteEnvironment(ctx, prodName); secrets.ErrorCode(err) != secrets.FailedPrecondition {
			return fmt.Errorf("deleting an environment that holds secrets: want FailedPrecondition, got %v", err)
		}
		step("deleting environment %s while it holds secrets → FailedPrecondition (nothing lost)", prodName)
	default:
		step("this backend does not delete environments: DeleteEnvironment is Unimplemented")
	}
	if caps.Versions {
		vs, err := prod.Versions(ctx, key("DATABASE_URL"))
		if err != nil {
			return err
		}
		step("%s/%s has %d versions", prodName, key("DATABASE_URL"), len(vs))
	}
	// Printing a secret never shows its value.
	s, err := prod.Get(ctx, key("DATABASE_URL"))
	if err != nil {
		return err
	}
	step("fmt.Sprint(secret) = %v", s)
	return nil
}
