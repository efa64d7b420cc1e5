package aggregator_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/aggregator"
	"github.com/retailpulse/retailpulse/sidecars/aggregator/window"
)

func TestNewRefusesBadOptions(t *testing.T) {
	reg, err := serde.NewClient("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	base := []aggregator.Option{aggregator.WithKafka(kclient.Config{Bootstrap: "127.0.0.1:9092"}), aggregator.WithRegistry(reg)}
	dup := aggregator.DefaultTopics()
	dup.Sessions = dup.Aggregates
	cases := []struct {
		name string
		opts []aggregator.Option
		want string
	}{
		{"no kafka", []aggregator.Option{aggregator.WithRegistry(reg)}, "kafka"},
		{"no registry", []aggregator.Option{aggregator.WithKafka(kclient.Config{Bootstrap: "h:1"})}, "registry"},
		{"bad instance id", append(base, aggregator.WithInstanceID("a b")), "instance id"},
		{"empty group", append(base, aggregator.WithGroup("")), "group"},
		{"commit interval too short", append(base, aggregator.WithCommitInterval(time.Millisecond)), "commit interval"},
		{"commit interval too long", append(base, aggregator.WithCommitInterval(time.Minute)), "commit interval"},
		{"commit interval near the transaction timeout", append(base, aggregator.WithTransactionTimeout(5*time.Second), aggregator.WithCommitInterval(2*time.Second)), "commit interval"},
		{"transaction timeout too short", append(base, aggregator.WithTransactionTimeout(100*time.Millisecond)), "transaction timeout"},
		{"hop not dividing size", append(base, aggregator.WithHop(7*time.Second)), "must divide"},
		{"negative grace", append(base, aggregator.WithGrace(-time.Second)), "grace"},
		{"negative weight", append(base, aggregator.WithScoreWeights(window.Weights{Purchase: -1})), "purchase"},
		{"topic used twice", append(base, aggregator.WithTopics(dup)), "two purposes"},
		{"negative idle advance", append(base, aggregator.WithIdleAdvance(-time.Second)), "idle advance"},
		{"zero replication", append(base, aggregator.WithReplicationFactor(0)), "replication"},
		{"nil logger", append(base, aggregator.WithLogger(nil)), "logger"},
		{"unsupported kafka property", []aggregator.Option{aggregator.WithRegistry(reg),
			aggregator.WithKafka(kclient.Config{Bootstrap: "h:1", Extra: map[string]string{"sasl.oauthbearer.config": "x"}})}, `"sasl.oauthbearer.config"`},
		{"unknown security protocol", []aggregator.Option{aggregator.WithRegistry(reg),
			aggregator.WithKafka(kclient.Config{Bootstrap: "h:1", Extra: map[string]string{"security.protocol": "KERBEROS"}})}, "security.protocol"},
		{"unknown sasl mechanism", []aggregator.Option{aggregator.WithRegistry(reg),
			aggregator.WithKafka(kclient.Config{Bootstrap: "h:1", Extra: map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "GSSAPI"}})}, "sasl.mechanism"},
		{"missing ca file", []aggregator.Option{aggregator.WithRegistry(reg),
			aggregator.WithKafka(kclient.Config{Bootstrap: "h:1", Extra: map[string]string{"security.protocol": "SSL", "ssl.ca.location": "/nonexistent/ca.pem"}})}, "ssl.ca.location"},
		{"certificate without key", []aggregator.Option{aggregator.WithRegistry(reg),
			aggregator.WithKafka(kclient.Config{Bootstrap: "h:1", Extra: map[string]string{"security.protocol": "SSL", "ssl.certificate.location": "/c.pem"}})}, "ssl.key.location"},
		{"unsupported consumer property", append(base, aggregator.WithConsumerProperties(map[string]string{"fetch.min.bytes": "1"})), `"fetch.min.bytes"`},
		{"consumer property not a duration", append(base, aggregator.WithConsumerProperties(map[string]string{"session.timeout.ms": "6s"})), "session.timeout.ms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := aggregator.New(c.opts...)
			if !errors.Is(err, aggregator.ErrInvalidOption) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New = %v, want ErrInvalidOption naming %q", err, c.want)
			}
		})
	}
	if _, err := aggregator.New(append(base, aggregator.WithWindowSize(time.Minute), aggregator.WithHop(15*time.Second))...); err != nil {
		t.Errorf("New with 60 s windows hopping by 15 s: %v", err)
	}
	sasl := kclient.Config{Bootstrap: "h:1", Extra: map[string]string{
		"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "u", "sasl.password": "p",
	}}
	if _, err := aggregator.New(aggregator.WithRegistry(reg), aggregator.WithKafka(sasl),
		aggregator.WithConsumerProperties(map[string]string{"session.timeout.ms": "6000", "heartbeat.interval.ms": "500"})); err != nil {
		t.Errorf("New with SASL/SCRAM and session properties: %v", err)
	}
	// A window size alone stays tumbling rather than hopping by the default.
	if _, err := aggregator.New(append(base, aggregator.WithWindowSize(45*time.Second))...); err != nil {
		t.Errorf("New with 45 s tumbling windows: %v", err)
	}
}
