package connect

import (
	"context"

	"github.com/retailpulse/retailpulse/internal/lifecycle"
)

// Component adapts w to lifecycle.Component for `up` and `connect`.
func Component(w *Worker) lifecycle.Component { return component{w} }

type component struct{ w *Worker }

func (c component) Name() string                    { return "connect" }
func (c component) Start(ctx context.Context) error { return c.w.Start(ctx) }
func (c component) Ready(ctx context.Context) error { return c.w.Ready(ctx) }
func (c component) Stop(ctx context.Context) error  { return c.w.Stop(ctx) }
func (c component) Endpoints() []lifecycle.Endpoint {
	return []lifecycle.Endpoint{{Name: "connect", Addr: c.w.URL(), Note: "Kafka Connect REST API, group " + c.w.cfg.groupID}}
}
