package rest_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/restapi/restapitest"
)

// Load: 16 clients (each its own Store and Client) × 1,000 mixed requests
// against the gateway over mem://: per 20 requests, 12 Value, 3 ListPage
// (page of 10), 3 Modify, 1 Create and 1 Delete (of the key just created).
const (
	loadClients  = 16
	loadRequests = 1000
)

type loadResult struct {
	errs      []error
	latencies []time.Duration
	elapsed   time.Duration
}

func runLoad(tb testing.TB, g *restapitest.Gateway, round int) loadResult {
	stores := make([]*secrets.Store, loadClients)
	for i := range stores {
		stores[i] = open(tb, g, "all")
		tb.Cleanup(func() { stores[i].Close() })
		for j := range 10 {
			if _, err := stores[i].Create(ctx, secrets.Secret{Key: fmt.Sprintf("r%d/c%d/k%d", round, i, j), Value: "v"}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	start := time.Now()
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, loadRequests)
			var errs []error
			prefix := fmt.Sprintf("r%d/c%d/", round, i)
			for n := range loadRequests {
				key := fmt.Sprintf("%sk%d", prefix, n%10)
				t0 := time.Now()
				var err error
				switch n % 20 {
				case 12, 13, 14:
					_, _, err = st.ListPage(ctx, secrets.ListOptions{Prefix: prefix, PageSize: 10}, "")
				case 15, 16, 17:
					_, err = st.Modify(ctx, key, secrets.Update{Value: secrets.Ptr(fmt.Sprint("v", n))})
				case 18:
					_, err = st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("%snew%d", prefix, n), Value: "n"})
				case 19:
					err = st.Delete(ctx, fmt.Sprintf("%snew%d", prefix, n-1))
				default:
					_, err = st.Value(ctx, key)
				}
				lat = append(lat, time.Since(t0))
				if err != nil {
					errs = append(errs, err)
				}
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			res.errs = append(res.errs, errs...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

func (r loadResult) p99() time.Duration {
	l := slices.Clone(r.latencies)
	slices.Sort(l)
	return l[len(l)*99/100]
}

// TestLoad: the load once, bounded; 0 errors.
func TestLoad(t *testing.T) {
	g := restapitest.Start(t, memory.OpenStore(), highRate, restapitest.Full("all"))
	res := runLoad(t, g, 0)
	if len(res.errs) > 0 {
		t.Fatalf("%d errors of %d requests; first: %v", len(res.errs), len(res.latencies), res.errs[0])
	}
	if len(res.latencies) != loadClients*loadRequests {
		t.Fatalf("%d requests, want %d", len(res.latencies), loadClients*loadRequests)
	}
	t.Logf("%d requests in %v: %.0f req/s, p99 %v", len(res.latencies), res.elapsed.Round(time.Millisecond),
		float64(len(res.latencies))/res.elapsed.Seconds(), res.p99())
}

// BenchmarkLoad: one op is the whole load (16 × 1,000 requests); metrics
// req/s and p99-ms are for BENCHMARKS.md.
func BenchmarkLoad(b *testing.B) {
	g := restapitest.Start(b, memory.OpenStore(), highRate, restapitest.Full("all"))
	var all loadResult
	round := 0
	for b.Loop() {
		res := runLoad(b, g, round)
		round++
		if len(res.errs) > 0 {
			b.Fatalf("%d errors; first: %v", len(res.errs), res.errs[0])
		}
		all.latencies = append(all.latencies, res.latencies...)
		all.elapsed += res.elapsed
	}
	b.ReportMetric(float64(len(all.latencies))/all.elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all.p99().Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "errors")
}
