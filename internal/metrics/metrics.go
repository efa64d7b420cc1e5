// Package metrics holds the Prometheus plumbing every component shares: one
// registry per process, created in main and passed down, so tests can build
// isolated registries and nothing registers into the global default.
package metrics

import (
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

func (r Registerer) register(c prometheus.Collector) {
	if r.reg != nil {
		r.reg.MustRegister(c)
	}
}

// CounterVec declares a counter vector under retailpulse_<subsystem>_<name>.
func (r Registerer) CounterVec(subsystem, name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Subsystem: subsystem, Name: name, Help: help}, labels)
	r.register(c)
	return c
}

// GaugeVec declares a gauge vector under retailpulse_<subsystem>_<name>.
func (r Registerer) GaugeVec(subsystem, name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Subsystem: subsystem, Name: name, Help: help}, labels)
	r.register(g)
	return g
}

// HistogramVec declares a histogram vector under retailpulse_<subsystem>_<name>.
// Nil buckets mean latency buckets from 0.5 ms to ~16 s.
func (r Registerer) HistogramVec(subsystem, name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	if buckets == nil {
		buckets = prometheus.ExponentialBuckets(0.0005, 2, 16)
	}
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Subsystem: subsystem, Name: name, Help: help, Buckets: buckets}, labels)
	r.register(h)
	return h
}
