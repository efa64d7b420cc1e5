package compose_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func promtool(t *testing.T, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Fatal("promtool not found: scripts/test.sh installs Debian's prometheus package")
	}
	cmd := exec.Command("promtool", args...)
	cmd.Dir = "prometheus"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestPrometheusConfigAndAlerts checks the config and rules as Prometheus
// would load them, and runs the alerts' unit tests (each alert fires on the
// failure it names and stays quiet on a healthy series).
func TestPrometheusConfigAndAlerts(t *testing.T) {
	promtool(t, "check", "config", "prometheus.yml")
	promtool(t, "test", "rules", "alerts_test.yml")
}

// TestPrometheusScrapesEverySidecar: each retailpulse service with an HTTP
// port is a scrape target, at the port its healthcheck uses.
func TestPrometheusScrapesEverySidecar(t *testing.T) {
	raw, err := os.ReadFile("prometheus/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ScrapeConfigs []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, tg := range st.Targets {
				targets[tg] = true
			}
		}
	}
	for _, want := range []string{"schema-registry:8081", "restproxy:8082", "connect:8083", "aggregator:8084"} {
		if !targets[want] {
			t.Errorf("prometheus does not scrape %s; targets %v", want, targets)
		}
	}
	svcs := resolved(t)
	for _, name := range []string{"prometheus", "grafana"} {
		if _, ok := svcs[name]; !ok {
			t.Errorf("compose has no %s service", name)
		}
	}
}

// TestGrafanaDashboardsQueryPrometheus: every dashboard parses, has a
// stable uid, and every panel queries the provisioned Prometheus data
// source with an expression on retailpulse metrics. That those metric
// names exist is checked against a running `up` in cmd/retailpulse.
func TestGrafanaDashboardsQueryPrometheus(t *testing.T) {
	var ds struct {
		Datasources []struct{ UID, Type, URL string } `yaml:"datasources"`
	}
	raw, err := os.ReadFile("grafana/provisioning/datasources/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &ds); err != nil || len(ds.Datasources) != 1 || ds.Datasources[0].URL != "http://prometheus:9090" {
		t.Fatalf("datasource provisioning: %v %+v", err, ds)
	}
	uid := ds.Datasources[0].UID
	files, _ := os.ReadDir("grafana/dashboards")
	if len(files) == 0 {
		t.Fatal("no dashboards")
	}
	for _, f := range files {
		raw, err := os.ReadFile("grafana/dashboards/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			UID    string `json:"uid"`
			Panels []struct {
				Type       string `json:"type"`
				Title      string `json:"title"`
				Datasource struct {
					UID string `json:"uid"`
				} `json:"datasource"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		if d.UID == "" {
			t.Errorf("%s has no uid: links to it would break on every import", f.Name())
		}
		for _, p := range d.Panels {
			if p.Type == "row" {
				continue
			}
			if p.Datasource.UID != uid || len(p.Targets) == 0 {
				t.Errorf("%s: panel %q queries datasource %q with %d targets", f.Name(), p.Title, p.Datasource.UID, len(p.Targets))
			}
			for _, tg := range p.Targets {
				if !strings.Contains(tg.Expr, "retailpulse_") {
					t.Errorf("%s: panel %q expression %q uses no retailpulse metric", f.Name(), p.Title, tg.Expr)
				}
			}
		}
	}
}
