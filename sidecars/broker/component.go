package broker

import (
	"context"
	"errors"
	"net"

	"github.com/retailpulse/retailpulse/internal/lifecycle"
)

// Component adapts b to lifecycle.Component for `up` and `broker`.
func Component(b *Broker) lifecycle.Component { return component{b} }

type component struct{ b *Broker }

func (c component) Name() string                { return "kafka" }
func (c component) Start(context.Context) error { return c.b.Start() }
func (c component) Stop(context.Context) error  { c.b.Close(); return nil }

// Ready reports whether the broker accepts TCP connections.
func (c component) Ready(ctx context.Context) error {
	addr := c.b.Addr()
	if addr == "" {
		return errors.New("broker not started")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return conn.Close()
}

func (c component) Endpoints() []lifecycle.Endpoint {
	note := "embedded broker, in memory"
	if c.b.cfg.dataDir != "" {
		note = "embedded broker, data in " + c.b.cfg.dataDir
	}
	return []lifecycle.Endpoint{{Name: "kafka", Addr: c.b.Addr(), Note: note}}
}
