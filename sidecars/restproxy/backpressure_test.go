package restproxy_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

// TestBackpressureWhenKafkaStalls stops the broker under a full in-flight
// budget: the request holding the budget fails with the retriable 503 after
// the produce timeout (never a silent success), and a request arriving
// meanwhile is refused with 429 and Retry-After instead of queueing.
func TestBackpressureWhenKafkaStalls(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules(), restproxy.WithMaxInFlightBytes(1<<20),
		restproxy.WithQueueWait(300*time.Millisecond), restproxy.WithProduceTimeout(2*time.Second))
	if r := e.post("/topics/plain", ctJSON, `{"records":[{"value":1}]}`); r.status != 200 {
		t.Fatalf("warm-up: %s", r)
	}
	e.broker.Close()

	big := `{"records":[` + strings.TrimSuffix(strings.Repeat(`{"value":"`+strings.Repeat("x", 1000)+`"},`, 1100), ",") + `]}`
	var wg sync.WaitGroup
	var first reply
	wg.Add(1)
	go func() {
		defer wg.Done()
		first = e.post("/topics/plain", ctJSON, big)
	}()
	// Wait until the big request holds the budget.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(e.metric("retailpulse_restproxy_inflight_bytes"), "retailpulse_restproxy_inflight_bytes 1.048576e+06") {
		if time.Now().After(deadline) {
			t.Fatalf("budget never filled: %s", e.metric("retailpulse_restproxy_inflight_bytes"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	r := e.post("/topics/plain", ctJSON, `{"records":[{"value":2}]}`)
	if r.status != 429 || r.header.Get("Retry-After") != "1" || !strings.Contains(string(r.body), `"error_code":42901`) {
		t.Fatalf("second request: %s", r)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond || waited > 5*time.Second {
		t.Errorf("429 after %s, want about the 300ms queue wait", waited)
	}
	wg.Wait()
	t.Logf("stalled request answered %s after the broker stopped", time.Since(start))
	var rep v2Reply
	first.json(t, &rep)
	if first.status != 503 || first.header.Get("Retry-After") == "" || rep.ErrorCode != 50003 {
		t.Fatalf("stalled request: HTTP %d %s...", first.status, first.body[:min(300, len(first.body))])
	}
	for i, o := range rep.Offsets {
		if o.ErrorCode == nil || *o.ErrorCode != 50003 || o.Offset != nil {
			t.Fatalf("record %d of the stalled request: %+v", i, o)
		}
	}
	if m := e.metric("retailpulse_restproxy_throttled_requests_total"); !strings.HasSuffix(m, " 1") {
		t.Errorf("throttle metric: %s", m)
	}
	if m := e.metric("retailpulse_restproxy_inflight_bytes"); m != "retailpulse_restproxy_inflight_bytes 0" {
		t.Errorf("budget not released: %s", m)
	}
}
