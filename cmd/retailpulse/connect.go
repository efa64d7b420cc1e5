package main

import (
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/lifecycle"
	"github.com/retailpulse/retailpulse/sidecars/connect"
)

// connectFlags configure the Connect worker, shared by `up` and `connect`.
type connectFlags struct {
	port          int
	advertisedURL string
	groupID       string
	flushInterval time.Duration
	autoRestart   bool
}

func (c *connectFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&c.port, "connect-port", 8083, "port of the Kafka Connect REST API")
	fs.StringVar(&c.advertisedURL, "connect-advertised-url", "", "URL other workers use to reach this one (default: derived from the listener)")
	fs.StringVar(&c.groupID, "connect-group-id", "retailpulse-connect", "workers with the same group id and internal topics form one Connect cluster")
	fs.DurationVar(&c.flushInterval, "connect-offset-flush-interval", 10*time.Second, "how often sink tasks flush and commit their consumer offsets (offset.flush.interval.ms)")
	fs.BoolVar(&c.autoRestart, "connect-task-restart", true, "restart FAILED connectors and tasks on their own with bounded backoff")
}

func (c *connectFlags) worker(e *env, kc kclient.Config, host, registryURL string) (*connect.Worker, error) {
	opts := []connect.Option{
		connect.WithKafka(kc),
		connect.WithListenAddr(net.JoinHostPort(host, strconv.Itoa(c.port))),
		connect.WithGroupID(c.groupID),
		connect.WithOffsetFlushInterval(c.flushInterval),
		connect.WithTaskAutoRestart(c.autoRestart, time.Second, time.Minute),
		connect.WithLogger(e.logger),
		connect.WithMetrics(e.registry),
		connect.WithVersion(version, ""),
	}
	if registryURL != "" {
		opts = append(opts, connect.WithSchemaRegistryURL(registryURL))
	}
	if c.advertisedURL != "" {
		opts = append(opts, connect.WithAdvertisedURL(c.advertisedURL))
	}
	return connect.New(opts...)
}

func newConnectCommand(e *env) *cobra.Command {
	var cf connectFlags
	var sf sidecarFlags
	var registryURL string
	cmd := &cobra.Command{
		Use:   "connect",
		Short: "Run a Kafka Connect-compatible worker alone (REST API on 8083, state in connect-* topics)",
		Long: `Run one Connect worker. It serves the Apache Kafka Connect REST API, keeps connector configs,
status and source offsets in connect-configs, connect-status and connect-offsets in upstream's
record formats, and runs the built-in plugins (RedisSink, CassandraSink, HBaseSink, FileStreamSink,
GeneratorSource, the standard converters and transforms). Start several with the same --connect-group-id to form a
cluster: any worker answers, writes go to the leader, and work moves when a worker dies.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return sf.run(cmd, e, func(kc kclient.Config) (lifecycle.Component, error) {
				w, err := cf.worker(e, kc, sf.listenHost, registryURL)
				if err != nil {
					return nil, err
				}
				return connect.Component(w), nil
			})
		},
	}
	cf.register(cmd.Flags())
	sf.register(cmd.Flags())
	cmd.Flags().StringVar(&registryURL, "schema-registry-url", "http://127.0.0.1:8081", "Schema Registry for the Avro converter (empty: JSON values by default)")
	return cmd
}
