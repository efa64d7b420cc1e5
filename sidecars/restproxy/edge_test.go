package restproxy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

func TestDefaultEdgeRules(t *testing.T) {
	e := newEnv(t) // built-in rules
	post := func(values ...string) v2Reply {
		t.Helper()
		r := e.post("/topics/user-events", ctAvro, `{"records":[{"value":`+strings.Join(values, `},{"value":`)+`}]}`)
		var rep v2Reply
		r.json(t, &rep)
		if r.status != 200 {
			t.Fatalf("post: %s", r)
		}
		return rep
	}
	bot := eventJSON(1, map[string]any{"user_agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
	click := func(n int, ms int64) string {
		return eventJSON(n, map[string]any{"event_type": "CLICK", "user_id": "clicker", "item_id": "sku-9", "event_time": 1767225600000 + ms})
	}
	first := eventJSON(2, nil)
	rep := post(bot, first, click(10, 0), click(11, 300), click(12, 1500))
	o := rep.Offsets
	if o[0].Action != "dlq" || o[0].Rule != "bot-user-agent" || o[0].ErrorCode != nil || o[0].Partition != nil {
		t.Errorf("bot: %+v", o[0])
	}
	if o[1].Action != "" || o[1].Offset == nil {
		t.Errorf("first copy: %+v", o[1])
	}
	if o[2].Action != "" || o[3].Action != "drop" || o[3].Rule != "repeated-click" || o[4].Action != "" {
		t.Errorf("clicks: %+v %+v %+v", o[2], o[3], o[4])
	}
	// A retry of an acknowledged event is answered with the first copy's
	// position and not written again.
	again := post(first).Offsets[0]
	if again.Action != "drop" || again.Rule != "duplicate-event" || again.Offset == nil ||
		*again.Offset != *o[1].Offset || *again.Partition != *o[1].Partition {
		t.Fatalf("duplicate: %+v, first was %d/%d", again, *o[1].Partition, *o[1].Offset)
	}
	stored := e.readAll("user-events", 3)
	for _, c := range stored {
		if strings.Contains(string(c.value), "Googlebot") {
			t.Errorf("bot event stored in user-events")
		}
	}
	dlq := e.readAll("user-events-dlq", 1)[0]
	if string(dlq.value) != bot {
		t.Errorf("dlq value is not the event as received:\n got %s\nwant %s", dlq.value, bot)
	}
	if string(dlq.key) != "u-1" || dlq.headers["dlq.rule"] != "bot-user-agent" || !strings.HasPrefix(dlq.headers["dlq.reason"], "bot user agent") ||
		dlq.headers["dlq.source.topic"] != "user-events" || dlq.headers["dlq.api"] != "v2" || dlq.headers["dlq.received.ms"] == "" {
		t.Errorf("dlq record: key %q headers %v", dlq.key, dlq.headers)
	}
	m := e.metric("retailpulse_restproxy_")
	for _, want := range []string{
		`retailpulse_restproxy_rule_matches_total{action="dlq",rule="bot-user-agent"} 1`,
		`retailpulse_restproxy_rule_matches_total{action="drop",rule="duplicate-event"} 1`,
		`retailpulse_restproxy_records_total{outcome="produced",topic="user-events"} 3`,
		`retailpulse_restproxy_records_total{outcome="dropped",topic="user-events"} 2`,
		`retailpulse_restproxy_records_total{outcome="dlq",topic="user-events"} 1`,
		`retailpulse_restproxy_produce_latency_seconds_count{topic="user-events"}`,
		`retailpulse_restproxy_inflight_bytes 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s:\n%s", want, m)
		}
	}
}

func TestRuleFileHotReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edge.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("rules:\n  - name: pricey\n    when: has(event.price) && event.price > 100.0\n    action: dlq\n    reason: too expensive\n")
	e := newEnv(t, restproxy.WithRulesFile(path), restproxy.WithRulesReloadInterval(20*time.Millisecond))
	action := func(n int, price float64) string {
		t.Helper()
		var rep v2Reply
		e.post("/topics/user-events", ctAvro, `{"records":[{"value":`+eventJSON(n, map[string]any{"price": price})+`}]}`).json(t, &rep)
		return rep.Offsets[0].Action + "/" + rep.Offsets[0].Rule
	}
	if got := action(1, 150); got != "dlq/pricey" {
		t.Fatalf("initial rules: %s", got)
	}
	if got := action(2, 50); got != "/" {
		t.Fatalf("initial rules, cheap: %s", got)
	}
	type status struct {
		Enabled bool `json:"enabled"`
		Status  struct {
			Source    string   `json:"source"`
			Rules     []string `json:"rules"`
			LastError string   `json:"last_error"`
		} `json:"status"`
	}
	waitStatus := func(ok func(status) bool) status {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			var st status
			_ = json.Unmarshal(e.get("/edge/rules").body, &st)
			if ok(st) {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("rules status never matched: %+v", st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A broken file is refused with its line; the old rules keep running.
	write("rules:\n  - name: pricey\n    when: has(event.price) && event.price > 100.0\n    action: dlq\n  - name: broken\n    when: event.price >>> 3\n    action: drop\n")
	st := waitStatus(func(s status) bool { return s.Status.LastError != "" })
	if !strings.Contains(st.Status.LastError, "edge.yaml:6") || !strings.Contains(st.Status.LastError, `rule "broken"`) {
		t.Errorf("refusal does not name the line: %q", st.Status.LastError)
	}
	if got := action(3, 150); got != "dlq/pricey" {
		t.Fatalf("old rules stopped: %s", got)
	}
	write("rules:\n  - name: cheap\n    when: has(event.price) && event.price < 10.0\n    action: drop\n")
	waitStatus(func(s status) bool {
		return len(s.Status.Rules) == 1 && s.Status.Rules[0] == "cheap" && s.Status.LastError == ""
	})
	if got := action(4, 150); got != "/" {
		t.Fatalf("reloaded rules, pricey: %s", got)
	}
	if got := action(5, 5); got != "drop/cheap" {
		t.Fatalf("reloaded rules, cheap: %s", got)
	}
	if m := e.metric("retailpulse_restproxy_rule_reloads_total"); !strings.Contains(m, `result="refused"} 1`) || !strings.Contains(m, `result="ok"} 1`) {
		t.Errorf("reload metrics:\n%s", m)
	}
}

func TestInvalidRuleFileRefusedAtStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edge.yaml")
	if err := os.WriteFile(path, []byte("rules:\n  - name: x\n    when: event.\n    action: drop\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := restproxy.New(restproxy.WithKafka(kclientFor("127.0.0.1:1")), restproxy.WithSchemaRegistry("http://127.0.0.1:1"),
		restproxy.WithRulesFile(path))
	if err == nil || !strings.Contains(err.Error(), "edge.yaml:3") {
		t.Fatalf("want an error naming edge.yaml:3, got %v", err)
	}
}
