package aggregator_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/sidecars/aggregator"
)

// An aggregator killed with SIGKILL twice while events stream in, each time
// with a transaction open on the broker, and restarted with the same
// instance id, ends with exactly the records of an uninterrupted run:
// nothing lost, nothing twice, under read_committed. The restarted instance
// fences its dead predecessor (aborting that transaction) and restores its
// partitions from the changelog.
func TestKill9MidStreamIsExactlyOnce(t *testing.T) {
	if isHelper() {
		t.Skip("helper process")
	}
	e := newEnv(t)
	parts := testLog(t)
	x := refExpect(parts)
	all := interleave(parts)

	streamed := make(chan error, 1)
	go func() {
		for _, b := range chunks(all, 60) {
			if err := e.produce(b); err != nil {
				streamed <- err
				return
			}
			time.Sleep(30 * time.Millisecond)
		}
		streamed <- nil
	}()
	start := time.Now()
	c := startChild(t, e, "k")
	for _, frac := range []float64{0.3, 0.65} {
		e.waitCommitted(t, int64(frac*float64(len(all))))
		e.waitOpenTransaction(t)
		c.kill9(t)
		t.Logf("killed at %s with %.0f%% committed", time.Since(start).Round(time.Millisecond), frac*100)
		c = startChild(t, e, "k")
	}
	if err := <-streamed; err != nil {
		t.Fatalf("streaming input: %v", err)
	}
	t.Logf("input streamed at %s", time.Since(start).Round(time.Millisecond))
	e.waitCaughtUp(t, 60*time.Second)
	t.Logf("caught up at %s", time.Since(start).Round(time.Millisecond))
	c.stop(t)
	verify(t, x, e.readOutputs(t))
	if committed, all := e.countRecords(t, "read_committed"), e.countRecords(t, "read_uncommitted"); all <= committed {
		t.Errorf("read_uncommitted sees %d records, read_committed %d: no aborted work, so no kill hit an open transaction", all, committed)
	}
}

// Two aggregator processes share the partitions: the second joins midway
// (half the partitions move to it with their state), later leaves (they
// move back), and the totals are still exact.
func TestTwoInstancesShareTheLoad(t *testing.T) {
	if isHelper() {
		t.Skip("helper process")
	}
	e := newEnv(t)
	parts := testLog(t)
	x := refExpect(parts)
	batches := chunks(interleave(parts), 6)

	startChild(t, e, "a")
	e.produceLog(t, batches[0])
	e.produceLog(t, batches[1])
	e.waitCommitted(t, int64(len(batches[0])))

	b := startChild(t, e, "b")
	e.waitMembers(t, 2)
	e.produceLog(t, batches[2])
	e.produceLog(t, batches[3])
	e.waitCaughtUp(t, 60*time.Second)

	b.stop(t) // static member: its partitions go back to a after the session timeout
	e.produceLog(t, batches[4])
	e.produceLog(t, batches[5])
	e.waitCaughtUp(t, 60*time.Second)
	verify(t, x, e.readOutputs(t))
}

// waitMembers waits until the group has n members that each own
// partitions.
func (e *env) waitMembers(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(opTimeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		res, err := e.admin.DescribeConsumerGroups(ctx, []string{aggregator.DefaultGroup})
		cancel()
		if err == nil && len(res.ConsumerGroupDescriptions) == 1 {
			d := res.ConsumerGroupDescriptions[0]
			owning := 0
			for _, m := range d.Members {
				if len(m.Assignment.TopicPartitions) > 0 {
					owning++
				}
			}
			if owning == n && d.State == kafka.ConsumerGroupStateStable {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("group %s did not reach %d members owning partitions within %s", aggregator.DefaultGroup, n, opTimeout)
}

// outputTopics are the topics one aggregator transaction writes to.
var outputTopics = []string{"recommendation-input", "profile-updates", "session-features", "user-events-dlq", aggregator.DefaultChangelogTopic}

// waitOpenTransaction waits until some output partition's high watermark
// is above its last stable offset: a transaction has records on the broker
// and is not committed yet.
func (e *env) waitOpenTransaction(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(opTimeout)
	for time.Now().Before(deadline) {
		hw := e.ends(t, kafka.IsolationLevelReadUncommitted)
		lso := e.ends(t, kafka.IsolationLevelReadCommitted)
		for k, h := range hw {
			if h > lso[k] {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no open transaction seen within %s", opTimeout)
}

// waitNoOpenTransaction waits until every output partition's last stable
// offset has reached its high watermark.
func (e *env) waitNoOpenTransaction(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(opTimeout)
	for {
		hw, lso := e.ends(t, kafka.IsolationLevelReadUncommitted), e.ends(t, kafka.IsolationLevelReadCommitted)
		open := 0
		for k, h := range hw {
			if h > lso[k] {
				open++
			}
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d output partitions still have an open transaction after %s", open, opTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *env) ends(t testing.TB, level kafka.IsolationLevel) map[string]int64 {
	t.Helper()
	req := map[kafka.TopicPartition]kafka.OffsetSpec{}
	for i := range outputTopics {
		for p := int32(0); p < numPartitions; p++ {
			req[kafka.TopicPartition{Topic: &outputTopics[i], Partition: p}] = kafka.LatestOffsetSpec
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	res, err := e.admin.ListOffsets(ctx, req, kafka.SetAdminIsolationLevel(level))
	if err != nil {
		t.Fatalf("listing offsets: %v", err)
	}
	out := map[string]int64{}
	for tp, info := range res.ResultInfos {
		out[tp.String()] = int64(info.Offset)
	}
	return out
}

// countTopic counts the committed records of one topic.
func (e *env) countTopic(t *testing.T, topic string) int {
	t.Helper()
	return e.count(t, "read_committed", []string{topic})
}

// countRecords counts the data records (not transaction markers) on the
// output topics under an isolation level.
func (e *env) countRecords(t *testing.T, isolation string) int {
	t.Helper()
	return e.count(t, isolation, outputTopics)
}

func (e *env) count(t *testing.T, isolation string, topics []string) int {
	t.Helper()
	cc := e.kafka.Consumer("count", fmt.Sprintf("count-%d", time.Now().UnixNano()))
	(*cc)["enable.partition.eof"] = true
	(*cc)["isolation.level"] = isolation
	c, err := kafka.NewConsumer(cc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var tps []kafka.TopicPartition
	for i := range topics {
		for p := int32(0); p < numPartitions; p++ {
			tps = append(tps, kafka.TopicPartition{Topic: &topics[i], Partition: p, Offset: kafka.OffsetBeginning})
		}
	}
	if err := c.Assign(tps); err != nil {
		t.Fatal(err)
	}
	n, eofs := 0, map[string]bool{}
	deadline := time.Now().Add(opTimeout)
	for len(eofs) < len(tps) && time.Now().Before(deadline) {
		switch ev := c.Poll(100).(type) {
		case *kafka.Message:
			n++
		case kafka.PartitionEOF:
			eofs[fmt.Sprint(*ev.Topic, ev.Partition)] = true
		}
	}
	if len(eofs) < len(tps) {
		t.Fatalf("counting %s records: only %d of %d partitions read to the end", isolation, len(eofs), len(tps))
	}
	return n
}

// One of two aggregator processes is killed for good while events stream
// in, with a transaction open. Its partitions move to the survivor after
// the group session timeout (6 s), which restores and carries on; the dead
// transaction's outputs stay invisible to read_committed readers until the
// broker aborts it (its transaction timeout is 10 s here). Totals are still
// exact.
func TestSurvivorTakesOverFromDeadInstance(t *testing.T) {
	if isHelper() {
		t.Skip("helper process")
	}
	e := newEnv(t)
	parts := testLog(t)
	x := refExpect(parts)
	all := interleave(parts)

	startChild(t, e, "survivor")
	victim := startChild(t, e, "victim", helperTxnTimeoutEnv+"=10s")
	e.waitMembers(t, 2)
	streamed := make(chan error, 1)
	go func() {
		for _, b := range chunks(all, 40) {
			if err := e.produce(b); err != nil {
				streamed <- err
				return
			}
			time.Sleep(30 * time.Millisecond)
		}
		streamed <- nil
	}()
	e.waitCommitted(t, int64(len(all)/3))
	e.waitOpenTransaction(t)
	victim.kill9(t)
	if err := <-streamed; err != nil {
		t.Fatalf("streaming input: %v", err)
	}
	e.waitCaughtUp(t, 60*time.Second)
	verify(t, x, e.readOutputs(t))
}
