package main

import (
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/lifecycle"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/sidecars/broker"
)

// readyTimeoutDefault bounds how long one component may take to get healthy.
const readyTimeoutDefault = 60 * time.Second

// kafkaFlags are the settings of the embedded broker and the topic layout,
// shared by `up` and `broker`.
type kafkaFlags struct {
	dataDir      string
	listenHost   string
	port         int
	syncWrites   bool
	partitions   int
	readyTimeout time.Duration
}

func (k *kafkaFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&k.dataDir, "data-dir", "./data", "directory for all persistent state (the embedded broker keeps its log in <data-dir>/kafka)")
	fs.StringVar(&k.listenHost, "listen-host", "127.0.0.1", "host/IP every listener binds; use 0.0.0.0 to accept remote clients (then configure auth)")
	fs.IntVar(&k.port, "kafka-port", 9092, "port of the embedded Kafka-protocol broker")
	fs.BoolVar(&k.syncWrites, "kafka-sync-writes", false, "fsync every produced batch (survives power loss, much slower; a process crash loses nothing either way)")
	fs.IntVar(&k.partitions, "partitions", 6, "partitions of user-events and the feature topics when they are created")
	fs.DurationVar(&k.readyTimeout, "ready-timeout", readyTimeoutDefault, "how long each component may take to become healthy at start")
}

func (k *kafkaFlags) broker(e *env) (*broker.Broker, error) {
	return broker.New(
		broker.WithListenAddr(net.JoinHostPort(k.listenHost, strconv.Itoa(k.port))),
		broker.WithDataDir(filepath.Join(k.dataDir, "kafka")),
		broker.WithSyncWrites(k.syncWrites),
		broker.WithLogger(e.logger.Named("broker")),
	)
}

func (k *kafkaFlags) layout() topics.Layout {
	return topics.Layout{Partitions: k.partitions, ReplicationFactor: 1}
}

func newBrokerCommand(e *env) *cobra.Command {
	var kf kafkaFlags
	var createTopics bool
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run the embedded Kafka-protocol broker alone (persistent, on 127.0.0.1:9092 by default)",
		Long: `Run only the embedded broker: a single-node Kafka-protocol broker (franz-go kfake) with its
log, topic configs and committed offsets persisted under <data-dir>/kafka. Any Kafka client
(librdkafka/kcat, Java, franz-go) can produce, consume, use groups and transactions against it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := kf.broker(e)
			if err != nil {
				return err
			}
			g := lifecycle.NewGroup(e.logger, kf.readyTimeout)
			g.Add(broker.Component(b))
			if createTopics {
				kc := kclient.Config{Bootstrap: net.JoinHostPort(kf.advertised(), strconv.Itoa(kf.port))}
				g.Add(topics.NewProvisioner(kc, topics.Blueprint(kf.layout()), e.logger))
			}
			return runGroup(cmd, e, g)
		},
	}
	kf.register(cmd.Flags())
	cmd.Flags().BoolVar(&createTopics, "create-topics", true, "create the blueprint's topics at start (idempotent)")
	return cmd
}

// advertised is the host clients of this process dial to reach a listener
// bound to listenHost.
func (k *kafkaFlags) advertised() string {
	if ip := net.ParseIP(k.listenHost); k.listenHost == "" || (ip != nil && ip.IsUnspecified()) {
		return "127.0.0.1"
	}
	return k.listenHost
}
