package kclient

import (
	"fmt"
	"strings"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Config is what every component knows about the cluster it talks to.
type Config struct {
	// Bootstrap is the comma-separated bootstrap.servers list.
	Bootstrap string
	// ClientID prefixes every client.id; the role is appended (retailpulse-restproxy).
	ClientID string
	// Extra holds librdkafka properties applied to every client, typically
	// security.protocol and sasl.* for a managed cluster. They override the
	// defaults here, so an operator can always tune a client.
	Extra map[string]string
}

// Validate reports configuration errors before any client is built.
func (c Config) Validate() error {
	if strings.TrimSpace(c.Bootstrap) == "" {
		return ErrNoBootstrap
	}
	for _, hp := range strings.Split(c.Bootstrap, ",") {
		if !strings.Contains(hp, ":") {
			return fmt.Errorf("validating bootstrap server %q: want host:port", hp)
		}
	}
	return nil
}

func (c Config) base(role string) kafka.ConfigMap {
	id := c.ClientID
	if id == "" {
		id = "retailpulse"
	}
	m := kafka.ConfigMap{
		"bootstrap.servers": c.Bootstrap,
		"client.id":         id + "-" + role,
		// Connection closes by idle brokers are routine; logging them is noise.
		"log.connection.close":               false,
		"topic.metadata.refresh.interval.ms": 30000,
		// KIP-714 client telemetry has no collector here; skip the handshake.
		"enable.metrics.push": false,
	}
	return m
}

func (c Config) finish(m kafka.ConfigMap) *kafka.ConfigMap {
	for k, v := range c.Extra {
		m[k] = v
	}
	return &m
}

// Producer returns an idempotent producer config: every acknowledged record is
// on all in-sync replicas, exactly once per partition, in order.
func (c Config) Producer(role string) *kafka.ConfigMap {
	m := c.base(role)
	m["acks"] = "all"
	m["enable.idempotence"] = true
	m["linger.ms"] = 5
	m["compression.type"] = "lz4"
	return c.finish(m)
}

// TransactionalProducer returns a producer config for exactly-once
// read-process-write loops. txnID must be stable per input partition set so a
// restarted instance fences its zombie predecessor.
func (c Config) TransactionalProducer(role, txnID string) *kafka.ConfigMap {
	m := *c.Producer(role)
	m["transactional.id"] = txnID
	m["transaction.timeout.ms"] = 60000
	return c.finish(m)
}

// Consumer returns a consumer config for group. Offsets are committed by the
// component after it has processed records (never auto-committed), and only
// committed transactional data is read.
func (c Config) Consumer(role, group string) *kafka.ConfigMap {
	m := c.base(role)
	m["group.id"] = group
	m["enable.auto.commit"] = false
	m["enable.auto.offset.store"] = false
	m["auto.offset.reset"] = "earliest"
	m["isolation.level"] = "read_committed"
	m["partition.assignment.strategy"] = "cooperative-sticky"
	// librdkafka's default 1 s backoff once its fetch queue holds 100k messages
	// stalls consumers that read faster than they process; keep it short.
	m["fetch.queue.backoff.ms"] = 10
	m["go.application.rebalance.enable"] = false
	return c.finish(m)
}

// Admin returns an admin client config.
func (c Config) Admin(role string) *kafka.ConfigMap {
	m := c.base(role + "-admin")
	return c.finish(m)
}
