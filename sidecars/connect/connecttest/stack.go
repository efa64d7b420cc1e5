package connecttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/connectors/builtin"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
	"github.com/retailpulse/retailpulse/sidecars/broker"
	"github.com/retailpulse/retailpulse/sidecars/connect"
)

// Stack is what a sink connector's end-to-end test runs against: the
// embedded broker, an in-memory schema registry and a Connect worker with
// the built-in plugins, all on loopback and stopped by the test's cleanup.
// Connectors are created through the worker's REST API, as users do.
type Stack struct {
	Kafka    kclient.Config
	Registry *serdetest.Server
	Worker   *connect.Worker

	tb     testing.TB
	broker *broker.Broker
	admin  *kafka.AdminClient
}

// StartStack starts the broker with the given topics, the registry and one
// worker. Topics a test wants the worker to create (dead letter queues)
// are left out.
func StartStack(tb testing.TB, topics ...kclient.TopicSpec) *Stack {
	tb.Helper()
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := b.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Close)
	s := &Stack{Kafka: kclient.Config{Bootstrap: b.Addr(), ClientID: "connector-e2e"}, Registry: serdetest.NewServer(tb),
		tb: tb, broker: b}
	if s.admin, err = kafka.NewAdminClient(s.Kafka.Admin("test")); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.admin.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kclient.EnsureTopics(ctx, s.admin, topics); err != nil {
		tb.Fatalf("creating topics: %v", err)
	}
	s.Worker = s.StartWorker()
	return s
}

// StartWorker starts a worker on the stack's broker, in the stack's Connect
// group: a second one joins the first, a new one after StopWorker resumes
// every connector from the state topics.
func (s *Stack) StartWorker() *connect.Worker {
	s.tb.Helper()
	reg, err := builtin.Registry()
	if err != nil {
		s.tb.Fatal(err)
	}
	w, err := connect.New(connect.WithKafka(s.Kafka), connect.WithListenAddr("127.0.0.1:0"), connect.WithPlugins(reg),
		connect.WithSchemaRegistryURL(s.Registry.URL()), connect.WithOffsetFlushInterval(200*time.Millisecond),
		connect.WithHeartbeat(200*time.Millisecond, 2*time.Second), connect.WithRequestTimeout(20*time.Second),
		connect.WithShutdownTimeout(5*time.Second))
	if err != nil {
		s.tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Start(ctx); err != nil {
		s.tb.Fatalf("starting worker: %v", err)
	}
	s.tb.Cleanup(func() { s.StopWorker(w) })
	WaitFor(s.tb, "worker ready", func() error { return w.Ready(ctx) })
	return w
}

// StopWorker stops w gracefully (committing its tasks' offsets); stopping
// a stopped worker is a no-op.
func (s *Stack) StopWorker(w *connect.Worker) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = w.Stop(ctx)
}

// CreateConnector posts {"name", "config"} to the worker and wants 201.
func (s *Stack) CreateConnector(name string, config map[string]string) {
	s.tb.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "config": config})
	resp, err := http.Post(s.Worker.URL()+"/connectors", "application/json", bytes.NewReader(body))
	if err != nil {
		s.tb.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		s.tb.Fatalf("creating connector %s: %d %s", name, resp.StatusCode, msg)
	}
}

// ReadConnectorFile reads a shipped connector file (compose/connectors/…)
// and returns its name and config with overrides applied, so a test runs
// exactly what users submit, pointed at the test's servers.
func ReadConnectorFile(tb testing.TB, path string, overrides map[string]string) (string, map[string]string) {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var spec struct {
		Name   string            `json:"name"`
		Config map[string]string `json:"config"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	for k, v := range overrides {
		spec.Config[k] = v
	}
	return spec.Name, spec.Config
}

// Message is one record to produce; a nil Value is a tombstone.
type Message struct {
	Key   []byte
	Value []byte
	Time  time.Time
}

// Produce writes msgs to topic (partitioned by key) and waits for every
// delivery report.
func (s *Stack) Produce(topic string, msgs ...Message) {
	s.tb.Helper()
	p, err := kafka.NewProducer(s.Kafka.Producer("test"))
	if err != nil {
		s.tb.Fatal(err)
	}
	defer p.Close()
	dc := make(chan kafka.Event, len(msgs))
	for _, m := range msgs {
		km := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Key: m.Key, Value: m.Value, Timestamp: m.Time}
		if err := p.Produce(km, dc); err != nil {
			s.tb.Fatal(err)
		}
	}
	for range msgs {
		select {
		case ev := <-dc:
			if m, ok := ev.(*kafka.Message); ok && m.TopicPartition.Error != nil {
				s.tb.Fatalf("delivery to %s: %v", topic, m.TopicPartition.Error)
			}
		case <-time.After(30 * time.Second):
			s.tb.Fatalf("delivery to %s timed out", topic)
		}
	}
}

// Serializer returns an Avro serializer on the stack's registry that
// registers schemaText under the record topic's -value subject.
func (s *Stack) Serializer(schemaText string) *serde.Serializer {
	s.tb.Helper()
	client, err := serde.NewClient(s.Registry.URL())
	if err != nil {
		s.tb.Fatal(err)
	}
	ser, err := serde.NewSerializer(client, serde.WithSchema(schemaText))
	if err != nil {
		s.tb.Fatal(err)
	}
	return ser
}

// EndOffsetAtLeast reports whether the committed end of topic's partition
// 0 has reached n.
func (s *Stack) EndOffsetAtLeast(topic string, n int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := s.admin.ListOffsets(ctx, map[kafka.TopicPartition]kafka.OffsetSpec{
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

// CaughtUp reports whether the group has committed the end of topics.
func (s *Stack) CaughtUp(group string, topics ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lags, err := kclient.GroupLag(ctx, s.admin, group, topics)
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

// Headers reads partition 0 of topic from the start until n records are
// in, and returns each record's headers.
func (s *Stack) Headers(topic string, n int) []map[string]string {
	s.tb.Helper()
	c, err := kafka.NewConsumer(s.Kafka.Consumer("test", "headers-reader"))
	if err != nil {
		s.tb.Fatal(err)
	}
	defer c.Close()
	if err := c.Assign([]kafka.TopicPartition{{Topic: &topic, Partition: 0, Offset: kafka.OffsetBeginning}}); err != nil {
		s.tb.Fatal(err)
	}
	var out []map[string]string
	for deadline := time.Now().Add(15 * time.Second); len(out) < n && time.Now().Before(deadline); {
		m, ok := c.Poll(100).(*kafka.Message)
		if !ok {
			continue
		}
		h := map[string]string{}
		for _, kv := range m.Headers {
			h[kv.Key] = string(kv.Value)
		}
		out = append(out, h)
	}
	return out
}

// WaitFor polls fn until it succeeds, failing the test after 45 s with
// fn's last error.
func WaitFor(tb testing.TB, what string, fn func() error) {
	tb.Helper()
	Eventually(tb, 45*time.Second, what, fn)
}

// Eventually polls fn every 50 ms until it returns nil, failing the test
// with fn's last error once timeout has passed.
func Eventually(tb testing.TB, timeout time.Duration, what string, fn func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = fn(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("waiting for %s: %v", what, err)
}
