package main

import (
	"net"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/lifecycle"
	"github.com/retailpulse/retailpulse/schema-registry/server"
)

// registryFlags configure the embedded Schema Registry, shared by `up` and
// `schema-registry`.
type registryFlags struct {
	port  int
	users map[string]string
}

func (r *registryFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&r.port, "schema-registry-port", 8081, "port of the Schema Registry API")
	fs.StringToStringVar(&r.users, "schema-registry-users", nil,
		"require HTTP basic auth with these user=password pairs (clients pass basic.auth.user.info); off when empty")
}

func (r *registryFlags) service(e *env, kc kclient.Config, host string, rf int) *server.Service {
	return server.NewService(server.ServiceConfig{
		Kafka:             kc,
		Addr:              net.JoinHostPort(host, strconv.Itoa(r.port)),
		ReplicationFactor: rf,
		BasicAuth:         r.users,
		Logger:            e.logger,
		Metrics:           e.registry,
		Version:           version,
	})
}

func newSchemaRegistryCommand(e *env) *cobra.Command {
	var rf registryFlags
	var sf sidecarFlags
	var replication int
	cmd := &cobra.Command{
		Use:   "schema-registry",
		Short: "Run the Confluent-compatible Schema Registry alone (state in the _schemas topic)",
		Long: `Run only the Schema Registry against a Kafka cluster. It speaks the Confluent Schema Registry
REST API (subjects, versions, ids, compatibility, config, mode, deletes, references) and keeps
its state in the compacted, single-partition _schemas topic in upstream's record format, so
several registry processes on the same topic agree and a restart keeps every id.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return sf.run(cmd, e, func(kc kclient.Config) (lifecycle.Component, error) {
				return rf.service(e, kc, sf.listenHost, replication), nil
			})
		},
	}
	rf.register(cmd.Flags())
	sf.register(cmd.Flags())
	cmd.Flags().IntVar(&replication, "replication-factor", 1, "replication factor of _schemas when the registry creates it")
	return cmd
}
