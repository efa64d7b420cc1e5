package kclient_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/kclient"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		bootstrap string
		ok        bool
	}{
		{"127.0.0.1:9092", true},
		{"a:9092,b:9092", true},
		{"", false},
		{"   ", false},
		{"kafka", false},
		{"a:9092,kafka", false},
	} {
		err := kclient.Config{Bootstrap: tc.bootstrap}.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("Validate(%q) = %v, want ok=%v", tc.bootstrap, err, tc.ok)
		}
		if strings.TrimSpace(tc.bootstrap) == "" && !errors.Is(err, kclient.ErrNoBootstrap) {
			t.Errorf("Validate(%q) = %v, want ErrNoBootstrap", tc.bootstrap, err)
		}
		if !tc.ok && tc.bootstrap != "" && strings.TrimSpace(tc.bootstrap) != "" && !strings.Contains(err.Error(), "kafka") {
			t.Errorf("Validate(%q) = %v, want the bad server named", tc.bootstrap, err)
		}
	}
}

func get(t *testing.T, m *kafka.ConfigMap, key string) any {
	t.Helper()
	v, err := m.Get(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestConfigBuilders(t *testing.T) {
	kc := kclient.Config{Bootstrap: "b:9092", Extra: map[string]string{"security.protocol": "SASL_SSL", "linger.ms": "20"}}
	checks := []struct {
		name string
		m    *kafka.ConfigMap
		want map[string]any
	}{
		{"producer", kc.Producer("restproxy"), map[string]any{
			"client.id": "retailpulse-restproxy", "acks": "all", "enable.idempotence": true,
			"security.protocol": "SASL_SSL", "linger.ms": "20", // Extra wins over defaults
		}},
		{"transactional", kc.TransactionalProducer("aggregator", "agg-0"), map[string]any{
			"transactional.id": "agg-0", "enable.idempotence": true, "acks": "all", "security.protocol": "SASL_SSL",
		}},
		{"consumer", kc.Consumer("connect", "connect-redis"), map[string]any{
			"group.id": "connect-redis", "enable.auto.commit": false, "enable.auto.offset.store": false,
			"isolation.level": "read_committed", "fetch.queue.backoff.ms": 10, "security.protocol": "SASL_SSL",
		}},
		{"admin", kc.Admin("topics"), map[string]any{
			"client.id": "retailpulse-topics-admin", "bootstrap.servers": "b:9092", "security.protocol": "SASL_SSL",
		}},
	}
	for _, c := range checks {
		for k, want := range c.want {
			if got := get(t, c.m, k); got != want {
				t.Errorf("%s config %s = %v (%T), want %v (%T)", c.name, k, got, got, want, want)
			}
		}
	}
	// The builders must not share maps: tuning one client leaves others alone.
	a, b := kc.Producer("x"), kc.Producer("x")
	(*a)["acks"] = "1"
	if get(t, b, "acks") != "all" {
		t.Error("Producer configs share state")
	}
}
