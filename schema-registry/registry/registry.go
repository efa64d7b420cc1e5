package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Registry is the schema registry's domain core: state derived from a Log,
// queries answered from that state, and writes that go through the log.
type Registry struct {
	log Log
	cfg config
	m   *registryMetrics

	mu       sync.RWMutex
	st       *state
	applied  int64            // offset of the last record applied, -1 before any
	rejected map[int64]string // offsets of rejected SCHEMA records and why
	notify   chan struct{}    // closed and replaced after every applied record

	// writeMu serializes this process's writes so they never race each
	// other; races with other processes are settled by the log.
	writeMu sync.Mutex

	started atomic.Bool
	ready   atomic.Bool
	cancel  context.CancelFunc
	done    chan struct{}
	readErr atomic.Pointer[error]
}

// maxRejected bounds the memory of rejected offsets: rejections are rare
// (two writers racing), and a writer checks its own within a timeout.
const maxRejected = 1024

// New returns a registry over log. It serves nothing until Start has
// replayed the log. The caller keeps ownership of log and closes it after
// Close.
func New(log Log, opts ...Option) (*Registry, error) {
	if log == nil {
		return nil, fmt.Errorf("configuring schema registry: nil log")
	}
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("configuring schema registry: %w", err)
	}
	return &Registry{
		log: log, cfg: cfg, m: newMetrics(cfg.metrics),
		st: newState(), applied: -1, rejected: map[int64]string{}, notify: make(chan struct{}),
		done: make(chan struct{}),
	}, nil
}

// Start begins applying the log and returns once everything written before
// the call is applied: it writes a NOOP record and waits to read it back, as
// upstream does. Until then Ready reports ErrNotReady.
func (r *Registry) Start(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return fmt.Errorf("starting schema registry: already started")
	}
	readCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.done)
		err := r.log.Read(readCtx, r.applyRecord)
		if err != nil && readCtx.Err() == nil {
			r.readErr.Store(&err)
			r.cfg.logger.Error("reading the schema log stopped", zap.Error(err))
		}
	}()
	start := time.Now()
	off, err := r.log.Append(ctx, encodeNoopKey(), nil)
	if err != nil {
		return fmt.Errorf("starting schema registry: writing the replay marker: %w", err)
	}
	if err := r.waitApplied(ctx, off, 0); err != nil {
		return fmt.Errorf("starting schema registry: replaying the schema log: %w", err)
	}
	r.ready.Store(true)
	r.mu.RLock()
	schemas, subjects := r.st.liveIDs, len(r.st.subjects)
	r.mu.RUnlock()
	r.cfg.logger.Info("schema registry replayed its log", zap.Int64("records", off+1),
		zap.Int("schemas", schemas), zap.Int("subjects", subjects), zap.Duration("elapsed", time.Since(start)))
	return nil
}

// Ready returns nil once Start has replayed the log and while the log reader
// runs; it is the registry's health.
func (r *Registry) Ready() error {
	if p := r.readErr.Load(); p != nil {
		return fmt.Errorf("reading the schema log: %w", *p)
	}
	if !r.ready.Load() {
		return ErrNotReady
	}
	return nil
}

// Close stops applying the log. It does not close the log.
func (r *Registry) Close() error {
	r.ready.Store(false)
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	return nil
}

// Sync waits until every record written to the log before the call is
// applied here, by writing a NOOP record and reading it back.
func (r *Registry) Sync(ctx context.Context) error {
	_, err := r.write(ctx, encodeNoopKey(), nil)
	return err
}

func (r *Registry) applyRecord(rec Record) {
	e, decodeErr := DecodeRecord(rec.Key, rec.Value)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case decodeErr != nil:
		reason := "corrupt"
		if errors.Is(decodeErr, ErrForeignRecord) {
			reason = "foreign"
		}
		r.m.skipped.WithLabelValues(reason).Inc()
		r.cfg.logger.Warn("skipping _schemas record", zap.Int64("offset", rec.Offset),
			zap.String("reason", decodeErr.Error()), zap.ByteString("key", truncate(rec.Key, 256)))
	default:
		if err := r.st.apply(e); err != nil {
			r.m.skipped.WithLabelValues("conflict").Inc()
			r.cfg.logger.Debug("rejecting _schemas record", zap.Int64("offset", rec.Offset), zap.Error(err))
			if len(r.rejected) >= maxRejected {
				r.pruneRejected()
			}
			r.rejected[rec.Offset] = err.Error()
		} else {
			r.m.applied.WithLabelValues(e.KeyType).Inc()
		}
	}
	r.applied = rec.Offset
	close(r.notify)
	r.notify = make(chan struct{})
	r.m.schemas.Set(float64(r.st.liveIDs))
	r.m.subjects.Set(float64(len(r.st.subjects)))
	r.m.lag.Set(float64(max(r.log.End()-rec.Offset-1, 0)))
}

func (r *Registry) pruneRejected() {
	oldest := r.applied
	for off := range r.rejected {
		oldest = min(oldest, off)
	}
	delete(r.rejected, oldest)
}

// waitApplied waits until the record at off is applied. A zero timeout waits
// as long as ctx allows.
func (r *Registry) waitApplied(ctx context.Context, off int64, timeout time.Duration) error {
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	for {
		r.mu.RLock()
		applied, ch := r.applied, r.notify
		r.mu.RUnlock()
		if applied >= off {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-expired:
			return context.DeadlineExceeded
		case <-r.done:
			return ErrClosed
		}
	}
}

// write appends one record and waits until it is applied here
// (read-your-writes). It returns the record's offset.
func (r *Registry) write(ctx context.Context, key, value []byte) (int64, error) {
	if err := r.Ready(); err != nil {
		return 0, &Error{Kind: ErrStore, Message: "Schema registry is not ready: " + err.Error()}
	}
	actx, cancel := context.WithTimeout(ctx, r.cfg.writeTimeout)
	defer cancel()
	off, err := r.log.Append(actx, key, value)
	if err == nil {
		err = r.waitApplied(actx, off, 0)
	}
	switch {
	case err == nil:
		return off, nil
	case errors.Is(err, context.DeadlineExceeded):
		return 0, newError(ErrTimeout, "Write to the Kafka store timed out after %s", r.cfg.writeTimeout)
	default:
		return 0, newError(ErrStore, "Error while writing to the backend Kafka store: %v", err)
	}
}

// wasRejected reports (and forgets) whether the record at off was rejected.
func (r *Registry) wasRejected(off int64) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	why, ok := r.rejected[off]
	delete(r.rejected, off)
	return why, ok
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
