package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/restapi"
)

// Scheme is the URL scheme of the driver.
const Scheme = "rest"

// Options are the driver's settings.
type Options struct {
	// Environment is the store's scope ("" = global).
	Environment string
	// ReadOnly refuses every write before any request.
	ReadOnly bool
}

type driver struct {
	c     *Client
	owned bool
	caps  backend.Capabilities
}

var (
	_ backend.Driver      = (*driver)(nil)
	_ backend.Pinger      = (*driver)(nil)
	_ backend.FieldSetter = (*driver)(nil)
)

// New makes a Store on the gateway c talks to. It fetches the served
// store's capabilities (one request, GET /v1/admin/capabilities), which the
// driver declares from then on: a gateway that cannot be reached or refuses
// the key fails here. The Store's Close leaves c usable.
func New(c *Client, o Options) (*secrets.Store, error) {
	if c == nil {
		return nil, backend.Errorf(backend.InvalidArgument, "rest: no client")
	}
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout(c))
	defer cancel()
	d, err := open(ctx, c, false)
	if err != nil {
		return nil, &secrets.Error{Code: backend.Classify(err, classify), Op: "New", Scheme: Scheme, Err: err}
	}
	return secrets.NewStore(d, secrets.StoreOptions{Scheme: Scheme, Environment: o.Environment, ReadOnly: o.ReadOnly}), nil
}

// openTimeout bounds the capabilities request of New: every attempt its
// timeout, and the backoffs.
func openTimeout(c *Client) time.Duration {
	return time.Duration(c.conn.Retry.MaxRetries+1)*c.conn.Timeout + time.Duration(c.conn.Retry.MaxRetries)*20*time.Second
}

func open(ctx context.Context, c *Client, owned bool) (*driver, error) {
	var caps restapi.CapabilitiesJSON
	if err := c.do(ctx, http.MethodGet, "/v1/admin/capabilities", nil, nil, &envelope{Data: &caps}); err != nil {
		// classified here: OpenStore has no driver to ask
		return nil, backend.Wrap(classify(err), fmt.Errorf("rest: fetching the gateway's capabilities: %w", err))
	}
	return &driver{c: c, owned: owned, caps: restapi.CapabilitiesFromJSON(caps)}, nil
}

// envelope is {"data": …}.
type envelope struct {
	Data       any    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func secretPath(env, key string) string {
	return "/v1/admin/secrets/" + restapi.EncodeID(env, key)
}

func fromJSON(j *restapi.SecretJSON) (*backend.Secret, error) {
	s, ok := restapi.SecretFromJSON(j)
	if !ok {
		return nil, backend.Errorf(backend.Internal, "rest: the gateway sent an undecodable value_base64")
	}
	return s, nil
}

func (d *driver) Get(ctx context.Context, env, key string, opts backend.GetOptions) (*backend.Secret, error) {
	q := url.Values{"reveal": {"true"}, "include_expired": {"true"}}
	if opts.Version != "" {
		q.Set("version", opts.Version)
	}
	var j restapi.SecretJSON
	if err := d.c.do(ctx, http.MethodGet, secretPath(env, key), q, nil, &envelope{Data: &j}); err != nil {
		return nil, err
	}
	return fromJSON(&j)
}

func (d *driver) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	in := restapi.CreateSecretJSON{Environment: s.Environment, Key: s.Key, Type: s.Type, Description: s.Description,
		Labels: s.Labels}
	if !s.ExpiresAt.IsZero() {
		in.ExpiresAt = &s.ExpiresAt
	}
	in.Value, in.ValueBase64 = restapi.EncodeValue(s.Value)
	var j restapi.SecretJSON
	if err := d.c.do(ctx, http.MethodPost, "/v1/admin/secrets", nil, &in, &envelope{Data: &j}); err != nil {
		return nil, err
	}
	out, err := fromJSON(&j)
	if err != nil {
		return nil, err
	}
	out.Value = s.Value // a write's answer never carries the value: it is the one sent
	return out, nil
}

func (d *driver) Modify(ctx context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	in := restapi.PatchSecretJSON{Type: u.Type, Description: u.Description, ExpiresAt: u.ExpiresAt, Environment: u.Environment}
	if u.Value != nil {
		in.Value, in.ValueBase64 = restapi.EncodeValue(*u.Value)
	}
	if u.Labels != nil {
		l := u.Labels
		in.Labels = &l
	}
	var j restapi.SecretJSON
	if err := d.c.do(ctx, http.MethodPatch, secretPath(env, key), nil, &in, &envelope{Data: &j}); err != nil {
		return nil, err
	}
	out, err := fromJSON(&j)
	if err != nil {
		return nil, err
	}
	if u.Value != nil {
		out.Value = *u.Value
	}
	return out, nil
}

// SetField writes one field (PUT …/field). The answer carries no
// value: the result's Value is the JSON object {field: value}, which is
// what the portable layer selects the field from.
func (d *driver) SetField(ctx context.Context, env, key, field, value string) (*backend.Secret, error) {
	var j restapi.SecretJSON
	if err := d.c.do(ctx, http.MethodPut, secretPath(env, key)+"/field", nil,
		&restapi.FieldJSON{Field: field, Value: value}, &envelope{Data: &j}); err != nil {
		return nil, err
	}
	out, err := fromJSON(&j)
	if err != nil {
		return nil, err
	}
	out.Value, err = backend.SetJSONField("{}", field, value)
	return out, err
}

func (d *driver) Delete(ctx context.Context, env, key string) error {
	return d.c.do(ctx, http.MethodDelete, secretPath(env, key), nil, nil, nil)
}

func (d *driver) ListPage(ctx context.Context, opts *backend.ListOptions, token string) ([]*backend.Secret, string, error) {
	q := url.Values{}
	switch {
	case opts.AllEnvironments:
		q.Set("env", restapi.AllEnvironments)
	case opts.Environment == "":
		q.Set("env", restapi.GlobalScope)
	default:
		q.Set("env", opts.Environment)
	}
	if opts.Prefix != "" {
		q.Set("prefix", opts.Prefix)
	}
	if opts.Type != "" {
		q.Set("type", opts.Type)
	}
	for k, v := range opts.Labels {
		q.Add("label", k+":"+v)
	}
	if opts.Query != "" {
		q.Set("q", opts.Query)
	}
	q.Set("limit", strconv.Itoa(opts.PageSize))
	if opts.WithValues {
		q.Set("with_values", "true")
	}
	if token != "" {
		q.Set("cursor", token)
	}
	var js []restapi.SecretJSON
	env := envelope{Data: &js}
	if err := d.c.do(ctx, http.MethodGet, "/v1/admin/secrets", q, nil, &env); err != nil {
		return nil, "", err
	}
	out := make([]*backend.Secret, len(js))
	for i := range js {
		s, err := fromJSON(&js[i])
		if err != nil {
			return nil, "", err
		}
		out[i] = s
	}
	return out, env.NextCursor, nil
}

func (d *driver) Versions(ctx context.Context, env, key string) ([]backend.Version, error) {
	var js []restapi.VersionJSON
	if err := d.c.do(ctx, http.MethodGet, secretPath(env, key)+"/versions", nil, nil, &envelope{Data: &js}); err != nil {
		return nil, err
	}
	out := make([]backend.Version, len(js))
	for i, v := range js {
		out[i] = backend.Version{ID: v.ID, Current: v.Current}
		if v.CreatedAt != nil {
			out[i].CreatedAt = *v.CreatedAt
		}
	}
	return out, nil
}

func (d *driver) ListEnvironments(ctx context.Context) ([]*backend.Environment, error) {
	var js []restapi.EnvironmentJSON
	if err := d.c.do(ctx, http.MethodGet, "/v1/admin/environments", nil, nil, &envelope{Data: &js}); err != nil {
		return nil, err
	}
	out := make([]*backend.Environment, len(js))
	for i := range js {
		out[i] = restapi.EnvironmentFromJSON(&js[i])
	}
	return out, nil
}

func envPath(name string) string { return "/v1/admin/environments/" + url.PathEscape(name) }

func (d *driver) GetEnvironment(ctx context.Context, name string) (*backend.Environment, error) {
	var j restapi.EnvironmentJSON
	if err := d.c.do(ctx, http.MethodGet, envPath(name), nil, nil, &envelope{Data: &j}); err != nil {
		return nil, err
	}
	return restapi.EnvironmentFromJSON(&j), nil
}

func (d *driver) CreateEnvironment(ctx context.Context, e *backend.Environment) (*backend.Environment, error) {
	in := restapi.EnvironmentJSON{Name: e.Name, Description: e.Description, ExternalURL: e.ExternalURL}
	var j restapi.EnvironmentJSON
	if err := d.c.do(ctx, http.MethodPost, "/v1/admin/environments", nil, &in, &envelope{Data: &j}); err != nil {
		return nil, err
	}
	return restapi.EnvironmentFromJSON(&j), nil
}

func (d *driver) ModifyEnvironment(ctx context.Context, name string, u *backend.EnvironmentUpdate) (*backend.Environment, error) {
	in := restapi.EnvironmentPatchJSON{Description: u.Description, ExternalURL: u.ExternalURL}
	var j restapi.EnvironmentJSON
	if err := d.c.do(ctx, http.MethodPatch, envPath(name), nil, &in, &envelope{Data: &j}); err != nil {
		return nil, err
	}
	return restapi.EnvironmentFromJSON(&j), nil
}

func (d *driver) DeleteEnvironment(ctx context.Context, name string) error {
	return d.c.do(ctx, http.MethodDelete, envPath(name), nil, nil, nil)
}

// Ping is GET /v1/health with the key: the gateway answers, accepts the
// key, and its store answers (the gateway's Store.Ping).
func (d *driver) Ping(ctx context.Context) error {
	return d.c.do(ctx, http.MethodGet, "/v1/health", nil, nil, nil)
}

func (d *driver) Capabilities() backend.Capabilities { return d.caps }

func (d *driver) ErrorCode(err error) backend.Code { return classify(err) }

func (d *driver) As(i any) bool {
	p, ok := i.(**Client)
	if ok {
		*p = d.c
	}
	return ok
}

func (d *driver) ErrorAs(err error, i any) bool {
	p, ok := i.(**APIError)
	if !ok {
		return false
	}
	return errors.As(err, p)
}

func (d *driver) Close() error {
	if d.owned {
		d.c.CloseIdleConnections()
	}
	return nil
}
