package connect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/httpx"
)

// Worker is one Kafka Connect-compatible worker: the REST API, the herder
// that runs its share of the cluster's connectors and tasks, and the
// internal-topic store. Workers sharing a group id and internal topics form
// one cluster.
type Worker struct {
	cfg    config
	log    *zap.Logger
	levels *logLevels
	m      *workerMetrics
	srv    *httpx.Server
	store  *store
	herder *herder

	id, url string
	ready   atomic.Bool
	running atomic.Bool  // herder loop started
	failed  atomic.Value // error from the background start
	cluster atomic.Value // string

	startOnce sync.Once
	stopOnce  sync.Once
	started   chan struct{}
	bgCancel  context.CancelFunc
}

// New validates the options; Start brings the worker up.
func New(opts ...Option) (*Worker, error) {
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.metrics == nil {
		cfg.metrics = prometheus.NewRegistry()
	}
	w := &Worker{cfg: cfg, started: make(chan struct{})}
	w.levels = newLogLevels(cfg.logger)
	w.log = w.levels.logger(loggerNamespace)
	w.m = newWorkerMetrics(cfg.metrics)
	srv, err := httpx.New("connect", append([]httpx.Option{
		httpx.WithAddr(cfg.listen), httpx.WithLogger(w.levels.logger(loggerREST)), httpx.WithRegistry(cfg.metrics),
		httpx.WithReady(w.readyErr), httpx.WithHealthBody(kip1017Health),
	}, cfg.httpOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("creating connect worker: %w", err)
	}
	w.srv = srv
	return w, nil
}

// Start listens and then, in the background, creates missing internal
// topics, reads them, and joins the cluster. Ready reports when that is
// done; until then the API answers 503.
func (w *Worker) Start(ctx context.Context) error {
	var err error
	w.startOnce.Do(func() { err = w.start() })
	return err
}

func (w *Worker) start() error {
	if err := w.srv.Start(); err != nil {
		return err
	}
	w.url = w.cfg.advertised
	if w.url == "" {
		w.url = advertisedFrom(w.srv.Addr())
	}
	u, _ := url.Parse(w.url)
	w.id = u.Host
	w.store = newStore(&w.cfg, w.levels.logger(loggerStore))
	w.herder = newHerder(&w.cfg, w.id, w.url, w.store, w.m, w.levels)
	(&api{w: w, h: w.herder, log: w.levels.logger(loggerREST)}).routes(w.srv)
	bg, cancel := context.WithCancel(context.Background())
	w.bgCancel = cancel
	go w.background(bg)
	return nil
}

func (w *Worker) background(ctx context.Context) {
	defer close(w.started)
	err := w.join(ctx)
	if err != nil {
		w.failed.Store(err)
		if ctx.Err() == nil {
			w.log.Error("connect worker failed to start", zap.Error(err))
		}
		return
	}
	w.ready.Store(true)
	w.log.Info("connect worker started", zap.String("worker_id", w.id), zap.String("group", w.cfg.groupID))
}

func (w *Worker) join(ctx context.Context) error {
	// The broker may still be coming up in `up`; retry the first steps.
	var err error
	for attempt := 0; ; attempt++ {
		if err = w.prepare(ctx); err == nil {
			break
		}
		if ctx.Err() != nil || attempt == 20 {
			return err
		}
		w.log.Warn("preparing connect worker failed; retrying", zap.Error(err))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	w.running.Store(true)
	go w.herder.run()
	return nil
}

func (w *Worker) prepare(ctx context.Context) error {
	octx, cancel := context.WithTimeout(ctx, w.cfg.requestTimeout)
	defer cancel()
	if w.cfg.ensureTopics {
		if err := ensureTopics(octx, &w.cfg); err != nil {
			return err
		}
	}
	if err := w.store.open(octx); err != nil {
		w.store.close()
		w.store = newStore(&w.cfg, w.levels.logger(loggerStore))
		w.herder.store = w.store
		return err
	}
	if id, err := w.store.admin.ClusterID(octx); err == nil {
		w.cluster.Store(id)
	}
	return nil
}

func advertisedFrom(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func (w *Worker) isReady() bool { return w.ready.Load() }

func (w *Worker) readyErr() error {
	if w.ready.Load() {
		return nil
	}
	if err, ok := w.failed.Load().(error); ok {
		return err
	}
	return ErrNotReady
}

// Ready returns nil once the worker has read its state and joined.
func (w *Worker) Ready(context.Context) error { return w.readyErr() }

// URL returns the REST base URL this worker advertises.
func (w *Worker) URL() string { return w.url }

// ID returns the worker id (the advertised host:port).
func (w *Worker) ID() string { return w.id }

func (w *Worker) clusterID() string {
	s, _ := w.cluster.Load().(string)
	return s
}

// Stop drains: tasks flush and commit, the worker leaves the cluster so
// the others take over at once, and the REST server shuts down.
func (w *Worker) Stop(ctx context.Context) error { return w.stop(ctx, false) }

// kill stops like a crash: no flush, no commit, no leave; the others take
// over after the session timeout and re-deliver what was not committed.
func (w *Worker) kill() { _ = w.stop(context.Background(), true) }

func (w *Worker) stop(ctx context.Context, abandon bool) error {
	var errs []error
	w.stopOnce.Do(func() {
		if w.bgCancel == nil {
			return
		}
		w.ready.Store(false)
		w.bgCancel()
		<-w.started
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, 2*w.cfg.shutdownTimeout+5*time.Second)
			defer cancel()
		}
		if err := w.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
		if w.running.Load() {
			w.herder.shutdown(ctx, abandon)
		}
		w.store.close()
	})
	return errors.Join(errs...)
}

// kip1017Health answers GET /health in Apache Kafka Connect's shape (KIP-1017).
func kip1017Health(ready error) any {
	if ready != nil {
		return map[string]string{"status": "starting", "message": "Worker is still starting up: " + ready.Error()}
	}
	return map[string]string{"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."}
}
