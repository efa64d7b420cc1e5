package rules

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/retailpulse/retailpulse/internal/metrics"
)

// metrics are the edge-rule series; labels are rule names from the file,
// which are bounded by the file, never by traffic.
type ruleMetrics struct {
	matches *prometheus.CounterVec
	errors  *prometheus.CounterVec
	reloads *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *ruleMetrics {
	f := metrics.Factory(reg)
	return &ruleMetrics{
		matches: f.CounterVec("restproxy", "rule_matches_total",
			"Events matched by an edge rule, by rule and action (drop, dlq, tag).", "rule", "action"),
		errors: f.CounterVec("restproxy", "rule_errors_total",
			"Edge-rule expressions that failed at run time (counted as no match), by rule.", "rule"),
		reloads: f.CounterVec("restproxy", "rule_reloads_total",
			"Rule file reloads, by result (ok, refused).", "result"),
	}
}
