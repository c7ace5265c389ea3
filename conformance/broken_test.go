package conformance_test

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/memory"
)

// The suite must be able to fail. TestBrokenVariants runs it, in a child
// process, against memory drivers broken on purpose and checks that each
// breakage is caught by the subtest that should catch it.

const brokenEnv = "POLYSECRET_BROKEN_VARIANT"

func TestMain(m *testing.M) {
	flag.Parse()
	if os.Getenv(brokenEnv) == "" {
		// TestBrokenChild only runs inside the child process.
		_ = flag.Set("test.skip", "^TestBrokenChild$")
	}
	os.Exit(m.Run())
}

var memCaps = backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true,
	Labels: true, Expiry: true, AtomicModify: true, AtomicMove: true, FieldWrites: true}

// setField is the memory driver's SetField, for the wrappers below (an
// embedded backend.Driver does not promote the optional interfaces).
func setField(d backend.Driver, ctx context.Context, env, key, field, value string) (*backend.Secret, error) {
	return d.(backend.FieldSetter).SetField(ctx, env, key, field, value)
}

func TestBrokenVariants(t *testing.T) {
	for _, tc := range []struct {
		variant  string
		caughtBy []string // subtests that must fail
	}{
		{"droplabels", []string{"TestBrokenChild/Create/RoundTrip", "TestBrokenChild/Labels"}},
		{"listrepeat", []string{"TestBrokenChild/ListLarge/All", "TestBrokenChild/ListConcurrentChanges"}},
		{"listskip", []string{"TestBrokenChild/ListLarge/All", "TestBrokenChild/ListConcurrentChanges"}},
		{"lostupdate", []string{"TestBrokenChild/ConcurrentModify"}},
		{"valueinerror", []string{"TestBrokenChild/Create/AlreadyExists", "TestBrokenChild/NoValueLeak"}},
		{"ignoreenv", []string{"TestBrokenChild/Get/EnvironmentShadowsGlobal"}},
		{"nocaps", []string{"TestBrokenChild/Capabilities"}},
		{"labelmerge", []string{"TestBrokenChild/ConcurrentLabelReplace"}},
		{"offsetpaging", []string{"TestBrokenChild/ListUnderMoves"}},
		{"nonatomicmove", []string{"TestBrokenChild/MoveUnderModify"}},
		{"nonatomicfield", []string{"TestBrokenChild/FieldWrites/Concurrent"}},
		{"fieldnocaps", []string{"TestBrokenChild/FieldWrites"}},
		{"flatkeysunchecked", []string{"TestBrokenChild/HierarchicalKeys"}},                   // FlatKeys declared, no KeyChecker
		{"valuesnoexpiry", []string{"TestBrokenChild/Expiry", "TestBrokenChild/ValuesBatch"}}, // a batch read that loses the expiry
	} {
		t.Run(tc.variant, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBrokenChild$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tc.variant)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a driver broken by %q:\n%s", tc.variant, tail(out))
			}
			for _, name := range tc.caughtBy {
				if !strings.Contains(string(out), "--- FAIL: "+name+" ") {
					t.Errorf("variant %q: subtest %s did not fail:\n%s", tc.variant, name, tail(out))
				}
			}
		})
	}
}

func tail(b []byte) string {
	lines := strings.Split(string(b), "\n")
	var fails []string
	for _, l := range lines {
		if strings.Contains(l, "--- FAIL") || strings.Contains(l, ".go:") {
			fails = append(fails, l)
		}
	}
	if len(fails) > 60 {
		fails = fails[:60]
	}
	return strings.Join(fails, "\n")
}

// TestBrokenChild runs only in the child process TestBrokenVariants starts.
func TestBrokenChild(t *testing.T) {
	variant := os.Getenv(brokenEnv)
	want := memCaps
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			db := memory.NewDB()
			return func(t *testing.T) *secrets.Store {
				var d backend.Driver = &broken{Driver: db.Driver(), variant: variant}
				return secrets.NewStore(d, secrets.StoreOptions{Scheme: "broken"})
			}
		},
		Want:        want,
		Concurrency: 8,
		FlatKeys:    variant == "flatkeysunchecked",
	})
}

// broken is the memory driver with one thing wrong.
type broken struct {
	backend.Driver
	variant string
}

func (b *broken) Capabilities() backend.Capabilities {
	c := b.Driver.Capabilities()
	if b.variant == "nocaps" {
		c.Versions = false // silently stops declaring what it did
	}
	return c
}

func (b *broken) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	switch b.variant {
	case "droplabels":
		s.Labels = nil
	case "valueinerror":
		out, err := b.Driver.Create(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("create failed for %q=%q: %w", s.Key, s.Value, err)
		}
		return out, nil
	}
	return b.Driver.Create(ctx, s)
}

func (b *broken) Modify(ctx context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	switch b.variant {
	case "droplabels":
		u.Labels = nil
	case "lostupdate":
		// read, think, write everything back: no compare-and-set
		cur, err := b.Driver.Get(ctx, env, key, backend.GetOptions{})
		if err != nil {
			return nil, err
		}
		u.Apply(cur)
		time.Sleep(200 * time.Microsecond)
		full := &backend.Update{Value: &cur.Value, Description: &cur.Description, Type: &cur.Type,
			Labels: cur.Labels, ExpiresAt: &cur.ExpiresAt, Environment: u.Environment}
		if full.Labels == nil {
			full.Labels = map[string]string{}
		}
		return b.Driver.Modify(ctx, env, key, full)
	case "labelmerge":
		// vault's old way: a patch of the keys that change, computed from
		// a read, applied to whatever is there at write time
		if u.Labels != nil {
			read, err := b.Driver.Get(ctx, env, key, backend.GetOptions{})
			if err != nil {
				return nil, err
			}
			time.Sleep(time.Millisecond)
			now, err := b.Driver.Get(ctx, env, key, backend.GetOptions{})
			if err != nil {
				return nil, err
			}
			merged := maps.Clone(now.Labels)
			if merged == nil {
				merged = map[string]string{}
			}
			for k := range read.Labels {
				if _, keep := u.Labels[k]; !keep {
					delete(merged, k)
				}
			}
			maps.Copy(merged, u.Labels)
			u.Labels = merged
		}
	case "nonatomicmove":
		// copy what was read a moment ago, then delete: a Modify landing
		// in between is lost
		if u.Environment != nil {
			cur, err := b.Driver.Get(ctx, env, key, backend.GetOptions{})
			if err != nil {
				return nil, err
			}
			u.Apply(cur)
			time.Sleep(10 * time.Millisecond)
			out, err := b.Driver.Create(ctx, cur)
			if err != nil {
				return nil, err
			}
			return out, b.Driver.Delete(ctx, env, key)
		}
	}
	return b.Driver.Modify(ctx, env, key, u)
}

func (b *broken) SetField(ctx context.Context, env, key, field, value string) (*backend.Secret, error) {
	switch b.variant {
	case "nonatomicfield":
		// read, set the field, write the whole value back: no
		// compare-and-set, so another field written in between is lost
		cur, err := b.Driver.Get(ctx, env, key, backend.GetOptions{})
		if err != nil {
			return nil, err
		}
		v, err := backend.SetJSONField(cur.Value, field, value)
		if err != nil {
			return nil, err
		}
		time.Sleep(200 * time.Microsecond)
		return b.Driver.Modify(ctx, env, key, &backend.Update{Value: &v})
	case "fieldnocaps":
		return nil, backend.ErrSkip // declares FieldWrites, cannot do it
	}
	return setField(b.Driver, ctx, env, key, field, value)
}

// Values is the memory driver's batch read in valuesnoexpiry, which loses
// each secret's expiry (as a batch read without metadata would: AWS's);
// other variants answer ErrSkip, so the portable layer Gets each key.
func (b *broken) Values(ctx context.Context, env string, keys []string) ([]backend.ValueResult, error) {
	if b.variant != "valuesnoexpiry" {
		return nil, backend.ErrSkip
	}
	res, err := b.Driver.(backend.BatchGetter).Values(ctx, env, keys)
	for _, r := range res {
		if r.Secret != nil {
			r.Secret.ExpiresAt = time.Time{}
		}
	}
	return res, err
}

func (b *broken) Get(ctx context.Context, env, key string, o backend.GetOptions) (*backend.Secret, error) {
	if b.variant == "ignoreenv" && env != "" {
		if s, err := b.Driver.Get(ctx, "", key, o); err == nil {
			return s, nil
		}
	}
	return b.Driver.Get(ctx, env, key, o)
}

func (b *broken) ListPage(ctx context.Context, o *backend.ListOptions, token string) ([]*backend.Secret, string, error) {
	if b.variant == "offsetpaging" {
		// locker's old way: the token is an offset into the filtered list
		all := *o
		all.PageSize = backend.MaxPageSize
		list, _, err := b.Driver.ListPage(ctx, &all, "")
		if err != nil {
			return nil, "", err
		}
		off, _ := strconv.Atoi(token)
		end := min(off+o.PageSize, len(list))
		if off > len(list) {
			off = len(list)
		}
		next := ""
		if end < len(list) {
			next = strconv.Itoa(end)
		}
		return list[off:end], next, nil
	}
	page, next, err := b.Driver.ListPage(ctx, o, token)
	if err != nil || token == "" {
		return page, next, err
	}
	switch b.variant {
	case "listrepeat":
		// the next page starts one secret early: its first is a repeat
		if next != "" && len(page) >= 2 {
			p := page[len(page)-2]
			next = p.Environment + "\x00" + p.Key
		}
	case "listskip":
		if len(page) > 0 {
			page = page[1:]
		}
	}
	return page, next, err
}

// minimal is the memory driver declaring no optional capability: the suite
// then checks that every optional operation answers Unimplemented.
type minimal struct{ backend.Driver }

func (minimal) Capabilities() backend.Capabilities { return backend.Capabilities{} }

func TestConformanceMinimalDriver(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			db := memory.NewDB()
			return func(t *testing.T) *secrets.Store {
				return secrets.NewStore(minimal{db.Driver()}, secrets.StoreOptions{Scheme: "minimal"})
			}
		},
		Want: backend.Capabilities{},
	})
}

// declaring is the memory driver declaring capabilities changed by adjust
// (and behaving as they say, with the portable layer's help).
type declaring struct {
	backend.Driver
	adjust func(*backend.Capabilities)
}

func (d declaring) SetField(ctx context.Context, env, key, field, value string) (*backend.Secret, error) {
	return setField(d.Driver, ctx, env, key, field, value)
}

func (d declaring) Capabilities() backend.Capabilities {
	c := d.Driver.Capabilities()
	d.adjust(&c)
	return c
}

// TestConformanceDeclared runs the suite on memory declaring, in turn,
// configured environments (every name of conformance.Environments exists,
// no other can be made), text-only values, no empty value, and no
// environments at all (the driver is then never called with one:
// neverScoped).
func TestConformanceDeclared(t *testing.T) {
	for _, tc := range []struct {
		name   string
		adjust func(*backend.Capabilities)
		envs   bool // create conformance.Environments first
	}{
		{"FixedEnvironments", func(c *backend.Capabilities) { c.FixedEnvironments, c.DeleteEnvironment = true, false }, true},
		{"TextOnly", func(c *backend.Capabilities) { c.TextOnly = true }, false},
		{"NoEmptyValues", func(c *backend.Capabilities) { c.NoEmptyValues = true }, false},
		{"GlobalOnly", func(c *backend.Capabilities) {
			c.GlobalOnly, c.DeleteEnvironment, c.AtomicMove = true, false, false
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			caps := memCaps
			tc.adjust(&caps)
			conformance.Run(t, conformance.Harness{
				New: func(t *testing.T) conformance.Opener {
					db := memory.NewDB()
					if tc.envs {
						setup := secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: "mem"})
						for _, e := range conformance.Environments {
							if _, err := setup.CreateEnvironment(context.Background(), secrets.Environment{Name: e}); err != nil {
								t.Fatal(err)
							}
						}
					}
					return func(t *testing.T) *secrets.Store {
						var drv backend.Driver = declaring{db.Driver(), tc.adjust}
						if caps.GlobalOnly {
							drv = backend.Intercept(drv, "declaring", neverScoped)
						}
						return secrets.NewStore(drv, secrets.StoreOptions{Scheme: "declaring"})
					}
				},
				Want: caps,
			})
		})
	}
}

// neverScoped fails the test's call if the portable layer hands a
// GlobalOnly driver an environment or an environment operation.
func neverScoped(ctx context.Context, call *backend.Call, next func(context.Context) error) error {
	if call.Environment != "" || strings.HasSuffix(call.Op, "Environment") || call.Op == "ListEnvironments" {
		return backend.Errorf(backend.Internal, "a GlobalOnly driver was called: %s in %q", call.Op, call.Environment)
	}
	return next(ctx)
}
