package aggregator

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"go.uber.org/zap"
)

// The group client is franz-go (pure Go: no cgo call per record, no
// librdkafka threads). kclient.Config.Extra and WithConsumerProperties are
// librdkafka property maps shared with the other components, so the keys the
// aggregator can honour are translated here and every other key is refused
// by name at New: silently ignoring, say, an ssl.* key would connect in
// plain text.

// extraProperties are the kclient.Config.Extra keys translated to kgo.
var extraProperties = map[string]bool{
	"security.protocol": true, "sasl.mechanism": true, "sasl.mechanisms": true,
	"sasl.username": true, "sasl.password": true,
	"ssl.ca.location": true, "ssl.certificate.location": true, "ssl.key.location": true,
	"ssl.endpoint.identification.algorithm": true,
}

// consumerProperties are the WithConsumerProperties keys translated to kgo.
var consumerProperties = map[string]bool{
	"session.timeout.ms": true, "heartbeat.interval.ms": true, "max.poll.interval.ms": true,
}

// checkProperties refuses librdkafka properties the kgo group client cannot
// honour, naming the key; New calls it so a bad key fails at start-up.
func (c *config) checkProperties() error {
	for _, k := range sortedKeys(c.kafka.Extra) {
		if !extraProperties[k] {
			return fmt.Errorf("%w: kafka property %q is not supported by the aggregator's client (supported: %s)",
				ErrInvalidOption, k, strings.Join(sortedKeys(extraProperties), ", "))
		}
	}
	for _, k := range sortedKeys(c.consumerProps) {
		if !consumerProperties[k] {
			return fmt.Errorf("%w: consumer property %q is not supported (supported: %s)",
				ErrInvalidOption, k, strings.Join(sortedKeys(consumerProperties), ", "))
		}
		if n, err := strconv.Atoi(c.consumerProps[k]); err != nil || n <= 0 {
			return fmt.Errorf("%w: consumer property %q = %q: want a positive number of milliseconds", ErrInvalidOption, k, c.consumerProps[k])
		}
	}
	_, err := c.securityOpts()
	return err
}

// clientOpts are the options of the group client: a transactional producer
// and a read_committed group consumer in one client, since offsets join the
// producer's transaction with the consumer's group metadata.
func (c *config) clientOpts(log *zap.Logger) ([]kgo.Opt, error) {
	id := c.kafka.ClientID
	if id == "" {
		id = "retailpulse"
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(c.kafka.Bootstrap, ",")...),
		kgo.ClientID(id + "-aggregator"),
		kgo.WithLogger(kgoLogger{log.Named("kgo")}),
		kgo.TransactionalID(c.transactionalID()),
		kgo.TransactionTimeout(c.txnTimeout),
		// Snappy rather than kclient's lz4: pure-Go lz4 cost ≈ 3 µs of CPU
		// per event here, snappy (assembly) ≈ 1; every client reads both.
		kgo.ProducerBatchCompression(kgo.SnappyCompression()),
		kgo.RecordPartitioner(partitioner{changelog: c.topics.Changelog}),
		kgo.ProducerLinger(5 * time.Millisecond),
		// A commit's flush produces one changelog record per changed user at
		// once; blocking tasks at kgo's default of 10,000 would serialise it.
		kgo.MaxBufferedRecords(1 << 20),
		kgo.ConsumerGroup(c.group),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		// The long-poll bound of the librdkafka consumer this replaces
		// (fetch.wait.max.ms); kgo's default is 5 s.
		kgo.FetchMaxWait(500 * time.Millisecond),
	}
	if c.static {
		opts = append(opts, kgo.InstanceID(c.instanceID))
	}
	ms := func(k string) time.Duration {
		n, _ := strconv.Atoi(c.consumerProps[k])
		return time.Duration(n) * time.Millisecond
	}
	if _, ok := c.consumerProps["session.timeout.ms"]; ok {
		opts = append(opts, kgo.SessionTimeout(ms("session.timeout.ms")))
	}
	if _, ok := c.consumerProps["heartbeat.interval.ms"]; ok {
		opts = append(opts, kgo.HeartbeatInterval(ms("heartbeat.interval.ms")))
	}
	if _, ok := c.consumerProps["max.poll.interval.ms"]; ok {
		opts = append(opts, kgo.RebalanceTimeout(ms("max.poll.interval.ms")))
	}
	sec, err := c.securityOpts()
	if err != nil {
		return nil, err
	}
	return append(opts, sec...), nil
}

// securityOpts maps librdkafka's security.protocol, sasl.* and ssl.*
// properties onto kgo's TLS dialer and SASL mechanisms.
func (c *config) securityOpts() ([]kgo.Opt, error) {
	x := c.kafka.Extra
	proto := strings.ToUpper(x["security.protocol"])
	var opts []kgo.Opt
	switch proto {
	case "", "PLAINTEXT":
	case "SSL", "SASL_SSL":
		tc, err := tlsConfig(x)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	case "SASL_PLAINTEXT":
	default:
		return nil, fmt.Errorf("%w: kafka property security.protocol = %q: want PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", ErrInvalidOption, x["security.protocol"])
	}
	for _, k := range sortedKeys(x) {
		switch {
		case strings.HasPrefix(k, "ssl.") && proto != "SSL" && proto != "SASL_SSL",
			strings.HasPrefix(k, "sasl.") && !strings.HasPrefix(proto, "SASL_"):
			return nil, fmt.Errorf("%w: kafka property %q is set but security.protocol is %q", ErrInvalidOption, k, x["security.protocol"])
		}
	}
	if !strings.HasPrefix(proto, "SASL_") {
		return opts, nil
	}
	mech := x["sasl.mechanism"]
	if mech == "" {
		mech = x["sasl.mechanisms"]
	}
	user, pass := x["sasl.username"], x["sasl.password"]
	var m sasl.Mechanism
	switch strings.ToUpper(mech) {
	case "", "PLAIN":
		m = plain.Auth{User: user, Pass: pass}.AsMechanism()
	case "SCRAM-SHA-256":
		m = scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()
	case "SCRAM-SHA-512":
		m = scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()
	default:
		return nil, fmt.Errorf("%w: kafka property sasl.mechanism = %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", ErrInvalidOption, mech)
	}
	return append(opts, kgo.SASL(m)), nil
}

func tlsConfig(x map[string]string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	switch v := x["ssl.endpoint.identification.algorithm"]; v {
	case "", "https":
	case "none":
		// librdkafka's way of turning host name verification off while
		// still verifying the chain; crypto/tls can only skip both, so
		// the chain is verified here.
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("verifying broker certificate: none presented")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: tc.RootCAs, Intermediates: inter})
			if err != nil {
				return fmt.Errorf("verifying broker certificate: %w", err)
			}
			return nil
		}
	default:
		return nil, fmt.Errorf("%w: kafka property ssl.endpoint.identification.algorithm = %q: want https or none", ErrInvalidOption, v)
	}
	if ca := x["ssl.ca.location"]; ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("%w: kafka property ssl.ca.location: reading %s: %w", ErrInvalidOption, ca, err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: kafka property ssl.ca.location: %s holds no PEM certificate", ErrInvalidOption, ca)
		}
	}
	cert, key := x["ssl.certificate.location"], x["ssl.key.location"]
	if (cert == "") != (key == "") {
		return nil, fmt.Errorf("%w: kafka properties ssl.certificate.location and ssl.key.location must be set together", ErrInvalidOption)
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("%w: kafka properties ssl.certificate.location/ssl.key.location: %w", ErrInvalidOption, err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	return tc, nil
}

// partitioner writes changelog records to the partition they name
// (changelog partition p holds input partition p's state) and places
// outputs by Kafka's murmur2 of the key, as librdkafka's murmur2_random and
// the Java client do; records without a key (some dead letters) go
// sticky.
type partitioner struct{ changelog string }

func (p partitioner) ForTopic(topic string) kgo.TopicPartitioner {
	if topic == p.changelog {
		return kgo.ManualPartitioner().ForTopic(topic)
	}
	return kgo.StickyKeyPartitioner(nil).ForTopic(topic)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// kgoLogger forwards kgo's warnings and errors to zap; its info level logs
// every transaction.
type kgoLogger struct{ l *zap.Logger }

func (k kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (k kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	fields := make([]zap.Field, 0, len(keyvals)/2)
	for i := 0; i+1 < len(keyvals); i += 2 {
		fields = append(fields, zap.Any(fmt.Sprint(keyvals[i]), keyvals[i+1]))
	}
	switch level {
	case kgo.LogLevelError:
		k.l.Error(msg, fields...)
	case kgo.LogLevelWarn:
		k.l.Warn(msg, fields...)
	default:
		k.l.Debug(msg, fields...)
	}
}
