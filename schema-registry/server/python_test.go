package server_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/internal/httpx"
)

const debianPython = "/usr/bin/python3"

// requirePython fails (never skips) when Debian's Python clients are missing:
// the interop test is part of the suite, and scripts/test.sh installs them.
func requirePython(t *testing.T) {
	t.Helper()
	cmd := exec.Command(debianPython, "-c", "import confluent_kafka.avro, confluent_kafka.schema_registry, avro, requests")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Debian's python3 cannot import the Confluent clients (%v):\n%s\n"+
			"scripts/test.sh must install them: apt-get install -y python3-confluent-kafka python3-avro python3-requests",
			err, out)
	}
}

// TestPythonConfluentClients drives the registry with python3-confluent-kafka:
// the legacy CachedSchemaRegistryClient with its MessageSerializer (register,
// encode, decode through a fresh client) and the newer SchemaRegistryClient,
// both with basic auth.
func TestPythonConfluentClients(t *testing.T) {
	requirePython(t)
	h := start(t, setup{httpOpts: []httpx.Option{httpx.WithBasicAuth(map[string]string{"py": "secret"})}})
	cmd := exec.Command(debianPython, "testdata/pyclients.py", h.url, "py:secret")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyclients.py: %v\n%s", err, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(stdout, &got); err != nil {
		t.Fatalf("pyclients.py printed %q: %v", stdout, err)
	}
	id := func(subject string, version int) float64 {
		sv, err := h.core.Version(subject, version, true)
		if err != nil {
			t.Fatalf("%s v%d: %v", subject, version, err)
		}
		return float64(sv.ID)
	}
	want := map[string]any{
		"wire_magic":               0.0,
		"wire_id":                  id("clicks-value", 1),
		"decoded":                  map[string]any{"user_id": "u-42", "n": 7.0},
		"legacy_register_v2":       id("clicks-value", 2),
		"legacy_check_v3":          false,
		"legacy_check_missing":     true,
		"legacy_latest":            []any{id("clicks-value", 2), 2.0},
		"legacy_version_of_v1":     1.0,
		"legacy_update_compat":     "FULL",
		"legacy_get_compat":        "FULL",
		"legacy_get_global_compat": "BACKWARD",
		"new_register":             id("clicks-value", 1),
		"new_get_schema_same":      true,
		"new_lookup":               []any{id("clicks-value", 1), "views-value", 1.0},
		"new_subjects":             []any{"clicks-value", "views-value"},
		"new_set_compat":           map[string]any{"compatibility": "FORWARD"},
		"new_get_compat":           "FORWARD",
		"new_test_v3":              true,
		"new_versions":             []any{1.0, 2.0},
		"new_latest":               []any{id("clicks-value", 2) + 1, 2.0},
		"new_delete_version":       1.0,
		"new_delete_subject":       []any{2.0},
		"new_subjects_after":       []any{"clicks-value"},
		"new_missing":              []any{404.0, 40401.0},
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s: python saw %#v, want %#v", k, got[k], w)
		}
	}
	if s, _ := got["legacy_register_v3"].(string); !strings.Contains(s, "Incompatible Avro schema:409") ||
		!strings.Contains(s, "required") {
		t.Errorf("legacy register of an incompatible schema: %q", s)
	}
}
