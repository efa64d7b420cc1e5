package connect

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/retailpulse/retailpulse/connectors"
)

func (a *api) listConnectors(w http.ResponseWriter, r *http.Request) error {
	expand := r.URL.Query()["expand"]
	names := a.h.connectorNames()
	if len(expand) == 0 {
		return writeJSON(w, http.StatusOK, names)
	}
	out := map[string]map[string]any{}
	for _, n := range names {
		entry := map[string]any{}
		for _, e := range expand {
			switch e {
			case "status":
				if st, err := a.h.status(n); err == nil {
					entry["status"] = st
				}
			case "info":
				if info, err := a.h.connectorInfo(n); err == nil {
					entry["info"] = info
				}
			}
		}
		// A connector deleted during the scan is left out.
		if _, err := a.h.connectorInfo(n); err == nil {
			out[n] = entry
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// withName checks or adds the name key of a config.
func withName(name string, props map[string]string) (map[string]string, error) {
	if props == nil {
		props = map[string]string{}
	}
	if n, ok := props[connectors.NameConfig]; ok && n != name {
		return nil, fmt.Errorf("%w: Connector name configuration (%s) doesn't match connector name in the URL (%s)",
			ErrBadRequest, n, name)
	}
	props[connectors.NameConfig] = name
	return props, nil
}

func parseInitialState(s *string) (*TargetState, error) {
	if s == nil {
		return nil, nil
	}
	var t TargetState
	switch strings.ToUpper(*s) {
	case "RUNNING":
		t = TargetStarted
	case "PAUSED":
		t = TargetPaused
	case "STOPPED":
		t = TargetStopped
	default:
		return nil, fmt.Errorf("%w: Invalid initial_state %q: must be one of RUNNING, PAUSED, STOPPED", ErrBadRequest, *s)
	}
	return &t, nil
}

func (a *api) createConnector(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req createRequest
	if err := decode(body, &req); err != nil {
		return err
	}
	name := ""
	if req.Name != nil {
		name = *req.Name
	} else if n, ok := req.Config[connectors.NameConfig]; ok {
		name = n
	}
	if err := checkName(name); err != nil {
		return err
	}
	if req.Config == nil {
		return fmt.Errorf("%w: Connector config is required (\"config\": {...})", ErrBadRequest)
	}
	props, err := withName(name, req.Config)
	if err != nil {
		return err
	}
	initial, err := parseInitialState(req.InitialState)
	if err != nil {
		return err
	}
	return a.leaderOp(w, r, body, func(ctx context.Context) error {
		info, err := a.h.createConnector(ctx, name, props, initial)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/connectors/"+url.PathEscape(name))
		return writeJSON(w, http.StatusCreated, info)
	})
}

func (a *api) getConnector(w http.ResponseWriter, r *http.Request) error {
	info, err := a.h.connectorInfo(r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, info)
}

func (a *api) deleteConnector(w http.ResponseWriter, r *http.Request) error {
	return a.leaderOp(w, r, nil, func(ctx context.Context) error {
		if err := a.h.deleteConnector(ctx, r.PathValue("name")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (a *api) getConfig(w http.ResponseWriter, r *http.Request) error {
	cfg, err := a.h.connectorConfig(r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, cfg)
}

func (a *api) putConfig(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var cm configMap
	if err := decode(body, &cm); err != nil {
		return err
	}
	props, err := withName(name, cm)
	if err != nil {
		return err
	}
	return a.leaderOp(w, r, body, func(ctx context.Context) error {
		info, created, err := a.h.putConnectorConfig(ctx, name, props)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
			w.Header().Set("Location", "/connectors/"+url.PathEscape(name))
		}
		return writeJSON(w, status, info)
	})
}

func (a *api) patchConfig(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var patch patchMap
	if err := decode(body, &patch); err != nil {
		return err
	}
	return a.leaderOp(w, r, body, func(ctx context.Context) error {
		info, err := a.h.patchConnectorConfig(ctx, r.PathValue("name"), patch)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, info)
	})
}

func (a *api) getStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := a.h.status(r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

func (a *api) getTasks(w http.ResponseWriter, r *http.Request) error {
	tasks, err := a.h.taskConfigs(r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, tasks)
}

// putTaskConfigs is the internal endpoint through which the worker running
// a connector hands its task configs to the leader.
func (a *api) putTaskConfigs(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var configs []map[string]string
	if err := decode(body, &configs); err != nil {
		return err
	}
	return a.leaderOp(w, r, body, func(ctx context.Context) error {
		if err := a.h.putTaskConfigs(ctx, r.PathValue("name"), configs); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (a *api) getTasksConfig(w http.ResponseWriter, r *http.Request) error {
	m, err := a.h.tasksConfigMap(r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

func taskParam(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("task"))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: Task %s-%s not found", ErrNotFound, r.PathValue("name"), r.PathValue("task"))
	}
	return n, nil
}

func (a *api) getTaskStatus(w http.ResponseWriter, r *http.Request) error {
	n, err := taskParam(r)
	if err != nil {
		return err
	}
	st, err := a.h.taskStatus(r.PathValue("name"), n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

func (a *api) restartTask(w http.ResponseWriter, r *http.Request) error {
	n, err := taskParam(r)
	if err != nil {
		return err
	}
	return a.leaderOp(w, r, nil, func(ctx context.Context) error {
		if err := a.h.restartTaskRequest(ctx, r.PathValue("name"), n); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	switch strings.ToLower(v) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, fmt.Errorf("%w: query parameter %s=%q must be true or false", ErrBadRequest, name, v)
}

func (a *api) restartConnector(w http.ResponseWriter, r *http.Request) error {
	include, err := boolParam(r, "includeTasks")
	if err != nil {
		return err
	}
	onlyFailed, err := boolParam(r, "onlyFailed")
	if err != nil {
		return err
	}
	return a.leaderOp(w, r, nil, func(ctx context.Context) error {
		plan, err := a.h.restartConnector(ctx, r.PathValue("name"), include, onlyFailed)
		if err != nil {
			return err
		}
		if plan == nil {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return writeJSON(w, http.StatusAccepted, plan)
	})
}

func (a *api) target(t TargetState, status int) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return a.leaderOp(w, r, nil, func(ctx context.Context) error {
			if err := a.h.setTarget(ctx, r.PathValue("name"), t); err != nil {
				return err
			}
			w.WriteHeader(status)
			return nil
		})
	}
}

func (a *api) getTopics(w http.ResponseWriter, r *http.Request) error {
	m, err := a.h.topics(r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

func (a *api) resetTopics(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	m, err := a.h.topics(name)
	if err != nil {
		return err
	}
	for _, t := range m[name]["topics"] {
		a.h.store.writeAsync(a.w.cfg.statusTopic, []byte(keyStatusTopic+t+":connector-"+name), nil)
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (a *api) getOffsets(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), a.w.cfg.requestTimeout)
	defer cancel()
	out, err := a.h.connectorOffsets(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *api) alterOffsets(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req offsetsBody
	if err := decode(body, &req); err != nil {
		return err
	}
	return a.leaderOp(w, r, body, func(ctx context.Context) error {
		if err := a.h.alterOffsets(ctx, r.PathValue("name"), req); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, messageReply{"The offsets for this connector have been altered successfully"})
	})
}

func (a *api) resetOffsets(w http.ResponseWriter, r *http.Request) error {
	return a.leaderOp(w, r, nil, func(ctx context.Context) error {
		if err := a.h.resetOffsets(ctx, r.PathValue("name")); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, messageReply{"The offsets for this connector have been reset successfully"})
	})
}
