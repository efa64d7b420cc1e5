package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/lifecycle"
)

// sidecarFlags are what every single-sidecar command needs to find Kafka and
// where to listen.
type sidecarFlags struct {
	bootstrap  string
	listenHost string
}

func (s *sidecarFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&s.bootstrap, "kafka-bootstrap", "127.0.0.1:9092", "bootstrap servers (host:port,...) of the Kafka cluster")
	fs.StringVar(&s.listenHost, "listen-host", "127.0.0.1", "host/IP the sidecar's HTTP API binds")
}

// run validates the Kafka settings, builds the sidecar and runs it until a
// signal, like `up` does for all of them.
func (s *sidecarFlags) run(cmd *cobra.Command, e *env, build func(kc kclient.Config) (lifecycle.Component, error)) error {
	kc := kclient.Config{Bootstrap: s.bootstrap}
	if err := kc.Validate(); err != nil {
		return fmt.Errorf("checking --kafka-bootstrap: %w", err)
	}
	c, err := build(kc)
	if err != nil {
		return err
	}
	g := lifecycle.NewGroup(e.logger, readyTimeoutDefault)
	g.Add(c)
	return runGroup(cmd, e, g)
}
