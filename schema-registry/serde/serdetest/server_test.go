package serdetest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

const recA = `{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}`
const recB = `{"type":"record","name":"A","fields":[{"name":"x","type":"int"},{"name":"y","type":"int","default":0}]}`

type answer struct {
	status int
	body   map[string]any
}

func do(t *testing.T, s *Server, method, path, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != ContentType {
		t.Fatalf("%s %s: content type %q", method, path, ct)
	}
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, raw, err)
	}
	return a
}

func schemaBody(schema string) string {
	b, _ := json.Marshal(map[string]string{"schema": schema})
	return string(b)
}

func wantAnswer(t *testing.T, got answer, status int, field string, value any) {
	t.Helper()
	if got.status != status || got.body[field] != value {
		t.Fatalf("got %d %v, want %d with %s=%v", got.status, got.body, status, field, value)
	}
}

func TestRegisterSemantics(t *testing.T) {
	s := NewServer(t)
	wantAnswer(t, do(t, s, "POST", "/subjects/a-value/versions", schemaBody(recA)), 200, "id", 1.0)
	// Same schema with other whitespace, same subject: same id, no new version.
	spaced := strings.ReplaceAll(recA, ",", " ,\n ")
	wantAnswer(t, do(t, s, "POST", "/subjects/a-value/versions", schemaBody(spaced)), 200, "id", 1.0)
	// Same schema, other subject: ids are global.
	wantAnswer(t, do(t, s, "POST", "/subjects/b-value/versions", schemaBody(recA)), 200, "id", 1.0)
	wantAnswer(t, do(t, s, "POST", "/subjects/a-value/versions", schemaBody(recB)), 200, "id", 2.0)

	wantAnswer(t, do(t, s, "GET", "/subjects/a-value/versions/latest", ""), 200, "version", 2.0)
	wantAnswer(t, do(t, s, "GET", "/subjects/a-value/versions/-1", ""), 200, "id", 2.0)
	wantAnswer(t, do(t, s, "GET", "/subjects/a-value/versions/1", ""), 200, "id", 1.0)
	wantAnswer(t, do(t, s, "GET", "/subjects/a-value/versions/3", ""), 404, "error_code", 40402.0)
	wantAnswer(t, do(t, s, "GET", "/subjects/a-value/versions/0", ""), 422, "error_code", 42202.0)
	wantAnswer(t, do(t, s, "GET", "/subjects/zzz/versions/latest", ""), 404, "error_code", 40401.0)

	wantAnswer(t, do(t, s, "GET", "/schemas/ids/2", ""), 200, "schema", recB)
	wantAnswer(t, do(t, s, "GET", "/schemas/ids/9", ""), 404, "message", "Schema 9 not found")

	wantAnswer(t, do(t, s, "POST", "/subjects/b-value", schemaBody(recA)), 200, "version", 1.0)
	wantAnswer(t, do(t, s, "POST", "/subjects/b-value", schemaBody(recB)), 404, "error_code", 40403.0)
	wantAnswer(t, do(t, s, "POST", "/subjects/zzz", schemaBody(recA)), 404, "error_code", 40401.0)

	if got := s.Count(RouteRegister); got != 4 {
		t.Fatalf("Count(RouteRegister) = %d, want 4", got)
	}
	if got := s.Total(); got != 15 {
		t.Fatalf("Total() = %d, want 15", got)
	}
	s.ResetCounts()
	if s.Total() != 0 || s.Count(RouteVersion) != 0 {
		t.Fatal("ResetCounts left counts behind")
	}
}

func TestRejectsBadBodies(t *testing.T) {
	s := NewServer(t)
	wantAnswer(t, do(t, s, "POST", "/subjects/a/versions", `not json`), 422, "error_code", 422.0)
	wantAnswer(t, do(t, s, "POST", "/subjects/a/versions", `{}`), 422, "error_code", 422.0)
	wantAnswer(t, do(t, s, "POST", "/subjects/a/versions", schemaBody(`{"type":"nosuch"}`)), 422, "error_code", 42201.0)
	wantAnswer(t, do(t, s, "POST", "/subjects/a/versions", `{"schema":"\"int\"","schemaType":"PROTOBUF"}`), 422, "error_code", 42201.0)
	wantAnswer(t, do(t, s, "POST", "/subjects/a/versions",
		`{"schema":"\"int\"","references":[{"name":"x","subject":"y","version":1}]}`), 422, "error_code", 42201.0)
	// Fields from newer clients are tolerated.
	wantAnswer(t, do(t, s, "POST", "/subjects/a/versions", `{"schema":"\"int\"","schemaType":"AVRO","metadata":{},"ruleSet":null}`), 200, "id", 1.0)
	wantAnswer(t, do(t, s, "GET", "/config", ""), 404, "error_code", 404.0)
}

func TestBasicAuth(t *testing.T) {
	s := NewServer(t, WithBasicAuth("u", "p"))
	wantAnswer(t, do(t, s, "GET", "/schemas/ids/1", ""), 401, "error_code", 401.0)
	req, _ := http.NewRequest("GET", s.URL()+"/schemas/ids/1", nil)
	req.SetBasicAuth("u", "p")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("authenticated request got %d, want 404 (past auth, no schema)", resp.StatusCode)
	}
	if s.Count(RouteSchemaByID) != 2 {
		t.Fatal("rejected requests must be counted too")
	}
}
