// Package lifecycle starts the components of one retailpulse process in
// order, waits until each is healthy before starting the next (the registry
// needs the broker, the REST proxy needs the registry, ...), and stops them in
// reverse order.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Endpoint is one address a component serves, printed by `up`.
type Endpoint struct {
	Name string // e.g. "kafka", "schema-registry"
	Addr string // e.g. "127.0.0.1:9092" or "http://127.0.0.1:8081"
	Note string // e.g. "embedded, data in ./data/kafka"
}

// Component is one part of the process.
type Component interface {
	Name() string
	// Start begins serving and returns; long work runs in the background.
	Start(ctx context.Context) error
	// Ready returns nil once the component can serve requests.
	Ready(ctx context.Context) error
	// Endpoints lists what the component serves, valid after Start.
	Endpoints() []Endpoint
	// Stop drains and stops; ctx bounds how long it may take.
	Stop(ctx context.Context) error
}

// Group runs components in order.
type Group struct {
	logger       *zap.Logger
	readyTimeout time.Duration
	comps        []Component
	started      []Component
}

// NewGroup returns an empty group. readyTimeout bounds how long one
// component may take to become ready.
func NewGroup(logger *zap.Logger, readyTimeout time.Duration) *Group {
	return &Group{logger: logger, readyTimeout: readyTimeout}
}

// Add appends components; they start in the order added.
func (g *Group) Add(cs ...Component) { g.comps = append(g.comps, cs...) }

// Start starts every component and waits for it to be ready before the next.
// On failure it stops what it started and returns the first error.
func (g *Group) Start(ctx context.Context) error {
	for _, c := range g.comps {
		if err := c.Start(ctx); err != nil {
			return g.abort(fmt.Errorf("starting %s: %w", c.Name(), err))
		}
		g.started = append(g.started, c)
		if err := g.waitReady(ctx, c); err != nil {
			return g.abort(err)
		}
	}
	return nil
}

func (g *Group) waitReady(ctx context.Context, c Component) error {
	ctx, cancel := context.WithTimeout(ctx, g.readyTimeout)
	defer cancel()
	backoff := 20 * time.Millisecond
	for {
		err := c.Ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s to become ready: %w (last check: %v)", c.Name(), ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 500*time.Millisecond)
	}
}

func (g *Group) abort(err error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return errors.Join(err, g.Stop(ctx))
}

// Endpoints lists the endpoints of all started components in start order.
func (g *Group) Endpoints() []Endpoint {
	var out []Endpoint
	for _, c := range g.started {
		out = append(out, c.Endpoints()...)
	}
	return out
}

// Stop stops started components in reverse order; every component gets its
// chance to stop even if an earlier one fails.
func (g *Group) Stop(ctx context.Context) error {
	var errs []error
	for i := len(g.started) - 1; i >= 0; i-- {
		c := g.started[i]
		if err := c.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping %s: %w", c.Name(), err))
			g.logger.Warn("component did not stop cleanly", zap.String("component", c.Name()), zap.Error(err))
		}
	}
	g.started = nil
	return errors.Join(errs...)
}
