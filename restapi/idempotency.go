package restapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/polysecret/secrets"
)

// IdempotencyRecord is what the gateway keeps of one Idempotency-Key: the
// fingerprint of the request that claimed it and, once answered, the
// answer (a metadata answer: never a value). The fingerprint is an
// HMAC-SHA256 of the method, path and body keyed with the API key's stored
// hash, so a record does not let anyone test guesses of a value without
// the keys file.
type IdempotencyRecord struct {
	Fingerprint string          `json:"fingerprint"`
	Done        bool            `json:"done"`
	Status      int             `json:"status,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
	Started     time.Time       `json:"started"`
	Expires     time.Time       `json:"expires"`
}

// IdempotencyStore keeps idempotency records where every replica of the
// gateway sees them. Records are per API key: (keyID, idemKey).
type IdempotencyStore interface {
	// Begin claims (keyID, idemKey) with rec (Done false) and returns nil,
	// or returns the record already there, unexpired, without claiming.
	// A pending record older than stale is taken over (its request is
	// taken to have died).
	Begin(ctx context.Context, keyID, idemKey string, rec *IdempotencyRecord, stale time.Duration) (*IdempotencyRecord, error)
	// Finish stores the answer of a claimed key.
	Finish(ctx context.Context, keyID, idemKey string, rec *IdempotencyRecord) error
	// Abort releases a claimed key whose request had no final answer (a
	// 429 or 5xx): a retry with the same key runs again.
	Abort(ctx context.Context, keyID, idemKey string) error
}

// StoreIdempotency keeps records in a polysecret store of their own (any
// URL: vault://secret/polysecret-idempotency, mem:// for one replica), as
// global secrets named idem/<key id>/<hex SHA-256 of the Idempotency-Key>
// whose value is the record's JSON. Use a store (or a prefix) that nothing
// else lists: the served store is not used, so that no listing of it shows
// records. Expired records are replaced when their key comes again;
// Purge deletes them.
type StoreIdempotency struct {
	Store *secrets.Store
}

var _ IdempotencyStore = (*StoreIdempotency)(nil)

// NewStoreIdempotency keeps records in st (global scope).
func NewStoreIdempotency(st *secrets.Store) *StoreIdempotency {
	return &StoreIdempotency{Store: st.In("")}
}

func recordKey(keyID, idemKey string) string {
	h := sha256.Sum256([]byte(idemKey))
	return "idem/" + keyID + "/" + hex.EncodeToString(h[:])
}

// Begin implements IdempotencyStore.
func (s *StoreIdempotency) Begin(ctx context.Context, keyID, idemKey string, rec *IdempotencyRecord, stale time.Duration) (*IdempotencyRecord, error) {
	k := recordKey(keyID, idemKey)
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	for range 3 {
		_, err = s.Store.Create(ctx, secrets.Secret{Key: k, Value: string(b)})
		if err == nil {
			return nil, nil
		}
		if secrets.ErrorCode(err) != secrets.AlreadyExists {
			return nil, err
		}
		old, err := s.Store.Get(ctx, k, secrets.IncludeExpired())
		if secrets.ErrorCode(err) == secrets.NotFound {
			continue // deleted meanwhile: claim again
		}
		if err != nil {
			return nil, err
		}
		var cur IdempotencyRecord
		now := time.Now()
		if json.Unmarshal([]byte(old.Value), &cur) == nil && now.Before(cur.Expires) &&
			(cur.Done || now.Sub(cur.Started) < stale) {
			return &cur, nil
		}
		// Expired, dead or unreadable: take it over — one request only.
		// Modify cannot compare-and-set, so the takeover is claimed first
		// by creating a marker named after the state being replaced: the
		// request whose Create wins takes over; the others are answered
		// as while a request is in progress, and retry.
		won, err := s.claimTakeover(ctx, k, old, now.Add(stale))
		if err != nil {
			return nil, err
		}
		if !won {
			return &IdempotencyRecord{Fingerprint: rec.Fingerprint, Started: now, Expires: rec.Expires}, nil
		}
		if _, err := s.Store.Modify(ctx, k, secrets.Update{Value: secrets.Ptr(string(b))}); err != nil {
			return nil, err
		}
		// The marker stays until it expires (Purge deletes it): deleted now,
		// a request that read the old state before this takeover could
		// create it again and take over a second time.
		return nil, nil
	}
	return nil, errors.New("idempotency record: could not claim")
}

// takeoverKey names the marker of a takeover of record k in the state
// old: a state is taken over once.
func takeoverKey(k string, old *secrets.Secret) string {
	h := sha256.Sum256([]byte(old.Version + "\x00" + old.UpdatedAt.String() + "\x00" + old.Value))
	return k + ".takeover." + hex.EncodeToString(h[:8])
}

// claimTakeover creates the takeover marker of record k in the state old,
// expiring (for Purge) at until; won is false when another request created
// it first.
func (s *StoreIdempotency) claimTakeover(ctx context.Context, k string, old *secrets.Secret, until time.Time) (won bool, err error) {
	b, err := json.Marshal(&IdempotencyRecord{Started: time.Now(), Expires: until})
	if err != nil {
		return false, err
	}
	_, err = s.Store.Create(ctx, secrets.Secret{Key: takeoverKey(k, old), Value: string(b)})
	switch secrets.ErrorCode(err) {
	case secrets.Unknown:
		return err == nil, err
	case secrets.AlreadyExists:
		return false, nil
	}
	return false, err
}

// Finish implements IdempotencyStore.
func (s *StoreIdempotency) Finish(ctx context.Context, keyID, idemKey string, rec *IdempotencyRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = s.Store.Modify(ctx, recordKey(keyID, idemKey), secrets.Update{Value: secrets.Ptr(string(b))})
	return err
}

// Abort implements IdempotencyStore.
func (s *StoreIdempotency) Abort(ctx context.Context, keyID, idemKey string) error {
	k := recordKey(keyID, idemKey)
	if s.Store.Capabilities().Delete {
		err := s.Store.Delete(ctx, k)
		if secrets.ErrorCode(err) == secrets.NotFound {
			return nil
		}
		return err
	}
	b, _ := json.Marshal(&IdempotencyRecord{}) // expired at once
	_, err := s.Store.Modify(ctx, k, secrets.Update{Value: secrets.Ptr(string(b))})
	return err
}

// Purge deletes the expired records and returns how many it deleted. Run
// it now and then (polysecret serve does, hourly).
func (s *StoreIdempotency) Purge(ctx context.Context) (int, error) {
	if !s.Store.Capabilities().Delete {
		return 0, nil
	}
	n := 0
	now := time.Now()
	for sec, err := range s.Store.List(ctx, secrets.ListOptions{Prefix: "idem/", WithValues: true}) {
		if err != nil {
			return n, err
		}
		var r IdempotencyRecord
		if json.Unmarshal([]byte(sec.Value), &r) == nil && now.Before(r.Expires) {
			continue
		}
		if err := s.Store.Delete(ctx, sec.Key); err != nil && secrets.ErrorCode(err) != secrets.NotFound {
			return n, err
		}
		n++
	}
	return n, nil
}
