package conformance

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

// Cross-driver semantics of DESIGN.md §3.4–3.5 that every driver must
// agree on: versions, moves, and concurrent whole-map label replacement.

// testVersionSemantics: every Modify makes one version, whatever it changes;
// a Get at a version returns that version's value with the secret's current
// metadata; a moved secret starts a new history in its target.
func (s *suite) testVersionSemantics(t *testing.T) {
	if !s.caps.Versions {
		return // Versions checks Unimplemented
	}
	st, _ := s.open(t)
	v1 := val("v1")
	first := s.full("VS")
	m(st.Create(ctx, first)).get(t)
	m(st.Modify(ctx, "VS", secrets.Update{Value: &v1})).get(t)
	n := len(m(st.Versions(ctx, "VS")).get(t))
	m(st.Modify(ctx, "VS", secrets.Update{Description: secrets.Ptr("only the description")})).get(t)
	vs := m(st.Versions(ctx, "VS")).get(t)
	if len(vs) != n+1 {
		t.Fatalf("a description-only Modify: %d versions, then %d; want one more", n, len(vs))
	}
	cur := m(st.Get(ctx, "VS")).get(t)
	if s.caps.Labels {
		m(st.Modify(ctx, "VS", secrets.Update{Labels: map[string]string{"new": "labels"}})).get(t)
		if got := len(m(st.Versions(ctx, "VS")).get(t)); got != n+2 {
			t.Fatalf("a labels-only Modify: %d versions, want %d", got, n+2)
		}
		cur = m(st.Get(ctx, "VS")).get(t)
	}
	// The first version: its value, today's metadata.
	old := m(st.Get(ctx, "VS", secrets.AtVersion(vs[0].ID))).get(t)
	want := cur.Clone()
	want.Value = first.Value
	if diff := cmp.Diff(want, old, cmpSecret); diff != "" {
		t.Errorf("Get at the first version: want its value with the current metadata (-want +got):\n%s", diff)
	}
	if old.Version != vs[0].ID {
		t.Errorf("Get at version %q returned Version %q", vs[0].ID, old.Version)
	}

	if !s.hasEnvironments(t, st) {
		return
	}
	s.mkEnv(t, st, "moved")
	moved := m(st.Modify(ctx, "VS", secrets.Update{Environment: secrets.Ptr("moved")})).get(t)
	mvs := m(st.In("moved").Versions(ctx, "VS")).get(t)
	if len(mvs) != 1 || !mvs[0].Current || mvs[0].ID != moved.Version {
		t.Errorf("versions after a move: %+v, want one, current, %q", mvs, moved.Version)
	}
	_, err := st.Versions(ctx, "VS")
	wantCode(t, err, secrets.NotFound)
	if got := m(st.In("moved").Value(ctx, "VS")).get(t); got != cur.Value {
		t.Error("the move changed the value")
	}
}

// testConcurrentLabelReplace: two Stores replace the whole label map at the
// same time. Where Modify is atomic the result is one of the maps written,
// never a merge nobody wrote.
func (s *suite) testConcurrentLabelReplace(t *testing.T) {
	if !s.caps.Labels {
		return // Labels checks Unimplemented
	}
	_, open := s.open(t)
	a, b := s.openWith(t, open), s.openWith(t, open)
	m(a.Create(ctx, secrets.Secret{Key: "LR", Value: val("lr"), Labels: map[string]string{"z": "0"}})).get(t)
	for round := range 6 {
		maps := []map[string]string{{"x": fmt.Sprint(round)}, {"y": fmt.Sprint(round)}}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, st := range []*secrets.Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = st.Modify(ctx, "LR", secrets.Update{Labels: maps[i]})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil && !secrets.ErrorCode(err).Retryable() {
				t.Fatalf("concurrent label replacement: %v", err)
			}
		}
		got := m(a.Get(ctx, "LR")).get(t).Labels
		if !s.caps.AtomicModify {
			continue // no compare-and-set: last writer wins, checked for sanity only
		}
		if !slices.ContainsFunc(maps, func(w map[string]string) bool { return cmp.Equal(w, got) }) && (errs[0] == nil || errs[1] == nil) {
			t.Fatalf("round %d: labels %v after replacing them with %v and %v at once: a merge nobody wrote", round, got, maps[0], maps[1])
		}
	}
}

// testMoveUnderModify: one Store moves a secret while another modifies it.
// Afterwards the secret is in exactly one scope, its value is one that was
// written; where the driver moves atomically, no Modify reported as done is
// lost.
func (s *suite) testMoveUnderModify(t *testing.T) {
	st, open := s.open(t)
	if !s.movable(t, st) {
		return
	}
	a, b := s.openWith(t, open), s.openWith(t, open)
	s.mkEnv(t, a, "src")
	s.mkEnv(t, a, "dst")
	for round := range 4 {
		key := fmt.Sprintf("MM%d", round)
		orig := val("orig")
		m(a.In("src").Create(ctx, secrets.Secret{Key: key, Value: orig})).get(t)
		written := map[string]bool{orig: true}
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			lastOK   string
			maybe    = map[string]bool{} // written by a Modify that failed: may have landed
			moveErr  error
			modifyEr error
		)
		const maxModifies = 400
		for i := range maxModifies {
			written[fmt.Sprintf("%s-m%d", orig, i)] = true
		}
		moving, moved := make(chan struct{}), make(chan struct{})
		wg.Add(2)
		go func() {
			// Modify without pause from before the move starts until it
			// has ended, so that a Modify lands inside the move.
			defer wg.Done()
			for i := range maxModifies {
				if i == 1 {
					close(moving)
				}
				select {
				case <-moved:
					if i > 1 {
						return
					}
				default:
				}
				v := fmt.Sprintf("%s-m%d", orig, i)
				_, err := b.In("src").Modify(ctx, key, secrets.Update{Value: &v})
				switch {
				case err == nil:
					mu.Lock()
					lastOK = v
					mu.Unlock()
				case secrets.ErrorCode(err) == secrets.NotFound:
					return // moved away
				default:
					mu.Lock()
					maybe[v] = true
					mu.Unlock()
					modifyEr = err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			defer close(moved)
			select {
			case <-moving:
			case <-time.After(10 * time.Second):
			}
			_, moveErr = a.In("src").Modify(ctx, key, secrets.Update{Environment: secrets.Ptr("dst")})
		}()
		wg.Wait()
		if modifyEr != nil && !secrets.ErrorCode(modifyEr).Retryable() {
			t.Fatalf("Modify during a move: %v", modifyEr)
		}
		if moveErr != nil && !secrets.ErrorCode(moveErr).Retryable() {
			t.Fatalf("move during Modify: %v", moveErr)
		}
		inSrc, errSrc := a.In("src").Get(ctx, key)
		inDst, errDst := a.In("dst").Get(ctx, key)
		if (errSrc == nil) == (errDst == nil) {
			t.Fatalf("round %d: after a move racing a Modify the secret is in src: %v, in dst: %v; want exactly one", round, errSrc == nil, errDst == nil)
		}
		got := inSrc
		if got == nil {
			got = inDst
		}
		if !written[got.Value] {
			t.Fatalf("round %d: value %q was never written", round, got.Value)
		}
		if moveErr == nil && inDst == nil {
			t.Fatalf("round %d: the move reported success but the secret is not in dst", round)
		}
		if s.caps.AtomicMove && lastOK != "" && got.Value != lastOK && !maybe[got.Value] {
			t.Fatalf("round %d: the last Modify reported done wrote %q, the secret holds %q", round, lastOK, got.Value)
		}
	}
}

// testListUnderMoves: a secret moved out of the listed scope between pages
// does not make another disappear; each secret that stays is listed once.
func (s *suite) testListUnderMoves(t *testing.T) {
	st, _ := s.open(t)
	if !s.movable(t, st) {
		return
	}
	s.mkEnv(t, st, "prod")
	prod := st.In("prod")
	var keys []string
	for i := range 9 {
		k := fmt.Sprintf("LM-%02d", i)
		keys = append(keys, k)
		m(prod.Create(ctx, secrets.Secret{Key: k, Value: val(k)})).get(t)
	}
	for _, moveTo := range []string{"", "other"} {
		if moveTo != "" {
			s.mkEnv(t, st, moveTo)
		}
		seen := map[string]int{}
		moved := map[string]bool{}
		var tok string
		for page := 0; ; page++ {
			secs, next, err := prod.ListPage(ctx, secrets.ListOptions{PageSize: 2}, tok)
			ok(t, err)
			for _, sec := range secs {
				seen[sec.Key]++
			}
			// After each page, move one of the secrets already listed out
			// of the scope.
			for _, sec := range secs {
				if !moved[sec.Key] {
					m(prod.Modify(ctx, sec.Key, secrets.Update{Environment: secrets.Ptr(moveTo)})).get(t)
					moved[sec.Key] = true
					break
				}
			}
			if next == "" {
				break
			}
			tok = next
			if page > 20 {
				t.Fatal("listing does not end")
			}
		}
		for _, k := range keys {
			if seen[k] > 1 {
				t.Errorf("move to %q: %s listed %d times", moveTo, k, seen[k])
			}
			if seen[k] == 0 && !moved[k] {
				t.Errorf("move to %q: %s stayed in prod throughout and was never listed", moveTo, k)
			}
		}
		// Put them back for the next round.
		keys = keys[:0]
		for k := range moved {
			m(st.In(moveTo).Modify(ctx, k, secrets.Update{Environment: secrets.Ptr("prod")})).get(t)
		}
		for i := range 9 {
			keys = append(keys, fmt.Sprintf("LM-%02d", i))
		}
	}
}
