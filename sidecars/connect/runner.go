package connect

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// stopReason says why a runner stops, which decides what it leaves behind.
type stopReason int32

const (
	// reasonShutdown: the worker stops; flush, commit, report UNASSIGNED.
	reasonShutdown stopReason = iota
	// reasonMoved: the work moved (reassignment, new config, restart,
	// deletion); flush and commit, leave the status to the new owner.
	reasonMoved
	// reasonAbandon: simulate a crash (tests); no flush, no commit, no
	// status.
	reasonAbandon
)

// runner is the part connector and task runners share: a goroutine that
// runs attempts under a supervisor with restart backoff, a target state,
// and a stop switch.
type runner struct {
	h      *herder
	name   string // connector name
	task   int    // -1 for the connector instance
	props  map[string]string
	plugin connectors.Plugin
	log    *zap.Logger

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	prev   *runner
	reason atomic.Int32

	mu       sync.Mutex
	target   TargetState
	targetCh chan struct{}
	state    State
}

func newRunner(h *herder, name string, task int, props map[string]string, plugin connectors.Plugin, target TargetState, prev *runner) *runner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{h: h, name: name, task: task, props: props, plugin: plugin, ctx: ctx, cancel: cancel,
		done: make(chan struct{}), prev: prev, target: target, targetCh: make(chan struct{}, 1)}
	r.log = h.taskLog.With(zap.String("connector", name))
	if task >= 0 {
		r.log = r.log.With(zap.Int("task", task))
	}
	return r
}

func (r *runner) id() connectors.TaskID { return connectors.TaskID{Connector: r.name, Task: r.task} }

func (r *runner) taskLabel() string {
	if r.task < 0 {
		return ""
	}
	return strconv.Itoa(r.task)
}

func (r *runner) statusKey() string {
	if r.task < 0 {
		return keyStatusConnector + r.name
	}
	return keyStatusTask + r.id().String()
}

func (r *runner) setTarget(t TargetState) {
	r.mu.Lock()
	changed := r.target != t
	r.target = t
	r.mu.Unlock()
	if changed {
		select {
		case r.targetCh <- struct{}{}:
		default:
		}
	}
}

func (r *runner) currentTarget() TargetState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.target
}

func (r *runner) stop(reason stopReason) {
	r.reason.Store(int32(reason))
	r.cancel()
}

func (r *runner) stopReason() stopReason { return stopReason(r.reason.Load()) }

// report writes the runner's status (unless it is being abandoned) and
// updates the state gauge.
func (r *runner) report(s State, cause error) {
	if r.stopReason() == reasonAbandon && r.ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	r.state = s
	r.mu.Unlock()
	trace := ""
	if cause != nil {
		trace = errorChain(cause)
	}
	r.h.putStatus(r.statusKey(), s, trace)
	if r.task < 0 {
		r.h.m.setConnectorState(r.name, s)
	} else {
		r.h.m.setTaskState(r.name, r.taskLabel(), s)
	}
}

func (r *runner) currentState() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// supervise runs attempt until the runner is stopped. A failed attempt
// reports FAILED with its trace; with auto-restart the attempt is retried
// after a backoff that doubles up to the configured maximum and starts
// over once an attempt ran longer than that maximum.
func (r *runner) supervise(attempt func(ctx context.Context) error) {
	defer close(r.done)
	if r.prev != nil {
		select {
		case <-r.prev.done:
		case <-time.After(2 * r.h.cfg.shutdownTimeout):
			r.log.Warn("previous instance did not stop in time; starting anyway")
		}
	}
	cfg := r.h.cfg
	backoff := cfg.restartBackoff
	for {
		started := time.Now()
		err := safely(func() error { return attempt(r.ctx) })
		if r.ctx.Err() != nil {
			r.finish()
			return
		}
		if err == nil {
			err = fmt.Errorf("%s stopped unexpectedly", r.kind())
		}
		r.log.Error(r.kind()+" failed", zap.Error(err))
		r.report(StateFailed, err)
		if !cfg.autoRestart {
			<-r.ctx.Done()
			r.finish()
			return
		}
		if time.Since(started) > cfg.restartMax {
			backoff = cfg.restartBackoff
		}
		select {
		case <-r.ctx.Done():
			r.finish()
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, cfg.restartMax)
		r.h.m.restarts.WithLabelValues(r.name, r.taskLabel()).Inc()
		r.report(StateRestarting, nil)
	}
}

func (r *runner) kind() string {
	if r.task < 0 {
		return "connector"
	}
	return "task"
}

// finish leaves the status behind per the stop reason.
func (r *runner) finish() {
	switch r.stopReason() {
	case reasonShutdown:
		if cur, ok := r.h.store.status.get(r.statusKey()); !ok || cur.WorkerID == r.h.id {
			r.h.putStatus(r.statusKey(), StateUnassigned, "")
		}
	}
	if r.task < 0 {
		r.h.m.forgetConnector(r.name)
	} else {
		r.h.m.forgetTask(r.name, r.taskLabel())
	}
}

// safely runs fn, turning a panic in plugin code into an error.
func safely(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	return fn()
}

// waitTarget blocks until the target changes or ctx is done.
func (r *runner) waitTarget(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-r.targetCh:
	}
}
