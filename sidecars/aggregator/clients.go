package aggregator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// transactionalID is per instance, not per partition: with the group
// metadata sent along with offsets (KIP-447) the broker fences a zombie's
// offset commits by group generation, and the stable id lets a restarted
// instance abort its predecessor's open transaction at once.
func (c *config) transactionalID() string { return c.group + "-" + c.instanceID }

// open creates the clients. The producer id comes first: initialising it
// fences a predecessor with the same transactional id and aborts its open
// transaction, so the group offsets are stable by the time partitions are
// assigned and restored. Only then does the client subscribe and join.
func (g *gen) open(ctx context.Context, inputPartitions int) error {
	cfg := &g.a.cfg
	rc := cfg.kafka.Consumer("aggregator-restore", cfg.group+"-restore")
	(*rc)["enable.partition.eof"] = true
	(*rc)["fetch.wait.max.ms"] = 50
	var err error
	if g.restorer, err = kafka.NewConsumer(rc); err != nil {
		return fmt.Errorf("creating restore consumer: %w", err)
	}
	// A first metadata request connects the restore consumer, so the first
	// restore does not wait for it.
	if _, err := g.restorer.GetMetadata(&cfg.topics.Changelog, false, 10000); err != nil {
		return fmt.Errorf("reading changelog metadata: %w", err)
	}

	opts, err := cfg.clientOpts(g.log)
	if err != nil {
		return err
	}
	opts = append(opts,
		kgo.AdjustFetchOffsetsFn(g.adjustOffsets),
		kgo.OnPartitionsRevoked(g.onRevoked),
		kgo.OnPartitionsLost(g.onLost),
		kgo.WithHooks(groupErrorHook{g}),
	)
	if g.cl, err = kgo.NewClient(opts...); err != nil {
		return fmt.Errorf("creating kafka client: %w", err)
	}
	ictx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, _, err := g.cl.ProducerID(ictx); err != nil {
		return fmt.Errorf("initialising transactions as %q: %w", cfg.transactionalID(), classify(err))
	}
	if g.inputID, err = g.topicID(ictx, cfg.topics.Input); err != nil {
		return err
	}
	g.cl.AddConsumeTopics(cfg.topics.Input)
	g.log.Info("aggregator clients started", ctxFields(cfg, inputPartitions)...)
	return nil
}

// groupErrorHook fails the generation with the group management error kgo
// gives up on, so being fenced as a static member ends Run with ErrFenced
// rather than a restart that would fence the newer instance back.
type groupErrorHook struct{ g *gen }

func (h groupErrorHook) OnGroupManageError(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	h.g.fail(fmt.Errorf("managing group membership: %w", classify(err)))
}

// close tears the clients down. The loop has committed or aborted by then;
// closing the client revokes what is still assigned, stopping the tasks.
// The generation's context is cancelled before that, so a task stuck on
// the registry gives up at once.
func (g *gen) close() error {
	var errs []error
	g.mu.Lock()
	if g.inTxn {
		// Only the abort's own failure is news here.
		errs = append(errs, g.abort(nil))
	}
	g.closing = true
	g.mu.Unlock()
	g.cancel()
	if g.cl != nil {
		// The revocation callback sees closing and only stops tasks.
		g.cl.CloseAllowingRebalance()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for p, t := range g.tasks {
		t.stop()
		delete(g.tasks, p)
	}
	if g.restorer != nil {
		_ = g.restorer.Close()
	}
	return errors.Join(errs...)
}
