package backend

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestValidateLabelValue(t *testing.T) {
	for _, tc := range []struct {
		v  string
		ok bool
	}{
		{"gold", true}, {"Zürich 東京", true}, {"a.b:c/d=e+f-g@h_i", true}, {"1 2 3", true},
		{"", false}, {strings.Repeat("v", 256), true}, {strings.Repeat("v", 257), false},
		{"semi;colon", false}, {"tab\t", false}, {"new\nline", false}, {"\xff", false}, {"quote\"", false},
		{"nbsp\u00a0x", false}, {"ideographic\u3000space", false}, {"zero\u200bwidth", false}, {"٣ Arabic-Indic digit", true},
	} {
		if err := ValidateLabelValue(tc.v); (err == nil) != tc.ok {
			t.Errorf("ValidateLabelValue(%q) = %v, want ok=%v", tc.v, err, tc.ok)
		}
	}
}

func TestValidateExternalURL(t *testing.T) {
	for _, tc := range []struct {
		v  string
		ok bool
	}{
		{"", true}, {"https://example.com", true}, {"http://h:8080/p?q=1", true},
		{"ftp://x", false}, {"/rel", false}, {"https://", false}, {"notaurl", false},
		{"https://" + strings.Repeat("h", 2040), true}, {"https://" + strings.Repeat("h", 2041), false},
	} {
		if err := ValidateExternalURL(tc.v); (err == nil) != tc.ok {
			t.Errorf("ValidateExternalURL(%q) = %v, want ok=%v", tc.v, err, tc.ok)
		}
	}
}

func TestValidateExpiry(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	for _, tc := range []struct {
		name string
		t    time.Time
		ok   bool
	}{
		{"none", time.Time{}, true},
		{"next year", time.Now().AddDate(1, 0, 0), true},
		{"9999-12-31 UTC", time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC), true},
		{"9999-12-31 EST is 10000 in UTC", time.Date(9999, 12, 31, 23, 0, 0, 0, est), false},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"year 0", time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		err := ValidateExpiry(tc.t)
		if (err == nil) != tc.ok {
			t.Errorf("%s: ValidateExpiry = %v, want ok=%v", tc.name, err, tc.ok)
		}
		err = ValidateSecret(&Secret{Key: "K", Value: "v", ExpiresAt: tc.t})
		if (err == nil) != tc.ok {
			t.Errorf("%s: ValidateSecret = %v, want ok=%v", tc.name, err, tc.ok)
		}
		err = ValidateUpdate(&Update{ExpiresAt: &tc.t})
		if (err == nil) != tc.ok {
			t.Errorf("%s: ValidateUpdate = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestParams(t *testing.T) {
	q, _ := url.ParseQuery("max_retries=5&timeout=3s&flag=true&secretish=hunter2")
	p := NewParams(q)
	if got := p.Int("max_retries", 3, 0, 10); got != 5 {
		t.Errorf("Int = %d", got)
	}
	if got := p.Duration("timeout", 0); got != 3*time.Second {
		t.Errorf("Duration = %v", got)
	}
	if !p.Bool("flag", false) {
		t.Error("Bool")
	}
	err := p.Err()
	if err == nil || Classify(err, nil) != InvalidArgument || !strings.Contains(err.Error(), "secretish") {
		t.Fatalf("unknown parameter not reported: %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error shows a parameter value: %v", err)
	}
	p = NewParams(url.Values{"max_retries": {"99"}})
	p.Int("max_retries", 3, 0, 10)
	if err := p.Err(); err == nil {
		t.Error("out-of-range int accepted")
	}
}

func TestRetryPolicy(t *testing.T) {
	p := RetryPolicy{Base: 100 * time.Millisecond, Max: time.Second}
	for attempt := 1; attempt < 40; attempt++ {
		d := p.Delay(attempt, 0)
		step := min(100*time.Millisecond<<min(attempt-1, 16), time.Second)
		if d < step/2 || d > step {
			t.Fatalf("attempt %d: delay %v outside [%v, %v]", attempt, d, step/2, step)
		}
	}
	if d := p.Delay(1, 700*time.Millisecond); d != 700*time.Millisecond {
		t.Errorf("Retry-After not honoured: %v", d)
	}
	if d := p.Delay(1, time.Hour); d != time.Second {
		t.Errorf("Retry-After not capped: %v", d)
	}
	h := http.Header{}
	h.Set("Retry-After", "7")
	if got := ParseRetryAfter(h); got != 7*time.Second {
		t.Errorf("ParseRetryAfter = %v", got)
	}
}

func TestSleepCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v", err)
	}
}

func TestForEach(t *testing.T) {
	var running, peak, done atomic.Int32
	err := ForEach(context.Background(), 50, 4, func(ctx context.Context, i int) error {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		running.Add(-1)
		done.Add(1)
		return nil
	})
	if err != nil || done.Load() != 50 {
		t.Fatalf("err %v, done %d", err, done.Load())
	}
	if peak.Load() > 4 {
		t.Fatalf("concurrency %d > 4", peak.Load())
	}
	boom := errors.New("boom")
	err = ForEach(context.Background(), 100, 3, func(ctx context.Context, i int) error {
		if i == 5 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("ForEach = %v, want boom", err)
	}
}

func TestClassify(t *testing.T) {
	driver := func(error) Code { return Unavailable }
	for _, tc := range []struct {
		err  error
		want Code
	}{
		{Errorf(NotFound, "x"), NotFound},
		{Wrap(AlreadyExists, errors.New("y")), AlreadyExists},
		{context.Canceled, Canceled},
		{errors.New("net"), Unavailable},
	} {
		if got := Classify(tc.err, driver); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestErrorfPrintsCauseOnce: an Errorf with %w shows its cause once (issue
// 8.16: "no secret "K": CAUSE: CAUSE").
func TestErrorfPrintsCauseOnce(t *testing.T) {
	cause := errors.New("CAUSE")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{Errorf(NotFound, "no secret %q: %w", "K", cause), `no secret "K": CAUSE`},
		{Errorf(NotFound, "no secret %q", "K"), `no secret "K"`},
		{Wrap(Unavailable, cause), "CAUSE"},
		{&Error{Code: Internal, Msg: "m", Err: cause}, "m"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	if !errors.Is(Errorf(NotFound, "x: %w", cause), cause) {
		t.Error("Errorf lost its cause")
	}
}

// TestDefaultRetryRidesOutRestart: the default policy's retries wait at
// least 3 s in all, whatever the jitter, so a restart of a few seconds is
// ridden out (issue 8.13), and at most 6.2 s before Retry-After.
func TestDefaultRetryRidesOutRestart(t *testing.T) {
	var p RetryPolicy
	for range 100 {
		var total time.Duration
		for a := 1; a <= DefaultMaxRetries; a++ {
			total += p.Delay(a, 0)
		}
		if total < 3*time.Second || total > 6200*time.Millisecond {
			t.Fatalf("default retries wait %v in all, want 3s..6.2s", total)
		}
	}
}

func TestAsClient(t *testing.T) {
	type client struct{ name string }
	c := &client{"mine"}
	var got *client
	if !AsClient(&got, c) || got != c {
		t.Fatalf("AsClient(**client) = %v", got)
	}
	var other *strings.Builder
	if AsClient(&other, c) || other != nil {
		t.Fatal("AsClient of another type succeeded")
	}
	if AsClient(got, c) {
		t.Fatal("AsClient of a non-pointer-to-pointer succeeded")
	}
}

// TestFlatMetaRoundTrip: what Encode writes, Apply reads back; foreign
// keys are left alone.
func TestFlatMetaRoundTrip(t *testing.T) {
	f := FlatMeta{Description: "d", Type: "t", ExpiresAt: "x", LabelPrefix: "l:"}
	in := &Secret{Type: TypePassword, Description: "about", ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC),
		Labels: map[string]string{"b": "2", "a": "1"}}
	var keys []string
	out := &Secret{Type: TypeGeneric}
	f.Encode(in, func(k, v string) {
		keys = append(keys, k)
		if !f.Apply(out, k, v) {
			t.Errorf("Apply(%q) did not recognise its own key", k)
		}
	})
	if want := []string{"t", "x", "d", "l:a", "l:b"}; strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Errorf("Encode order %v, want %v", keys, want)
	}
	if out.Type != in.Type || out.Description != in.Description || !out.ExpiresAt.Equal(in.ExpiresAt) || len(out.Labels) != 2 || out.Labels["a"] != "1" {
		t.Errorf("round trip: %+v", out)
	}
	if f.Apply(out, "someone-else", "v") {
		t.Error("a foreign key was taken for metadata")
	}
}

// TestRetryDo: retryable codes are retried MaxRetries times, others not at
// all; a wait that would pass the caller's deadline is not started.
func TestRetryDo(t *testing.T) {
	p := RetryPolicy{MaxRetries: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}
	for _, tc := range []struct {
		code  Code
		calls int
	}{{Unavailable, 4}, {RateLimited, 4}, {NotFound, 1}, {Unknown, 1}} {
		n, retries := 0, 0
		err := p.Do(context.Background(), nil, func(context.Context) (time.Duration, error) {
			n++
			return 0, Errorf(tc.code, "x")
		}, func(int, Code, time.Duration) { retries++ })
		if n != tc.calls || retries != tc.calls-1 || Classify(err, nil) != tc.code {
			t.Errorf("%v: %d calls, %d retries, %v; want %d calls", tc.code, n, retries, err, tc.calls)
		}
	}
	n := 0
	if err := p.Do(context.Background(), nil, func(context.Context) (time.Duration, error) {
		if n++; n < 3 {
			return 0, Errorf(Unavailable, "x")
		}
		return 0, nil
	}, nil); err != nil || n != 3 {
		t.Errorf("success on the third attempt: %v after %d", err, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	n = 0
	long := RetryPolicy{MaxRetries: 3, Base: time.Millisecond, Max: 2 * time.Hour}
	err := long.Do(ctx, nil, func(context.Context) (time.Duration, error) { n++; return time.Hour, Errorf(RateLimited, "later") }, nil)
	if n != 1 || Classify(err, nil) != RateLimited {
		t.Errorf("Retry-After past the deadline: %d calls, %v; want 1 call and RateLimited at once", n, err)
	}
}
