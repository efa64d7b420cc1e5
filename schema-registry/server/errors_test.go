package server_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/internal/httpx"
	"github.com/retailpulse/retailpulse/schema-registry/registry"
)

// TestErrorCodes provokes every error code the API produces, one row each.
func TestErrorCodes(t *testing.T) {
	h := start(t, setup{})
	h.run(t, []step{
		{method: "POST", path: "/subjects/s/versions", body: body(userV1), status: 200},
		{method: "POST", path: "/subjects/s/versions", body: body(userV2), status: 200},
		{method: "POST", path: "/subjects/ref/versions", body: body(address), status: 200},
		{method: "POST", path: "/subjects/p/versions",
			body: body(person, `,"references":[{"name":"com.acme.Address","subject":"ref","version":1}]`), status: 200},
		{method: "POST", path: "/subjects/gone/versions", body: body(userNoID), status: 200},
		{method: "DELETE", path: "/subjects/gone", status: 200},
		{method: "DELETE", path: "/subjects/s/versions/1", status: 200},
	})
	cases := []step{
		{name: "40401 subject not found", method: "GET", path: "/subjects/none/versions", status: 404, code: 40401},
		{name: "40402 version not found", method: "GET", path: "/subjects/s/versions/9", status: 404, code: 40402},
		{name: "40403 schema not found", method: "GET", path: "/schemas/ids/999", status: 404, code: 40403,
			want: `{"error_code":40403,"message":"Schema 999 not found"}`},
		{name: "40403 non-numeric id", method: "GET", path: "/schemas/ids/abc", status: 404, code: 40403},
		{name: "40404 subject soft-deleted", method: "DELETE", path: "/subjects/gone", status: 404, code: 40404},
		{name: "40405 subject not soft-deleted", method: "DELETE", path: "/subjects/s?permanent=true", status: 404, code: 40405},
		{name: "40406 version soft-deleted", method: "DELETE", path: "/subjects/s/versions/1", status: 404, code: 40406},
		{name: "40407 version not soft-deleted", method: "DELETE", path: "/subjects/s/versions/2?permanent=true", status: 404, code: 40407},
		{name: "40408 no subject config", method: "GET", path: "/config/s", status: 404, code: 40408},
		{name: "40409 no subject mode", method: "GET", path: "/mode/s", status: 404, code: 40409},
		{name: "409 incompatible", method: "POST", path: "/subjects/s/versions", body: body(userV3), status: 409, code: 409},
		{name: "42201 invalid schema", method: "POST", path: "/subjects/s/versions", body: body(`{"type":"recrd"}`),
			status: 422, code: 42201, contains: "Invalid schema"},
		{name: "42201 not JSON", method: "POST", path: "/subjects/s/versions", body: body(`{not json`), status: 422, code: 42201},
		{name: "42201 unsupported type", method: "POST", path: "/subjects/s/versions",
			body: body(`{"type":"object"}`, `,"schemaType":"JSON"`), status: 422, code: 42201, contains: "Unsupported schema type JSON"},
		{name: "42201 unknown type", method: "POST", path: "/subjects/s/versions",
			body: body(userV1, `,"schemaType":"XML"`), status: 422, code: 42201},
		{name: "42202 version 0", method: "GET", path: "/subjects/s/versions/0", status: 422, code: 42202,
			want: `{"error_code":42202,"message":"The specified version '0' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""}`},
		{name: "42202 version text", method: "GET", path: "/subjects/s/versions/invalid/schema", status: 422, code: 42202},
		{name: "42202 version too big", method: "DELETE", path: "/subjects/s/versions/2147483648", status: 422, code: 42202},
		{name: "42203 invalid level", method: "PUT", path: "/config", body: `{"compatibility":"SIDEWAYS"}`, status: 422, code: 42203},
		{name: "42204 invalid mode", method: "PUT", path: "/mode/s", body: `{"mode":"SIDEWAYS"}`, status: 422, code: 42204},
		{name: "42205 not permitted", method: "PUT", path: "/mode", body: `{"mode":"IMPORT"}`, status: 422, code: 42205},
		{name: "42206 references exist", method: "DELETE", path: "/subjects/ref/versions/1", status: 422, code: 42206},
		{name: "42208 invalid subject", method: "POST", path: "/subjects/bad%01name/versions", body: body(userV1),
			status: 422, code: 42208, want: "{\"error_code\":42208,\"message\":\"The specified subject 'bad\\u0001name' is not a valid.\"}"},
		{name: "42210 invalid ruleSet", method: "POST", path: "/subjects/s/versions", body: body(userV2, `,"ruleSet":[1]`),
			status: 422, code: 42210},
		{name: "400 malformed body", method: "POST", path: "/subjects/s/versions", body: `{"schema":`, status: 400, code: 400},
		{name: "422 body not an object", method: "POST", path: "/subjects/s/versions", body: `"invalid"`, status: 422, code: 422},
		{name: "422 body without schema", method: "POST", path: "/subjects/s", body: `{"invalid_field":"x"}`, status: 422, code: 422},
		{name: "422 wrong field type", method: "POST", path: "/subjects/s/versions", body: `{"schema":5}`, status: 422, code: 422,
			contains: `schema`},
		{name: "404 unknown route", method: "GET", path: "/nothing/here", status: 404, code: 404,
			want: `{"error_code":404,"message":"HTTP 404 Not Found"}`},
		{name: "406 not acceptable", method: "GET", path: "/subjects", status: 406, code: 406,
			headers: map[string]string{"Accept": "application/vnd.schemaregistry.v2+json"}},
		{name: "415 unsupported media type", method: "PUT", path: "/config", body: `{"compatibility":"NONE"}`, status: 415,
			code: 415, headers: map[string]string{"Content-Type": "text/html"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { h.run(t, []step{c}) })
	}
	h.run(t, []step{{name: "42207 id mismatch", method: "PUT", path: "/mode/imp", body: `{"mode":"IMPORT"}`, status: 200},
		{method: "POST", path: "/subjects/imp/versions", body: body(userV2, `,"id":77`), status: 422, code: 42207}})
}

func TestSchemaTooLarge(t *testing.T) {
	h := start(t, setup{regOpts: []registry.Option{registry.WithMaxSchemaBytes(64)}})
	h.run(t, []step{{method: "POST", path: "/subjects/s/versions", body: body(userV2), status: 422, code: 42209,
		contains: "Write failed because schema is too large"}})
}

// failingLog loses its broker on demand.
type failingLog struct {
	*registry.MemoryLog
	fail atomic.Bool
}

func (l *failingLog) Append(ctx context.Context, k, v []byte) (int64, error) {
	if l.fail.Load() {
		return 0, errors.New("broker unreachable")
	}
	return l.MemoryLog.Append(ctx, k, v)
}

func TestStoreError(t *testing.T) {
	log := &failingLog{MemoryLog: registry.NewMemoryLog()}
	h := start(t, setup{log: log})
	log.fail.Store(true)
	h.run(t, []step{{method: "POST", path: "/subjects/s/versions", body: body(userV1), status: 500, code: 50001,
		contains: "broker unreachable"}})
	log.fail.Store(false)
	h.run(t, []step{{method: "POST", path: "/subjects/s/versions", body: body(userV1), status: 200, want: `{"id":1}`}})
}

// stallingLog stops delivering records to readers on demand.
type stallingLog struct {
	*registry.MemoryLog
	stall   atomic.Bool
	release chan struct{}
}

func (l *stallingLog) Read(ctx context.Context, fn func(registry.Record)) error {
	return l.MemoryLog.Read(ctx, func(r registry.Record) {
		if l.stall.Load() {
			select {
			case <-l.release:
			case <-ctx.Done():
			}
		}
		fn(r)
	})
}

func TestTimeout(t *testing.T) {
	log := &stallingLog{MemoryLog: registry.NewMemoryLog(), release: make(chan struct{})}
	h := start(t, setup{log: log, regOpts: []registry.Option{registry.WithWriteTimeout(200 * time.Millisecond)}})
	log.stall.Store(true)
	h.run(t, []step{{method: "PUT", path: "/config", body: `{"compatibility":"FULL"}`, status: 500, code: 50002,
		contains: "timed out"}})
	log.stall.Store(false)
	close(log.release)
}

func TestNotReadyAnswers503(t *testing.T) {
	h := start(t, setup{noStart: true})
	h.run(t, []step{
		{method: "GET", path: "/subjects", status: 503, code: 503, contains: "not ready"},
		{method: "GET", path: "/health", status: 503},
		{name: "ungated routes answer", method: "GET", path: "/schemas/types", status: 200, want: `["AVRO"]`},
	})
	if err := h.core.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.run(t, []step{{method: "GET", path: "/subjects", status: 200}, {method: "GET", path: "/health", status: 200}})
}

func TestBasicAuth(t *testing.T) {
	h := start(t, setup{httpOpts: []httpx.Option{httpx.WithBasicAuth(map[string]string{"sr": "s3cret"})}})
	h.run(t, []step{
		{method: "GET", path: "/subjects", status: 401, code: 401},
		{method: "GET", path: "/subjects", status: 401, headers: map[string]string{"Authorization": "Basic c3I6d3Jvbmc="}},
		{method: "GET", path: "/subjects", status: 200, want: `[]`,
			headers: map[string]string{"Authorization": "Basic c3I6czNjcmV0"}},
		{method: "GET", path: "/health", status: 200},
	})
}

func TestMetrics(t *testing.T) {
	h := start(t, setup{})
	h.run(t, []step{
		{method: "POST", path: "/subjects/s/versions", body: body(userV1), status: 200},
		{method: "POST", path: "/subjects/s/versions", body: body(userV3), status: 409},
		{method: "POST", path: "/compatibility/subjects/s/versions/latest", body: body(userV2), status: 200},
	})
	_, got, _ := h.do(t, "GET", "/metrics", "", nil)
	for _, want := range []string{
		"retailpulse_schema_registry_schemas 1",
		"retailpulse_schema_registry_subjects 1",
		`retailpulse_schema_registry_compatibility_checks_total{caller="register",result="compatible"} 1`,
		`retailpulse_schema_registry_compatibility_checks_total{caller="register",result="incompatible"} 1`,
		`retailpulse_schema_registry_compatibility_checks_total{caller="check",result="compatible"} 1`,
		`retailpulse_schema_registry_log_records_applied_total{keytype="SCHEMA"} 1`,
		"retailpulse_schema_registry_log_apply_lag_records 0",
		`retailpulse_http_requests_total{code="409",route="POST /subjects/{subject}/versions",server="schema-registry"} 1`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
