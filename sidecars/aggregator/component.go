package aggregator

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/retailpulse/retailpulse/internal/lifecycle"
)

// Component adapts a to lifecycle.Component for `up` and `aggregator`.
// Start runs the aggregator in the background; Stop commits pending work
// and waits for it to finish.
func Component(a *Aggregator) lifecycle.Component { return &component{a: a} }

type component struct {
	a *Aggregator

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (c *component) Name() string { return "aggregator" }

func (c *component) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return errors.New("aggregator already started")
	}
	if c.a.http != nil {
		if err := c.a.http.Start(); err != nil {
			return fmt.Errorf("starting aggregator http server: %w", err)
		}
	}
	// Run outlives the start context: only Stop ends it, after the
	// components that feed it have stopped.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		err := c.a.Run(rctx)
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		close(c.done)
	}()
	return nil
}

// Ready reports nil once the Kafka clients are up and subscribed, and the
// error Run ended with once it has.
func (c *component) Ready(context.Context) error {
	c.mu.Lock()
	done, err := c.done, c.err
	c.mu.Unlock()
	if done == nil {
		return ErrNotStarted
	}
	select {
	case <-done:
		if err != nil {
			return err
		}
		return ErrNotStarted
	default:
	}
	return c.a.readyErr()
}

func (c *component) Endpoints() []lifecycle.Endpoint {
	cfg := c.a.cfg
	note := fmt.Sprintf("group %s, instance %s, %s → %s, %s, %s", cfg.group, cfg.instanceID,
		cfg.topics.Input, cfg.topics.Aggregates, cfg.topics.Sessions, cfg.topics.Profiles)
	if c.a.http != nil {
		return []lifecycle.Endpoint{{Name: "aggregator", Addr: c.a.http.URL(), Note: note}}
	}
	return []lifecycle.Endpoint{{Name: "aggregator", Addr: "kafka consumer group " + cfg.group, Note: note}}
}

func (c *component) Stop(ctx context.Context) error {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if done == nil {
		return nil
	}
	cancel()
	var errs []error
	select {
	case <-done:
		c.mu.Lock()
		errs = append(errs, c.err)
		c.mu.Unlock()
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("waiting for the aggregator to commit and stop: %w", ctx.Err()))
	}
	if c.a.http != nil {
		errs = append(errs, c.a.http.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
