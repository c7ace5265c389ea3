package vault

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets/backend"
)

// This file is the life of a token the driver got by logging in: the login
// (at open, then whenever the token can no longer be renewed), its renewal
// in the background by the client's LifetimeWatcher, and the end of both at
// Close.

// The messages of the records the driver logs about its token (never the
// token itself).
const (
	msgLoggedIn     = "vault: logged in"
	msgRenewed      = "vault: token renewed"
	msgRenewalEnded = "vault: token renewal ended; logging in again"
	msgLoginFailed  = "vault: login failed"
)

// reloginBackoff bounds the pause between failed logins in the background.
const (
	reloginMinPause = time.Second
	reloginMaxPause = time.Minute
)

// session holds the token of a driver that logs in.
type session struct {
	auth *authConfig
	d    *driver
	// lc sends the logins and renewals: the driver's configuration, no
	// token of its own, no callbacks, and a transport that cancels its
	// requests at Close (the LifetimeWatcher's renewals have no context).
	lc    *api.Client
	token atomic.Pointer[string]
	// onToken also gives each new token to the client the driver built
	// (nil for the application's client, which is never changed).
	onToken func(string)
	log     *slog.Logger

	// refusedCh carries the token a request found refused (revoked): the
	// background loop logs in again at once if it is still the current one.
	refusedCh chan string

	ctx    context.Context // done at Close
	cancel context.CancelFunc
	done   chan struct{} // closed when the background loop has ended
	once   sync.Once
}

// current is the token of the driver's requests.
func (s *session) current() string {
	if t := s.token.Load(); t != nil {
		return *t
	}
	return ""
}

func (s *session) attrs(extra ...any) []any {
	a := []any{slog.String("auth", s.auth.name)}
	if s.auth.mount != "" {
		a = append(a, slog.String("mount", s.auth.mount))
	}
	return append(a, extra...)
}

// at names the auth mount of a URL method.
func (s *session) at() string {
	if s.auth.mount == "" {
		return ""
	}
	return " at auth/" + s.auth.mount
}

// login logs in once (with the driver's retries of transient failures)
// and makes the new token the driver's. A refusal is Unauthenticated; an
// input that can no longer be read is InvalidArgument.
func (s *session) login(ctx context.Context) (*api.Secret, error) {
	m, err := s.auth.method()
	if err != nil {
		return nil, backend.Wrap(backend.InvalidArgument, err)
	}
	var sec *api.Secret
	err = s.d.retry(ctx, func(ctx context.Context, _ *api.KVv2) error {
		var err error
		sec, err = m.Login(ctx, s.lc)
		return err
	})
	var re *api.ResponseError
	switch {
	case err != nil && errors.As(err, &re) && re.StatusCode >= 400 && re.StatusCode < 500 && re.StatusCode != http.StatusTooManyRequests:
		return nil, backend.Errorf(backend.Unauthenticated, "vault: the login with auth=%s%s is refused: %w", s.auth.name, s.at(), err)
	case err != nil && classify(err) == backend.Unknown:
		return nil, backend.Errorf(backend.InvalidArgument, "vault: auth=%s: %w", s.auth.name, err)
	case err != nil:
		// Coded here: at open there is no driver yet to classify it.
		return nil, backend.Wrap(classify(err), err)
	case sec == nil || sec.Auth == nil || sec.Auth.ClientToken == "":
		return nil, backend.Errorf(backend.Unauthenticated, "vault: the login with auth=%s gave no token (does it need MFA?)", s.auth.name)
	}
	tok := sec.Auth.ClientToken
	s.token.Store(&tok)
	if s.onToken != nil {
		s.onToken(tok)
	}
	return sec, nil
}

// start runs the renewal of the token sec brought in the background, until
// close.
func (s *session) start(sec *api.Secret) {
	go func() {
		defer close(s.done)
		for sec != nil {
			s.watch(sec)
			sec = s.relogin()
		}
	}()
}

// refused tells the background loop that Vault refused tok (a request's
// self-lookup with it was refused): unless tok was already replaced, the
// loop logs in again at once.
func (s *session) refused(tok string) {
	for {
		select {
		case s.refusedCh <- tok:
			return
		default: // an older one is waiting: the newer wins
		}
		select {
		case <-s.refusedCh:
		default:
		}
	}
}

// waitRefused returns when Vault refused the token of sec (true) or at
// close (false).
func (s *session) waitRefused(sec *api.Secret) bool {
	for {
		select {
		case <-s.ctx.Done():
			return false
		case tok := <-s.refusedCh:
			if tok == sec.Auth.ClientToken {
				return true
			}
			// An earlier token's refusal, already replaced.
		}
	}
}

// watch renews the token of sec with a LifetimeWatcher until it can no
// longer be renewed (its max TTL is near, it is not renewable, renewals
// kept failing until its end, Vault refused it) or until close.
func (s *session) watch(sec *api.Secret) {
	if sec.Auth.LeaseDuration <= 0 { // a token that never expires
		if s.waitRefused(sec) {
			s.log.Info(msgRenewalEnded, s.attrs(slog.String("why", "the token was refused"))...)
		}
		return
	}
	if !sec.Auth.Renewable && sec.Auth.LeaseDuration > 1 {
		// A token that is not renewable (a batch token) ends at the second
		// of its creation plus its TTL, in whole seconds: up to 1s before
		// the TTL it was given says. Log in again before that.
		c := *sec
		a := *sec.Auth
		a.LeaseDuration--
		c.Auth = &a
		sec = &c
	}
	w, err := s.lc.NewLifetimeWatcher(&api.LifetimeWatcherInput{Secret: sec})
	if err != nil { // only for a nil secret
		s.log.Warn(msgRenewalEnded, s.attrs(slog.String("error", err.Error()))...)
		return
	}
	go w.Start()
	for {
		select {
		case <-s.ctx.Done():
			w.Stop()
			<-w.DoneCh() // the watcher's goroutine has ended
			return
		case tok := <-s.refusedCh:
			if tok != sec.Auth.ClientToken {
				continue // an earlier token's refusal, already replaced
			}
			w.Stop()
			<-w.DoneCh()
			s.log.Info(msgRenewalEnded, s.attrs(slog.String("why", "the token was refused"))...)
			return
		case r := <-w.RenewCh():
			s.log.Debug(msgRenewed, s.attrs(slog.Duration("ttl", time.Duration(r.Secret.Auth.LeaseDuration)*time.Second))...)
		case err := <-w.DoneCh():
			a := s.attrs()
			if err != nil {
				a = append(a, slog.String("error", err.Error()))
			}
			s.log.Info(msgRenewalEnded, a...)
			return
		}
	}
}

// relogin logs in again, pausing between failures, until it succeeds
// (then it returns the new token's secret) or close (nil).
func (s *session) relogin() *api.Secret {
	pause := reloginMinPause
	for s.ctx.Err() == nil {
		sec, err := s.login(s.ctx)
		if err == nil {
			s.logLogin(sec, "renewal ended")
			return sec
		}
		if s.ctx.Err() != nil {
			break
		}
		s.log.Warn(msgLoginFailed, s.attrs(slog.String("error", err.Error()), slog.Duration("retry_in", pause))...)
		if backend.Sleep(s.ctx, pause) != nil {
			break
		}
		pause = min(2*pause, reloginMaxPause)
	}
	return nil
}

// logLogin logs a login: at Debug level when the store is opened (the
// application knows), at Info level in the background.
func (s *session) logLogin(sec *api.Secret, why string) {
	level := slog.LevelInfo
	if why == "open" {
		level = slog.LevelDebug
	}
	s.log.Log(context.Background(), level, msgLoggedIn, s.attrs(slog.String("why", why),
		slog.Duration("ttl", time.Duration(sec.Auth.LeaseDuration)*time.Second),
		slog.Bool("renewable", sec.Auth.Renewable))...)
}

// close ends the renewal and any login or renewal in flight, and waits
// for the background loop to end.
func (s *session) close() {
	s.once.Do(func() {
		s.cancel()
		<-s.done
	})
}

// closingTransport cancels the requests it sends when closed is done, so
// that a renewal in flight (which has no context of its own) ends at Close.
type closingTransport struct {
	next   http.RoundTripper
	closed context.Context
}

func (t closingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(r.Context())
	stop := context.AfterFunc(t.closed, cancel)
	release := func() { stop(); cancel() }
	resp, err := t.next.RoundTrip(r.WithContext(ctx))
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

func (t closingTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// releasingBody releases its request's context once closed.
type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
