package rules

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

//go:embed default.yaml
var defaultRules []byte

// DefaultRules returns the built-in rule file, a starting point for a custom
// one.
func DefaultRules() []byte { return bytes.Clone(defaultRules) }

// Option configures a Set.
type Option interface{ apply(*setConfig) }

type optionFunc func(*setConfig)

func (f optionFunc) apply(c *setConfig) { f(c) }

type setConfig struct {
	logger   *zap.Logger
	registry prometheus.Registerer
	interval time.Duration
	errs     []error
}

// WithLogger sets the logger for reload outcomes. Default: no-op.
func WithLogger(l *zap.Logger) Option {
	return optionFunc(func(c *setConfig) {
		if l == nil {
			c.errs = append(c.errs, errors.New("logger is nil"))
		}
		c.logger = l
	})
}

// WithMetrics registers the rule metrics into reg. Default: unregistered.
func WithMetrics(reg prometheus.Registerer) Option {
	return optionFunc(func(c *setConfig) { c.registry = reg })
}

// WithReloadInterval sets how often Run checks the file for changes.
// Default: 2 s.
func WithReloadInterval(d time.Duration) Option {
	return optionFunc(func(c *setConfig) {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Errorf("reload interval must be positive, got %s", d))
		}
		c.interval = d
	})
}

// Status describes what a Set is running.
type Status struct {
	Source   string    `json:"source"`
	Rules    []string  `json:"rules"`
	LoadedAt time.Time `json:"loaded_at"`
	// LastError is the reason the newest version of the file was refused,
	// "" when the running rules are the file's current content.
	LastError string `json:"last_error,omitempty"`
}

// Set holds the running rules and, for a file, reloads them on change.
type Set struct {
	path string
	cfg  setConfig
	env  *cel.Env
	st   *state
	m    *ruleMetrics
	cur  atomic.Pointer[Engine]

	mu      sync.Mutex
	status  Status
	lastSum [32]byte
}

// Load compiles the rule file at path. Run watches it afterwards.
func Load(path string, opts ...Option) (*Set, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading rule file: %w", err)
	}
	s, err := newSet(path, opts)
	if err != nil {
		return nil, err
	}
	if err := s.install(src); err != nil {
		return nil, err
	}
	return s, nil
}

// FromBytes compiles rules held in memory (the built-ins, tests); name is
// used in error messages. Run does nothing for such a set.
func FromBytes(src []byte, name string, opts ...Option) (*Set, error) {
	s, err := newSet("", opts)
	if err != nil {
		return nil, err
	}
	s.status.Source = name
	if err := s.installNamed(src, name); err != nil {
		return nil, err
	}
	return s, nil
}

// Defaults compiles the built-in rules (see DefaultRules).
func Defaults(opts ...Option) (*Set, error) {
	return FromBytes(defaultRules, "built-in rules", opts...)
}

func newSet(path string, opts []Option) (*Set, error) {
	cfg := setConfig{logger: zap.NewNop(), interval: 2 * time.Second}
	for _, o := range opts {
		o.apply(&cfg)
	}
	if len(cfg.errs) > 0 {
		return nil, fmt.Errorf("creating rule set: %w: %w", ErrInvalidOption, errors.Join(cfg.errs...))
	}
	env, err := newEnv()
	if err != nil {
		return nil, fmt.Errorf("creating rule environment: %w", err)
	}
	return &Set{path: path, cfg: cfg, env: env, st: newState(), m: newMetrics(cfg.registry),
		status: Status{Source: path}}, nil
}

func (s *Set) install(src []byte) error { return s.installNamed(src, s.path) }

func (s *Set) installNamed(src []byte, name string) error {
	specs, err := parseSpec(src, name)
	if err != nil {
		return err
	}
	e, err := compile(s.env, specs, s.st, s.m, name)
	if err != nil {
		return err
	}
	s.cur.Store(e)
	s.mu.Lock()
	s.status.Rules, s.status.LoadedAt, s.status.LastError = e.Names(), time.Now(), ""
	s.lastSum = sha256.Sum256(src)
	s.mu.Unlock()
	return nil
}

// Evaluate runs the current rules over one event.
func (s *Set) Evaluate(ev map[string]any, req *Request) Decision {
	return s.cur.Load().Evaluate(ev, req)
}

// Engine returns the rules running now. A caller that builds events with
// only the fields Engine.Needs must evaluate them with the same engine, not
// with a newer one a reload may have installed meanwhile.
func (s *Set) Engine() *Engine { return s.cur.Load() }

// Status reports the running rules and the last refused reload.
func (s *Set) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Rules = append([]string(nil), st.Rules...)
	return st
}

// Reload checks the file now and installs it when its content changed. A
// refused file leaves the running rules in place and returns why.
func (s *Set) Reload() error {
	if s.path == "" {
		return nil
	}
	src, err := os.ReadFile(s.path)
	if err != nil {
		return s.refuse(fmt.Errorf("reading rule file: %w", err))
	}
	sum := sha256.Sum256(src)
	s.mu.Lock()
	same := sum == s.lastSum
	s.mu.Unlock()
	if same {
		return nil
	}
	if err := s.install(src); err != nil {
		s.mu.Lock()
		s.lastSum = sum // report a broken version once, not every tick
		s.mu.Unlock()
		return s.refuse(err)
	}
	s.m.reloads.WithLabelValues("ok").Inc()
	s.cfg.logger.Info("reloaded edge rules", zap.String("file", s.path), zap.Strings("rules", s.cur.Load().Names()))
	return nil
}

func (s *Set) refuse(err error) error {
	s.m.reloads.WithLabelValues("refused").Inc()
	s.mu.Lock()
	s.status.LastError = err.Error()
	s.mu.Unlock()
	s.cfg.logger.Error("refused edge rule file, previous rules keep running", zap.String("file", s.path), zap.Error(err))
	return err
}

// Run reloads the file whenever it changes, until ctx ends. Polling (by
// content hash) rather than inotify also catches editors that replace the
// file and ConfigMap symlink swaps.
func (s *Set) Run(ctx context.Context) {
	if s.path == "" {
		return
	}
	t := time.NewTicker(s.cfg.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.Reload()
		}
	}
}
