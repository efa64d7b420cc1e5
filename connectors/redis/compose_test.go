package redis_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/connectors/redis"
	"github.com/retailpulse/retailpulse/connectors/redis/redistest"
)

// TestComposeConnectorConfigWrites submits the shipped connector config,
// pointed at a test server, and writes a record with it.
func TestComposeConnectorConfigWrites(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "compose", "connectors", "redis-sink.json"))
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Name   string            `json:"name"`
		Config map[string]string `json:"config"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("parsing redis-sink.json: %v", err)
	}
	if body.Config[connectors.ConnectorClassConfig] != redis.Class || body.Name == "" {
		t.Fatalf("connector.class %q, name %q", body.Config[connectors.ConnectorClassConfig], body.Name)
	}
	srv := redistest.Start(t)
	body.Config[connectors.NameConfig] = body.Name
	body.Config[redis.HostsConfig] = srv.Addr()
	task := startTask(t, &connectortest.SinkContext{Strict: true}, body.Config)
	src := newAvroSource(t, "BehaviorAggregate")
	if err := task.Put(ctxT(t), []connectors.SinkRecord{src.record(t, ri, "u1", aggregate("u1", 1, map[string]int32{"a": 1}))}); err != nil {
		t.Fatalf("put: %v", err)
	}
	got := srv.Client(t).HGetAll(ctxT(t), "rp:user:u1").Val()
	if got["cat_views:a"] != "1" || got["user_id"] != "u1" {
		t.Errorf("hash = %v", got)
	}
}
