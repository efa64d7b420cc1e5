package aggregator_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/aggregator"
)

// With idle advance, a window of a partition that receives nothing more
// still closes on time: its record is visible within grace plus about a
// second of the window's end, as with live storefront traffic that stops.
func TestIdleAdvanceClosesQuietWindows(t *testing.T) {
	if isHelper() {
		t.Skip("helper process")
	}
	e := newEnv(t)
	const (
		size  = 2 * time.Second
		grace = 500 * time.Millisecond
	)
	a, err := aggregator.New(append(testOptions(e.broker.Addr(), e.client, "idle"),
		aggregator.WithWindowSize(size), aggregator.WithGrace(grace), aggregator.WithIdleAdvance(300*time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	c := e.outputConsumer(t, topics.RecommendationInput)
	// Wait for the aggregator to own its partitions, then send two events
	// of one user into the current window and nothing after them.
	e.waitMembers(t, 1)
	now := time.Now()
	e.produceLog(t, []record{
		{key: "quiet", ev: &avro.UserEvent{EventID: eventID(1), EventType: avro.EventProductView, UserID: "quiet", SessionID: "q", EventTime: now, Attributes: map[string]string{}}},
		{key: "quiet", ev: &avro.UserEvent{EventID: eventID(2), EventType: avro.EventClick, UserID: "quiet", SessionID: "q", EventTime: now.Add(10 * time.Millisecond), Attributes: map[string]string{}}},
	})
	windowEnd := now.Truncate(size).Add(size)
	if now.Add(10 * time.Millisecond).After(windowEnd) {
		windowEnd = windowEnd.Add(size) // the second event fell into the next window
	}
	des, _ := serde.NewDeserializer(e.client)
	deadline := time.Now().Add(windowEnd.Sub(time.Now()) + grace + 5*time.Second)
	for time.Now().Before(deadline) {
		m, ok := c.Poll(100).(*kafka.Message)
		if !ok {
			continue
		}
		arrived := time.Now()
		var agg avro.BehaviorAggregate
		if err := des.Deserialize(ctx, topics.RecommendationInput, m.Value, &agg); err != nil {
			t.Fatal(err)
		}
		if agg.UserID != "quiet" || agg.ProductViews+agg.Clicks == 0 {
			t.Fatalf("unexpected aggregate %+v", agg)
		}
		closeAt := agg.WindowEnd.Add(grace)
		if late := arrived.Sub(closeAt); late > time.Second+500*time.Millisecond {
			t.Errorf("aggregate of window ending %s visible %s after the window closed, want about a second at most", agg.WindowEnd.Format(time.StampMilli), late)
		}
		t.Logf("window [%s, %s) visible %s after close", agg.WindowStart.Format(time.StampMilli), agg.WindowEnd.Format(time.StampMilli), arrived.Sub(closeAt).Round(time.Millisecond))
		return
	}
	t.Fatal("no aggregate for the quiet partition: idle advance did not close its window")
}

// outputConsumer reads topic from the start under read_committed.
func (e *env) outputConsumer(t *testing.T, topic string) *kafka.Consumer {
	t.Helper()
	c, err := kafka.NewConsumer(e.kafka.Consumer("watch", fmt.Sprint("watch-", time.Now().UnixNano())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	var tps []kafka.TopicPartition
	for p := int32(0); p < numPartitions; p++ {
		tps = append(tps, kafka.TopicPartition{Topic: &topic, Partition: p, Offset: kafka.OffsetBeginning})
	}
	if err := c.Assign(tps); err != nil {
		t.Fatal(err)
	}
	return c
}
