package restapi

import (
	"log/slog"
	"time"
)

// audit writes the request's audit record: method, route, path, status,
// duration, key id, scope and secret key, reveal and replay flags. Never a
// value, an API key or a body.
func (h *Handler) audit(c *call, status int, replayed bool, d time.Duration) {
	attrs := []slog.Attr{slog.String("method", c.r.Method), slog.String("route", c.route),
		slog.String("path", c.r.URL.Path), slog.Int("status", status),
		slog.Duration("duration", d)}
	if c.key != nil {
		attrs = append(attrs, slog.String("key_id", c.key.ID))
	}
	if c.env != "" || c.skey != "" {
		attrs = append(attrs, slog.String("env", c.env))
	}
	if c.skey != "" {
		attrs = append(attrs, slog.String("secret", c.skey))
	}
	if replayed {
		attrs = append(attrs, slog.Bool("idempotent_replay", true))
	}
	if reveal(c.r) {
		attrs = append(attrs, slog.Bool("reveal", true))
	}
	h.log.LogAttrs(c.r.Context(), slog.LevelInfo, "restapi request", attrs...)
}
