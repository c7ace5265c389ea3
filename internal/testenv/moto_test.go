package testenv

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
)

// TestRunMotoNotFooledByAnotherServer: when the port is another server's
// (here one that answers / with a redirect and anything else 404, as a
// Vault dev server does outside /v1), RunMoto reports that moto could not
// serve; it never hands the other server back as moto. (Before, readiness
// was any answer on the port, and cache.TestMotoStaleWhileDown once sent
// its writes to such a server and got a 307.) On a free port it serves,
// and Stop frees the port for a restart on it.
func TestRunMotoNotFooledByAnotherServer(t *testing.T) {
	bin := FindMoto()
	Require(t, bin != "", "no moto_server found (pyenv, PATH or MOTO_SERVER)")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/ui/", http.StatusTemporaryRedirect)
			return
		}
		http.NotFound(w, r)
	}))
	defer other.Close()
	u, _ := url.Parse(other.URL)
	port, _ := strconv.Atoi(u.Port())
	if m, err := RunMoto(bin, port); err == nil {
		m.Stop()
		t.Fatalf("RunMoto on a port another server holds succeeded (endpoint %s)", m.Endpoint())
	}

	m, err := RunMoto(bin, 0)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(m.Endpoint() + "/moto-api/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("moto's dashboard: %s", resp.Status)
	}
	p := m.Port
	m.Stop()
	again, err := RunMoto(bin, p)
	if err != nil {
		t.Fatalf("restart on port %d: %v", p, err)
	}
	again.Stop()
}
