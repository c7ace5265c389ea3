package restapi

import (
	"net/http"

	"github.com/polysecret/secrets"
)

// envName resolves {name} and checks the key's scope.
func (h *Handler) envName(c *call) (string, *answer) {
	name := c.r.PathValue("name")
	c.env = name
	if !c.key.allows(name) {
		a := denied(c.key, name)
		return "", &a
	}
	return name, nil
}

// listEnvironments lists the environments the key may touch (all of them
// for a key with "*").
func (h *Handler) listEnvironments(c *call) answer {
	envs, err := h.store.ListEnvironments(c.ctx)
	if err != nil {
		return storeErr(err)
	}
	out := make([]EnvironmentJSON, 0, len(envs))
	for _, e := range envs {
		if c.key.allows(e.Name) {
			out = append(out, EnvironmentToJSON(e))
		}
	}
	return ok(http.StatusOK, out)
}

func (h *Handler) getEnvironment(c *call) answer {
	name, a := h.envName(c)
	if a != nil {
		return *a
	}
	e, err := h.store.GetEnvironment(c.ctx, name)
	if err != nil {
		return storeErr(err)
	}
	return ok(http.StatusOK, EnvironmentToJSON(e))
}

func (h *Handler) createEnvironment(c *call) answer {
	var in EnvironmentJSON
	if a := decode(c, &in); a != nil {
		return *a
	}
	c.env = in.Name
	if !c.key.allows(in.Name) {
		return denied(c.key, in.Name)
	}
	e, err := h.store.CreateEnvironment(c.ctx, secrets.Environment{Name: in.Name, Description: in.Description, ExternalURL: in.ExternalURL})
	if err != nil {
		return storeErr(err)
	}
	return ok(http.StatusCreated, EnvironmentToJSON(e))
}

func (h *Handler) patchEnvironment(c *call) answer {
	name, a := h.envName(c)
	if a != nil {
		return *a
	}
	var in EnvironmentPatchJSON
	if a := decode(c, &in); a != nil {
		return *a
	}
	e, err := h.store.ModifyEnvironment(c.ctx, name, secrets.EnvironmentUpdate{Description: in.Description, ExternalURL: in.ExternalURL})
	if err != nil {
		return storeErr(err)
	}
	return ok(http.StatusOK, EnvironmentToJSON(e))
}

func (h *Handler) deleteEnvironment(c *call) answer {
	name, a := h.envName(c)
	if a != nil {
		return *a
	}
	if err := h.store.DeleteEnvironment(c.ctx, name); err != nil {
		return storeErr(err)
	}
	return answer{status: http.StatusNoContent}
}
