package hbase_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/builtin"
	"github.com/retailpulse/retailpulse/connectors/hbase"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/sidecars/broker"
	"github.com/retailpulse/retailpulse/sidecars/connect"
)

// TestEndToEndThroughTheWorker runs the sink in the Connect worker on the
// embedded broker: Avro profile updates produced to profile-updates reach
// HBase through the REST-registered connector (with its ReplaceField
// transform and dead letter queue), and a second connector replaying the
// topic from the start (a new consumer group) leaves every counter as it
// was.
func TestEndToEndThroughTheWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker and a worker")
	}
	e := newEnv(t)
	e.createProfileTable()
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	kc := kclient.Config{Bootstrap: b.Addr(), ClientID: "hbase-e2e"}
	admin, err := kafka.NewAdminClient(kc.Admin("test"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The dead letter queue is left for the worker to create.
	if _, err := kclient.EnsureTopics(ctx, admin, []kclient.TopicSpec{{Name: topics.ProfileUpdates, Partitions: 3}}); err != nil {
		t.Fatal(err)
	}
	w := startWorker(t, kc)

	updates := workload(150, 15, base)
	want := totals{}
	for _, pu := range updates {
		want.add(pu)
	}
	produceUpdates(t, e, kc, updates)

	first := hbase.ProfileConfig("hbase-profiles", zkAddr, e.srv.ZnodeParent(), e.reg.URL())
	first[hbase.RetryTimeoutConfig] = "5000"
	postConnector(t, w.URL(), first)
	waitFor(t, "profiles written", func() error { return totalsMatch(e, want) })
	waitFor(t, "bad records in the dead letter queue", func() error { return endOffsetAtLeast(admin, hbase.ProfileDLQTopic, 2) })
	stages := dlqStages(t, kc)
	if !stages["VALUE_CONVERTER"] || !stages["TASK_PUT"] {
		t.Fatalf("dead letter queue stages %v: want the converter's reject and the sink's", stages)
	}
	waitFor(t, "first connector caught up", func() error { return caughtUp(ctx, admin, "connect-hbase-profiles") })
	increments := e.srv.Requests("Mutate")

	replay := hbase.ProfileConfig("hbase-profiles-replay", zkAddr, e.srv.ZnodeParent(), e.reg.URL())
	replay[hbase.RetryTimeoutConfig] = "5000"
	postConnector(t, w.URL(), replay)
	waitFor(t, "replay caught up", func() error { return caughtUp(ctx, admin, "connect-hbase-profiles-replay") })
	e.checkTotals(want)
	if n := e.srv.Requests("Mutate") - increments; n != 0 {
		t.Fatalf("the replay sent %d increments", n)
	}
	row, _ := e.srv.Row(hbase.ProfileTable, string(hbase.ProfileRowKey("user-0003")))
	if _, ok := row[hbase.FamilyProfile]["user_id"]; ok {
		t.Fatal("the ReplaceField transform should have dropped user_id")
	}
	if len(row[hbase.FamilyProfile]["window_end"]) != 8 || len(row[hbase.FamilyProfile]["last_seen"]) != 8 {
		t.Fatalf("profile attributes: %v", row[hbase.FamilyProfile])
	}
}

func startWorker(t *testing.T, kc kclient.Config) *connect.Worker {
	t.Helper()
	reg, err := builtin.Registry()
	if err == nil {
		if _, lerr := reg.Lookup(hbase.SinkClass); lerr != nil {
			reg, err = builtin.Registry(hbase.Plugin())
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	w, err := connect.New(connect.WithKafka(kc), connect.WithListenAddr("127.0.0.1:0"), connect.WithPlugins(reg),
		connect.WithOffsetFlushInterval(200*time.Millisecond), connect.WithHeartbeat(200*time.Millisecond, 2*time.Second),
		connect.WithRequestTimeout(20*time.Second), connect.WithShutdownTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer scancel()
		_ = w.Stop(sctx)
	})
	waitFor(t, "worker ready", func() error { return w.Ready(ctx) })
	return w
}

// produceUpdates writes the updates keyed by user id, then a record that
// is not Avro (the converter rejects it) and one without a key (the sink
// rejects it): both must end in the DLQ.
func produceUpdates(t *testing.T, e *env, kc kclient.Config, updates []*avro.ProfileUpdate) {
	t.Helper()
	p, err := kafka.NewProducer(kc.Producer("test"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dc := make(chan kafka.Event, len(updates)+2)
	topic := topics.ProfileUpdates
	send := func(key, value []byte) {
		if err := p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Key: key, Value: value}, dc); err != nil {
			t.Fatal(err)
		}
	}
	for _, pu := range updates {
		v, err := e.ser.Serialize(context.Background(), topic, pu)
		if err != nil {
			t.Fatal(err)
		}
		send([]byte(pu.UserID), v)
	}
	send([]byte("poison"), []byte("not avro"))
	noKey := *updates[0]
	noKey.UserID = ""
	v, err := e.ser.Serialize(context.Background(), topic, &noKey)
	if err != nil {
		t.Fatal(err)
	}
	send(nil, v) // converts, but has no row key: the sink rejects it
	for range len(updates) + 2 {
		select {
		case ev := <-dc:
			if m, ok := ev.(*kafka.Message); ok && m.TopicPartition.Error != nil {
				t.Fatal(m.TopicPartition.Error)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("delivery timed out")
		}
	}
}

func postConnector(t *testing.T, url string, cfg map[string]string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": cfg[connectors.NameConfig], "config": cfg})
	resp, err := http.Post(url+"/connectors", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating connector: %d %s", resp.StatusCode, msg)
	}
}

func totalsMatch(e *env, want totals) error {
	for user, m := range want {
		for qual, n := range m {
			if got := e.counter(user, qual); got != n {
				return fmt.Errorf("%s %s = %d, want %d", user, qual, got, n)
			}
		}
	}
	return nil
}

func endOffsetAtLeast(admin *kafka.AdminClient, topic string, n int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := admin.ListOffsets(ctx, map[kafka.TopicPartition]kafka.OffsetSpec{
		{Topic: &topic, Partition: 0}: kafka.LatestOffsetSpec}, kafka.SetAdminIsolationLevel(kafka.IsolationLevelReadCommitted))
	if err != nil {
		return err
	}
	for _, info := range res.ResultInfos {
		if int64(info.Offset) >= n {
			return nil
		}
	}
	return fmt.Errorf("%s has fewer than %d records", topic, n)
}

func caughtUp(ctx context.Context, admin *kafka.AdminClient, group string) error {
	lags, err := kclient.GroupLag(ctx, admin, group, []string{topics.ProfileUpdates})
	if err != nil {
		return err
	}
	for _, l := range lags {
		if l.Lag > 0 {
			return fmt.Errorf("%s lags on %s[%d]: committed %d, end %d", group, l.Topic, l.Partition, l.Committed, l.End)
		}
	}
	return nil
}

func waitFor(t *testing.T, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		if err = fn(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: %v", what, err)
}

// dlqStages reads the dead letter queue and returns the failing stages its
// records name in the __connect.errors.stage header.
func dlqStages(t *testing.T, kc kclient.Config) map[string]bool {
	t.Helper()
	c, err := kafka.NewConsumer(kc.Consumer("test", "dlq-reader"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	topic := hbase.ProfileDLQTopic
	if err := c.Assign([]kafka.TopicPartition{{Topic: &topic, Partition: 0, Offset: kafka.OffsetBeginning}}); err != nil {
		t.Fatal(err)
	}
	stages := map[string]bool{}
	deadline := time.Now().Add(15 * time.Second)
	for len(stages) < 2 && time.Now().Before(deadline) {
		ev := c.Poll(100)
		m, ok := ev.(*kafka.Message)
		if !ok {
			continue
		}
		for _, h := range m.Headers {
			if h.Key == "__connect.errors.stage" {
				stages[string(h.Value)] = true
			}
		}
	}
	return stages
}
