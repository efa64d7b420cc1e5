package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/httpx"
	"github.com/retailpulse/retailpulse/schema-registry/registry"
)

// Option configures the API.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	logger         *zap.Logger
	kafkaClusterID string
	version        string
	commitID       string
}

// WithLogger sets the logger for unexpected errors. Default: no-op.
func WithLogger(l *zap.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

// WithKafkaClusterID sets the cluster id /v1/metadata/id reports (see
// registry.KafkaLog.ClusterID). Default: "".
func WithKafkaClusterID(id string) Option {
	return optionFunc(func(c *config) { c.kafkaClusterID = id })
}

// WithVersion sets what /v1/metadata/version reports. Default: "dev".
func WithVersion(version, commitID string) Option {
	return optionFunc(func(c *config) { c.version, c.commitID = version, commitID })
}

// api serves the Confluent Schema Registry REST API over a registry.
type api struct {
	core *registry.Registry
	cfg  config
}

// New returns an HTTP server named "schema-registry" serving the API over
// core, with /health following core.Ready. httpOpts configure the server
// (address, logger, metrics registry, basic auth).
func New(core *registry.Registry, httpOpts []httpx.Option, opts ...Option) (*httpx.Server, error) {
	srv, err := httpx.New("schema-registry", append([]httpx.Option{httpx.WithReady(core.Ready)}, httpOpts...)...)
	if err != nil {
		return nil, err
	}
	if err := Mount(srv, core, opts...); err != nil {
		return nil, err
	}
	return srv, nil
}

// Mount adds the API's routes to srv.
func Mount(srv *httpx.Server, core *registry.Registry, opts ...Option) error {
	if core == nil {
		return fmt.Errorf("mounting schema registry api: nil registry")
	}
	cfg := config{logger: zap.NewNop(), version: "dev"}
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.logger == nil {
		return fmt.Errorf("mounting schema registry api: nil logger")
	}
	a := &api{core: core, cfg: cfg}
	for _, rt := range a.routes() {
		srv.Handle(rt.pattern, a.wrap(rt.h, rt.gated))
		if method, path, _ := strings.Cut(rt.pattern, " "); path != "/{$}" {
			srv.Handle(method+" "+path+"/{$}", a.wrap(rt.h, rt.gated))
		}
	}
	srv.Handle("/", a.wrap(func(*http.Request) (any, error) { return nil, ErrNotFound }, false))
	return nil
}

type route struct {
	pattern string
	h       handlerFunc
	gated   bool // answers 503 until the registry has replayed its log
}

// handlerFunc returns a value to encode as JSON (rawText is sent as is) or
// an error for errorResponse.
type handlerFunc func(r *http.Request) (any, error)

// rawText is a response body sent without JSON encoding: the schema
// endpoints return the schema text itself.
type rawText string

func (a *api) routes() []route {
	return []route{
		{"GET /{$}", a.root, false},
		{"GET /subjects", a.listSubjects, true},
		{"GET /subjects/{subject}/versions", a.listVersions, true},
		{"POST /subjects/{subject}/versions", a.register, true},
		{"GET /subjects/{subject}/versions/{version}", a.getVersion, true},
		{"GET /subjects/{subject}/versions/{version}/schema", a.getVersionSchema, true},
		{"GET /subjects/{subject}/versions/{version}/referencedby", a.referencedBy, true},
		{"DELETE /subjects/{subject}/versions/{version}", a.deleteVersion, true},
		{"POST /subjects/{subject}", a.lookup, true},
		{"DELETE /subjects/{subject}", a.deleteSubject, true},
		{"GET /schemas", a.listSchemas, true},
		{"GET /schemas/types", a.schemaTypes, false},
		{"GET /schemas/ids/{id}", a.schemaByID, true},
		{"GET /schemas/ids/{id}/schema", a.schemaTextByID, true},
		{"GET /schemas/ids/{id}/subjects", a.subjectsByID, true},
		{"GET /schemas/ids/{id}/versions", a.versionsByID, true},
		{"POST /compatibility/subjects/{subject}/versions/{version}", a.checkVersion, true},
		{"POST /compatibility/subjects/{subject}/versions", a.checkAll, true},
		{"GET /config", a.getGlobalConfig, true},
		{"PUT /config", a.putGlobalConfig, true},
		{"DELETE /config", a.deleteGlobalConfig, true},
		{"GET /config/{subject}", a.getSubjectConfig, true},
		{"PUT /config/{subject}", a.putSubjectConfig, true},
		{"DELETE /config/{subject}", a.deleteSubjectConfig, true},
		{"GET /mode", a.getGlobalMode, true},
		{"PUT /mode", a.putGlobalMode, true},
		{"DELETE /mode", a.deleteGlobalMode, true},
		{"GET /mode/{subject}", a.getSubjectMode, true},
		{"PUT /mode/{subject}", a.putSubjectMode, true},
		{"DELETE /mode/{subject}", a.deleteSubjectMode, true},
		{"GET /contexts", a.contexts, false},
		{"GET /v1/metadata/id", a.metadataID, false},
		{"GET /v1/metadata/version", a.metadataVersion, false},
	}
}

// wrap adds content negotiation, the readiness gate and error mapping.
func (a *api) wrap(h handlerFunc, gated bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mediaType, ok := negotiate(r.Header.Get("Accept"))
		if !ok {
			// The error still has to be readable: answer it in the default.
			a.writeError(w, r, MediaTypeV1, ErrNotAcceptable)
			return
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut {
			if _, ok := requestMediaOK(r.Header.Get("Content-Type")); !ok {
				a.writeError(w, r, mediaType, ErrUnsupportedMediaType)
				return
			}
		}
		if gated {
			if err := a.core.Ready(); err != nil {
				a.writeError(w, r, mediaType, reqErr(ErrNotReady, "Schema registry is not ready: "+err.Error()))
				return
			}
		}
		v, err := h(r)
		if err != nil {
			a.writeError(w, r, mediaType, err)
			return
		}
		w.Header().Set("Content-Type", mediaType)
		if s, ok := v.(rawText); ok {
			_, _ = w.Write([]byte(s))
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			a.writeError(w, r, mediaType, fmt.Errorf("encoding response: %w", err))
			return
		}
		_, _ = w.Write(b)
	})
}

func (a *api) writeError(w http.ResponseWriter, r *http.Request, mediaType string, err error) {
	status, code, msg, known := errorResponse(err)
	if !known {
		a.cfg.logger.Error("schema registry request failed", zap.String("method", r.Method),
			zap.String("path", r.URL.Path), zap.Error(err))
	}
	httpx.WriteJSON(w, status, mediaType, httpx.ErrorBody{ErrorCode: code, Message: msg})
}

// This registry has the default context only.
func (a *api) contexts(*http.Request) (any, error) { return []string{"."}, nil }

type metadataIDJSON struct {
	Scope struct {
		Path     []string          `json:"path"`
		Clusters map[string]string `json:"clusters"`
	} `json:"scope"`
}

// metadataID answers as Confluent does: the Kafka cluster the registry
// stores its state in, and the registry's own cluster name.
func (a *api) metadataID(*http.Request) (any, error) {
	var out metadataIDJSON
	out.Scope.Path = []string{}
	out.Scope.Clusters = map[string]string{
		"kafka-cluster":           a.cfg.kafkaClusterID,
		"schema-registry-cluster": "schema-registry",
	}
	return out, nil
}

func (a *api) metadataVersion(*http.Request) (any, error) {
	return map[string]string{"version": a.cfg.version, "commitId": a.cfg.commitID}, nil
}
