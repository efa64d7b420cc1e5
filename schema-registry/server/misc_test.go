package server_test

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestContentNegotiation(t *testing.T) {
	h := start(t, setup{})
	cases := []struct {
		name        string
		method      string
		path        string
		body        []byte
		contentType string
		accept      string
		status      int
		wantType    string
	}{
		{"default", "GET", "/subjects", nil, "", "", 200, "application/vnd.schemaregistry.v1+json"},
		{"json", "GET", "/subjects", nil, "", "application/json", 200, "application/json"},
		{"wildcard", "GET", "/subjects", nil, "", "*/*", 200, "application/vnd.schemaregistry.v1+json"},
		{"weights", "GET", "/subjects", nil, "",
			"application/vnd.schemaregistry.v2+json; q=0.1, application/vnd.schemaregistry+json; q=0.9", 200,
			"application/vnd.schemaregistry+json"},
		{"several with a bare star", "GET", "/subjects", nil, "", "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", 200,
			"application/vnd.schemaregistry.v1+json"},
		{"not acceptable, answered in the default type", "GET", "/subjects", nil, "", "application/vnd.schemaregistry.v2+json",
			406, "application/vnd.schemaregistry.v1+json"},
		{"octet-stream is not produced", "GET", "/subjects", nil, "", "application/octet-stream", 406,
			"application/vnd.schemaregistry.v1+json"},
		{"unsupported request type", "PUT", "/config", []byte(`{"compatibility":"NONE"}`), "text/html", "", 415,
			"application/vnd.schemaregistry.v1+json"},
		{"octet-stream request", "PUT", "/config", []byte(`{"compatibility":"FULL"}`), "application/octet-stream", "", 200,
			"application/vnd.schemaregistry.v1+json"},
		{"charset parameter", "PUT", "/config", []byte(`{"compatibility":"NONE"}`),
			"application/vnd.schemaregistry.v1+json; charset=utf-8", "", 200, "application/vnd.schemaregistry.v1+json"},
		{"utf-16 with a byte order mark", "PUT", "/config", utf16Body(`{"compatibility": "FORWARD"}`),
			"application/vnd.schemaregistry.v1+json; charset=utf-16", "", 200, "application/vnd.schemaregistry.v1+json"},
		{"no content type at all", "POST", "/subjects/unknown_subject", []byte(`{"schema":"\"string\""}`), "", "", 404,
			"application/vnd.schemaregistry.v1+json"},
		{"trailing slash", "GET", "/subjects/", nil, "", "", 200, "application/vnd.schemaregistry.v1+json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, h.url+c.path, strings.NewReader(string(c.body)))
			if err != nil {
				t.Fatal(err)
			}
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != c.wantType {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), c.status, c.wantType)
			}
		})
	}
	h.run(t, []step{{name: "the utf-16 body was understood", method: "GET", path: "/config", status: 200,
		want: `{"compatibilityLevel":"FORWARD"}`}})
}

func utf16Body(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func TestMiscEndpoints(t *testing.T) {
	h := start(t, setup{})
	h.run(t, []step{
		{method: "GET", path: "/", status: 200, want: `{}`},
		{method: "GET", path: "/schemas/types", status: 200, want: `["AVRO"]`},
		{method: "GET", path: "/contexts", status: 200, want: `["."]`},
		{method: "GET", path: "/v1/metadata/id", status: 200,
			want: `{"scope":{"path":[],"clusters":{"kafka-cluster":"test-cluster","schema-registry-cluster":"schema-registry"}}}`},
		{method: "GET", path: "/v1/metadata/version", status: 200, want: `{"version":"1.2.3","commitId":"abc"}`},
		{method: "GET", path: "/health", status: 200, contains: `"UP"`},
		{name: "subjects with a slash, escaped", method: "POST", path: "/subjects/team%2Fusers/versions", body: body(userV1),
			status: 200, want: `{"id":1}`},
		{method: "GET", path: "/subjects", status: 200, want: `["team/users"]`},
		{method: "GET", path: "/subjects/team%2Fusers/versions/1", status: 200, contains: `"subject":"team/users"`},
	})
}
