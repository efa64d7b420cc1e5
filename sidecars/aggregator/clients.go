package aggregator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// transactionalID is per instance, not per partition: with the group
// metadata sent along with offsets (KIP-447) the broker fences a zombie's
// offset commits by group generation, and the stable id lets a restarted
// instance abort its predecessor's open transaction at once.
func (c *config) transactionalID() string { return c.group + "-" + c.instanceID }

// open creates the clients. The producer comes first: InitTransactions
// fences a predecessor with the same instance id and aborts its open
// transaction, so the group offsets are stable by the time partitions are
// assigned and restored.
func (g *gen) open(ctx context.Context, inputPartitions int) error {
	cfg := &g.a.cfg
	pc := cfg.kafka.TransactionalProducer("aggregator", cfg.transactionalID())
	// CommitTransaction reports failed deliveries; per-record reports would
	// only cost a Go event each.
	(*pc)["go.delivery.reports"] = false
	// Java clients' partitioner, so output keys land where Kafka Streams or
	// Connect would put them.
	(*pc)["partitioner"] = "murmur2_random"
	(*pc)["transaction.timeout.ms"] = int(cfg.txnTimeout.Milliseconds())
	p, err := kafka.NewProducer(pc)
	if err != nil {
		return fmt.Errorf("creating transactional producer: %w", err)
	}
	g.producer = p
	ictx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := g.producer.InitTransactions(ictx); err != nil {
		return fmt.Errorf("initialising transactions as %q: %w", cfg.transactionalID(), classify(err))
	}

	rc := cfg.kafka.Consumer("aggregator-restore", cfg.group+"-restore")
	(*rc)["enable.partition.eof"] = true
	(*rc)["fetch.wait.max.ms"] = 50
	if g.restorer, err = kafka.NewConsumer(rc); err != nil {
		return fmt.Errorf("creating restore consumer: %w", err)
	}
	// A first metadata request connects the restore consumer, so the first
	// restore does not wait for it.
	if _, err := g.restorer.GetMetadata(&cfg.topics.Changelog, false, 10000); err != nil {
		return fmt.Errorf("reading changelog metadata: %w", err)
	}

	cc := cfg.kafka.Consumer("aggregator", cfg.group)
	if cfg.static {
		(*cc)["group.instance.id"] = cfg.instanceID
	}
	for k, v := range cfg.consumerProps {
		(*cc)[k] = v
	}
	if g.consumer, err = kafka.NewConsumer(cc); err != nil {
		return fmt.Errorf("creating consumer: %w", err)
	}
	g.coop = g.consumer.GetRebalanceProtocol() != "EAGER"
	if err := g.consumer.Subscribe(cfg.topics.Input, g.onRebalance); err != nil {
		return fmt.Errorf("subscribing to %s: %w", cfg.topics.Input, err)
	}
	g.log.Info("aggregator clients started", ctxFields(cfg, inputPartitions)...)
	return nil
}

// close tears the clients down. Closing the consumer revokes what is still
// assigned (the loop has committed or aborted by then), stopping the tasks.
// The generation's context goes first, so a task stuck on the registry
// gives up at once.
func (g *gen) close() error {
	g.closing = true
	g.cancel()
	var errs []error
	switch {
	case g.consumer == nil:
	case g.consumerFatal:
		g.log.Error("abandoning a consumer that raised a fatal error; its resources are not released")
	default:
		if err := g.consumer.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing consumer: %w", err))
		}
	}
	for p, t := range g.tasks {
		t.stop()
		delete(g.tasks, p)
	}
	if g.inTxn {
		// Only the abort's own failure is news here.
		errs = append(errs, g.abort(nil))
	}
	if g.restorer != nil {
		_ = g.restorer.Close()
	}
	if g.producer != nil {
		g.producer.Close()
	}
	return errors.Join(errs...)
}
