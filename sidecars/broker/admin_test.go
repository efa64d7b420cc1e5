package broker_test

import (
	"slices"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/sidecars/broker"
)

// timedTopic creates topic with two partitions: partition 0 holds n records
// one second apart from base; partition 1 holds records whose timestamps go
// back in time, so "max timestamp" and "first offset at or after t" differ
// from "latest".
func timedTopic(t *testing.T, b *broker.Broker, topic string, base time.Time, n int) {
	t.Helper()
	createTopic(t, newAdmin(t, b), topic, 2, map[string]string{"retention.ms": "86400000"})
	var msgs []*kafka.Message
	for i := 0; i < n; i++ {
		m := keyed(topic, 0, "k", "v")
		m.Timestamp = base.Add(time.Duration(i) * time.Second)
		msgs = append(msgs, m)
	}
	for _, d := range []time.Duration{0, 5 * time.Second, time.Second, 2 * time.Second} {
		m := keyed(topic, 1, "k", "v")
		m.Timestamp = base.Add(d)
		msgs = append(msgs, m)
	}
	// One produce call: the records share batches, so the broker must search
	// inside a batch, not just compare batch timestamps.
	produceAll(t, newProducer(t, clientConfig(b).Producer("test")), msgs)
}

type timeCase struct {
	partition int32
	at        time.Duration // after base
	want      kafka.Offset
}

func timeCases(n int) []timeCase {
	last := time.Duration(n-1) * time.Second
	return []timeCase{
		{0, -time.Second, 0},
		{0, 0, 0},
		{0, 2500 * time.Millisecond, 3},
		{0, last, kafka.Offset(n - 1)},
		{0, last + time.Millisecond, kafka.OffsetEnd}, // nothing that late: -1
		{1, 1500 * time.Millisecond, 1},               // first offset with ts >= t, not the closest ts
		{1, 5001 * time.Millisecond, kafka.OffsetEnd},
	}
}

func TestOffsetsForTimes(t *testing.T) {
	const topic, n = "user-events", 20
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	b := startBroker(t)
	timedTopic(t, b, topic, base, n)
	c := newConsumer(t, clientConfig(b).Consumer("kafdrop", "kafdrop"))
	tp := topic
	for _, tc := range timeCases(n) {
		q := []kafka.TopicPartition{{Topic: &tp, Partition: tc.partition,
			Offset: kafka.Offset(base.Add(tc.at).UnixMilli())}}
		got, err := c.OffsetsForTimes(q, int(opTimeout.Milliseconds()))
		if err != nil {
			t.Fatalf("offsets for times: %v", err)
		}
		if got[0].Error != nil || got[0].Offset != tc.want {
			t.Errorf("partition %d at base%+v: got offset %v (err %v), want %v",
				tc.partition, tc.at, got[0].Offset, got[0].Error, tc.want)
		}
	}
}

func TestAdminListOffsets(t *testing.T) {
	const topic, n = "user-events", 20
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	b := startBroker(t)
	timedTopic(t, b, topic, base, n)
	admin := newAdmin(t, b)
	tp := topic
	list := func(part int32, spec kafka.OffsetSpec) kafka.ListOffsetsResultInfo {
		t.Helper()
		res, err := admin.ListOffsets(ctxFor(t, opTimeout),
			map[kafka.TopicPartition]kafka.OffsetSpec{{Topic: &tp, Partition: part}: spec})
		if err != nil {
			t.Fatalf("listing offsets: %v", err)
		}
		for k, info := range res.ResultInfos {
			if *k.Topic == topic && k.Partition == part {
				return info
			}
		}
		t.Fatalf("listing offsets: no result for partition %d in %v", part, res)
		return kafka.ListOffsetsResultInfo{}
	}
	for _, tc := range timeCases(n) {
		info := list(tc.partition, kafka.NewOffsetSpecForTimestamp(base.Add(tc.at).UnixMilli()))
		if info.Error.Code() != kafka.ErrNoError || info.Offset != tc.want {
			t.Errorf("partition %d at base%+v: got %v (err %v), want %v", tc.partition, tc.at, info.Offset, info.Error, tc.want)
		}
	}
	checks := []struct {
		name      string
		partition int32
		spec      kafka.OffsetSpec
		want      kafka.Offset
		wantTS    time.Time // zero: not checked
	}{
		{"earliest", 0, kafka.EarliestOffsetSpec, 0, time.Time{}},
		{"latest", 0, kafka.LatestOffsetSpec, n, time.Time{}},
		{"max timestamp p0", 0, kafka.MaxTimestampOffsetSpec, n - 1, base.Add((n - 1) * time.Second)},
		{"max timestamp p1", 1, kafka.MaxTimestampOffsetSpec, 1, base.Add(5 * time.Second)},
	}
	for _, c := range checks {
		info := list(c.partition, c.spec)
		if info.Error.Code() != kafka.ErrNoError || info.Offset != c.want {
			t.Errorf("%s: got offset %v (err %v), want %v", c.name, info.Offset, info.Error, c.want)
		}
		if !c.wantTS.IsZero() && info.Timestamp != c.wantTS.UnixMilli() {
			t.Errorf("%s: got timestamp %d, want %d", c.name, info.Timestamp, c.wantTS.UnixMilli())
		}
	}
}

// The admin calls Kafdrop's topic and consumer pages make.
func TestKafdropAdminCalls(t *testing.T) {
	const topic, n = "user-events", 20
	b := startBroker(t)
	timedTopic(t, b, topic, time.Now().Add(-time.Minute), n)
	admin := newAdmin(t, b)
	ctx := ctxFor(t, opTimeout)

	md, err := admin.GetMetadata(nil, true, int(opTimeout.Milliseconds()))
	if err != nil {
		t.Fatalf("reading metadata: %v", err)
	}
	tm, ok := md.Topics[topic]
	if !ok || tm.Error.Code() != kafka.ErrNoError || len(tm.Partitions) != 2 {
		t.Fatalf("metadata of %s = %+v", topic, tm)
	}
	for _, p := range tm.Partitions {
		if p.Leader != md.Brokers[0].ID || !slices.Equal(p.Replicas, []int32{p.Leader}) || !slices.Equal(p.Isrs, []int32{p.Leader}) {
			t.Errorf("partition %+v: want leader, replicas and ISR = broker %d", p, md.Brokers[0].ID)
		}
	}

	// An active group that committed everything, and an inactive one
	// (manual assignment, as tools do) that committed one partition.
	kc := clientConfig(b)
	viewer := newConsumer(t, kc.Consumer("viewer", "viewers"))
	if err := viewer.Subscribe(topic, nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range consumeN(t, viewer, n+4) {
		if _, err := viewer.StoreMessage(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := viewer.Commit(); err != nil {
		t.Fatalf("committing: %v", err)
	}
	tool := newConsumer(t, kc.Consumer("tool", "tools"))
	tp := topic
	if _, err := tool.CommitOffsets([]kafka.TopicPartition{{Topic: &tp, Partition: 0, Offset: 7}}); err != nil {
		t.Fatalf("committing without membership: %v", err)
	}

	groups, err := admin.ListConsumerGroups(ctx)
	if err != nil || len(groups.Errors) > 0 {
		t.Fatalf("listing groups: %v %v", err, groups.Errors)
	}
	states := map[string]kafka.ConsumerGroupState{}
	for _, g := range groups.Valid {
		states[g.GroupID] = g.State
	}
	if states["viewers"] != kafka.ConsumerGroupStateStable || states["tools"] != kafka.ConsumerGroupStateEmpty {
		t.Errorf("group states = %v, want viewers Stable and tools Empty", states)
	}

	desc, err := admin.DescribeConsumerGroups(ctx, []string{"viewers", "tools"})
	if err != nil {
		t.Fatalf("describing groups: %v", err)
	}
	for _, d := range desc.ConsumerGroupDescriptions {
		if d.Error.Code() != kafka.ErrNoError {
			t.Fatalf("describing group %s: %v", d.GroupID, d.Error)
		}
		switch d.GroupID {
		case "viewers":
			if d.State != kafka.ConsumerGroupStateStable || len(d.Members) != 1 || d.PartitionAssignor != "cooperative-sticky" {
				t.Fatalf("viewers = %+v, want Stable, one member, cooperative-sticky", d)
			}
			m := d.Members[0]
			if m.ClientID != "broker-test-viewer" || len(m.Assignment.TopicPartitions) != 2 {
				t.Errorf("viewers member = %+v, want client broker-test-viewer owning both partitions", m)
			}
		case "tools":
			if d.State != kafka.ConsumerGroupStateEmpty || len(d.Members) != 0 {
				t.Errorf("tools = %+v, want Empty without members", d)
			}
		}
	}

	offsets, err := admin.ListConsumerGroupOffsets(ctx, []kafka.ConsumerGroupTopicPartitions{{Group: "viewers"}})
	if err != nil {
		t.Fatalf("listing group offsets: %v", err)
	}
	got := map[int32]kafka.Offset{}
	for _, tp := range offsets.ConsumerGroupsTopicPartitions[0].Partitions {
		got[tp.Partition] = tp.Offset
	}
	if len(got) != 2 || got[0] != n || got[1] != 4 {
		t.Errorf("viewers offsets = %v, want map[0:%d 1:4]", got, n)
	}
	if c := committed(t, admin, "tools", topic, 2); c[0] != 7 || c[1] != int64(kafka.OffsetInvalid) {
		t.Errorf("tools offsets = %v, want 7 on partition 0 and none on 1", c)
	}

	cfgs, err := admin.DescribeConfigs(ctx, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: topic}})
	if err != nil || cfgs[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("describing topic config: %v %v", err, cfgs)
	}
	if e := cfgs[0].Config["retention.ms"]; e.Value != "86400000" || e.Source != kafka.ConfigSourceDynamicTopic {
		t.Errorf("retention.ms = %+v, want 86400000 set on the topic", e)
	}
	if e := cfgs[0].Config["cleanup.policy"]; e.Value != "delete" || !e.IsDefault {
		t.Errorf("cleanup.policy = %+v, want the default delete", e)
	}
}
