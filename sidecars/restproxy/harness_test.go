package restproxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/retailpulse/retailpulse/internal/httpx"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/registry"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/server"
	"github.com/retailpulse/retailpulse/sidecars/broker"
	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

// opTimeout bounds single client calls; generous because two loaded cores
// may be compiling other packages while these tests run.
const opTimeout = 30 * time.Second

// Test topics besides the blueprint's event and dead-letter topics.
const (
	plainTopic = "plain"     // 3 partitions, ungoverned
	avroTopic  = "orders"    // 2 partitions, ungoverned
	otherTopic = "elsewhere" // used for schema ids of another subject
)

// env is one broker, one real schema registry (schema-registry/server over
// an in-memory log) and one proxy, all on loopback ports.
type env struct {
	t        testing.TB
	kc       kclient.Config
	broker   *broker.Broker
	regURL   string
	reg      *serde.Client
	eventID  int // id of UserEvent under user-events-value
	proxy    *restproxy.Proxy
	url      string
	metrics  *prometheus.Registry
	userAvsc string
}

func startBroker(tb testing.TB) (*broker.Broker, kclient.Config) {
	tb.Helper()
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		tb.Fatalf("creating broker: %v", err)
	}
	if err := b.Start(); err != nil {
		tb.Fatalf("starting broker: %v", err)
	}
	tb.Cleanup(b.Close)
	kc := kclient.Config{Bootstrap: b.Addr(), ClientID: "restproxy-test"}
	admin, err := kafka.NewAdminClient(kc.Admin("test"))
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	specs := []kclient.TopicSpec{
		{Name: "user-events", Partitions: 6}, {Name: "user-events-dlq", Partitions: 3},
		{Name: plainTopic, Partitions: 3}, {Name: avroTopic, Partitions: 2}, {Name: otherTopic, Partitions: 1},
	}
	if _, err := kclient.EnsureTopics(ctx, admin, specs); err != nil {
		tb.Fatalf("creating topics: %v", err)
	}
	return b, kc
}

// startRegistry runs the real registry server on an in-memory log and
// registers UserEvent under user-events-value.
func startRegistry(tb testing.TB) (url string, client *serde.Client, eventID int) {
	tb.Helper()
	core, err := registry.New(registry.NewMemoryLog())
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := server.New(core, []httpx.Option{httpx.WithAddr("127.0.0.1:0")})
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		_ = core.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := core.Start(ctx); err != nil {
		tb.Fatalf("starting registry: %v", err)
	}
	client, err = serde.NewClient(srv.URL())
	if err != nil {
		tb.Fatal(err)
	}
	s, _ := avro.ByName("UserEvent")
	eventID, err = client.Register(ctx, "user-events-value", s.Text)
	if err != nil {
		tb.Fatalf("registering UserEvent: %v", err)
	}
	return srv.URL(), client, eventID
}

func newEnv(tb testing.TB, opts ...restproxy.Option) *env {
	tb.Helper()
	e := &env{t: tb}
	e.broker, e.kc = startBroker(tb)
	e.regURL, e.reg, e.eventID = startRegistry(tb)
	s, _ := avro.ByName("UserEvent")
	e.userAvsc = s.Text
	e.startProxy(opts...)
	return e
}

func (e *env) startProxy(opts ...restproxy.Option) {
	e.t.Helper()
	e.metrics = prometheus.NewRegistry()
	base := []restproxy.Option{
		restproxy.WithAddr("127.0.0.1:0"), restproxy.WithKafka(e.kc), restproxy.WithSchemaRegistry(e.regURL),
		restproxy.WithMetrics(e.metrics), restproxy.WithMetadataRefresh(time.Second), restproxy.WithLinger(time.Millisecond),
	}
	p, err := restproxy.New(append(base, opts...)...)
	if err != nil {
		e.t.Fatalf("creating proxy: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := p.Start(ctx); err != nil {
		e.t.Fatalf("starting proxy: %v", err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		_ = p.Stop(ctx)
	})
	for p.Ready(ctx) != nil {
		if ctx.Err() != nil {
			e.t.Fatalf("proxy never became ready: %v", p.Ready(ctx))
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.proxy, e.url = p, p.URL()
}

// reply is an HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decoding reply %q: %v", r.body, err)
	}
}

func (r reply) String() string { return fmt.Sprintf("HTTP %d %s", r.status, r.body) }

// do sends a request; headers alternate name, value.
func (e *env) do(method, path, contentType string, body []byte, headers ...string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *env) post(path, contentType, body string, headers ...string) reply {
	e.t.Helper()
	return e.do(http.MethodPost, path, contentType, []byte(body), headers...)
}

func (e *env) get(path string) reply {
	e.t.Helper()
	return e.do(http.MethodGet, path, "", nil)
}

// clusterID is the embedded broker's cluster id, as /v3/clusters reports it.
func (e *env) clusterID() string {
	e.t.Helper()
	var cl struct {
		Data []struct {
			ClusterID string `json:"cluster_id"`
		} `json:"data"`
	}
	e.get("/v3/clusters").json(e.t, &cl)
	if len(cl.Data) != 1 {
		e.t.Fatalf("want one cluster, got %+v", cl)
	}
	return cl.Data[0].ClusterID
}

// consumed is a record read back with librdkafka.
type consumed struct {
	partition int32
	offset    int64
	key       []byte
	value     []byte
	headers   map[string]string
}

// readAll reads topic from the beginning with a read_committed consumer
// until want records arrived (or, with want < 0, until the topic is idle),
// failing the test on timeout.
func (e *env) readAll(topic string, want int) []consumed {
	e.t.Helper()
	return readTopic(e.t, e.kc, topic, want)
}

func readTopic(tb testing.TB, kc kclient.Config, topic string, want int) []consumed {
	tb.Helper()
	cfg := kc.Consumer("test-reader", fmt.Sprintf("reader-%d", time.Now().UnixNano()))
	c, err := kafka.NewConsumer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	if err != nil {
		tb.Fatalf("reading metadata of %s: %v", topic, err)
	}
	var tps []kafka.TopicPartition
	for _, p := range md.Topics[topic].Partitions {
		tps = append(tps, kafka.TopicPartition{Topic: &topic, Partition: p.ID, Offset: kafka.OffsetBeginning})
	}
	if err := c.Assign(tps); err != nil {
		tb.Fatal(err)
	}
	var out []consumed
	deadline := time.Now().Add(opTimeout)
	idleSince := time.Now()
	for time.Now().Before(deadline) {
		if want >= 0 && len(out) >= want {
			break
		}
		if want < 0 && time.Since(idleSince) > 2*time.Second {
			break
		}
		ev := c.Poll(100)
		m, ok := ev.(*kafka.Message)
		if !ok {
			continue
		}
		idleSince = time.Now()
		hs := map[string]string{}
		for _, h := range m.Headers {
			hs[h.Key] = string(h.Value)
		}
		out = append(out, consumed{partition: m.TopicPartition.Partition, offset: int64(m.TopicPartition.Offset),
			key: m.Key, value: m.Value, headers: hs})
	}
	if want >= 0 && len(out) != want {
		tb.Fatalf("reading %s: got %d records, want %d", topic, len(out), want)
	}
	return out
}

// decodeEvent decodes a user-events value with our serde.
func (e *env) decodeEvent(b []byte) avro.UserEvent {
	e.t.Helper()
	d, err := serde.NewDeserializer(e.reg, serde.WithReaderSchema(e.userAvsc))
	if err != nil {
		e.t.Fatal(err)
	}
	var ev avro.UserEvent
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := d.Deserialize(ctx, "user-events", b, &ev); err != nil {
		e.t.Fatalf("deserializing %x: %v", b, err)
	}
	return ev
}

// metric returns the text of /metrics lines starting with name.
func (e *env) metric(name string) string {
	e.t.Helper()
	var lines []string
	for _, l := range strings.Split(string(e.get("/metrics").body), "\n") {
		if strings.HasPrefix(l, name) {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

const (
	ctAvro   = "application/vnd.kafka.avro.v2+json"
	ctJSON   = "application/vnd.kafka.json.v2+json"
	ctBinary = "application/vnd.kafka.binary.v2+json"
)

func kclientFor(bootstrap string) kclient.Config { return kclient.Config{Bootstrap: bootstrap} }

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
