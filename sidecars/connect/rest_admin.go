package connect

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

func (a *api) listLoggers(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, http.StatusOK, a.w.levels.all())
}

func (a *api) getLogger(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("logger")
	info, ok := a.w.levels.get(name)
	if !ok {
		return fmt.Errorf("%w: Logger %s not found.", ErrNotFound, name)
	}
	return writeJSON(w, http.StatusOK, info)
}

func (a *api) putLogger(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("logger")
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req map[string]any
	if err := decode(body, &req); err != nil {
		return err
	}
	raw, ok := req["level"].(string)
	if !ok || raw == "" {
		return fmt.Errorf("%w: Desired 'level' parameter was not specified in request.", ErrBadRequest)
	}
	level, ok := parseLevel(raw)
	if !ok {
		return fmt.Errorf("%w: invalid log level '%s'.", ErrNotFound, raw)
	}
	if strings.EqualFold(r.URL.Query().Get("scope"), "cluster") {
		return a.leaderOp(w, r, body, func(ctx context.Context) error {
			if err := a.h.setClusterLogger(ctx, name, strings.ToUpper(raw)); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	}
	return writeJSON(w, http.StatusOK, a.w.levels.set(name, level))
}
