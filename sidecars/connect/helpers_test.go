package connect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap/zaptest"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/builtin"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/sidecars/broker"
	"github.com/retailpulse/retailpulse/sidecars/connect"
	"github.com/retailpulse/retailpulse/sidecars/connect/connecttest"
)

const opTimeout = 30 * time.Second

func startBroker(tb testing.TB) *broker.Broker {
	tb.Helper()
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		tb.Fatalf("creating broker: %v", err)
	}
	if err := b.Start(); err != nil {
		tb.Fatalf("starting broker: %v", err)
	}
	tb.Cleanup(b.Close)
	return b
}

func kcfg(b *broker.Broker) kclient.Config {
	return kclient.Config{Bootstrap: b.Addr(), ClientID: "connect-test"}
}

func createTopics(tb testing.TB, b *broker.Broker, partitions int, names ...string) {
	tb.Helper()
	admin, err := kafka.NewAdminClient(kcfg(b).Admin("test"))
	if err != nil {
		tb.Fatalf("creating admin: %v", err)
	}
	defer admin.Close()
	var specs []kclient.TopicSpec
	for _, n := range names {
		specs = append(specs, kclient.TopicSpec{Name: n, Partitions: partitions})
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if _, err := kclient.EnsureTopics(ctx, admin, specs); err != nil {
		tb.Fatalf("creating topics: %v", err)
	}
}

func testRegistry(tb testing.TB) *connectors.Registry {
	tb.Helper()
	r, err := builtin.Registry(connectortest.FlakySinkPlugin())
	if err != nil {
		tb.Fatalf("building registry: %v", err)
	}
	return r
}

// startWorker starts a worker with fast test timings and waits until it is
// ready; it is stopped when the test ends.
func startWorker(tb testing.TB, b *broker.Broker, opts ...connect.Option) *connect.Worker {
	tb.Helper()
	base := []connect.Option{
		connect.WithKafka(kcfg(b)),
		connect.WithListenAddr("127.0.0.1:0"),
		connect.WithPlugins(testRegistry(tb)),
		connect.WithOffsetFlushInterval(200 * time.Millisecond),
		connect.WithHeartbeat(200*time.Millisecond, 2*time.Second),
		connect.WithTaskAutoRestart(true, 200*time.Millisecond, time.Second),
		connect.WithRequestTimeout(20 * time.Second),
		connect.WithShutdownTimeout(3 * time.Second),
	}
	if os.Getenv("CONNECT_TEST_LOG") != "" {
		base = append(base, connect.WithLogger(zaptest.NewLogger(tb)))
	}
	w, err := connect.New(append(base, opts...)...)
	if err != nil {
		tb.Fatalf("creating worker: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := w.Start(ctx); err != nil {
		tb.Fatalf("starting worker: %v", err)
	}
	tb.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer scancel()
		_ = w.Stop(sctx)
	})
	eventually(tb, opTimeout, "worker ready", func() error { return w.Ready(ctx) })
	return w
}

// eventually retries fn until it returns nil or timeout passes.
var eventually = connecttest.Eventually

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decoding %s: %v", r.body, err)
	}
}

func (r reply) errBody(tb testing.TB) (int, string) {
	tb.Helper()
	var e struct {
		Code    int    `json:"error_code"`
		Message string `json:"message"`
	}
	r.json(tb, &e)
	return e.Code, e.Message
}

func call(tb testing.TB, method, url string, body any) reply {
	tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			tb.Fatalf("encoding body: %v", err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		tb.Fatalf("building request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func expectStatus(tb testing.TB, r reply, want int) {
	tb.Helper()
	if r.status != want {
		tb.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

func produce(tb testing.TB, b *broker.Broker, topic string, kvs ...string) {
	tb.Helper()
	produceTo(tb, b.Addr(), topic, kvs...)
}

func produceTo(tb testing.TB, addr, topic string, kvs ...string) {
	tb.Helper()
	p, err := kafka.NewProducer(kclient.Config{Bootstrap: addr, ClientID: "connect-test"}.Producer("test"))
	if err != nil {
		tb.Fatalf("creating producer: %v", err)
	}
	defer p.Close()
	dc := make(chan kafka.Event, len(kvs))
	for i := 0; i+1 < len(kvs); i += 2 {
		t := topic
		if err := p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &t, Partition: kafka.PartitionAny},
			Key: []byte(kvs[i]), Value: []byte(kvs[i+1])}, dc); err != nil {
			tb.Fatalf("producing: %v", err)
		}
	}
	for i := 0; i < len(kvs)/2; i++ {
		select {
		case ev := <-dc:
			if m, ok := ev.(*kafka.Message); ok && m.TopicPartition.Error != nil {
				tb.Fatalf("delivery: %v", m.TopicPartition.Error)
			}
		case <-time.After(opTimeout):
			tb.Fatalf("delivery timed out")
		}
	}
}

// fileLine is one line the file sink writes in json format.
type fileLine struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       any    `json:"key"`
	Value     any    `json:"value"`
}

func readLines(tb testing.TB, path string) []fileLine {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		tb.Fatalf("reading %s: %v", path, err)
	}
	var out []fileLine
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var fl fileLine
		if err := json.Unmarshal([]byte(l), &fl); err != nil {
			tb.Fatalf("line %q: %v", l, err)
		}
		out = append(out, fl)
	}
	return out
}

func tempFile(tb testing.TB, name string) string { return filepath.Join(tb.TempDir(), name) }

func fileSink(name, topic, path string, extra ...string) map[string]any {
	cfg := map[string]string{"connector.class": "FileStreamSink", "topics": topic, "file": path, "format": "json",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
		// Quicker removal of members that vanish mid-rebalance.
		"consumer.override.session.timeout.ms": "6000"}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	return map[string]any{"name": name, "config": cfg}
}

func waitState(tb testing.TB, base, name string, want string, tasks int) map[string]any {
	tb.Helper()
	var st map[string]any
	eventually(tb, opTimeout, name+" "+want, func() error {
		r := call(tb, "GET", base+"/connectors/"+name+"/status", nil)
		if r.status != 200 {
			return fmt.Errorf("status %d: %s", r.status, r.body)
		}
		st = map[string]any{}
		r.json(tb, &st)
		if st["connector"].(map[string]any)["state"] != want {
			return fmt.Errorf("connector state %v", st["connector"])
		}
		ts := st["tasks"].([]any)
		if len(ts) != tasks {
			return fmt.Errorf("%d tasks, want %d", len(ts), tasks)
		}
		for _, t := range ts {
			if t.(map[string]any)["state"] != want {
				return fmt.Errorf("task %v", t)
			}
		}
		return nil
	})
	return st
}

// readTopic returns every record of topic (all partitions), read from the
// beginning until it has been idle briefly.
func readTopic(tb testing.TB, b *broker.Broker, topic string) []*kafka.Message {
	tb.Helper()
	cfg := kcfg(b).Consumer("test-reader", "test-reader")
	c, err := kafka.NewConsumer(cfg)
	if err != nil {
		tb.Fatalf("creating consumer: %v", err)
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	if err != nil {
		tb.Fatalf("metadata: %v", err)
	}
	var parts []kafka.TopicPartition
	ends := map[int32]int64{}
	for _, p := range md.Topics[topic].Partitions {
		t := topic
		parts = append(parts, kafka.TopicPartition{Topic: &t, Partition: p.ID, Offset: kafka.OffsetBeginning})
		_, high, err := c.QueryWatermarkOffsets(topic, p.ID, 10000)
		if err != nil {
			tb.Fatalf("watermarks: %v", err)
		}
		ends[p.ID] = high
	}
	if err := c.Assign(parts); err != nil {
		tb.Fatalf("assign: %v", err)
	}
	var out []*kafka.Message
	seen := map[int32]int64{}
	deadline := time.Now().Add(opTimeout)
	for time.Now().Before(deadline) {
		done := true
		for p, end := range ends {
			if end > 0 && seen[p] < end {
				done = false
			}
		}
		if done {
			return out
		}
		if m, ok := c.Poll(100).(*kafka.Message); ok {
			out = append(out, m)
			seen[m.TopicPartition.Partition] = int64(m.TopicPartition.Offset) + 1
		}
	}
	tb.Fatalf("reading %s timed out", topic)
	return nil
}

func readConfigTopic(tb testing.TB, b *broker.Broker, key string) string {
	tb.Helper()
	last := ""
	for _, m := range readTopic(tb, b, "connect-configs") {
		if string(m.Key) == key {
			last = string(m.Value)
		}
	}
	return last
}
