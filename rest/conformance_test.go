package rest_test

import (
	"strings"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/rest"
	"github.com/polysecret/secrets/restapi"
	"github.com/polysecret/secrets/restapi/restapitest"
)

// memCaps are mem://'s capabilities (which memory's own conformance run
// pins), and the driver declares them in front of it.
var memCaps = memory.OpenStore().Capabilities()

// highRate lets a conformance run through without 429s.
var highRate = restapi.Limits{Rate: 1e6, Burst: 1e6}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			g := startAudited(t, memory.OpenStore())
			return func(t *testing.T) *secrets.Store { return open(t, g, "all") }
		},
		Want:    memCaps,
		CheckAs: checkAs,
	})
}

// startAudited starts a gateway with the full key "all" and checks, when
// the test ends, that its audit log holds no value: every value the
// conformance suite stores holds the marker "PSV-sentinel-".
func startAudited(t *testing.T, st *secrets.Store) *restapitest.Gateway {
	g := restapitest.Start(t, st, highRate, restapitest.Full("all"))
	t.Cleanup(func() {
		log := g.AuditLog()
		if strings.Contains(log, "PSV-sentinel-") {
			t.Errorf("the gateway's audit log holds a value:\n%s", log)
		}
		if strings.Contains(log, g.Secrets["all"]) {
			t.Error("the gateway's audit log holds the API key")
		}
		if log == "" {
			t.Error("no audit line")
		}
	})
	return g
}

// open makes a Store with New on a Client of its own for key id.
func open(t testing.TB, g *restapitest.Gateway, id string) *secrets.Store {
	t.Helper()
	st, err := rest.New(client(t, g, id), rest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func client(t testing.TB, g *restapitest.Gateway, id string) *rest.Client {
	t.Helper()
	c, err := rest.NewClient(rest.ClientOptions{BaseURL: g.Server.URL, APIKey: g.Secrets[id]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func checkAs(t *testing.T, s *secrets.Store) {
	var c *rest.Client
	if !s.As(&c) || c == nil || c.BaseURL() == "" {
		t.Error("As(**rest.Client) failed")
	}
}
