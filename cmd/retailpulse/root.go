package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/config"
	"github.com/retailpulse/retailpulse/internal/logging"
	"github.com/retailpulse/retailpulse/internal/metrics"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// env is what every subcommand gets from the root: built once, after flags,
// environment and config file have been applied.
type env struct {
	logger   *zap.Logger
	registry *prometheus.Registry
}

type rootFlags struct {
	configFile string
	logLevel   string
	logFormat  string
}

func newRootCommand() *cobra.Command {
	var rf rootFlags
	e := &env{}
	root := &cobra.Command{
		Use:           "retailpulse",
		Short:         "Real-time retail insight on Kafka: ingest, schemas, windows, feature tiers, recommendations",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&rf.configFile, config.FileFlag, "", "YAML file of settings; keys are long flag names (data-dir: ./data)")
	pf.StringVar(&rf.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.StringVar(&rf.logFormat, "log-format", "auto", "log format: auto (console on a terminal, JSON otherwise), json or console")

	root.AddCommand(newUpCommand(e), newBrokerCommand(e), newSchemaRegistryCommand(e), newSchemasCommand(), newTopicsCommand(e),
		newRestproxyCommand(e), newLoadgenCommand(), newConnectCommand(e), newAggregatorCommand(e))

	known := map[string]bool{}
	for _, c := range append(root.Commands(), root) {
		c.Flags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
	}
	for _, c := range root.Commands() {
		config.Document(c.Flags())
	}
	config.Document(pf)

	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := config.Apply(cmd.Flags(), known); err != nil {
			return err
		}
		logger, err := logging.New(logging.Options{Level: rf.logLevel, Format: logging.Format(rf.logFormat)})
		if err != nil {
			return err
		}
		e.logger = logger
		e.registry = metrics.NewRegistry(version)
		return nil
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if e.logger != nil {
			_ = e.logger.Sync()
		}
	}
	return root
}
