package connect

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"time"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// connectorRunner runs the connector instance: it starts the plugin's
// connector, publishes its task configs and follows the target state.
type connectorRunner struct {
	*runner
	reconfig  chan struct{}
	raised    chan error
	committed chan []map[string]string
}

func newConnectorRunner(h *herder, name string, props map[string]string, plugin connectors.Plugin, target TargetState, prev *connectorRunner) *connectorRunner {
	var p *runner
	if prev != nil {
		p = prev.runner
	}
	return &connectorRunner{runner: newRunner(h, name, -1, props, plugin, target, p),
		reconfig: make(chan struct{}, 1), raised: make(chan error, 1), committed: make(chan []map[string]string, 1)}
}

func (c *connectorRunner) start() { go c.supervise(c.attempt) }

// tasksCommitted tells the runner which task configs the cluster has, so it
// can republish when they differ from what it computed.
func (c *connectorRunner) tasksCommitted(tasks []map[string]string) {
	select {
	case <-c.committed:
	default:
	}
	c.committed <- tasks
}

// attempt runs the connector instance while the target is not STOPPED,
// and idles in STOPPED otherwise.
func (c *connectorRunner) attempt(ctx context.Context) error {
	for ctx.Err() == nil {
		if c.currentTarget() == TargetStopped {
			c.report(StateStopped, nil)
			c.waitTarget(ctx)
			continue
		}
		stopped, err := c.runInstance(ctx)
		if err != nil || !stopped {
			return err
		}
	}
	return nil
}

// runInstance runs one connector instance; stopped reports that it ended
// because the target became STOPPED.
func (c *connectorRunner) runInstance(ctx context.Context) (stopped bool, err error) {
	cfg, err := taskSpec(c.plugin).Parse(c.props)
	if err != nil {
		return false, fmt.Errorf("parsing connector config: %w", err)
	}
	var conn connectors.Connector
	switch c.plugin.Type {
	case connectors.PluginSink:
		conn = c.plugin.NewSink()
	case connectors.PluginSource:
		conn = c.plugin.NewSource()
	default:
		return false, fmt.Errorf("class %s is not a connector", c.plugin.Class)
	}
	if err := conn.Start(ctx, &connectorContext{c: c}, cfg); err != nil {
		return false, fmt.Errorf("starting connector: %w", err)
	}
	defer func() {
		if err := safely(conn.Stop); err != nil {
			c.log.Warn("stopping connector failed", zap.Error(err))
		}
	}()
	var computed, committed []map[string]string
	haveCommitted := false
	// Task configs are published for PAUSED connectors too: their tasks
	// exist and hold their resources, they just do not process records.
	publish := func() error {
		if c.currentTarget() == TargetStopped {
			return nil
		}
		if computed == nil {
			raw, err := conn.TaskConfigs(cfg.Int(connectors.TasksMaxConfig))
			if err != nil {
				return fmt.Errorf("computing task configs: %w", err)
			}
			if n := cfg.Int(connectors.TasksMaxConfig); len(raw) > n {
				return fmt.Errorf("computing task configs: connector returned %d configs for tasks.max=%d", len(raw), n)
			}
			computed = make([]map[string]string, len(raw))
			for i, t := range raw {
				m := maps.Clone(c.props)
				maps.Copy(m, t)
				computed[i] = m
			}
		}
		if haveCommitted && reflect.DeepEqual(computed, committed) {
			return nil
		}
		pctx, cancel := context.WithTimeout(ctx, c.h.cfg.requestTimeout)
		defer cancel()
		if err := c.h.publishTaskConfigs(pctx, c.name, computed); err != nil {
			c.log.Warn("publishing task configs failed; retrying", zap.Error(err))
			return nil
		}
		committed, haveCommitted = computed, true
		return nil
	}
	select {
	case committed = <-c.committed:
		haveCommitted = true
	default:
	}
	c.report(c.stateFor(), nil)
	if err := safely(publish); err != nil {
		return false, err
	}
	retry := time.NewTicker(5 * time.Second)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case err := <-c.raised:
			return false, err
		case <-c.reconfig:
			computed = nil
		case t := <-c.committed:
			committed, haveCommitted = t, true
		case <-c.targetCh:
			if c.currentTarget() == TargetStopped {
				return true, nil
			}
			c.report(c.stateFor(), nil)
		case <-retry.C:
		}
		if err := safely(publish); err != nil {
			return false, err
		}
	}
}

func (c *connectorRunner) stateFor() State {
	if c.currentTarget() == TargetPaused {
		return StatePaused
	}
	return StateRunning
}

type connectorContext struct{ c *connectorRunner }

func (cc *connectorContext) RequestTaskReconfiguration() {
	select {
	case cc.c.reconfig <- struct{}{}:
	default:
	}
}

func (cc *connectorContext) RaiseError(err error) {
	select {
	case cc.c.raised <- err:
	default:
	}
}

// taskRunner runs one task.
type taskRunner struct{ *runner }

func newTaskRunner(h *herder, id connectors.TaskID, props map[string]string, plugin connectors.Plugin, target TargetState, prev *taskRunner) *taskRunner {
	var p *runner
	if prev != nil {
		p = prev.runner
	}
	return &taskRunner{newRunner(h, id.Connector, id.Task, props, plugin, target, p)}
}

func (t *taskRunner) start() {
	if t.plugin.Type == connectors.PluginSink {
		go t.supervise(t.runSink)
		return
	}
	go t.supervise(t.runSource)
}
