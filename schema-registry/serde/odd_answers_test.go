package serde

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// oddRegistry answers every request with a canned status, content type and
// body, and records the paths asked for.
func oddRegistry(t *testing.T, status int, contentType, body string) (*httptest.Server, *[]string) {
	t.Helper()
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &paths
}

func TestOddRegistryAnswers(t *testing.T) {
	schemaJSON := fmt.Sprintf("%q", orderV1)
	tests := []struct {
		name        string
		status      int
		ctype, body string
		want        error
		frags       []string
	}{
		{"proxy 502 html", 502, "text/html", "<html>bad gateway</html>", ErrRegistryUnavailable, []string{"HTTP 502"}},
		{"proxy 401 plain", 401, "text/plain", "denied", ErrUnauthorized, []string{"HTTP 401"}},
		{"403 json", 403, "application/json", `{"error_code":40301,"message":"User cannot access the resource."}`, ErrUnauthorized, []string{"40301", "cannot access"}},
		{"500 store error", 500, "application/json", `{"error_code":50001,"message":"Error in the backend data store"}`, ErrRegistryUnavailable, []string{"50001"}},
		{"404 wrong path", 404, "text/html", "<h1>nope</h1>", ErrRegistryResponse, []string{"HTTP 404"}},
		{"200 not json", 200, "text/plain", "hello", ErrRegistryResponse, []string{"HTTP 200"}},
		{"protobuf schema", 200, "application/json", `{"schema":"syntax = \"proto3\";","schemaType":"PROTOBUF"}`, ErrUnsupportedSchema, []string{"PROTOBUF"}},
		{"references", 200, "application/json", `{"schema":` + schemaJSON + `,"references":[{"name":"io.x.Addr","subject":"addr","version":1}]}`, ErrUnsupportedSchema, []string{`"io.x.Addr"`, `"addr"`}},
		{"unparseable avro", 200, "application/json", `{"schema":"{\"type\":\"nosuch\"}"}`, ErrInvalidSchema, []string{"does not parse"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, paths := oddRegistry(t, tt.status, tt.ctype, tt.body)
			c := newTestClient(t, srv.URL+"/base/")
			_, _, err := c.SchemaByID(testCtx(t), 9)
			wantErr(t, err, tt.want, append([]string{"fetching schema id 9"}, tt.frags...)...)
			if len(*paths) != 1 || (*paths)[0] != "/base/schemas/ids/9" {
				t.Fatalf("requested paths %q, want [/base/schemas/ids/9]", *paths)
			}
			// A failure is not cached: the next call asks again.
			_, _, _ = c.SchemaByID(testCtx(t), 9)
			if len(*paths) != 2 {
				t.Fatalf("failed lookup was cached: %d requests", len(*paths))
			}
		})
	}
}

func TestRegistryAnswersOutOfRangeID(t *testing.T) {
	srv, _ := oddRegistry(t, 200, "application/json", `{"subject":"s","version":1,"id":0,"schema":"\"string\""}`)
	c := newTestClient(t, srv.URL)
	_, _, err := c.Latest(testCtx(t), "s")
	wantErr(t, err, ErrRegistryResponse, "id 0")
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := newTestClient(t, url)
	_, err := c.Register(testCtx(t), "orders-value", orderV1)
	wantErr(t, err, ErrRegistryUnavailable, `registering schema under subject "orders-value"`)
	var re *RegistryError
	if !errors.As(err, &re) || re.StatusCode != 0 || !strings.Contains(re.Message, "refused") {
		t.Fatalf("want a RegistryError without status mentioning the refusal, got %#v", err)
	}
}
