package registry

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/retailpulse/retailpulse/internal/metrics"
)

const subsystem = "schema_registry"

// registryMetrics are every metric of the schema registry component. HTTP
// requests by route and status code come from internal/httpx.
type registryMetrics struct {
	// schemas is the number of ids a subject version (live or soft-deleted)
	// holds; subjects the number of subjects with any version.
	schemas  prometheus.Gauge
	subjects prometheus.Gauge
	// applied counts log records applied, by keytype; skipped counts records
	// not applied, by reason (corrupt, foreign, conflict).
	applied *prometheus.CounterVec
	skipped *prometheus.CounterVec
	// lag is the number of log records written but not applied yet.
	lag prometheus.Gauge
	// checks counts compatibility checks, by result (compatible,
	// incompatible) and by caller (register, check).
	checks *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *registryMetrics {
	f := metrics.Factory(reg)
	return &registryMetrics{
		schemas: f.GaugeVec(subsystem, "schemas",
			"Schema ids held by at least one subject version, soft-deleted included.").WithLabelValues(),
		subjects: f.GaugeVec(subsystem, "subjects",
			"Subjects with at least one version, soft-deleted included.").WithLabelValues(),
		applied: f.CounterVec(subsystem, "log_records_applied_total",
			"_schemas records applied to the registry state, by keytype.", "keytype"),
		skipped: f.CounterVec(subsystem, "log_records_skipped_total",
			"_schemas records not applied, by reason: corrupt, foreign (unknown keytype) or conflict "+
				"(an id or version another writer took first).", "reason"),
		lag: f.GaugeVec(subsystem, "log_apply_lag_records",
			"_schemas records written but not yet applied by this process.").WithLabelValues(),
		checks: f.CounterVec(subsystem, "compatibility_checks_total",
			"Compatibility checks, by result (compatible, incompatible) and caller (register, check).",
			"result", "caller"),
	}
}

func (m *registryMetrics) check(compatible bool, caller string) {
	result := "compatible"
	if !compatible {
		result = "incompatible"
	}
	m.checks.WithLabelValues(result, caller).Inc()
}
