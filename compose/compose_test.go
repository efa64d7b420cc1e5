// Package compose_test validates compose/docker-compose.yml without a Docker
// engine: Debian's docker-compose parses and resolves it, and every retailpulse
// service's command line is checked against the real binary's flags, so the
// compose file cannot drift from the CLI.
package compose_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type service struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Ports       []any             `yaml:"ports"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]any    `yaml:"depends_on"`
}

func resolved(t *testing.T) map[string]service {
	t.Helper()
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Fatal("docker-compose not found: scripts/test.sh installs Debian's docker-compose to validate compose files")
	}
	out, err := exec.Command("docker-compose", "-f", "docker-compose.yml", "config").CombinedOutput()
	if err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, out)
	}
	var doc struct {
		Services map[string]service `yaml:"services"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("parsing resolved compose file: %v", err)
	}
	return doc.Services
}

func TestComposeMatchesTheBlueprint(t *testing.T) {
	svcs := resolved(t)
	published := func(name string) string {
		var ps []string
		for _, p := range svcs[name].Ports {
			switch v := p.(type) {
			case string:
				ps = append(ps, v)
			case map[string]any:
				ps = append(ps, strings.TrimSpace(yamlString(v["published"])+":"+yamlString(v["target"])))
			}
		}
		return strings.Join(ps, ",")
	}
	for name, want := range map[string]string{"kafka": "9092:9092", "schema-registry": "8081:8081", "restproxy": "8082:8082", "connect": "8083:8083", "nginx": "8080:80",
		"redis": "6379:6379", "cassandra": "9042:9042"} {
		if got := published(name); !strings.Contains(got, want) {
			t.Errorf("service %s publishes %q, want %q", name, got, want)
		}
	}
	kd := svcs["kafdrop"].Environment
	if !strings.Contains(kd["CMD_ARGS"], "contextPath=/kafdrop") || kd["SCHEMAREGISTRY_CONNECT"] != "http://schema-registry:8081" {
		t.Errorf("kafdrop must serve /kafdrop and decode Avro through the registry: %v", kd)
	}
	if svcs["kafka"].Environment["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] != "false" {
		t.Errorf("real Kafka must not auto-create topics; the topics service creates them as up does")
	}
}

func TestServiceCommandsParseWithTheBinary(t *testing.T) {
	svcs := resolved(t)
	bin := filepath.Join(t.TempDir(), "retailpulse")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/retailpulse").CombinedOutput(); err != nil {
		t.Fatalf("building retailpulse: %v\n%s", err, out)
	}
	n := 0
	for name, s := range svcs {
		if s.Image != "retailpulse:local" || len(s.Entrypoint) > 0 {
			continue // a script in the image, tested on its own
		}
		n++
		// --help parses every flag first: an unknown flag or subcommand fails.
		args := append(append([]string{}, s.Command...), "--help")
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil || !strings.Contains(string(out), "Usage:") {
			t.Errorf("service %s: `retailpulse %s` does not parse: %v\n%s", name, strings.Join(s.Command, " "), err, out)
		}
	}
	if n < 2 {
		t.Fatalf("found %d retailpulse services, want at least topics and schema-registry", n)
	}
}

func yamlString(v any) string {
	if v == nil {
		return ""
	}
	b, _ := yaml.Marshal(v)
	return strings.Trim(strings.TrimSpace(string(b)), `"`)
}
