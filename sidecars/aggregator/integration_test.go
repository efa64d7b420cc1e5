package aggregator_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/retailpulse/retailpulse/sidecars/aggregator"
)

// testLog is the full real slice plus edge cases, or a synthetic stand-in.
func testLog(t *testing.T) [][]record {
	t.Helper()
	base, ok := loadRees(t, 0)
	if !ok {
		t.Logf("%s not found; using a synthetic clickstream instead", reesFile)
		base = syntheticBase(12000)
	}
	return buildLog(t, base)
}

// The whole log through one in-process aggregator: every record it emits
// must equal what the reference computes, each exactly once.
func TestAggregatorMatchesReference(t *testing.T) {
	if isHelper() {
		t.Skip("helper process")
	}
	e := newEnv(t)
	parts := testLog(t)
	x := refExpect(parts)
	if x.dlq["late"] == 0 || x.dlq["invalid"] == 0 || x.dlq["undecodable"] == 0 || len(x.aggs) < 1000 {
		t.Fatalf("test log too weak: %d aggregates, DLQ %v", len(x.aggs), x.dlq)
	}
	e.produceLog(t, interleave(parts))

	reg := prometheus.NewRegistry()
	a, err := aggregator.New(append(testOptions(e.broker.Addr(), e.client, "solo"), aggregator.WithMetrics(reg))...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	e.waitCaughtUp(t, 60*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	out := e.readOutputs(t)
	verify(t, x, out)
	t.Logf("%d aggregates, %d profile updates, %d session ids, DLQ %v", len(out.aggs), len(out.profiles), len(out.sessions), x.dlq)

	accepted := 0
	for _, p := range parts {
		accepted += len(p)
	}
	for _, n := range x.dlq {
		accepted -= n
	}
	if got := metricValue(t, reg, "retailpulse_aggregator_events_total", "result", "accepted"); int(got) != accepted {
		t.Errorf("events_total{result=accepted} = %v, want %d", got, accepted)
	}
	if got := metricValue(t, reg, "retailpulse_aggregator_events_total", "result", "late"); int(got) != x.dlq["late"] {
		t.Errorf("events_total{result=late} = %v, want %d", got, x.dlq["late"])
	}
}

// metricValue reads one counter or gauge child from reg.
func metricValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					if c := m.GetCounter(); c != nil {
						return c.GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("metric %s{%s=%q} not found", name, label, value)
	return 0
}
