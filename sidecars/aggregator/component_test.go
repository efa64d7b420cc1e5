package aggregator_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/retailpulse/retailpulse/sidecars/aggregator"
)

func waitReady(t *testing.T, ready func(context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(opTimeout)
	var err error
	for time.Now().Before(deadline) {
		if err = ready(context.Background()); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("not ready within %s: %v", opTimeout, err)
}

func TestComponentLifecycleAndHTTP(t *testing.T) {
	if isHelper() {
		t.Skip("helper process")
	}
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	a, err := aggregator.New(append(testOptions(e.broker.Addr(), e.client, "comp"),
		aggregator.WithMetrics(reg), aggregator.WithHTTPAddr("127.0.0.1:0"))...)
	if err != nil {
		t.Fatal(err)
	}
	c := aggregator.Component(a)
	if err := c.Ready(context.Background()); !errors.Is(err, aggregator.ErrNotStarted) {
		t.Fatalf("Ready before Start = %v, want ErrNotStarted", err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitReady(t, c.Ready)
	eps := c.Endpoints()
	if len(eps) != 1 || !strings.HasPrefix(eps[0].Addr, "http://127.0.0.1:") {
		t.Fatalf("endpoints %+v, want the HTTP address", eps)
	}
	for path, want := range map[string]string{"/health": "", "/metrics": "retailpulse_aggregator_events_total{result=\"accepted\"}"} {
		resp, err := http.Get(eps[0].Addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d %q, want 200 containing %q", path, resp.StatusCode, body, want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Ready(context.Background()); err == nil {
		t.Error("Ready after Stop = nil")
	}
}

// A missing input topic is a configuration error: Run gives up at once and
// the component reports it rather than retrying forever.
func TestMissingTopicIsFatal(t *testing.T) {
	if isHelper() {
		t.Skip("helper process")
	}
	e := newEnv(t)
	topicsCfg := aggregator.DefaultTopics()
	topicsCfg.Input = "no-such-topic"
	a, err := aggregator.New(append(testOptions(e.broker.Addr(), e.client, "missing"), aggregator.WithTopics(topicsCfg))...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := a.Run(ctx); !errors.Is(err, aggregator.ErrMissingTopic) || !strings.Contains(err.Error(), "no-such-topic") {
		t.Fatalf("Run = %v, want ErrMissingTopic naming no-such-topic", err)
	}
}
