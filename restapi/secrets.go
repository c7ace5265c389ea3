package restapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/polysecret/secrets"
)

// Scope rule: a key scoped to some environments that names a secret, a
// listing or an environment outside them gets 403 permission_denied, before
// the store is read — whether or not the thing exists, so the answer says
// nothing about other scopes.

func denied(k *Key, env string) answer {
	name := env
	if name == "" {
		name = GlobalScope
	}
	return errAnswer(secrets.PermissionDenied, "key "+strconv.Quote(k.ID)+" may not touch scope "+strconv.Quote(name))
}

func noValues(k *Key) answer {
	return errAnswer(secrets.PermissionDenied, "key "+strconv.Quote(k.ID)+" may not read values")
}

// decode reads the JSON body into v, refusing unknown fields.
func decode(c *call, v any) *answer {
	dec := json.NewDecoder(strings.NewReader(string(c.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		a := errAnswer(secrets.InvalidArgument, "request body is not the expected JSON: "+jsonErrText(err))
		return &a
	}
	return nil
}

// secretID resolves {id} and checks the key's scope.
func (h *Handler) secretID(c *call) (env, key string, a *answer) {
	env, key, err := DecodeID(c.r.PathValue("id"))
	if err != nil {
		x := storeErr(err)
		return "", "", &x
	}
	c.env, c.skey = env, key
	if !c.key.allows(env) {
		x := denied(c.key, env)
		return "", "", &x
	}
	return env, key, nil
}

func (h *Handler) getSecret(c *call) answer {
	env, key, a := h.secretID(c)
	if a != nil {
		return *a
	}
	rv := c.r.URL.Query().Get("reveal") == "true"
	if rv && !c.key.Values {
		return noValues(c.key)
	}
	// This id names (env, key): never the global fallback, and no read of
	// the global scope at all, so that a key scoped to env learns nothing
	// about it (not its existence, its expiry or its errors).
	opts := []secrets.GetOption{secrets.ExactScope()}
	if v := c.r.URL.Query().Get("version"); v != "" {
		opts = append(opts, secrets.AtVersion(v))
	}
	if c.r.URL.Query().Get("include_expired") == "true" {
		opts = append(opts, secrets.IncludeExpired())
	}
	s, err := h.store.In(env).Get(c.ctx, key, opts...)
	if secrets.ErrorCode(err) == secrets.NotFound {
		return errAnswer(secrets.NotFound, "no secret "+strconv.Quote(key)+" in this scope")
	}
	if err != nil {
		return storeErr(err)
	}
	return ok(http.StatusOK, SecretToJSON(s, rv))
}

func (h *Handler) createSecret(c *call) answer {
	var in CreateSecretJSON
	if a := decode(c, &in); a != nil {
		return *a
	}
	c.env, c.skey = in.Environment, in.Key
	if !c.key.allows(in.Environment) {
		return denied(c.key, in.Environment)
	}
	v, _, okv := DecodeValue(in.Value, in.ValueBase64)
	if !okv {
		return errAnswer(secrets.InvalidArgument, "give value or value_base64 (valid base64), not both")
	}
	s, err := h.store.In(in.Environment).Create(c.ctx, secrets.Secret{Environment: in.Environment, Key: in.Key,
		Value: v, Type: in.Type, Description: in.Description, Labels: in.Labels, ExpiresAt: tval(in.ExpiresAt)})
	if err != nil {
		return storeErr(err)
	}
	return ok(http.StatusCreated, SecretToJSON(s, false))
}

func (h *Handler) patchSecret(c *call) answer {
	env, key, a := h.secretID(c)
	if a != nil {
		return *a
	}
	var in PatchSecretJSON
	if a := decode(c, &in); a != nil {
		return *a
	}
	v, set, okv := DecodeValue(in.Value, in.ValueBase64)
	if !okv {
		return errAnswer(secrets.InvalidArgument, "give value or value_base64 (valid base64), not both")
	}
	u := secrets.Update{Type: in.Type, Description: in.Description, Environment: in.Environment}
	if set {
		u.Value = &v
	}
	if in.Labels != nil {
		u.Labels = *in.Labels
		if u.Labels == nil {
			u.Labels = map[string]string{}
		}
	}
	if in.ExpiresAt != nil {
		u.ExpiresAt = in.ExpiresAt
	}
	if in.Environment != nil && !c.key.allows(*in.Environment) {
		return denied(c.key, *in.Environment)
	}
	s, err := h.store.In(env).Modify(c.ctx, key, u)
	if err != nil {
		return storeErr(err)
	}
	return ok(http.StatusOK, SecretToJSON(s, false))
}

func (h *Handler) setField(c *call) answer {
	env, key, a := h.secretID(c)
	if a != nil {
		return *a
	}
	var in FieldJSON
	if a := decode(c, &in); a != nil {
		return *a
	}
	if in.Field == "" {
		return errAnswer(secrets.InvalidArgument, "field is empty")
	}
	s, err := h.store.In(env).Modify(c.ctx, key+secrets.FieldSeparator+in.Field, secrets.Update{Value: &in.Value})
	if err != nil {
		return storeErr(err)
	}
	return ok(http.StatusOK, SecretToJSON(s, false))
}

func (h *Handler) deleteSecret(c *call) answer {
	env, key, a := h.secretID(c)
	if a != nil {
		return *a
	}
	if err := h.store.In(env).Delete(c.ctx, key); err != nil {
		return storeErr(err)
	}
	return answer{status: http.StatusNoContent}
}

func (h *Handler) versions(c *call) answer {
	env, key, a := h.secretID(c)
	if a != nil {
		return *a
	}
	vs, err := h.store.In(env).Versions(c.ctx, key)
	if err != nil {
		return storeErr(err)
	}
	out := make([]VersionJSON, len(vs))
	for i, v := range vs {
		out[i] = VersionJSON{ID: v.ID, CreatedAt: tptr(v.CreatedAt), Current: v.Current}
	}
	return ok(http.StatusOK, out)
}

// listSecrets: GET /v1/admin/secrets?env=&prefix=&type=&label=k:v&
// provider_slug=&q=&limit=&cursor=&with_values=.
func (h *Handler) listSecrets(c *call) answer {
	q := c.r.URL.Query()
	opts := secrets.ListOptions{Prefix: q.Get("prefix"), Type: q.Get("type"), Query: q.Get("q")}
	st := h.store
	switch env := q.Get("env"); env {
	case "", AllEnvironments:
		if !c.key.all {
			return denied(c.key, AllEnvironments)
		}
		opts.AllEnvironments = true
		c.env = AllEnvironments
	case GlobalScope:
		if !c.key.allows("") {
			return denied(c.key, "")
		}
		st = st.In("")
		c.env = GlobalScope
	default:
		if !c.key.allows(env) {
			return denied(c.key, env)
		}
		st = st.In(env)
		c.env = env
	}
	for _, l := range q["label"] {
		k, v, found := strings.Cut(l, ":")
		if !found {
			return errAnswer(secrets.InvalidArgument, "label filter must be key:value")
		}
		if opts.Labels == nil {
			opts.Labels = map[string]string{}
		}
		opts.Labels[k] = v
	}
	if p := q.Get("provider_slug"); p != "" {
		if opts.Labels == nil {
			opts.Labels = map[string]string{}
		}
		opts.Labels[ProviderLabel] = p
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return errAnswer(secrets.InvalidArgument, "limit must be a number 1-1000")
		}
		opts.PageSize = n
		if n == 0 {
			opts.PageSize = -1 // 0 is not "the default" in the API: the store refuses it
		}
	}
	if q.Get("with_values") == "true" {
		if !c.key.Values {
			return noValues(c.key)
		}
		opts.WithValues = true
		// A page of values is built in memory: at most MaxValuesPage
		// secrets (a shorter page, and a cursor, as the API allows).
		if opts.PageSize > MaxValuesPage {
			opts.PageSize = MaxValuesPage
		}
	}
	tok, err := DecodeCursor(q.Get("cursor"))
	if err != nil {
		return storeErr(err)
	}
	page, next, err := st.ListPage(c.ctx, opts, tok)
	if err != nil {
		return storeErr(err)
	}
	out := make([]SecretJSON, len(page))
	for i, s := range page {
		out[i] = SecretToJSON(s, opts.WithValues)
	}
	return answer{status: http.StatusOK, body: marshal(struct {
		Data       []SecretJSON `json:"data"`
		NextCursor string       `json:"next_cursor,omitempty"`
	}{out, EncodeCursor(next)})}
}

// MaxValuesPage is the most secrets a page with values holds, whatever
// the limit asked (64 KiB values: about 9 MiB of JSON at worst).
const MaxValuesPage = 100

func (h *Handler) capabilities(c *call) answer {
	return ok(http.StatusOK, CapabilitiesToJSON(h.store.Capabilities()))
}

// health pings the store (secrets.Store.Ping): 200 {"data":{"status":"ok"}},
// or the store's error. A key is not needed; one that is sent must be
// valid. Without a key, the answer is the last Ping's if it is younger than
// healthTTL (so that callers without a key make at most one backend call
// per healthTTL), and a failure is a plain 503 "store unavailable" (the
// store's error may name internal hosts); with a key (rate-limited as
// the key is), a fresh Ping and its error.
func (h *Handler) health(c *call) answer {
	if c.key == nil {
		if err := h.pinged.ping(c.ctx, h.store); err != nil {
			return errAnswer(secrets.Unavailable, "store unavailable")
		}
		return ok(http.StatusOK, map[string]string{"status": "ok"})
	}
	if err := h.store.Ping(c.ctx); err != nil {
		return storeErr(err)
	}
	return ok(http.StatusOK, map[string]string{"status": "ok"})
}
