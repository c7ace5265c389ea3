package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
)

// keygen runs "serve keygen" and returns the key and its keys-file entry.
func keygen(t *testing.T, flags ...string) (key string, entry json.RawMessage) {
	t.Helper()
	var out, errOut bytes.Buffer
	if st := run(context.Background(), append([]string{"serve", "keygen"}, flags...), nil, &out, &errOut); st != 0 {
		t.Fatalf("keygen: status %d: %s", st, errOut.String())
	}
	_, key, ok := strings.Cut(strings.TrimSpace(errOut.String()), "(shown once): ")
	if !ok || !strings.HasPrefix(key, "psk_") {
		t.Fatalf("keygen printed no key on stderr: %q", errOut.String())
	}
	if strings.Contains(out.String(), key) {
		t.Fatal("keygen printed the key in the keys-file entry")
	}
	return key, json.RawMessage(bytes.TrimSpace(out.Bytes()))
}

func writeKeys(t *testing.T, path string, entries ...json.RawMessage) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": entries})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// gateway is a running "polysecret serve".
type gateway struct {
	addr   string
	stderr *drivertest.SyncBuffer
	stop   context.CancelFunc
	status chan int
}

// startServe runs "polysecret serve" with args (plus --addr-file) and waits
// until it listens.
func startServe(t *testing.T, args ...string) *gateway {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(context.Background())
	g := &gateway{stderr: &drivertest.SyncBuffer{}, stop: cancel, status: make(chan int, 1)}
	go func() {
		g.status <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--addr-file", addrFile}, args...), nil, &bytes.Buffer{}, g.stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			g.addr = string(b)
			break
		}
		select {
		case st := <-g.status:
			t.Fatalf("serve ended with status %d: %s", st, g.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not listen: %s", g.stderr.String())
		}
	}
	t.Cleanup(func() { g.shutdown(t) })
	return g
}

// shutdown stops the server as SIGTERM does and returns its exit status.
func (g *gateway) shutdown(t *testing.T) int {
	t.Helper()
	g.stop()
	select {
	case st, ok := <-g.status:
		if ok {
			close(g.status)
			return st
		}
		return 0
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
		return -1
	}
}

// TestServe: polysecret serve over a file:// store, reached with rest://:
// a read-write key writes and reads, a read key is refused a write, no key
// is refused, the audit lines hold no value or key, and SIGTERM's context
// stops it with status 0.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	rw, rwEntry := keygen(t, "--id", "deploy", "--access", "read-write", "--values", "--env-scope", "*")
	ro, roEntry := keygen(t, "--id", "reader", "--access", "read", "--values", "--env-scope", "_global")
	keys := filepath.Join(dir, "keys.json")
	writeKeys(t, keys, rwEntry, roEntry)
	g := startServe(t, "--url", "mem://", "--keys", keys, "--insecure-http")

	open := func(key string) *secrets.Store {
		t.Helper()
		t.Setenv("POLYSECRET_API_KEY", key)
		st, err := secrets.OpenStore(context.Background(), "rest://"+g.addr+"?scheme=http&max_retries=0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	ctx := context.Background()
	const value = "PSV-sentinel-serve-value"
	w := open(rw)
	if _, err := w.Create(ctx, secrets.Secret{Key: "DB_PASSWORD", Value: value, Description: "main db"}); err != nil {
		t.Fatal(err)
	}
	r := open(ro)
	if v, err := r.Value(ctx, "DB_PASSWORD"); err != nil || v != value {
		t.Fatalf("read key: Value = %q, %v", v, err)
	}
	if _, err := r.Create(ctx, secrets.Secret{Key: "X", Value: "x"}); secrets.ErrorCode(err) != secrets.PermissionDenied {
		t.Errorf("read key writing: %v, want PermissionDenied", err)
	}
	resp, err := http.Get("http://" + g.addr + "/v1/admin/secrets")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no key: status %d, want 401", resp.StatusCode)
	}

	if st := g.shutdown(t); st != 0 {
		t.Errorf("serve after SIGTERM: status %d: %s", st, g.stderr.String())
	}
	log := g.stderr.String()
	for _, leak := range []string{value, rw, ro} {
		if strings.Contains(log, leak) {
			t.Errorf("the audit log holds a value or a key:\n%s", log)
		}
	}
	if !strings.Contains(log, `"key_id":"deploy"`) || !strings.Contains(log, `"status":401`) {
		t.Errorf("the audit log lacks a line per request:\n%s", log)
	}
}

// TestServeReloadsKeys: SIGHUP reloads the keys file; a file that does not
// load leaves the old keys.
func TestServeReloadsKeys(t *testing.T) {
	dir := t.TempDir()
	first, firstEntry := keygen(t, "--id", "first", "--access", "read", "--env-scope", "*")
	second, secondEntry := keygen(t, "--id", "second", "--access", "read", "--env-scope", "*")
	keys := filepath.Join(dir, "keys.json")
	writeKeys(t, keys, firstEntry)
	g := startServe(t, "--url", "mem://", "--keys", keys, "--insecure-http")
	status := func(key string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "http://"+g.addr+"/v1/admin/secrets", nil)
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	hangUp := func(wantLog string) {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		for end := time.Now().Add(10 * time.Second); !strings.Contains(g.stderr.String(), wantLog); {
			if time.Now().After(end) {
				t.Fatalf("no %q after SIGHUP:\n%s", wantLog, g.stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if s1, s2 := status(first), status(second); s1 != 200 || s2 != 401 {
		t.Fatalf("before the reload: %d, %d; want 200, 401", s1, s2)
	}
	writeKeys(t, keys, secondEntry)
	hangUp("keys reloaded")
	if s1, s2 := status(first), status(second); s1 != 401 || s2 != 200 {
		t.Fatalf("after the reload: %d, %d; want 401, 200", s1, s2)
	}
	if err := os.WriteFile(keys, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	hangUp("keys not reloaded")
	if s := status(second); s != 200 {
		t.Errorf("after a bad keys file: %d, want the old keys kept (200)", s)
	}
}

// TestServeTLS: with --tls-cert and --tls-key the API is served over TLS
// (1.2 at least), and plain HTTP is not answered.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key, pool := selfSigned(t, dir)
	k, entry := keygen(t, "--id", "tls", "--access", "read", "--env-scope", "*")
	keys := filepath.Join(dir, "keys.json")
	writeKeys(t, keys, entry)
	g := startServe(t, "--url", "mem://", "--keys", keys, "--tls-cert", cert, "--tls-key", key)
	for _, tc := range []struct {
		name    string
		max     uint16
		wantErr bool
	}{
		{"TLS 1.3", tls.VersionTLS13, false},
		{"TLS 1.1 refused", tls.VersionTLS11, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tc.max}}
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequest(http.MethodGet, "https://"+g.addr+"/v1/admin/secrets", nil)
			req.Header.Set("X-API-Key", k)
			resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
			if tc.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatal("served below TLS 1.2")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	resp, err := http.Get("http://" + g.addr + "/v1/health")
	if err == nil {
		if resp.StatusCode == 200 {
			t.Error("plain HTTP answered on the TLS port")
		}
		resp.Body.Close()
	}
}

// TestServeRefuses: what serve refuses before it listens, with status 2.
func TestServeRefuses(t *testing.T) {
	dir := t.TempDir()
	_, entry := keygen(t, "--id", "k", "--access", "read", "--env-scope", "*")
	keys := filepath.Join(dir, "keys.json")
	writeKeys(t, keys, entry)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no keys", []string{"--url", "mem://", "--insecure-http"}, "--keys"},
		{"no TLS", []string{"--url", "mem://", "--keys", keys}, "--insecure-http"},
		{"half TLS", []string{"--url", "mem://", "--keys", keys, "--tls-cert", "c.pem"}, "both"},
		{"records in the served store", []string{"--url", "mem://", "--keys", keys, "--insecure-http", "--idempotency-url", "mem://"}, "must not be the served store"},
		{"bad keys file", []string{"--url", "mem://", "--keys", filepath.Join(dir, "none.json"), "--insecure-http"}, "none.json"},
		{"bad certificate", []string{"--url", "mem://", "--keys", keys, "--tls-cert", keys, "--tls-key", keys}, "--tls-cert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errOut bytes.Buffer
			// Bounded: a serve that wrongly starts ends with the context
			// (status 0), and the test fails instead of hanging.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			st := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...), nil, &bytes.Buffer{}, &errOut)
			if st != statusUsage || !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("status %d, stderr %q; want %d mentioning %q", st, errOut.String(), statusUsage, tc.want)
			}
		})
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "polysecret test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return certPath, keyPath, pool
}

// sameStore: idempotency records may not live in the served store, nor
// below its path.
func TestSameStore(t *testing.T) {
	for _, tc := range []struct {
		idem, served string
		same         bool
	}{
		{"mem://", "mem://", true},
		{"vault://secret/app", "vault://secret/app", true},
		{"vault://secret/app/idem", "vault://secret/app", true},
		{"vault://secret/app-idem", "vault://secret/app", false},
		{"vault://secret/idem", "vault://secret/app", false},
		{"vault://other/app", "vault://secret/app", false},
		{"awssm://app/idem?region=eu-west-1", "awssm://app?region=eu-west-1", true}, // names app/idem/… are below app/
		{"awssm://idem?region=eu-west-1", "awssm://app?region=eu-west-1", false},
		{"file:///var/lib/idem.secrets", "file:///var/lib/app.secrets", false},
		{"mem://idem", "mem://", false},                 // a named store is not a fresh one
		{"vault://secret/idem", "vault://secret", true}, // the served store is the whole mount
	} {
		if got := sameStore(tc.idem, tc.served); got != tc.same {
			t.Errorf("sameStore(%q, %q) = %v, want %v", tc.idem, tc.served, got, tc.same)
		}
	}
}

// keygen --keys keeps the file's mode, so that a server that reads it
// through its group still can after the key is added.
func TestKeygenKeepsTheMode(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys.json")
	_, entry := keygen(t, "--id", "first", "--env-scope", "*")
	writeKeys(t, keys, entry)
	if err := os.Chmod(keys, 0o640); err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	if st := run(context.Background(), []string{"serve", "keygen", "--id", "second", "--env-scope", "*", "--keys", keys}, nil, &bytes.Buffer{}, &errOut); st != 0 {
		t.Fatalf("keygen --keys: %d %s", st, errOut.String())
	}
	fi, err := os.Stat(keys)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v after keygen --keys, want -rw-r-----", fi.Mode().Perm())
	}
}
