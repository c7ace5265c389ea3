package awssm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

// TestValueRequests: Store.Value is one GetSecretValue for a version the
// driver wrote (its id carries the expiry), where Get is two calls; a
// version written otherwise, or a secret pending deletion, adds the
// DescribeSecret that Get makes; the answers are Get's.
func TestValueRequests(t *testing.T) {
	needServer(t)
	past := time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name    string
		older   bool
		seed    func(st, prod *secrets.Store) error
		want    string
		code    secrets.Code // Unknown: found
		wantOps map[string]int
	}{
		{"in the scope", false, func(st, prod *secrets.Store) error {
			_, err := prod.Create(ctx, secrets.Secret{Key: "K", Value: "p"})
			return err
		}, "p", secrets.Unknown, map[string]int{"GetSecretValue": 1}},
		{"expired", false, func(st, prod *secrets.Store) error {
			_, err := prod.Create(ctx, secrets.Secret{Key: "K", Value: "p", ExpiresAt: past})
			return err
		}, "", secrets.FailedPrecondition, map[string]int{"GetSecretValue": 1}},
		{"global fallback", false, func(st, prod *secrets.Store) error {
			_, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "g"})
			return err
		}, "g", secrets.Unknown, map[string]int{"GetSecretValue": 2}},
		{"pending deletion, global fallback", false, func(st, prod *secrets.Store) error {
			if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "g"}); err != nil {
				return err
			}
			if _, err := prod.Create(ctx, secrets.Secret{Key: "K", Value: "p"}); err != nil {
				return err
			}
			return prod.Delete(ctx, "K") // recovery window: pending deletion
		}, "g", secrets.Unknown, map[string]int{"GetSecretValue": 2, "DescribeSecret": 1}},
		{"older version", true, func(st, prod *secrets.Store) error {
			_, err := prod.Create(ctx, secrets.Secret{Key: "K", Value: "p"})
			return err
		}, "p", secrets.Unknown, map[string]int{"GetSecretValue": 1, "DescribeSecret": 1}},
		{"older version, expired by its tag", true, func(st, prod *secrets.Store) error {
			_, err := prod.Create(ctx, secrets.Secret{Key: "K", Value: "p", ExpiresAt: past})
			return err
		}, "", secrets.FailedPrecondition, map[string]int{"GetSecretValue": 1, "DescribeSecret": 1}},
		{"nowhere", false, func(st, prod *secrets.Store) error { return nil },
			"", secrets.NotFound, map[string]int{"GetSecretValue": 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, st, prod := withProd(t, tc.older)
			if err := tc.seed(st, prod); err != nil {
				t.Fatal(err)
			}
			before := seenOps(f)
			v, err := prod.Value(ctx, "K")
			if diff := cmp.Diff(tc.wantOps, opsSince(f, before)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if v != tc.want || secrets.ErrorCode(err) != tc.code && (err != nil || tc.code != secrets.Unknown) {
				t.Errorf("Value = %q, %v (code %v); want %q, code %v", v, err, secrets.ErrorCode(err), tc.want, tc.code)
			}
			if tc.code == secrets.FailedPrecondition && !errors.Is(err, secrets.ErrExpired) {
				t.Errorf("%v does not wrap ErrExpired", err)
			}
			// Get agrees.
			g, gerr := prod.Get(ctx, "K")
			if secrets.ErrorCode(gerr) != secrets.ErrorCode(err) || gerr == nil && g.Value != v {
				t.Errorf("Get = %v, %v; Value = %q, %v", g, gerr, v, err)
			}
		})
	}
}
