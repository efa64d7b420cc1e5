package main

import (
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/lifecycle"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/aggregator"
)

// aggregatorFlags configure the aggregator, shared by `up` and `aggregator`.
type aggregatorFlags struct {
	instanceID     string
	windowSize     time.Duration
	hop            time.Duration
	grace          time.Duration
	sessionTimeout time.Duration
	commitInterval time.Duration
	idleAdvance    time.Duration
}

func (a *aggregatorFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&a.instanceID, "aggregator-instance-id", "", "stable, unique id of this aggregator process; names its transactional.id (default: host name)")
	fs.DurationVar(&a.windowSize, "window-size", 30*time.Second, "event-time window length (epoch-aligned)")
	fs.DurationVar(&a.hop, "window-hop", 0, "hop of hopping windows; 0 = tumbling (the hop must divide the size)")
	fs.DurationVar(&a.grace, "grace", 10*time.Second, "how long past its end a window accepts late events before it closes")
	fs.DurationVar(&a.sessionTimeout, "session-timeout", 30*time.Minute, "inactivity that ends a shopper session")
	fs.DurationVar(&a.commitInterval, "commit-interval", 100*time.Millisecond, "length of one exactly-once transaction (outputs + changelog + input offsets)")
	fs.DurationVar(&a.idleAdvance, "idle-advance", time.Second, "advance a quiet partition's event-time clock with wall time after this long, so its windows still close; 0 = pure event time")
}

func (a *aggregatorFlags) aggregator(e *env, kc kclient.Config, registryURL, userInfo string, extra ...aggregator.Option) (*aggregator.Aggregator, error) {
	var copts []serde.ClientOption
	if userInfo != "" {
		copts = append(copts, serde.WithBasicAuth(userInfo))
	}
	reg, err := serde.NewClient(registryURL, copts...)
	if err != nil {
		return nil, err
	}
	opts := []aggregator.Option{
		aggregator.WithKafka(kc),
		aggregator.WithRegistry(reg),
		aggregator.WithWindowSize(a.windowSize),
		aggregator.WithHop(a.hop),
		aggregator.WithGrace(a.grace),
		aggregator.WithSessionTimeout(a.sessionTimeout),
		aggregator.WithCommitInterval(a.commitInterval),
		aggregator.WithIdleAdvance(a.idleAdvance),
		aggregator.WithLogger(e.logger.Named("aggregator")),
		aggregator.WithMetrics(e.registry),
	}
	if a.instanceID != "" {
		opts = append(opts, aggregator.WithInstanceID(a.instanceID))
	}
	return aggregator.New(append(opts, extra...)...)
}

func newAggregatorCommand(e *env) *cobra.Command {
	var af aggregatorFlags
	var sf sidecarFlags
	var port int
	var registryURL, userInfo string
	cmd := &cobra.Command{
		Use:   "aggregator",
		Short: "Run the behaviour aggregator alone: 30 s event-time windows, exactly once",
		Long: `Consume user-events (group aggregator), keep per-user windows and per-session state backed by
a compacted changelog, and emit BehaviorAggregate to recommendation-input, SessionFeatures to
session-features and ProfileUpdate to profile-updates. Outputs, changelog and input offsets commit
in one Kafka transaction per commit interval. Run several with distinct --aggregator-instance-id
to share the partitions; /health and /metrics are served on --aggregator-port.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return sf.run(cmd, e, func(kc kclient.Config) (lifecycle.Component, error) {
				a, err := af.aggregator(e, kc, registryURL, userInfo,
					aggregator.WithHTTPAddr(net.JoinHostPort(sf.listenHost, strconv.Itoa(port))))
				if err != nil {
					return nil, err
				}
				return aggregator.Component(a), nil
			})
		},
	}
	af.register(cmd.Flags())
	sf.register(cmd.Flags())
	cmd.Flags().IntVar(&port, "aggregator-port", 8084, "port of the aggregator's /health and /metrics")
	cmd.Flags().StringVar(&registryURL, "schema-registry-url", "http://127.0.0.1:8081", "Schema Registry base URL")
	cmd.Flags().StringVar(&userInfo, "schema-registry-user-info", "", "user:password for the registry, as basic.auth.user.info")
	return cmd
}
