package connectortest

import (
	"context"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

// TB is the part of testing.TB the helpers here need.
type TB interface {
	Helper()
	Fatalf(string, ...any)
	Cleanup(func())
}

// StartSinkTask starts one task of the sink plugin p the way the worker
// does: the connector validates cfg (when it cross-validates) and starts,
// then a task starts with the same config. The task is stopped when the
// test ends.
func StartSinkTask(tb TB, p connectors.Plugin, tctx connectors.SinkTaskContext, cfg *connectors.Config) connectors.SinkTask {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn := p.NewSink()
	if cv, ok := conn.(connectors.CrossValidator); ok {
		if errs := cv.ValidateConfig(cfg); len(errs) > 0 {
			tb.Fatalf("config of %s refused: %v", p.Class, errs)
		}
	}
	if err := conn.Start(ctx, nil, cfg); err != nil {
		tb.Fatalf("starting connector %s: %v", p.Class, err)
	}
	task := conn.NewTask()
	if err := task.Start(ctx, tctx, cfg); err != nil {
		tb.Fatalf("starting task of %s: %v", p.Class, err)
	}
	tb.Cleanup(func() { _ = task.Stop() })
	return task
}
