package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/lifecycle"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/schemacli"
	"github.com/retailpulse/retailpulse/sidecars/aggregator"
	"github.com/retailpulse/retailpulse/sidecars/broker"
	"github.com/retailpulse/retailpulse/sidecars/connect"
	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

type upFlags struct {
	kafka       kafkaFlags
	bootstrap   string
	registry    registryFlags
	registryURL string
	userInfo    string
	restproxy   restproxyFlags
	connect     connectFlags
	aggregator  aggregatorFlags
}

func newUpCommand(e *env) *cobra.Command {
	var f upFlags
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run all of retailpulse in one process: broker, topics and every sidecar",
		Long: `Run the whole system on this machine with nothing else installed.

Starts, in order and each only once the previous one is healthy: the embedded Kafka-protocol
broker (unless --kafka-bootstrap points at a real cluster), then creates the blueprint's topics
(idempotently), then the sidecars. Prints one line per endpoint when everything is up.
SIGINT/SIGTERM drain and stop cleanly; a second signal exits at once. State lives under
--data-dir, so a second 'up' on the same directory finds everything the first one left.

Every flag can also be set with a RETAILPULSE_* environment variable or a key in the YAML file
named by --config. Precedence: flag, then environment, then file, then default.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := f.group(e)
			if err != nil {
				return err
			}
			return runGroup(cmd, e, g)
		},
	}
	f.kafka.register(cmd.Flags())
	cmd.Flags().StringVar(&f.bootstrap, "kafka-bootstrap", "", "bootstrap servers (host:port,...) of an existing Kafka cluster; skips the embedded broker")
	f.registry.register(cmd.Flags())
	f.restproxy.register(cmd.Flags())
	f.connect.register(cmd.Flags())
	f.aggregator.register(cmd.Flags())
	cmd.Flags().StringVar(&f.registryURL, "schema-registry-url", "", "URL of an existing Schema Registry; skips the embedded one")
	cmd.Flags().StringVar(&f.userInfo, "schema-registry-user-info", "", "user:password for --schema-registry-url, as basic.auth.user.info")
	return cmd
}

func (f *upFlags) group(e *env) (*lifecycle.Group, error) {
	g := lifecycle.NewGroup(e.logger, f.kafka.readyTimeout)
	kc := kclient.Config{Bootstrap: f.bootstrap}
	if f.bootstrap == "" {
		b, err := f.kafka.broker(e)
		if err != nil {
			return nil, err
		}
		g.Add(broker.Component(b))
		kc.Bootstrap = net.JoinHostPort(f.kafka.advertised(), strconv.Itoa(f.kafka.port))
	}
	if err := kc.Validate(); err != nil {
		return nil, fmt.Errorf("checking --kafka-bootstrap: %w", err)
	}
	g.Add(topics.NewProvisioner(kc, topics.Blueprint(f.kafka.layout()), e.logger))

	registryURL, userInfo := f.registryURL, f.userInfo
	if registryURL == "" {
		svc := f.registry.service(e, kc, f.kafka.listenHost, 1)
		g.Add(svc)
		registryURL = "http://" + net.JoinHostPort(f.kafka.advertised(), strconv.Itoa(f.registry.port))
		for u, p := range f.registry.users {
			userInfo = u + ":" + p // any configured user may register
			break
		}
	}
	g.Add(schemacli.NewProvisioner(registryURL, userInfo, e.logger))

	proxy, err := f.restproxy.proxy(e, kc, f.kafka.listenHost, registryURL, userInfo)
	if err != nil {
		return nil, err
	}
	g.Add(restproxy.Component(proxy))

	worker, err := f.connect.worker(e, kc, f.kafka.listenHost, registryURL)
	if err != nil {
		return nil, err
	}
	g.Add(connect.Component(worker))

	agg, err := f.aggregator.aggregator(e, kc, registryURL, userInfo)
	if err != nil {
		return nil, err
	}
	g.Add(aggregator.Component(agg))
	return g, nil
}

// runGroup starts g, prints its endpoints, waits for a signal and stops g.
func runGroup(cmd *cobra.Command, e *env, g *lifecycle.Group) error {
	ctx := cmd.Context()
	if err := g.Start(ctx); err != nil {
		return err
	}
	printEndpoints(cmd.OutOrStdout(), g.Endpoints())
	<-ctx.Done()
	fmt.Fprintln(cmd.OutOrStdout(), "stopping...")
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := g.Stop(stopCtx); err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), "stopped")
	return nil
}

func printEndpoints(w io.Writer, eps []lifecycle.Endpoint) {
	fmt.Fprintln(w, "retailpulse is up (Ctrl-C to stop)")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, ep := range eps {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", ep.Name, ep.Addr, ep.Note)
	}
	_ = tw.Flush()
}
