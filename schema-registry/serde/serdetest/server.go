package serdetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
)

// Route names one endpoint of the fake, for request counting.
type Route string

// The routes the fake serves.
const (
	RouteRegister   Route = "POST /subjects/{subject}/versions"
	RouteLookup     Route = "POST /subjects/{subject}"
	RouteSchemaByID Route = "GET /schemas/ids/{id}"
	RouteVersion    Route = "GET /subjects/{subject}/versions/{version}"
)

var routes = []Route{RouteRegister, RouteLookup, RouteSchemaByID, RouteVersion}

// ContentType is the media type of every answer.
const ContentType = "application/vnd.schemaregistry.v1+json"

// Option configures a Server.
type Option func(*Server)

// WithBasicAuth makes every request require these HTTP basic credentials;
// anything else gets 401 {"error_code":401,"message":"Unauthorized"}.
func WithBasicAuth(user, password string) Option {
	return func(s *Server) { s.user, s.pass, s.auth = user, password, true }
}

// WithLatency delays every answer by d, after the request is counted.
func WithLatency(d time.Duration) Option {
	return func(s *Server) { s.latency = d }
}

// Server is the fake registry. Its methods are safe for concurrent use.
type Server struct {
	srv        *httptest.Server
	user, pass string
	auth       bool
	latency    time.Duration
	counts     map[Route]*atomic.Int64
	total      atomic.Int64

	mu       sync.Mutex
	nextID   int
	byID     map[int]string // id → schema text as first registered
	idByText map[string]int // canonical text → id
	subjects map[string][]int
}

// NewServer starts a fake registry and stops it when tb's test ends.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{
		counts: make(map[Route]*atomic.Int64, len(routes)),
		nextID: 1, byID: make(map[int]string), idByText: make(map[string]int), subjects: make(map[string][]int),
	}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	handlers := map[Route]http.HandlerFunc{
		RouteRegister: s.handleRegister, RouteLookup: s.handleLookup,
		RouteSchemaByID: s.handleSchemaByID, RouteVersion: s.handleVersion,
	}
	for _, r := range routes {
		s.counts[r] = new(atomic.Int64)
		mux.Handle(string(r), s.wrap(r, handlers[r]))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.total.Add(1)
		writeError(w, http.StatusNotFound, 404, "HTTP 404 Not Found")
	})
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL to give a client.
func (s *Server) URL() string { return s.srv.URL }

// Count returns how many requests reached route, including rejected ones.
func (s *Server) Count(r Route) int {
	if c, ok := s.counts[r]; ok {
		return int(c.Load())
	}
	return 0
}

// Total returns how many requests reached the server on any path.
func (s *Server) Total() int { return int(s.total.Load()) }

// ResetCounts zeroes all request counters.
func (s *Server) ResetCounts() {
	for _, c := range s.counts {
		c.Store(0)
	}
	s.total.Store(0)
}

// Register stores schema under subject without HTTP and without counting,
// for seeding a test, and returns its id. It fails tb on invalid Avro.
func (s *Server) Register(tb testing.TB, subject, schema string) int {
	tb.Helper()
	id, _, err := s.register(subject, schema)
	if err != nil {
		tb.Fatalf("seeding fake registry subject %q: %v", subject, err)
	}
	return id
}

func (s *Server) wrap(r Route, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.counts[r].Add(1)
		s.total.Add(1)
		if s.latency > 0 {
			time.Sleep(s.latency)
		}
		if s.auth {
			u, p, ok := req.BasicAuth()
			if !ok || u != s.user || p != s.pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="fake-schema-registry"`)
				writeError(w, http.StatusUnauthorized, 401, "Unauthorized")
				return
			}
		}
		h(w, req)
	})
}

// register adds schema under subject with Confluent's identity rules and
// reports whether a new version was created.
func (s *Server) register(subject, schema string) (int, bool, error) {
	canon, err := canonical(schema)
	if err != nil {
		return 0, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, known := s.idByText[canon]
	if !known {
		id = s.nextID
		s.nextID++
		s.idByText[canon] = id
		s.byID[id] = schema
	}
	for _, v := range s.subjects[subject] {
		if v == id {
			return id, false, nil
		}
	}
	s.subjects[subject] = append(s.subjects[subject], id)
	return id, true, nil
}

// canonical decides schema identity: valid Avro, compared as compact JSON,
// so whitespace does not matter but field order and attributes do.
func canonical(schema string) (string, error) {
	if _, err := hamba.ParseWithCache(schema, "", &hamba.SchemaCache{}); err != nil {
		return "", fmt.Errorf("invalid avro schema: %w", err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(schema)); err != nil {
		return "", fmt.Errorf("invalid avro schema: %w", err)
	}
	return b.String(), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"error_code": code, "message": msg})
}
