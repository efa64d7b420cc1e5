package main

import (
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/lifecycle"
	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

// restproxyFlags configure the REST proxy, shared by `up` and `restproxy`.
type restproxyFlags struct {
	port          int
	rulesFile     string
	rules         bool
	fastLane      bool
	bodyLimit     int64
	maxInFlight   int64
	queueWait     time.Duration
	produceTimout time.Duration
	corsOrigins   []string
	apiKeys       map[string]string
}

func (r *restproxyFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&r.port, "restproxy-port", 8082, "port of the REST Proxy API (v2, v3 and the SDK beacon path)")
	fs.StringVar(&r.rulesFile, "rules-file", "", "YAML file of edge rules (CEL); reloaded on change; empty runs the built-in rules")
	fs.BoolVar(&r.rules, "rules", true, "run edge rules at all (false: validate and produce only)")
	fs.BoolVar(&r.fastLane, "restproxy-fast-lane", true, "serve small plain produce requests in the HTTP fast lane (false: net/http for everything)")
	fs.Int64Var(&r.bodyLimit, "restproxy-body-limit", 16<<20, "largest request body in bytes, also after gzip decoding (413 above)")
	fs.Int64Var(&r.maxInFlight, "restproxy-max-inflight", 64<<20, "bytes awaiting Kafka acknowledgement before requests wait, then get 429")
	fs.DurationVar(&r.queueWait, "restproxy-queue-wait", 2*time.Second, "how long a request waits for in-flight budget before 429")
	fs.DurationVar(&r.produceTimout, "restproxy-produce-timeout", 30*time.Second, "how long a record may wait for Kafka's acknowledgement before 503")
	fs.StringSliceVar(&r.corsOrigins, "restproxy-cors-origins", nil, "browser origins allowed by CORS (e.g. https://shop.example); empty disables CORS")
	fs.StringToStringVar(&r.apiKeys, "restproxy-api-keys", nil, "require API keys: key=storefront pairs (header X-API-Key or ?api_key= for beacons); off when empty")
}

func (r *restproxyFlags) proxy(e *env, kc kclient.Config, host, registryURL, userInfo string) (*restproxy.Proxy, error) {
	opts := []restproxy.Option{
		restproxy.WithAddr(net.JoinHostPort(host, strconv.Itoa(r.port))),
		restproxy.WithKafka(kc),
		restproxy.WithSchemaRegistry(registryURL),
		restproxy.WithLogger(e.logger.Named("restproxy")),
		restproxy.WithMetrics(e.registry),
		restproxy.WithBodyLimit(r.bodyLimit),
		restproxy.WithMaxInFlightBytes(r.maxInFlight),
		restproxy.WithQueueWait(r.queueWait),
		restproxy.WithProduceTimeout(r.produceTimout),
	}
	if userInfo != "" {
		opts = append(opts, restproxy.WithSchemaRegistryAuth(userInfo))
	}
	switch {
	case !r.rules:
		opts = append(opts, restproxy.WithoutRules())
	case r.rulesFile != "":
		opts = append(opts, restproxy.WithRulesFile(r.rulesFile))
	}
	if len(r.corsOrigins) > 0 {
		opts = append(opts, restproxy.WithCORSOrigins(r.corsOrigins...))
	}
	if len(r.apiKeys) > 0 {
		keys := make(map[string]restproxy.APIKey, len(r.apiKeys))
		for k, storefront := range r.apiKeys {
			keys[k] = restproxy.APIKey{Storefront: storefront}
		}
		opts = append(opts, restproxy.WithAPIKeys(keys))
	}
	if !r.fastLane {
		opts = append(opts, restproxy.WithoutFastLane())
	}
	return restproxy.New(opts...)
}

func newRestproxyCommand(e *env) *cobra.Command {
	var rf restproxyFlags
	var sf sidecarFlags
	var registryURL, userInfo string
	cmd := &cobra.Command{
		Use:   "restproxy",
		Short: "Run the Confluent REST Proxy-compatible ingest alone (v2, v3, SDK beacons, edge rules)",
		Long: `Run only the ingest edge: Confluent REST Proxy v2 and v3 produce APIs plus a sendBeacon-friendly
SDK path. Events for user-events are validated against the registered UserEvent schema, keyed
by user_id, filtered by the CEL edge rules (rejects go to user-events-dlq) and acknowledged only
after Kafka has them (acks=all, idempotent producer).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return sf.run(cmd, e, func(kc kclient.Config) (lifecycle.Component, error) {
				p, err := rf.proxy(e, kc, sf.listenHost, registryURL, userInfo)
				if err != nil {
					return nil, err
				}
				return restproxy.Component(p), nil
			})
		},
	}
	rf.register(cmd.Flags())
	sf.register(cmd.Flags())
	cmd.Flags().StringVar(&registryURL, "schema-registry-url", "http://127.0.0.1:8081", "Schema Registry base URL")
	cmd.Flags().StringVar(&userInfo, "schema-registry-user-info", "", "user:password for the registry, as basic.auth.user.info")
	return cmd
}
