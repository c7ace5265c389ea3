package conformance

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

func (s *suite) testList(t *testing.T) {
	t.Run("ScopeAndValues", func(t *testing.T) {
		st, _ := s.open(t)
		envs := s.hasEnvironments(t, st)
		gv, pv := val("g"), val("p")
		m(st.Create(ctx, secrets.Secret{Key: "A", Value: gv})).get(t)
		wantProd, wantAll := []string{"prod/B"}, []string{"/A", "prod/B"}
		if envs {
			s.mkEnv(t, st, "prod")
			m(st.In("prod").Create(ctx, secrets.Secret{Key: "B", Value: pv})).get(t)
		} else {
			wantProd, wantAll = nil, []string{"/A"}
		}
		collect := func(st *secrets.Store, o secrets.ListOptions) []*secrets.Secret {
			var out []*secrets.Secret
			for sec, err := range st.List(ctx, o) {
				ok(t, err)
				out = append(out, sec)
			}
			return out
		}
		if diff := cmp.Diff([]string{"/A"}, keysOf(collect(st, secrets.ListOptions{}))); diff != "" {
			t.Errorf("global scope (-want +got):\n%s", diff)
		}
		if envs {
			if diff := cmp.Diff(wantProd, keysOf(collect(st.In("prod"), secrets.ListOptions{}))); diff != "" {
				t.Errorf("prod scope (-want +got):\n%s", diff)
			}
		}
		all := collect(st, secrets.ListOptions{AllEnvironments: true})
		if diff := cmp.Diff(wantAll, keysOf(all), cmpopts.SortSlices(strLess)); diff != "" {
			t.Errorf("all environments (-want +got):\n%s", diff)
		}
		for _, sec := range all {
			if sec.Value != "" {
				t.Error("listing without WithValues returned a value")
			}
		}
		for _, sec := range collect(st, secrets.ListOptions{AllEnvironments: true, WithValues: true}) {
			want := gv
			if sec.Environment == "prod" {
				want = pv
			}
			if sec.Value != want {
				t.Errorf("WithValues: %s has the wrong value", sec.Key)
			}
		}
	})
	t.Run("Empty", func(t *testing.T) {
		st, _ := s.open(t)
		page, next := must2(t)(st.ListPage(ctx, secrets.ListOptions{}, ""))
		if len(page) != 0 || next != "" {
			t.Errorf("empty store listed %d secrets, next %q", len(page), next)
		}
		if !s.hasEnvironments(t, st) {
			return
		}
		// An environment that does not exist lists nothing (Ping says
		// whether it exists).
		page, next = must2(t)(st.In("nosuch").ListPage(ctx, secrets.ListOptions{}, ""))
		if len(page) != 0 || next != "" {
			t.Errorf("a missing environment listed %d secrets, next %q", len(page), next)
		}
	})
	t.Run("BadOptions", func(t *testing.T) {
		st, _ := s.open(t)
		for _, o := range []secrets.ListOptions{{PageSize: -1}, {PageSize: 1001}, {Prefix: "a#b"}, {Type: "nope"},
			{Labels: map[string]string{"k": ""}}, {Query: strings.Repeat("q", 257)}} {
			_, _, err := st.ListPage(ctx, o, "")
			wantCode(t, err, secrets.InvalidArgument)
		}
	})
	t.Run("Tokens", func(t *testing.T) {
		st, _ := s.open(t)
		for i := range 5 {
			m(st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("k%d", i), Value: val("t")})).get(t)
		}
		page, next := must2(t)(st.ListPage(ctx, secrets.ListOptions{PageSize: 2}, ""))
		if len(page) > 2 || next == "" {
			t.Fatalf("first page: %d secrets, next %q", len(page), next)
		}
		_, _, err := st.ListPage(ctx, secrets.ListOptions{PageSize: 2, Prefix: "k"}, next)
		wantCode(t, err, secrets.InvalidArgument)
		_, _, err = st.ListPage(ctx, secrets.ListOptions{PageSize: 3}, next)
		wantCode(t, err, secrets.InvalidArgument)
		_, _, err = st.ListPage(ctx, secrets.ListOptions{PageSize: 2}, "not-a-token!")
		wantCode(t, err, secrets.InvalidArgument)
		_, _, err = st.ListPage(ctx, secrets.ListOptions{PageSize: 2}, next[:len(next)-1]+"A")
		if err != nil {
			wantCode(t, err, secrets.InvalidArgument)
		}
	})
}

// testListLarge: 280 secrets over the global scope and 3 environments,
// listed with page size 7 under every filter: each expected secret exactly
// once, nothing else.
func (s *suite) testListLarge(t *testing.T) {
	st, _ := s.open(t)
	envs := []string{"", "dev", "prod", "qa"}
	if !s.hasEnvironments(t, st) {
		envs = []string{"", "", "", ""} // every scope below is the global one
	}
	for _, e := range envs[1:] {
		if e != "" {
			s.mkEnv(t, st, e)
		}
	}
	types := []string{secrets.TypeGeneric, secrets.TypePassword, secrets.TypeKey, secrets.TypeToken}
	var all []*secrets.Secret
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	errs := make(chan error, 280)
	for i := range 280 {
		sec := &secrets.Secret{Environment: envs[i%4], Key: fmt.Sprintf("%s_%03d", []string{"APP", "DB", "API", "app"}[i%3], i),
			Value: val("L"), Description: []string{"primary database", "third-party API", "misc"}[i%5%3]}
		if s.caps.Types {
			sec.Type = types[i%7%4]
		}
		if s.caps.Labels {
			sec.Labels = map[string]string{"team": []string{"core", "edge"}[i%2]}
			if i%3 == 0 {
				sec.Labels["pci"] = "yes"
			}
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := st.Create(ctx, *sec); err != nil {
				errs <- err
				return
			}
			mu.Lock()
			all = append(all, sec)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Create: %v", err)
	}
	type lcase struct {
		name  string
		scope string
		o     secrets.ListOptions
	}
	cases := []lcase{
		{"All", "", secrets.ListOptions{AllEnvironments: true}},
		{"Global", "", secrets.ListOptions{}},
		{"Dev", "dev", secrets.ListOptions{}},
		{"Prod", "prod", secrets.ListOptions{}},
		{"QA", "qa", secrets.ListOptions{}},
		{"Prefix", "", secrets.ListOptions{AllEnvironments: true, Prefix: "DB_"}},
		{"PrefixInEnv", "prod", secrets.ListOptions{Prefix: "API"}},
		{"QueryKey", "", secrets.ListOptions{AllEnvironments: true, Query: "db_0"}},
		{"QueryDescription", "dev", secrets.ListOptions{Query: "DATABASE"}},
		{"NoMatch", "", secrets.ListOptions{AllEnvironments: true, Prefix: "ZZZ"}},
		{"WithValues", "qa", secrets.ListOptions{WithValues: true}},
	}
	if s.caps.Types {
		cases = append(cases, lcase{"Type", "", secrets.ListOptions{AllEnvironments: true, Type: secrets.TypeToken}},
			lcase{"TypeGeneric", "prod", secrets.ListOptions{Type: secrets.TypeGeneric}})
	}
	if s.caps.Labels {
		cases = append(cases, lcase{"Labels", "", secrets.ListOptions{AllEnvironments: true, Labels: map[string]string{"team": "edge", "pci": "yes"}}},
			lcase{"LabelInEnv", "dev", secrets.ListOptions{Labels: map[string]string{"team": "core"}}},
			lcase{"Combined", "", secrets.ListOptions{AllEnvironments: true, Prefix: "APP", Labels: map[string]string{"pci": "yes"}, Query: "api"}})
	}
	byKey := map[string]*secrets.Secret{}
	for _, sec := range all {
		byKey[sec.Environment+"/"+sec.Key] = sec
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if s.caps.GlobalOnly {
				c.scope = ""
			}
			c.o.PageSize = 7
			bo := backend.ListOptions{AllEnvironments: c.o.AllEnvironments, Environment: c.scope, Prefix: c.o.Prefix,
				Type: c.o.Type, Labels: c.o.Labels, Query: c.o.Query, PageSize: 7}
			var want []string
			for _, sec := range all {
				if bo.Match(sec) {
					want = append(want, sec.Environment+"/"+sec.Key)
				}
			}
			got := listAll(t, st.In(c.scope), c.o)
			seen := map[string]int{}
			for _, g := range got {
				seen[g.Environment+"/"+g.Key]++
				if c.o.WithValues {
					if w := byKey[g.Environment+"/"+g.Key]; w == nil || w.Value != g.Value {
						t.Errorf("%s: wrong value", g.Key)
					}
				}
			}
			for k, n := range seen {
				if n > 1 {
					t.Errorf("%s listed %d times", k, n)
				}
			}
			if diff := cmp.Diff(want, slices.Collect(maps.Keys(seen)), cmpopts.SortSlices(strLess), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("listing %s (-want +got):\n%s", c.name, diff)
			}
			// the iterator agrees with manual paging
			var it []string
			for sec, err := range st.In(c.scope).List(ctx, c.o) {
				ok(t, err)
				it = append(it, sec.Environment+"/"+sec.Key)
			}
			if diff := cmp.Diff(want, it, cmpopts.SortSlices(strLess), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("List iterator %s (-want +got):\n%s", c.name, diff)
			}
		})
	}
	if len(all) < 250 {
		t.Fatalf("only %d secrets created", len(all))
	}
}

// testListConcurrentChanges: secrets created and removed during a listing
// do not make one that exists throughout disappear or repeat.
func (s *suite) testListConcurrentChanges(t *testing.T) {
	st, _ := s.open(t)
	var stable []string
	for i := range 40 {
		k := fmt.Sprintf("S%03d", i*2)
		m(st.Create(ctx, secrets.Secret{Key: k, Value: val("s")})).get(t)
		stable = append(stable, "/"+k)
	}
	seen := map[string]int{}
	token := ""
	for round := 0; ; round++ {
		page, next := must2(t)(st.ListPage(ctx, secrets.ListOptions{PageSize: 5}, token))
		for _, sec := range page {
			seen["/"+sec.Key]++
		}
		// churn between pages: keys that sort before and after the cursor
		m(st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("S%03d", round*2+1), Value: val("c")})).get(t)
		m(st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("A%03d", round), Value: val("c")})).get(t)
		if s.caps.Delete && round > 0 {
			ok(t, st.Delete(ctx, fmt.Sprintf("A%03d", round-1)))
		}
		if next == "" {
			break
		}
		token = next
	}
	for _, k := range stable {
		if seen[k] != 1 {
			t.Errorf("%s seen %d times", k, seen[k])
		}
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("%s seen %d times", k, n)
		}
	}
}
