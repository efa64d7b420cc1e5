package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/retailpulse/retailpulse/connectors/redis/redistest"
	"github.com/retailpulse/retailpulse/sidecars/connect/connecttest"
)

// TestUpFeaturesReachRedis is the hot tier as the README tells users to run
// it: `up`, the RedisSink created from compose/connectors/redis-sink.json
// through the Connect REST API, shopper events through the REST proxy — and
// the closed window's features in Redis, with their TTL, about a second after
// the window closes; the window's aggregate is in recommendation-input
// exactly once under read_committed, decoded by a third-party registry-aware
// reader as Kafdrop would. Only redis.hosts is changed (the test's
// redis-server).
//
// Windows are 5 s with 1 s grace instead of 30 s + 10 s so the test is short;
// the path (idle advance, transaction, read_committed fetch, put) is the same.
func TestUpFeaturesReachRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the binary")
	}
	rds := redistest.Start(t)
	bin := buildBinary(t)
	const window, grace = 5 * time.Second, time.Second
	p, ports, _ := startUpOnFreePorts(t, bin, nil, "--data-dir", t.TempDir(), "--window-size", window.String(), "--grace", grace.String())
	defer p.stop(t)
	proxyURL, connectURL := localURL(ports.proxy), localURL(ports.connect)

	createSinkFromComposeFile(t, connectURL, rds.Addr())
	waitRunning(t, connectURL, "redis-hot-features")

	// Start in the first second of a window so the last event lands well
	// before the window's end: the close is then driven by the wall clock
	// (idle advance), which is what a quiet storefront looks like.
	time.Sleep(time.Until(time.Now().Truncate(window).Add(window + 100*time.Millisecond)))
	start := time.Now()
	windowEnd := start.Truncate(window).Add(window)
	const user = "u-hot-1"
	var records []string
	for i := 0; i < 3; i++ {
		records = append(records, fmt.Sprintf(`{"value":{"event_id":"7a3b4c5d-6e7f-4a1b-8c2d-3e4f5a6b7c%02d",`+
			`"event_type":"PRODUCT_VIEW","user_id":%q,"session_id":"s-hot","event_time":%d,"item_id":"sku-%d",`+
			`"category":"shoes","price":%d.5,"currency":"EUR"}}`, i, user, start.UnixMilli()+int64(i), i, 10+i))
	}
	// A crawler's view, which the edge rules drop: it must not count.
	records = append(records, fmt.Sprintf(`{"value":{"event_id":"0a3b4c5d-6e7f-4a1b-8c2d-3e4f5a6b7c8d","event_type":"PRODUCT_VIEW",`+
		`"user_id":%q,"session_id":"s-hot","event_time":%d,"item_id":"sku-9","price":99.5,"user_agent":"Googlebot/2.1"}}`,
		user, start.UnixMilli()))
	post(t, proxyURL+"/topics/user-events", "application/vnd.kafka.json.v2+json", `{"records":[`+strings.Join(records, ",")+`]}`)

	rc := rds.Client(t)
	key := "rp:user:" + user
	closeAt := windowEnd.Add(grace)
	var got map[string]string
	var err error
	for deadline := closeAt.Add(20 * time.Second); ; {
		got, err = rc.HGetAll(context.Background(), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	seen := time.Now()
	if len(got) == 0 {
		t.Fatalf("no features at %s 20 s after the window closed; up stderr:\n%s", key, p.stderr)
	}
	// The bar is one second; allow 3 on a loaded CI machine and log
	// the measured value, which BENCHMARKS.md records.
	latency := seen.Sub(closeAt)
	t.Logf("window [%s, %s) closed at %s; features in Redis %v after the close",
		windowEnd.Add(-window).Format(time.TimeOnly), windowEnd.Format(time.TimeOnly), closeAt.Format(time.TimeOnly), latency)
	if latency > 3*time.Second {
		t.Errorf("features reached Redis %v after the window closed, want about a second", latency)
	}
	want := map[string]string{"window_end": strconv.FormatInt(windowEnd.UnixMilli(), 10), "product_views": "3",
		"distinct_items": "3", "cat_views:shoes": "3", "min_viewed_price": "10.5", "max_viewed_price": "12.5"}
	for f, v := range want {
		if got[f] != v {
			t.Errorf("%s[%s] = %q, want %q (hash: %v)", key, f, got[f], v, got)
		}
	}
	assertTTL(t, rc, key, time.Hour)
	checkWindowOnceInKafka(t, "127.0.0.1:"+strconv.Itoa(ports.kafka), localURL(ports.registry), user, windowEnd)

	// A record the sink's converter cannot read goes to its dead letter
	// queue; with that, and a compatibility check, every metric the compose
	// alerts and dashboards use has been touched.
	post(t, proxyURL+"/topics/recommendation-input", "application/vnd.kafka.binary.v2+json",
		`{"records":[{"key":"cG9pc29u","value":"bm90IGF2cm8="}]}`)
	registryURL := localURL(ports.registry)
	post(t, registryURL+"/compatibility/subjects/user-events-value/versions/latest", "application/vnd.schemaregistry.v1+json",
		`{"schema":"\"string\""}`)
	var served map[string]bool
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if served = scrapeNames(t, proxyURL+"/metrics"); served["retailpulse_connect_records_dlq_total"] {
			break
		}
	}
	checkObservabilityNames(t, served)
}

func post(t *testing.T, url, contentType, body string) {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("POST %s: %s %v", url, resp.Status, e)
	}
}

// createSinkFromComposeFile posts the shipped connector config, pointed at addr.
func createSinkFromComposeFile(t *testing.T, connectURL, addr string) {
	t.Helper()
	name, cfg := connecttest.ReadConnectorFile(t, "../../compose/connectors/redis-sink.json", map[string]string{"redis.hosts": addr})
	body, _ := json.Marshal(map[string]any{"name": name, "config": cfg})
	resp, err := http.Post(connectURL+"/connectors", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("POST /connectors: %s %v", resp.Status, e)
	}
}

// waitRunning waits for the connector and all its tasks to be RUNNING.
func waitRunning(t *testing.T, connectURL, name string) {
	t.Helper()
	var st struct {
		Connector struct{ State string } `json:"connector"`
		Tasks     []struct {
			State string `json:"state"`
			Trace string `json:"trace"`
		} `json:"tasks"`
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(connectURL + "/connectors/" + name + "/status")
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		running := st.Connector.State == "RUNNING" && len(st.Tasks) > 0
		for _, task := range st.Tasks {
			running = running && task.State == "RUNNING"
		}
		if running {
			return
		}
	}
	t.Fatalf("connector %s not RUNNING within 30 s: %+v", name, st)
}

func assertTTL(t *testing.T, rc *goredis.Client, key string, want time.Duration) {
	t.Helper()
	ttl, err := rc.TTL(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= want-time.Minute || ttl > want {
		t.Errorf("TTL of %s = %v, want about %v", key, ttl, want)
	}
}

// pyReadAggregates reads recommendation-input under read_committed with
// Debian's python3-confluent-kafka and decodes every value through the
// registry (legacy MessageSerializer), as Kafdrop does: one JSON line per
// record.
const pyReadAggregates = `
import json, sys, time
from confluent_kafka import Consumer
from confluent_kafka.avro import CachedSchemaRegistryClient
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer
ms = MessageSerializer(CachedSchemaRegistryClient({"url": sys.argv[2]}))
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "kafdrop-stand-in", "auto.offset.reset": "earliest",
              "isolation.level": "read_committed", "enable.auto.commit": False})
c.subscribe(["recommendation-input"])
# Joining the group can take seconds on a loaded machine: wait up to 30 s
# for the first record, then read until 2 s pass without one.
deadline, quiet, seen = time.time() + 30, None, False
while time.time() < deadline and (not seen or time.time() < quiet):
    m = c.poll(0.25)
    if m is None or m.error():
        continue
    seen, quiet = True, time.time() + 2
    v = ms.decode_message(m.value())
    print(json.dumps({"key": m.key().decode(), "user_id": v["user_id"], "window_end": str(v["window_end"]),
                      "product_views": v["product_views"]}))
c.close()
`

// checkWindowOnceInKafka: the closed window is in recommendation-input
// exactly once, keyed by user, and a third-party registry-aware reader
// decodes it.
func checkWindowOnceInKafka(t *testing.T, bootstrap, registryURL, user string, windowEnd time.Time) {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", "-c", pyReadAggregates, bootstrap, registryURL).CombinedOutput()
	if err != nil {
		t.Fatalf("python reader: %v\n%s", err, out)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var rec struct {
			Key          string `json:"key"`
			UserID       string `json:"user_id"`
			WindowEnd    string `json:"window_end"`
			ProductViews int    `json:"product_views"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("python reader printed %q: %v", l, err)
		}
		if rec.Key == user {
			n++
			if rec.ProductViews != 3 || !strings.HasPrefix(rec.WindowEnd, windowEnd.UTC().Format("2006-01-02 15:04:05")) {
				t.Errorf("aggregate %+v, want 3 product views in the window ending %s", rec, windowEnd.UTC())
			}
		}
	}
	if n != 1 {
		t.Errorf("recommendation-input holds %d aggregates of %s under read_committed, want exactly 1:\n%s", n, user, out)
	}
}
