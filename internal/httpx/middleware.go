package httpx

import (
	"context"
	"crypto/subtle"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/metrics"
)

type serverMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	handoffs *prometheus.CounterVec
	// The fast lane's own counts (see HandleFast).
	laneRequests *prometheus.CounterVec
	laneConns    *prometheus.GaugeVec
	// series are the children by route and status code.
	series *metrics.Children[routeCode, routeSeries]
}

type routeCode struct {
	route string
	code  int
}

type routeSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func newServerMetrics(reg *prometheus.Registry, server string) *serverMetrics {
	f := metrics.Factory(reg)
	m := &serverMetrics{
		requests: f.CounterVec("http", "requests_total",
			"HTTP requests served, by server, route pattern and status code.", "server", "route", "code"),
		duration: f.HistogramVec("http", "request_duration_seconds",
			"HTTP request latency, by server and route pattern.", nil, "server", "route"),
		handoffs: f.CounterVec("http", "fast_lane_handoffs_total",
			"Connections the fast lane passed to net/http, by server and reason (see httpx.HandleFast).",
			"server", "reason"),
		laneRequests: f.CounterVec("http", "fast_lane_requests_total",
			"Requests served in the fast lane, by server (also counted in requests_total).", "server"),
		laneConns: f.GaugeVec("http", "fast_lane_connections",
			"Connections open in the fast lane, by server.", "server"),
	}
	m.series = metrics.NewChildren(func(k routeCode) routeSeries {
		return routeSeries{
			requests: m.requests.WithLabelValues(server, k.route, strconv.Itoa(k.code)),
			duration: m.duration.WithLabelValues(server, k.route),
		}
	})
	return m
}

type principalKey struct{}

// capturePattern, the innermost middleware, hands the matched mux pattern
// to observe through the statusRecorder it passes down. The mux records the
// pattern on the request it receives, which is a copy once a middleware
// has called WithContext, so the observer cannot read r.Pattern itself.
func capturePattern(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Deferred so a panicking handler is still labelled by its route.
		defer func() {
			if rec := recorderOf(w); rec != nil {
				rec.route = r.Pattern
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// recorderOf finds observe's statusRecorder under w.
func recorderOf(w http.ResponseWriter) *statusRecorder {
	for {
		switch t := w.(type) {
		case *statusRecorder:
			return t
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return nil
		}
	}
}

// Principal returns who authenticated the request: the basic-auth user or
// the owner of the API key; "" when auth is off.
func Principal(ctx context.Context) string {
	p, _ := ctx.Value(principalKey{}).(string)
	return p
}

// chain wraps the mux; the order matters: metrics and recovery see every
// request, auth runs before body limits so unauthenticated uploads are not read.
func (s *Server) chain(h http.Handler) http.Handler {
	for _, m := range []middleware{capturePattern, s.limitBody, s.authenticate, s.recoverPanics, s.observe} {
		h = m(h)
	}
	return h
}

// statusRecorder remembers the status code for metrics and access logs while
// keeping Flusher available for streaming endpoints.
type statusRecorder struct {
	http.ResponseWriter
	code  int
	bytes int64
	route string // the matched mux pattern, set by capturePattern
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Flush() { _ = r.FlushError() }

// FlushError lets http.ResponseController report a writer that cannot
// flush (the fast lane's) instead of pretending to.
func (r *statusRecorder) FlushError() error {
	return http.NewResponseController(r.ResponseWriter).Flush()
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.code == 0 {
			rec.code = http.StatusOK
		}
		// The matched mux pattern is bounded, unlike the raw path.
		route := rec.route
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		series := s.m.series.Get(routeCode{route, rec.code})
		series.requests.Inc()
		series.duration.Observe(elapsed.Seconds())
		if ce := s.cfg.logger.Check(zap.DebugLevel, "request"); ce != nil {
			ce.Write(zap.String("server", s.name), zap.String("method", r.Method), zap.String("path", r.URL.Path),
				zap.Int("status", rec.code), zap.Int64("bytes", rec.bytes), zap.Duration("elapsed", elapsed),
				zap.String("remote", r.RemoteAddr))
		}
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.cfg.logger.Error("handler panicked", zap.String("server", s.name),
					zap.String("route", r.Pattern), zap.Any("panic", v), zap.Stack("stack"))
				WriteError(w, http.StatusInternalServerError, http.StatusInternalServerError, "Internal Server Error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.bodyLimit {
			WriteError(w, http.StatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge,
				"request body of "+strconv.FormatInt(r.ContentLength, 10)+" bytes exceeds the limit of "+
					strconv.FormatInt(s.cfg.bodyLimit, 10)+" bytes")
			return
		}
		if s.cfg.bodyLimit < math.MaxInt64 { // a server that limits bodies per request sets no cap here
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.bodyLimit)
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authenticate(next http.Handler) http.Handler {
	if len(s.cfg.basicUsers) == 0 && len(s.cfg.apiKeys) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		if who, ok := s.admit(r); ok {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, who)))
			return
		}
		if len(s.cfg.basicUsers) > 0 {
			w.Header().Set("WWW-Authenticate", `Basic realm="retailpulse"`)
		}
		WriteError(w, http.StatusUnauthorized, http.StatusUnauthorized, "Unauthorized")
	})
}

func (s *Server) admit(r *http.Request) (string, bool) {
	if user, pass, ok := r.BasicAuth(); ok {
		if want, known := s.cfg.basicUsers[user]; known && subtle.ConstantTimeCompare([]byte(want), []byte(pass)) == 1 {
			return user, true
		}
	}
	key := r.Header.Get(s.cfg.apiKeyHeader)
	if key == "" {
		if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
			key = strings.TrimPrefix(auth, "Bearer ")
		}
	}
	if key != "" {
		// Compare against every key so timing does not reveal a prefix match.
		owner, found := "", false
		for k, o := range s.cfg.apiKeys {
			if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
				owner, found = o, true
			}
		}
		return owner, found
	}
	return "", false
}
