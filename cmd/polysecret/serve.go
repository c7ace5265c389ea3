package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/restapi"
)

// serveOptions are the flags of polysecret serve.
type serveOptions struct {
	keys, idemURL, addr, addrFile string
	tlsCert, tlsKey               string
	insecureHTTP                  bool
	limits                        restapi.Limits
	maxBody                       int64
	shutdown                      time.Duration
}

// Timeouts of the HTTP server: bounded reads and writes, so that a slow
// client cannot hold a connection forever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	// purgeEvery is how often expired idempotency records are deleted;
	// memPurgeEvery when they are kept in the process's memory.
	purgeEvery    = time.Hour
	memPurgeEvery = 5 * time.Minute
)

// sameStore reports whether the store of idem is the one of served, or
// lies inside it (the same scheme and host, and a path at or below the
// served one's): its listings would show the records.
func sameStore(idem, served string) bool {
	a, err1 := url.Parse(idem)
	b, err2 := url.Parse(served)
	if err1 != nil || err2 != nil {
		return idem == served
	}
	if a.Scheme != b.Scheme || a.Host != b.Host {
		return false
	}
	ap, bp := strings.Trim(a.Path, "/"), strings.Trim(b.Path, "/")
	return ap == bp || bp == "" || strings.HasPrefix(ap, bp+"/")
}

// isLoopback reports whether addr is a loopback address.
func isLoopback(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

func newServe(a *app) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the secrets REST API over the store of --url (clients: rest://, curl, any HTTP client)",
		Long: `serve runs the secrets REST API (package restapi) over the store of --url:
/v1/admin/secrets and /v1/admin/environments with X-API-Key (or Bearer) keys
from the --keys file, {"data": …} answers, Idempotency-Key on writes,
limit/cursor paging, 429 with Retry-After per key. Go programs use it as
rest://host. Metadata by default: a value only on an explicit reveal by a key
allowed to read values.

The keys file holds SHA-256 hashes only (make entries with "serve keygen");
SIGHUP reloads it (a file that does not load is logged and the old keys
stay). Idempotency records live in the store of --idempotency-url, never in
the served store; give every replica the same one. Without it, mem:// is used
and only one replica may serve. TLS comes from --tls-cert and --tls-key;
plain HTTP needs --insecure-http. One audit line per request goes to stderr
as JSON (never a value or a key). SIGINT or SIGTERM stops the server
gracefully: requests in flight finish (at most --shutdown-timeout).`,
		Example: `  polysecret serve keygen --id deploy --access read-write --values --env-scope '*' > deploy.json
  polysecret serve --url vault://secret/myapp --keys /etc/polysecret/keys.json \
    --idempotency-url vault://secret/polysecret-idempotency \
    --tls-cert /etc/tls/cert.pem --tls-key /etc/tls/key.pem --addr :8443
  curl -H "X-API-Key: $KEY" 'https://secrets.example.com:8443/v1/admin/secrets?env=prod'`,
		Args: args(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.limits.MaxBodyBytes = o.maxBody
			return a.serve(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.keys, "keys", "", "the keys file (JSON) (env POLYSECRET_KEYS)")
	f.StringVar(&o.idemURL, "idempotency-url", "", "the store of the idempotency records, shared by every replica (default mem://: one replica) (env POLYSECRET_IDEMPOTENCY_URL)")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8443", "the address to listen on (env POLYSECRET_ADDR)")
	f.StringVar(&o.addrFile, "addr-file", "", "write the address listened on to this file once serving, e.g. for --addr 127.0.0.1:0 (env POLYSECRET_ADDR_FILE)")
	f.StringVar(&o.tlsCert, "tls-cert", "", "the TLS certificate chain, PEM (env POLYSECRET_TLS_CERT)")
	f.StringVar(&o.tlsKey, "tls-key", "", "the TLS private key, PEM (env POLYSECRET_TLS_KEY)")
	f.BoolVar(&o.insecureHTTP, "insecure-http", false, "serve plain HTTP: for a loopback address or behind a TLS proxy only (env POLYSECRET_INSECURE_HTTP)")
	f.Int64Var(&o.maxBody, "max-body", 0, "the largest request body in bytes, 413 above (default 256 KiB) (env POLYSECRET_MAX_BODY)")
	f.Float64Var(&o.limits.Rate, "rate", 0, "each key's requests per second, unless the keys file says (default 50) (env POLYSECRET_RATE)")
	f.IntVar(&o.limits.Burst, "burst", 0, "each key's burst, unless the keys file says (default 100) (env POLYSECRET_BURST)")
	f.DurationVar(&o.limits.RequestTimeout, "request-timeout", 0, "the bound of one request's store calls (default 30s) (env POLYSECRET_REQUEST_TIMEOUT)")
	f.DurationVar(&o.shutdown, "shutdown-timeout", 30*time.Second, "how long requests in flight may take to finish on SIGINT/SIGTERM (env POLYSECRET_SHUTDOWN_TIMEOUT)")
	cmd.AddCommand(newKeygen(a))
	return cmd
}

// serve runs the gateway until ctx ends (SIGINT, SIGTERM).
func (a *app) serve(ctx context.Context, o *serveOptions) error {
	if o.keys == "" {
		return usageError{errors.New("serve: give --keys (make entries with: polysecret serve keygen)")}
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return usageError{errors.New("serve: give both --tls-cert and --tls-key")}
	}
	if o.tlsCert == "" && !o.insecureHTTP {
		return usageError{errors.New("serve: give --tls-cert and --tls-key, or --insecure-http for plain HTTP")}
	}
	if o.idemURL != "" && sameStore(o.idemURL, a.url) {
		return usageError{errors.New("serve: --idempotency-url must not be the served store, nor inside it: its listings would show the records")}
	}
	audit := slog.New(slog.NewJSONHandler(a.stderr, nil))
	keys, err := restapi.LoadKeys(o.keys)
	if err != nil {
		return usageError{fmt.Errorf("serve: %w", err)}
	}
	store, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Ping(ctx); err != nil {
		return err
	}
	idemURL, purge := o.idemURL, purgeEvery
	if idemURL == "" {
		idemURL, purge = "mem://", memPurgeEvery
		audit.Warn("serve: idempotency records are kept in this process (mem://): run one replica only, or give --idempotency-url")
	}
	idemStore, err := secrets.OpenStore(ctx, idemURL)
	if err != nil {
		return fmt.Errorf("--idempotency-url: %w", err)
	}
	defer idemStore.Close()
	idem := restapi.NewStoreIdempotency(idemStore)
	h, err := restapi.New(store, keys, idem, audit, o.limits)
	if err != nil {
		return usageError{fmt.Errorf("serve: %w", err)}
	}

	// An answer may take the request's store calls (--request-timeout)
	// plus the time to write it.
	wt := max(writeTimeout, o.limits.RequestTimeout+10*time.Second)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: wt, IdleTimeout: idleTimeout, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(audit.Handler(), slog.LevelWarn)}
	if o.tlsCert != "" {
		// Loaded before listening: a certificate that does not load is a
		// usage error, not a server that listens and fails.
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return usageError{fmt.Errorf("serve: --tls-cert, --tls-key: %w", err)}
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	// SIGHUP reloads the keys from now on (registered before the address
	// is announced, so that a hang-up after it is never the default exit).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return &codedError{secrets.Unavailable, fmt.Errorf("serve: %w", err)}
	}
	if o.addrFile != "" {
		if err := os.WriteFile(o.addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			ln.Close()
			return usageError{fmt.Errorf("serve: --addr-file: %w", err)}
		}
	}
	audit.Info("serve: listening", "addr", ln.Addr().String(), "tls", o.tlsCert != "", "keys", len(keys))
	if o.tlsCert == "" && !isLoopback(ln.Addr()) {
		audit.Warn("serve: plain HTTP on an address that is not loopback: API keys and values cross the network in clear; use TLS, or a TLS proxy in front")
	}

	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	go reloadKeys(bg, hup, o.keys, h, audit)
	go purgeIdempotency(bg, idem, purge, audit)

	done := make(chan error, 1)
	go func() {
		if o.tlsCert != "" {
			done <- srv.ServeTLS(ln, "", "") // the certificate is in TLSConfig
		} else {
			done <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-done: // failed to serve (a bad certificate, …)
		return &codedError{secrets.Unavailable, fmt.Errorf("serve: %w", err)}
	case <-ctx.Done():
	}
	audit.Info("serve: shutting down", "timeout", o.shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return &codedError{secrets.DeadlineExceeded, fmt.Errorf("serve: requests still in flight after %s: %w", o.shutdown, err)}
	}
	<-done // http.ErrServerClosed
	return nil
}

// reloadKeys reloads the keys file at each hang-up until ctx ends; a file
// that does not load is logged (never its content) and the old keys stay.
func reloadKeys(ctx context.Context, hup <-chan os.Signal, path string, h *restapi.Handler, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		keys, err := restapi.LoadKeys(path)
		if err == nil {
			err = h.SetKeys(keys)
		}
		if err != nil {
			log.Error("serve: keys not reloaded; the old keys stay", "err", err.Error())
			continue
		}
		log.Info("serve: keys reloaded", "keys", len(keys))
	}
}

// purgeIdempotency deletes expired idempotency records every interval
// until ctx ends.
func purgeIdempotency(ctx context.Context, idem *restapi.StoreIdempotency, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := idem.Purge(ctx)
		if err != nil {
			log.Warn("serve: purge of expired idempotency records failed", "err", err.Error())
			continue
		}
		log.Info("serve: expired idempotency records purged", "records", n)
	}
}

// keygenOptions are the flags of serve keygen.
type keygenOptions struct {
	id, access, keys string
	values           bool
	envs             []string
	rate             float64
	burst            int
}

func newKeygen(a *app) *cobra.Command {
	o := &keygenOptions{}
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Make a new API key: its keys-file entry on stdout, the key itself once on stderr",
		Long: `keygen makes a new API key (256 random bits) and prints the entry of the
keys file (its SHA-256 hash, never the key) as JSON on stdout — or, with
--keys, adds it to that keys file (created if absent; written atomically,
mode 0600; a duplicate id is refused) — and the key itself, once, on
stderr: give it to its user; it cannot be shown again. A running serve
picks up the new key on SIGHUP.`,
		Example: `  polysecret serve keygen --id ci-prod --access read --values --env-scope prod --env-scope _global
  polysecret serve keygen --id deploy --access read-write --values --env-scope '*' --keys /etc/polysecret/keys.json
  kill -HUP "$(pidof polysecret)"   # a running serve reloads the keys file`,
		Args: args(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret, sum, err := restapi.NewKeySecret()
			if err != nil {
				return err
			}
			k := restapi.Key{ID: o.id, SHA256: sum, Access: restapi.Access(o.access), Values: o.values,
				Environments: o.envs, Rate: o.rate, Burst: o.burst}
			entry, err := json.Marshal(k)
			if err != nil {
				return err
			}
			if o.keys != "" {
				if err := addKey(o.keys, entry); err != nil {
					return err
				}
			} else if _, err := restapi.ParseKeys([]byte(`{"keys":[` + string(entry) + `]}`)); err != nil {
				return usageError{fmt.Errorf("keygen: %w", err)}
			} else {
				fmt.Fprintln(a.stdout, string(entry))
			}
			fmt.Fprintf(a.stderr, "key %s (shown once): %s\n", o.id, secret)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.id, "id", "", "the key's name in audit lines and limits (env POLYSECRET_ID)")
	f.StringVar(&o.access, "access", "read", "read or read-write (env POLYSECRET_ACCESS)")
	f.StringVar(&o.keys, "keys", "", "add the entry to this keys file instead of printing it (env POLYSECRET_KEYS)")
	f.BoolVar(&o.values, "values", false, "allow reading values (reveal, with_values) (env POLYSECRET_VALUES)")
	f.StringSliceVar(&o.envs, "env-scope", nil, "an environment the key may touch, _global, or * for all (repeatable) (env POLYSECRET_ENV_SCOPE)")
	f.Float64Var(&o.rate, "rate", 0, "the key's requests per second (0: the server's --rate) (env POLYSECRET_RATE)")
	f.IntVar(&o.burst, "burst", 0, "the key's burst (0: the server's --burst) (env POLYSECRET_BURST)")
	return cmd
}

// addKey adds entry to the keys file at path (created if absent), checked
// by restapi.ParseKeys as serve will read it, and written atomically (a
// temporary file in the same directory, renamed over the old one).
func addKey(path string, entry json.RawMessage) error {
	var file struct {
		Keys []json.RawMessage `json:"keys"`
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return usageError{fmt.Errorf("keygen: %w", err)}
	default:
		if err := json.Unmarshal(b, &file); err != nil {
			return usageError{fmt.Errorf("keygen: %s is not a keys file: %w", path, err)}
		}
	}
	file.Keys = append(file.Keys, entry)
	out, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return err
	}
	if _, err := restapi.ParseKeys(out); err != nil {
		return usageError{fmt.Errorf("keygen: %w", err)}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keys-*")
	if err != nil {
		return usageError{fmt.Errorf("keygen: %w", err)}
	}
	defer os.Remove(tmp.Name())
	// The new file keeps the old one's mode and owner, so that a server
	// that reads it through its group still can.
	if fi, err := os.Stat(path); err == nil {
		if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
			tmp.Close()
			return err
		}
		keepOwner(tmp, fi)
	}
	if _, err := tmp.Write(append(out, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
