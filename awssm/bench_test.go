package awssm_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/internal/drivertest"
)

// Driver vs the raw SDK on the same moto, in one run:
// go test -run '^$' -bench . -benchmem ./awssm/

func benchSetup(b *testing.B) (*secrets.Store, *sm.Client, *drivertest.Transport, string) {
	needServer(b)
	cnt := &drivertest.Transport{}
	raw := rawClient(b, cnt)
	p := drivertest.Prefix()
	st, err := awssm.New(raw, awssm.Options{Prefix: p})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, raw, cnt, p
}

// BenchmarkGet: the driver reads value and metadata (two calls, made
// concurrently); raw is GetSecretValue + DescribeSecret in sequence, the
// same information. driver-Value is Store.Value: one GetSecretValue, the
// version id carrying the expiry — the same request as raw-value-only.
func BenchmarkGet(b *testing.B) {
	st, raw, cnt, p := benchSetup(b)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "value", Labels: map[string]string{"a": "b"}}); err != nil {
		b.Fatal(err)
	}
	name := p + "/_global/K"
	b.Run("driver", func(b *testing.B) {
		drivertest.Loop(b, func() error { _, err := st.Get(ctx, "K"); return err })
	})
	b.Run("driver-Value", func(b *testing.B) {
		report := drivertest.PerOp(b, cnt)
		drivertest.Loop(b, func() error {
			if v, err := st.Value(ctx, "K"); err != nil || v != "value" {
				return fmt.Errorf("Value = %q, %v", v, err)
			}
			return nil
		})
		report()
	})
	b.Run("raw-value-only", func(b *testing.B) {
		drivertest.Loop(b, func() error {
			_, err := raw.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: &name})
			return err
		})
	})
	b.Run("raw-value-and-describe", func(b *testing.B) {
		drivertest.Loop(b, func() error {
			if _, err := raw.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: &name}); err != nil {
				return err
			}
			_, err := raw.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &name})
			return err
		})
	})
}

func BenchmarkCreate(b *testing.B) {
	st, raw, _, p := benchSetup(b)
	b.Run("driver", func(b *testing.B) {
		run := drivertest.Prefix() // keys unique across -count runs
		drivertest.CreateEach(b, st, func(i int) secrets.Secret {
			return secrets.Secret{Key: fmt.Sprintf("D%s-%d", run, i), Value: "v", Type: secrets.TypeToken}
		})
	})
	b.Run("raw", func(b *testing.B) {
		i, run := 0, drivertest.Prefix()
		drivertest.Loop(b, func() error {
			i++
			_, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(fmt.Sprintf("%s/_global/R%s-%d", p, run, i)),
				SecretString: aws.String("v"), Tags: []types.Tag{{Key: aws.String("polysecret:type"), Value: aws.String("token")}}})
			return err
		})
	})
}

// BenchmarkList1000WithValues counts requests too: the driver lists with
// ListSecrets and fetches values with BatchGetSecretValue (20 a call); the
// naive way is one GetSecretValue per secret.
func BenchmarkList1000WithValues(b *testing.B) {
	st, raw, cnt, p := benchSetup(b)
	drivertest.Seed(b, st, 1000, func(i int) string { return fmt.Sprintf("L%04d", i) })
	b.Run("driver", func(b *testing.B) {
		report := drivertest.PerOp(b, cnt)
		for b.Loop() {
			drivertest.ListAll(b, st, secrets.ListOptions{WithValues: true, PageSize: 100}, 1000, drivertest.SeedValue)
		}
		report()
	})
	b.Run("raw-get-per-secret", func(b *testing.B) {
		report := drivertest.PerOp(b, cnt)
		for b.Loop() {
			p := sm.NewListSecretsPaginator(raw, &sm.ListSecretsInput{MaxResults: aws.Int32(100),
				Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{p + "/_global/"}}}})
			n := 0
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range out.SecretList {
					if _, err := raw.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: e.ARN}); err != nil {
						b.Fatal(err)
					}
					n++
				}
			}
			if n != 1000 {
				b.Fatalf("%d secrets", n)
			}
		}
		report()
	})
}

// BenchmarkValues50: Values of 50 keys in an environment, 25 there and 25
// global (so the fallback runs), against a loop of 50 Gets, with the
// requests each makes (drivertest.Values50); and Values of 50 keys all in
// the scope read (Values-in-scope: ⌈50/20⌉ = 3 BatchGetSecretValue, the
// expiry coming with each version id):
// go test -run '^$' -bench Values50 ./awssm/
func BenchmarkValues50(b *testing.B) {
	st, _, cnt, _ := benchSetup(b)
	drivertest.Values50(b, st, "prod", true, cnt.Requests)
	b.Run("Values-in-scope", func(b *testing.B) {
		g := make([]string, 50)
		for i := range g {
			g[i] = fmt.Sprintf("G%02d", i)
			if _, err := st.Create(ctx, secrets.Secret{Key: g[i], Value: "v" + g[i]}); err != nil {
				b.Fatal(err)
			}
		}
		report := drivertest.PerOp(b, cnt)
		for b.Loop() {
			res, err := st.Values(ctx, g...)
			if err != nil {
				b.Fatal(err)
			}
			for i, r := range res {
				if r.Err != nil || r.Secret.Value != "v"+g[i] {
					b.Fatalf("%s: %v", g[i], r.Err)
				}
			}
		}
		report()
	})
}
