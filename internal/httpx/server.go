package httpx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/metrics"
)

// Server is an HTTP server with the sidecar conventions applied.
type Server struct {
	name string
	cfg  config
	mux  *http.ServeMux
	srv  *http.Server
	m    *serverMetrics
	lane *fastLane // nil without fast-lane routes

	mu   sync.Mutex
	ln   net.Listener
	done chan struct{}
	err  error
}

// New builds a server named name (used as the metrics label and logger name).
// Routes are added with Handle before Start.
func New(name string, opts ...Option) (*Server, error) {
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("configuring %s http server: %w", name, err)
	}
	if cfg.registry == nil {
		cfg.registry = prometheus.NewRegistry()
	}
	s := &Server{
		name: name,
		cfg:  cfg,
		mux:  http.NewServeMux(),
		m:    newServerMetrics(cfg.registry, name),
	}
	s.cfg.logger = cfg.logger.Named("http")
	s.mux.HandleFunc("GET /health", s.health)
	s.mux.Handle("GET /metrics", metrics.Handler(cfg.registry))
	return s, nil
}

// Handle registers h for a net/http ServeMux pattern such as
// "GET /subjects/{subject}/versions".
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// HandleFast registers h for a POST pattern, like Handle, and puts the
// route in the fast lane: plain keep-alive HTTP/1.1 requests to it with
// bodies up to 64 KiB are served without net/http's per-request machinery,
// through the same middleware and handler (fastlane.go says what qualifies;
// every other request on the port is net/http's). Register routes before
// Start. In the lane a handler gets:
//   - a ResponseWriter that cannot flush (http.ResponseController reports
//     ErrNotSupported; an http.Flusher assertion finds a no-op), hijack,
//     set deadlines or go full duplex, sends no 1xx answers (101 included)
//     and no trailers, and frames the body itself (Content-Length,
//     whatever the handler set);
//   - a body that must arrive within the idle timeout of its head (net/http
//     sets no body timeout);
//   - a request whose context is context.Background(): not cancelled when
//     the client leaves or the handler returns, without net/http's
//     ServerContextKey and LocalAddrContextKey values;
//   - the usual rule that neither the ResponseWriter nor the body may be
//     used after the handler returns (the lane reuses the writer).
//
// So a route that streams, or that must stop work when its client goes
// away, belongs on Handle.
func (s *Server) HandleFast(pattern string, h http.Handler) {
	if s.lane == nil {
		s.lane = newFastLane(s)
	}
	s.lane.add(pattern)
	s.mux.Handle(pattern, h)
}

// HandleFunc registers fn for pattern.
func (s *Server) HandleFunc(pattern string, fn http.HandlerFunc) { s.mux.HandleFunc(pattern, fn) }

// Start binds the listen address and serves in the background. It returns once
// the socket is bound, so Addr is valid and clients can connect immediately.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.addr)
	if err != nil {
		return fmt.Errorf("starting %s http server on %s: %w", s.name, s.cfg.addr, err)
	}
	if !isLoopback(ln.Addr()) && len(s.cfg.basicUsers) == 0 && len(s.cfg.apiKeys) == 0 {
		s.cfg.logger.Warn("serving without authentication on a non-loopback address",
			zap.String("server", s.name), zap.String("addr", ln.Addr().String()))
	}
	handler := s.chain(s.mux)
	s.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: s.cfg.readHeaderTimeout,
		IdleTimeout:       s.cfg.idleTimeout,
		ErrorLog:          zap.NewStdLog(s.cfg.logger.WithOptions(zap.IncreaseLevel(zap.WarnLevel))),
	}
	s.mu.Lock()
	s.ln, s.done = ln, make(chan struct{})
	s.mu.Unlock()
	// With a fast lane, the lane accepts every connection and net/http
	// serves the ones it hands over.
	var serve net.Listener = ln
	if s.lane != nil {
		s.lane.start(ln, handler)
		serve = s.lane.handoff
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(serve); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.stopped(err)
		}
	}()
	return nil
}

// stopped records why the server stopped serving before Shutdown.
func (s *Server) stopped(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	s.cfg.logger.Error("http server stopped", zap.String("server", s.name), zap.Error(err))
}

// Addr returns the bound address (host:port), or "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL returns http://<Addr>.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Shutdown stops accepting connections and waits for in-flight requests, up
// to ctx's deadline or the configured shutdown timeout.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.shutdownWait)
		defer cancel()
	}
	// The lane and net/http (with the connections handed to it) drain at
	// the same time, on the same deadline.
	laneErr := make(chan error, 1)
	if s.lane != nil {
		go func() { laneErr <- s.lane.shutdown(ctx, s.ln) }()
	} else {
		laneErr <- nil
	}
	err := s.srv.Shutdown(ctx)
	if lerr := <-laneErr; err == nil {
		err = lerr
	} else if lerr != nil && !errors.Is(err, lerr) {
		err = errors.Join(lerr, err)
	}
	<-s.done
	if err != nil {
		return fmt.Errorf("shutting down %s http server: %w", s.name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	err := s.cfg.ready()
	status := http.StatusOK
	if err != nil {
		status = http.StatusServiceUnavailable
	}
	WriteJSON(w, status, "", s.cfg.healthBody(err))
}

func defaultHealthBody(ready error) any {
	if ready != nil {
		return map[string]string{"status": "DOWN", "reason": ready.Error()}
	}
	return map[string]string{"status": "UP"}
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
