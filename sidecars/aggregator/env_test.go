package aggregator_test

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
	"github.com/retailpulse/retailpulse/schema-registry/server"
	"github.com/retailpulse/retailpulse/sidecars/aggregator"
	"github.com/retailpulse/retailpulse/sidecars/broker"
)

// opTimeout bounds one client call; generous because two loaded cores may
// be compiling other packages meanwhile.
const opTimeout = 30 * time.Second

// numPartitions of user-events in the tests, as the embedded default.
const numPartitions = 6

// env is a broker with the blueprint's topics and a schema registry: the
// real one (schema-registry/server, state in _schemas on the same broker),
// or serdetest's fake when RETAILPULSE_TEST_FAKE_REGISTRY is set.
type env struct {
	broker   *broker.Broker
	kafka    kclient.Config
	admin    *kafka.AdminClient
	registry string // base URL
	client   *serde.Client
	loader   *kafka.Producer
	ser      *serde.Serializer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	// session-features and the changelog are compacted; the tests check
	// every record the aggregator wrote, so compaction must not run
	// during them (the embedded default is every 15 s).
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"), broker.WithBrokerConfigs(map[string]string{"log.cleaner.backoff.ms": "3600000"}))
	if err != nil {
		t.Fatalf("creating broker: %v", err)
	}
	if err := b.Start(); err != nil {
		t.Fatalf("starting broker: %v", err)
	}
	t.Cleanup(b.Close)
	e := &env{broker: b, kafka: kclient.Config{Bootstrap: b.Addr(), ClientID: "aggregator-test"}}
	if e.admin, err = kafka.NewAdminClient(e.kafka.Admin("test")); err != nil {
		t.Fatalf("creating admin client: %v", err)
	}
	t.Cleanup(e.admin.Close)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if _, err := kclient.EnsureTopics(ctx, e.admin, topics.Blueprint(topics.Layout{Partitions: numPartitions})); err != nil {
		t.Fatalf("creating topics: %v", err)
	}
	e.registry = startRegistry(t, e.kafka)
	if e.client, err = serde.NewClient(e.registry); err != nil {
		t.Fatalf("creating registry client: %v", err)
	}
	if e.loader, err = kafka.NewProducer(e.kafka.Producer("test-loader")); err != nil {
		t.Fatalf("creating producer: %v", err)
	}
	t.Cleanup(e.loader.Close)
	in, _ := avro.ByName(avro.NameUserEvent)
	if e.ser, err = serde.NewSerializer(e.client, serde.WithSchema(in.Text)); err != nil {
		t.Fatal(err)
	}
	return e
}

// testOptions are what every aggregator under test uses: a short group
// session so a stopped static member's partitions move within seconds, and
// a short commit interval so kills land mid-stream, and a short
// transaction timeout so a dead instance blocks its partitions briefly.
func testOptions(bootstrap string, reg serde.Registry, instance string) []aggregator.Option {
	return []aggregator.Option{
		aggregator.WithKafka(kclient.Config{Bootstrap: bootstrap, ClientID: "aggregator-test"}),
		aggregator.WithRegistry(reg),
		aggregator.WithInstanceID(instance),
		aggregator.WithCommitInterval(50 * time.Millisecond),
		aggregator.WithTransactionTimeout(5 * time.Second),
		aggregator.WithConsumerProperties(map[string]string{"session.timeout.ms": "6000", "heartbeat.interval.ms": "500"}),
	}
}

// partitionOf spreads users over partitions with a hash of our own: the
// aggregator does not care how input is partitioned, only that a user stays
// on one partition.
func partitionOf(user string) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(user))
	return int32(h.Sum32() % numPartitions)
}

// produceLog writes records to user-events in order, each to its user's
// partition, and waits for every delivery.
func (e *env) produceLog(t testing.TB, recs []record) {
	t.Helper()
	if err := e.produce(recs); err != nil {
		t.Fatal(err)
	}
}

// produce is produceLog for goroutines other than the test's. Calls must
// not overlap.
func (e *env) produce(recs []record) error {
	p, ser := e.loader, e.ser
	var err error
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	topic := topics.UserEvents
	reports := make(chan kafka.Event, len(recs))
	for i, r := range recs {
		value := r.raw
		if r.ev != nil {
			if value, err = ser.Serialize(ctx, topic, r.ev); err != nil {
				return fmt.Errorf("serializing record %d (%s): %w", i, r.label, err)
			}
		}
		msg := &kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: partitionOf(r.key)},
			Key:            []byte(r.key), Value: value,
		}
		for {
			err := p.Produce(msg, reports)
			if err == nil {
				break
			}
			var ke kafka.Error
			if errors.As(err, &ke) && ke.Code() == kafka.ErrQueueFull {
				time.Sleep(time.Millisecond)
				continue
			}
			return fmt.Errorf("producing record %d: %w", i, err)
		}
	}
	deadline := time.After(opTimeout)
	for range recs {
		select {
		case ev := <-reports:
			if m, ok := ev.(*kafka.Message); !ok || m.TopicPartition.Error != nil {
				return fmt.Errorf("delivering a record: %v", ev)
			}
		case <-deadline:
			return errors.New("waiting for delivery reports: timed out")
		}
	}
	return nil
}

// waitCaughtUp waits until group aggregator has committed the end of every
// input partition: every record is processed and its transaction committed.
func (e *env) waitCaughtUp(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		lags, err := kclient.GroupLag(ctx, e.admin, aggregator.DefaultGroup, []string{topics.UserEvents})
		cancel()
		if err == nil && len(lags) == numPartitions && kclient.TotalLag(lags) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("aggregator not caught up within %s: lag %v, err %v", within, lags, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// outputs is everything on the output topics under read_committed.
type outputs struct {
	aggs     []*avro.BehaviorAggregate
	profiles []*avro.ProfileUpdate
	sessions map[string][]*avro.SessionFeatures // per sessionKey, in log order
	dlq      []*kafka.Message
}

// readOutputs reads every output topic from the start to its last stable
// offset and decodes it. It first waits until no transaction is open on
// them: a dead instance's transaction holds read_committed readers back
// until the broker aborts it.
func (e *env) readOutputs(t testing.TB) *outputs {
	t.Helper()
	e.waitNoOpenTransaction(t)
	cc := e.kafka.Consumer("verify", fmt.Sprintf("verify-%d", time.Now().UnixNano()))
	(*cc)["enable.partition.eof"] = true
	c, err := kafka.NewConsumer(cc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	des, err := serde.NewDeserializer(e.client)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{topics.RecommendationInput, topics.ProfileUpdates, topics.SessionFeatures, topics.UserEventsDLQ}
	var tps []kafka.TopicPartition
	for i := range names {
		for p := int32(0); p < numPartitions; p++ {
			tps = append(tps, kafka.TopicPartition{Topic: &names[i], Partition: p, Offset: kafka.OffsetBeginning})
		}
	}
	if err := c.Assign(tps); err != nil {
		t.Fatal(err)
	}
	out := &outputs{sessions: map[string][]*avro.SessionFeatures{}}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	eofs := map[string]bool{}
	deadline := time.Now().Add(opTimeout)
	for len(eofs) < len(tps) {
		if time.Now().After(deadline) {
			t.Fatalf("reading outputs: %d of %d partitions read to their end", len(eofs), len(tps))
		}
		switch ev := c.Poll(100).(type) {
		case kafka.PartitionEOF:
			eofs[fmt.Sprint(*ev.Topic, ev.Partition)] = true
		case *kafka.Message:
			if ev.TopicPartition.Error != nil {
				t.Fatalf("reading outputs: %v", ev.TopicPartition.Error)
			}
			topic := *ev.TopicPartition.Topic
			var err error
			switch topic {
			case topics.RecommendationInput:
				v := new(avro.BehaviorAggregate)
				err = des.Deserialize(ctx, topic, ev.Value, v)
				out.aggs = append(out.aggs, v)
				checkKey(t, ev, v.UserID)
			case topics.ProfileUpdates:
				v := new(avro.ProfileUpdate)
				err = des.Deserialize(ctx, topic, ev.Value, v)
				out.profiles = append(out.profiles, v)
				checkKey(t, ev, v.UserID)
			case topics.SessionFeatures:
				v := new(avro.SessionFeatures)
				err = des.Deserialize(ctx, topic, ev.Value, v)
				k := sessionKey(v.SessionID, v.UserID)
				out.sessions[k] = append(out.sessions[k], v)
				checkKey(t, ev, v.SessionID)
			case topics.UserEventsDLQ:
				out.dlq = append(out.dlq, ev)
			}
			if err != nil {
				t.Fatalf("decoding %s record: %v", topic, err)
			}
		case kafka.Error:
			if ev.IsFatal() {
				t.Fatal(ev)
			}
		}
	}
	return out
}

func checkKey(t testing.TB, m *kafka.Message, want string) {
	t.Helper()
	if string(m.Key) != want {
		t.Errorf("%s record key %q, want plain UTF-8 %q", *m.TopicPartition.Topic, m.Key, want)
	}
}

// helperEnv carries the child process configuration.
const (
	helperEnv          = "RETAILPULSE_AGGREGATOR_HELPER"
	helperBootstrapEnv = "RETAILPULSE_AGGREGATOR_HELPER_BOOTSTRAP"
	helperRegistryEnv  = "RETAILPULSE_AGGREGATOR_HELPER_REGISTRY"
	// helperTxnTimeoutEnv overrides the transaction timeout (a duration).
	helperTxnTimeoutEnv = "RETAILPULSE_AGGREGATOR_HELPER_TXN_TIMEOUT"
)

func isHelper() bool { return os.Getenv(helperEnv) != "" }

// startRegistry starts a schema registry for the test and returns its URL.
func startRegistry(t testing.TB, kc kclient.Config) string {
	t.Helper()
	if os.Getenv("RETAILPULSE_TEST_FAKE_REGISTRY") != "" {
		return serdetest.NewServer(t).URL()
	}
	svc := server.NewService(server.ServiceConfig{Kafka: kc, Addr: "127.0.0.1:0", ReplicationFactor: 1})
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := svc.Start(ctx); err != nil {
		t.Fatalf("starting schema registry: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		_ = svc.Stop(ctx)
	})
	for svc.Ready(ctx) != nil {
		if ctx.Err() != nil {
			t.Fatalf("schema registry not ready: %v", svc.Ready(ctx))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return svc.URL()
}
