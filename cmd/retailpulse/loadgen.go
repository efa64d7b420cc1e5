package main

import (
	"github.com/spf13/cobra"

	"github.com/retailpulse/retailpulse/sidecars/loadgen"
)

func newLoadgenCommand() *cobra.Command {
	var o loadgen.Options
	cmd := &cobra.Command{
		Use:   "loadgen",
		Short: "Drive realistic shopper sessions into the REST proxy and report achieved rate and latency",
		Long: `Generate storefront traffic against a running REST proxy: synthetic shopper sessions (views,
clicks, carts, purchases, searches) or a replay of the REES46 clickstream slice (--source <csv.gz>),
at a target rate or as fast as possible. Prints a live progress line and, at the end, the achieved
event and request rates and latency percentiles.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := loadgen.Run(cmd.Context(), o, cmd.OutOrStdout())
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", "http://127.0.0.1:8082", "REST proxy base URL")
	f.StringVar(&o.API, "api", loadgen.APIv2, "API to drive: v2, v3 or sdk")
	f.StringVar(&o.Topic, "topic", "user-events", "event topic")
	f.Float64Var(&o.Rate, "rate", 0, "target events per second; 0 = as fast as possible")
	f.DurationVar(&o.Duration, "duration", 0, "how long to run (default 30s unless --events is set)")
	f.Int64Var(&o.Events, "events", 0, "stop after this many events")
	f.IntVar(&o.BatchSize, "batch", 1, "events per request")
	f.IntVar(&o.Concurrency, "concurrency", 64, "parallel connections")
	f.IntVar(&o.Users, "users", 10000, "synthetic shopper population")
	f.IntVar(&o.Items, "items", 5000, "synthetic catalog size")
	f.StringVar(&o.Source, "source", loadgen.SourceSynthetic, "synthetic, or a REES46 CSV(.gz) path to replay")
	f.StringVar(&o.APIKey, "api-key", "", "API key sent as X-API-Key")
	f.Int64Var(&o.Seed, "seed", 0, "random seed; 0 = time-based")
	return cmd
}
