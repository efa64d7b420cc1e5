package main

import (
	"bufio"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var metricName = regexp.MustCompile(`retailpulse_[a-z_]+`)

// scrapeNames returns the metric family names a /metrics endpoint serves.
func scrapeNames(t *testing.T, url string) map[string]bool {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "# TYPE ") {
			names[strings.Fields(l)[2]] = true
		}
	}
	return names
}

// checkObservabilityNames fails for every retailpulse metric the compose
// alert rules or Grafana dashboards use that the running system does not
// serve: a renamed metric would otherwise leave an alert that can never
// fire and an empty panel.
func checkObservabilityNames(t *testing.T, served map[string]bool) {
	t.Helper()
	files, _ := filepath.Glob("../../compose/grafana/dashboards/*.json")
	files = append(files, "../../compose/prometheus/alerts.yml")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		seen := map[string]bool{}
		for _, n := range metricName.FindAllString(string(raw), -1) {
			base := n
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(n, suf); ok && served[b] {
					base = b
				}
			}
			if !served[base] && !seen[base] {
				missing = append(missing, base)
			}
			seen[base] = true
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s uses metrics the running system does not serve: %v", filepath.Base(f), missing)
		}
		if len(seen) == 0 {
			t.Errorf("%s uses no retailpulse metric", f)
		}
	}
}
