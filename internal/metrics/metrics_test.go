package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
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

// Children makes each key's child once, on first use, and the registry
// shows exactly the series that were used.
func TestChildren(t *testing.T) {
	reg := prometheus.NewRegistry()
	vec := Factory(reg).CounterVec("test", "hits_total", "Hits by route.", "route")
	made := 0
	c := NewChildren(func(route string) prometheus.Counter {
		made++
		return vec.WithLabelValues(route)
	})
	c.Get("/a").Inc()
	c.Get("/a").Add(2)
	c.Get("/b").Inc()
	if made != 2 {
		t.Fatalf("made %d children, want 2", made)
	}
	if got := testutil.ToFloat64(vec.WithLabelValues("/a")); got != 3 {
		t.Fatalf("/a counted %v, want 3", got)
	}
	if n := testutil.CollectAndCount(vec); n != 2 {
		t.Fatalf("%d series exposed, want 2", n)
	}
}
