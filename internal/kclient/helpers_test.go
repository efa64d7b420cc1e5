package kclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/sidecars/broker"
)

// opTimeout bounds each client call; generous for two loaded cores.
const opTimeout = 20 * time.Second

// cluster is an embedded broker with an admin client, both closed when the
// test ends.
type cluster struct {
	kc    kclient.Config
	admin *kafka.AdminClient
}

func newCluster(t *testing.T) cluster {
	t.Helper()
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	kc := kclient.Config{Bootstrap: b.Addr(), ClientID: "kclient-test"}
	admin, err := kafka.NewAdminClient(kc.Admin("test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	return cluster{kc: kc, admin: admin}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	t.Cleanup(cancel)
	return ctx
}

func (c cluster) createTopic(t *testing.T, name string, partitions int, cfg map[string]string) {
	t.Helper()
	res, err := c.admin.CreateTopics(ctxFor(t), []kafka.TopicSpecification{
		{Topic: name, NumPartitions: partitions, ReplicationFactor: 1, Config: cfg},
	})
	if err != nil || res[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("creating topic %s: %v %v", name, err, res)
	}
}

func (c cluster) producer(t *testing.T, cfg *kafka.ConfigMap) *kafka.Producer {
	t.Helper()
	p, err := kafka.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// produce writes n records to one partition and waits for all acks.
func produce(t *testing.T, p *kafka.Producer, topic string, partition int32, n int) {
	t.Helper()
	reports := make(chan kafka.Event, n)
	for i := 0; i < n; i++ {
		err := p.Produce(&kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: partition},
			Value:          []byte("v"),
		}, reports)
		if err != nil {
			t.Fatalf("producing: %v", err)
		}
	}
	timeout := time.After(opTimeout)
	for i := 0; i < n; i++ {
		select {
		case ev := <-reports:
			if m, ok := ev.(*kafka.Message); !ok || m.TopicPartition.Error != nil {
				t.Fatalf("delivery failed: %v", ev)
			}
		case <-timeout:
			t.Fatalf("waiting for delivery reports: got %d of %d", i, n)
		}
	}
}

// describe returns a topic's config values.
func (c cluster) describe(t *testing.T, topic string) map[string]string {
	t.Helper()
	res, err := c.admin.DescribeConfigs(ctxFor(t), []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: topic}})
	if err != nil || res[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("describing %s: %v %v", topic, err, res)
	}
	out := map[string]string{}
	for k, e := range res[0].Config {
		out[k] = e.Value
	}
	return out
}
