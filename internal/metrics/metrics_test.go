package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRegistryServesBuildInfoAndComponentMetrics(t *testing.T) {
	reg := NewRegistry("v-test")
	f := Factory(reg)
	f.CounterVec("demo", "things_total", "Things.", "kind").WithLabelValues("a").Add(3)
	f.HistogramVec("demo", "latency_seconds", "Latency.", nil).WithLabelValues().Observe(0.01)

	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`retailpulse_build_info{version="v-test"} 1`,
		`retailpulse_demo_things_total{kind="a"} 3`,
		`retailpulse_demo_latency_seconds_count 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics output lacks %q", want)
		}
	}
}

func TestNilFactoryRegistersNowhere(t *testing.T) {
	Factory(nil).CounterVec("demo", "x_total", "X.").WithLabelValues().Inc()
}

func TestSameMetricFromTwoInstancesIsShared(t *testing.T) {
	reg := NewRegistry("v")
	a := Factory(reg).CounterVec("http", "requests_total", "Requests.", "server")
	b := Factory(reg).CounterVec("http", "requests_total", "Requests.", "server")
	if a != b {
		t.Fatal("second declaration did not return the registered collector")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a conflicting definition must panic")
		}
	}()
	Factory(reg).CounterVec("http", "requests_total", "Requests.", "other_label")
}
