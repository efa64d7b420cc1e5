package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/retailpulse/retailpulse/internal/httpx"
	"github.com/retailpulse/retailpulse/schema-registry/compat"
	"github.com/retailpulse/retailpulse/schema-registry/registry"
	"github.com/retailpulse/retailpulse/schema-registry/server"
)

// harness is a registry served over real TCP on 127.0.0.1, state in memory.
type harness struct {
	url     string
	core    *registry.Registry
	metrics *prometheus.Registry
}

type setup struct {
	log      registry.Log
	regOpts  []registry.Option
	httpOpts []httpx.Option
	noStart  bool
}

func start(t testing.TB, s setup) *harness {
	t.Helper()
	if s.log == nil {
		s.log = registry.NewMemoryLog()
	}
	reg := prometheus.NewRegistry()
	core, err := registry.New(s.log, append([]registry.Option{registry.WithMetrics(reg)}, s.regOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(core, append([]httpx.Option{httpx.WithAddr("127.0.0.1:0"), httpx.WithRegistry(reg)}, s.httpOpts...),
		server.WithKafkaClusterID("test-cluster"), server.WithVersion("1.2.3", "abc"))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		_ = core.Close()
		_ = s.log.Close()
	})
	if !s.noStart {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := core.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return &harness{url: srv.URL(), core: core, metrics: reg}
}

// step is one request and what must come back. A zero code means success;
// want compares the JSON body semantically; contains looks for a substring.
type step struct {
	name     string
	method   string
	path     string
	body     string
	status   int
	code     int
	want     string
	contains string
	headers  map[string]string
}

func (h *harness) run(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		name := s.name
		if name == "" {
			name = s.method + " " + s.path
		}
		status, body, _ := h.do(t, s.method, s.path, s.body, s.headers)
		if status != s.status {
			t.Fatalf("%s: status %d, want %d; body %s", name, status, s.status, body)
		}
		if s.code != 0 {
			var e struct {
				ErrorCode int    `json:"error_code"`
				Message   string `json:"message"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.ErrorCode != s.code {
				t.Fatalf("%s: error_code %d, want %d; body %s", name, e.ErrorCode, s.code, body)
			}
		}
		if s.want != "" && !jsonEqual(body, s.want) {
			t.Fatalf("%s: body\n %s\nwant\n %s", name, body, s.want)
		}
		if s.contains != "" && !strings.Contains(body, s.contains) {
			t.Fatalf("%s: body %s does not contain %q", name, body, s.contains)
		}
	}
}

func (h *harness) do(t testing.TB, method, path, body string, headers map[string]string) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", server.MediaTypeV1)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// body builds a register/lookup body for an Avro schema text.
func body(schema string, extra ...string) string {
	b, _ := json.Marshal(schema)
	return `{"schema":` + string(b) + strings.Join(extra, "") + `}`
}

// canonical is the text the registry stores for a schema: compat's
// canonical form, as Confluent stores canonicalString().
func canonical(t testing.TB, schema string) string {
	t.Helper()
	s, err := compat.Parse(schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s.Canonical()
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

const (
	userV1 = `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}`
	// userV2 adds an optional field: compatible under every level.
	userV2 = `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"string"},
		{"name":"email","type":["null","string"],"default":null}]}`
	// userV3 adds a required field to userV2: not BACKWARD compatible.
	userV3 = `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"string"},
		{"name":"email","type":["null","string"],"default":null},{"name":"age","type":"int"}]}`
	// userNoID removes the field without a default: not FORWARD compatible.
	userNoID = `{"type":"record","name":"User","namespace":"com.acme","fields":[
		{"name":"email","type":["null","string"],"default":null}]}`
	address = `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}`
	person  = `{"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"home","type":"com.acme.Address"}]}`
)
