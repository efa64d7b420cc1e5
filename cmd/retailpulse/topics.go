package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/topics"
)

func newTopicsCommand(e *env) *cobra.Command {
	var bootstrap string
	var partitions, replication int
	cmd := &cobra.Command{
		Use:   "topics",
		Short: "Create the blueprint's topics on a Kafka cluster (what up does at start; compose runs it once)",
		Long: `Create every topic of the blueprint that does not exist yet, with its settings (compacted state
topics, single-partition _schemas and connect-configs, retention of the event topics), and check
the ones that do. Idempotent: running it again changes nothing. Prints one line per topic.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kc := kclient.Config{Bootstrap: bootstrap}
			if err := kc.Validate(); err != nil {
				return fmt.Errorf("checking --kafka-bootstrap: %w", err)
			}
			p := topics.NewProvisioner(kc, topics.Blueprint(topics.Layout{Partitions: partitions, ReplicationFactor: replication}), e.logger)
			if err := p.Start(cmd.Context()); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			for _, r := range p.Results {
				state := "exists"
				if r.Created {
					state = "created"
				}
				fmt.Fprintf(tw, "%s\t%d partitions\t%s\n", r.Name, r.Partitions, state)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&bootstrap, "kafka-bootstrap", "127.0.0.1:9092", "bootstrap servers of the cluster")
	cmd.Flags().IntVar(&partitions, "partitions", 6, "partitions of user-events and the feature topics")
	cmd.Flags().IntVar(&replication, "replication-factor", 1, "replication factor of every topic")
	return cmd
}
