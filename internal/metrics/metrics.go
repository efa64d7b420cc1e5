// Package metrics holds the Prometheus plumbing every component shares: one
// registry per process, created in main and passed down, so tests can build
// isolated registries and nothing registers into the global default.
package metrics

import (
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every product metric: retailpulse_<component>_<what>_<unit>.
const Namespace = "retailpulse"

// NewRegistry returns a registry with the Go runtime and process collectors,
// plus a build-info gauge so dashboards can show which version is running.
func NewRegistry(version string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace:   Namespace,
		Name:        "build_info",
		Help:        "Build information of the running retailpulse binary; always 1.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	info.Set(1)
	reg.MustRegister(info)
	return reg
}

// Handler serves reg in the Prometheus exposition format. Errors while
// gathering are reported in the response rather than failing the scrape.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:          reg,
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}

// Factory returns a promauto-style factory bound to reg, so a component
// declares its metrics in one place and registers them into the injected
// registry. A nil reg gives a factory that registers nowhere (for tests).
func Factory(reg prometheus.Registerer) Registerer {
	return Registerer{reg: reg}
}

// Registerer creates and registers metrics with the component's subsystem.
type Registerer struct{ reg prometheus.Registerer }

// register adds c to the registry, or returns the collector already
// registered under the same name and labels: several instances of one
// component (the HTTP servers of one process, say) then share a metric and
// tell themselves apart by label. A conflicting definition still panics, as
// that is a programming error.
func register[C prometheus.Collector](r Registerer, c C) C {
	if r.reg == nil {
		return c
	}
	if err := r.reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

// CounterVec declares a counter vector under retailpulse_<subsystem>_<name>.
func (r Registerer) CounterVec(subsystem, name, help string, labels ...string) *prometheus.CounterVec {
	return register(r, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Subsystem: subsystem, Name: name, Help: help}, labels))
}

// GaugeVec declares a gauge vector under retailpulse_<subsystem>_<name>.
func (r Registerer) GaugeVec(subsystem, name, help string, labels ...string) *prometheus.GaugeVec {
	return register(r, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Subsystem: subsystem, Name: name, Help: help}, labels))
}

// HistogramVec declares a histogram vector under retailpulse_<subsystem>_<name>.
// Nil buckets mean latency buckets from 0.5 ms to ~16 s.
func (r Registerer) HistogramVec(subsystem, name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	if buckets == nil {
		buckets = prometheus.ExponentialBuckets(0.0005, 2, 16)
	}
	return register(r, prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Subsystem: subsystem, Name: name, Help: help, Buckets: buckets}, labels))
}
