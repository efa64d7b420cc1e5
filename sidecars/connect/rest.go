package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/httpx"
)

// api serves the Kafka Connect REST API.
type api struct {
	w   *Worker
	h   *herder
	log *zap.Logger
}

func (a *api) routes(s *httpx.Server) {
	handle := func(pattern string, fn func(http.ResponseWriter, *http.Request) error) {
		s.Handle(pattern, a.wrap(fn))
	}
	handle("GET /{$}", a.serverInfo)
	handle("GET /connectors", a.listConnectors)
	handle("POST /connectors", a.createConnector)
	handle("GET /connectors/{name}", a.getConnector)
	handle("DELETE /connectors/{name}", a.deleteConnector)
	handle("GET /connectors/{name}/config", a.getConfig)
	handle("PUT /connectors/{name}/config", a.putConfig)
	handle("PATCH /connectors/{name}/config", a.patchConfig)
	handle("GET /connectors/{name}/status", a.getStatus)
	handle("GET /connectors/{name}/tasks", a.getTasks)
	handle("POST /connectors/{name}/tasks", a.putTaskConfigs)
	handle("GET /connectors/{name}/tasks-config", a.getTasksConfig)
	handle("GET /connectors/{name}/tasks/{task}/status", a.getTaskStatus)
	handle("POST /connectors/{name}/tasks/{task}/restart", a.restartTask)
	handle("POST /connectors/{name}/restart", a.restartConnector)
	handle("PUT /connectors/{name}/pause", a.target(TargetPaused, http.StatusAccepted))
	handle("PUT /connectors/{name}/resume", a.target(TargetStarted, http.StatusAccepted))
	handle("PUT /connectors/{name}/stop", a.target(TargetStopped, http.StatusNoContent))
	handle("GET /connectors/{name}/topics", a.getTopics)
	handle("PUT /connectors/{name}/topics/reset", a.resetTopics)
	handle("GET /connectors/{name}/offsets", a.getOffsets)
	handle("PATCH /connectors/{name}/offsets", a.alterOffsets)
	handle("DELETE /connectors/{name}/offsets", a.resetOffsets)
	handle("GET /connector-plugins", a.listPlugins)
	handle("GET /connector-plugins/{plugin}/config", a.pluginConfig)
	handle("PUT /connector-plugins/{plugin}/config/validate", a.validate)
	handle("GET /admin/loggers", a.listLoggers)
	handle("GET /admin/loggers/{logger}", a.getLogger)
	handle("PUT /admin/loggers/{logger}", a.putLogger)
	s.Handle("/", http.HandlerFunc(a.unmatched))
}

// wrap turns handler errors into {error_code, message} answers and
// refuses work until the worker has read its state.
func (a *api) wrap(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Pattern != "GET /{$}" && !a.w.isReady() {
			writeErr(w, ErrNotReady)
			return
		}
		if err := fn(w, r); err != nil {
			if statusOf(err) == http.StatusInternalServerError {
				a.log.Warn("request failed", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Error(err))
			}
			writeErr(w, err)
		}
	})
}

var sentinels = []error{ErrNotFound, ErrAlreadyExists, ErrBadRequest, ErrConflict, ErrForbidden, ErrNotReady, ErrTimeout}

// writeErr answers err with Kafka Connect's error body: error_code is the
// HTTP status, message the text after the sentinel.
func writeErr(w http.ResponseWriter, err error) {
	status := statusOf(err)
	msg := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		// Kafka 3.7+ adds what the worker was doing.
		msg = "Request timed out. " + msg
	}
	for _, s := range sentinels {
		if rest, ok := strings.CutPrefix(msg, s.Error()+": "); ok {
			msg = rest
			break
		}
	}
	httpx.WriteError(w, status, status, msg)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	httpx.WriteJSON(w, status, "", v)
	return nil
}

// readBody reads the request body, refusing an empty one.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: reading request body: %v", ErrBadRequest, err)
	}
	return b, nil
}

func decode(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return fmt.Errorf("%w: Request body is empty", ErrBadRequest)
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: Request body is not valid JSON for this endpoint: %v", ErrBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: Request body has data after the JSON value", ErrBadRequest)
	}
	return nil
}

// leaderOp runs op on the leader: here when this worker leads, forwarded
// otherwise.
func (a *api) leaderOp(w http.ResponseWriter, r *http.Request, body []byte, op func(ctx context.Context) error) error {
	if !a.h.isLeader() {
		a.h.forward(w, r, body)
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.w.cfg.requestTimeout)
	defer cancel()
	err := op(ctx)
	if errors.Is(err, errNotLeader) {
		a.h.forward(w, r, body)
		return nil
	}
	return err
}

// knownPaths lets unmatched requests tell a wrong method (405) from an
// unknown path (404), with Kafka Connect's JSON body either way.
var knownPaths = regexp.MustCompile(`^/(connectors(/[^/]+(/(config|status|tasks|tasks-config|restart|pause|resume|stop|topics|topics/reset|offsets|tasks/[^/]+/(status|restart)))?)?|connector-plugins(/[^/]+/config(/validate)?)?|admin/loggers(/[^/]+)?)?$`)

func (a *api) unmatched(w http.ResponseWriter, r *http.Request) {
	if knownPaths.MatchString(r.URL.Path) {
		httpx.WriteError(w, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed")
		return
	}
	httpx.WriteError(w, http.StatusNotFound, http.StatusNotFound, "HTTP 404 Not Found")
}

func (a *api) serverInfo(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, http.StatusOK, serverInfo{Version: a.w.cfg.version, Commit: a.w.cfg.commit, KafkaClusterID: a.w.clusterID()})
}
