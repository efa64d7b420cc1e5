package compose_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// TestConnectorsServiceWaitsForEveryStore: the one-shot that submits the
// connectors starts only when Connect and all three stores are healthy.
func TestConnectorsServiceWaitsForEveryStore(t *testing.T) {
	svcs := resolved(t)
	c, ok := svcs["connectors"]
	if !ok {
		t.Fatal("no connectors service")
	}
	for _, dep := range []string{"connect", "redis", "cassandra", "hbase"} {
		cond, _ := c.DependsOn[dep].(map[string]any)
		if cond["condition"] != "service_healthy" {
			t.Errorf("connectors must wait for %s to be healthy: depends_on %v", dep, c.DependsOn)
		}
	}
	if strings.Join(c.Entrypoint, " ") != "sh /compose/connectors/apply.sh" {
		t.Errorf("connectors entrypoint %q", c.Entrypoint)
	}
}

// TestApplyScriptSubmitsEveryConnectorFile runs compose/connectors/apply.sh
// against a stand-in for the Connect REST API: it waits for /health, posts
// each file as {"name","config"} with Redis pointed at the compose service,
// and treats 409 (already created by an earlier run) as success.
func TestApplyScriptSubmitsEveryConnectorFile(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	var mu sync.Mutex
	posted := map[string]map[string]string{}
	healthChecks := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/health":
			healthChecks++
			if healthChecks < 2 { // not ready on the first probe
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		case r.Method == http.MethodPost && r.URL.Path == "/connectors":
			var body struct {
				Name   string            `json:"name"`
				Config map[string]string `json:"config"`
			}
			raw, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(raw, &body); err != nil || body.Name == "" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			if _, dup := posted[body.Name]; dup || body.Name == "hbase-profiles" {
				w.WriteHeader(http.StatusConflict) // as if an earlier run created it
				posted[body.Name] = body.Config
				return
			}
			posted[body.Name] = body.Config
			w.WriteHeader(http.StatusCreated)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()

	cmd := exec.Command("sh", "connectors/apply.sh")
	cmd.Env = append(os.Environ(), "CONNECT_URL="+srv.URL, "CONNECTOR_DIR=connectors", "REDIS_HOSTS=redis:6379")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("apply.sh: %v\n%s", err, out)
	}
	files, _ := filepath.Glob("connectors/*.json")
	var names []string
	for n := range posted {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(posted) != len(files) || len(files) < 3 {
		t.Fatalf("posted %v for files %v\n%s", names, files, out)
	}
	if got := posted["redis-hot-features"]["redis.hosts"]; got != "redis:6379" {
		t.Errorf("redis.hosts = %q inside compose, want redis:6379", got)
	}
	if got := posted["cassandra-session-features"]["contactPoints"]; got != "cassandra" {
		t.Errorf("contactPoints = %q, want the cassandra service", got)
	}
	if !strings.Contains(string(out), "already exists") {
		t.Errorf("a 409 must be reported as already existing:\n%s", out)
	}

	// Anything else is a failure, named with the file.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/connectors" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error_code":400,"message":"Connector configuration is invalid"}`)
		}
	}))
	defer failing.Close()
	cmd = exec.Command("sh", "connectors/apply.sh")
	cmd.Env = append(os.Environ(), "CONNECT_URL="+failing.URL, "CONNECTOR_DIR=connectors")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "redis-sink.json: HTTP 400") {
		t.Errorf("want a failure naming the file and status, got err=%v\n%s", err, out)
	}
}
