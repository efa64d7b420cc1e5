package restproxy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

// TestProduceRoutesUseTheFastLane checks that small produce requests are
// served in httpx's fast lane by default, and only on net/http with
// WithoutFastLane, with the same answers either way.
func TestProduceRoutesUseTheFastLane(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules())
	const laneMetric = `retailpulse_http_fast_lane_requests_total{server="restproxy"}`
	body := fmt.Sprintf(`{"records":[{"value":%s}]}`, eventJSON(1, nil))
	for _, lane := range []bool{true, false} {
		if !lane {
			e.startProxy(restproxy.WithoutRules(), restproxy.WithoutFastLane())
		}
		for range 3 {
			r := e.post("/topics/user-events", ctAvro, body)
			var rep v2Reply
			r.json(t, &rep)
			if r.status != 200 || len(rep.Offsets) != 1 || rep.Offsets[0].ErrorCode != nil {
				t.Fatalf("fast lane %v: produce answered %s", lane, r)
			}
		}
		m := e.metric(laneMetric)
		switch {
		case lane && m != laneMetric+" 3":
			t.Errorf("with the fast lane: %q, want 3 requests served in it", m)
		case !lane && m != "" && !strings.HasSuffix(m, " 0"):
			t.Errorf("without the fast lane: %q, want none served in it", m)
		}
	}
}
