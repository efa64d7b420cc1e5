package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestIncompatibleRegistrationNamesFieldAndLevel(t *testing.T) {
	h := start(t, setup{})
	h.run(t, []step{
		{method: "POST", path: "/subjects/u/versions", body: body(userV1), status: 200},
		{method: "POST", path: "/subjects/u/versions", body: body(userV2), status: 200},
	})
	cases := []struct {
		name     string
		config   string // subject-level config to set first, "" for none
		global   string
		schema   string
		contains []string
	}{
		{name: "default level", schema: userV3, contains: []string{
			`Schema being registered is incompatible with an earlier schema for subject \"u\", details: [`,
			"READER_FIELD_MISSING_DEFAULT_VALUE", `age`, "/fields/2", "{oldSchemaVersion: 2}",
			"compatibility level BACKWARD is the server default"}},
		{name: "global level", global: "BACKWARD_TRANSITIVE", schema: userV3, contains: []string{
			"age", "compatibility level BACKWARD_TRANSITIVE is set globally"}},
		{name: "subject level", config: "FORWARD", schema: userNoID, contains: []string{
			`field \"id\" (/fields/0) was removed`, "compatibility level FORWARD is set on the subject"}},
		{name: "full refuses removing a field without a default", config: "FULL", schema: userNoID, contains: []string{
			"id", "compatibility level FULL is set on the subject"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.global != "" {
				h.run(t, []step{{method: "PUT", path: "/config", body: `{"compatibility":"` + c.global + `"}`, status: 200}})
				defer h.run(t, []step{{method: "DELETE", path: "/config", status: 200}})
			}
			if c.config != "" {
				h.run(t, []step{{method: "PUT", path: "/config/u", body: `{"compatibility":"` + c.config + `"}`, status: 200}})
				defer h.run(t, []step{{method: "DELETE", path: "/config/u", status: 200}})
			}
			status, got, _ := h.do(t, "POST", "/subjects/u/versions", body(c.schema), nil)
			if status != 409 || !strings.Contains(got, `"error_code":409`) {
				t.Fatalf("status %d body %s", status, got)
			}
			for _, want := range c.contains {
				if !strings.Contains(got, want) {
					t.Errorf("message lacks %q:\n%s", want, got)
				}
			}
		})
	}
	h.run(t, []step{
		{name: "nothing was registered", method: "GET", path: "/subjects/u/versions", status: 200, want: `[1,2]`},
		{name: "under NONE anything goes", method: "PUT", path: "/config/u", body: `{"compatibility":"none"}`, status: 200,
			want: `{"compatibility":"NONE"}`},
		{method: "POST", path: "/subjects/u/versions", body: body(userV3), status: 200, want: `{"id":3}`},
	})
}

func TestCompatibilityEndpoints(t *testing.T) {
	h := start(t, setup{})
	h.run(t, []step{
		{name: "latest of a missing subject is compatible", method: "POST", path: "/compatibility/subjects/u/versions/latest",
			body: body(userV1), status: 200, want: `{"is_compatible":true}`},
		{name: "a number on a missing subject is 40402", method: "POST", path: "/compatibility/subjects/u/versions/1",
			body: body(userV1), status: 404, code: 40402},
		{method: "POST", path: "/subjects/u/versions", body: body(userV1), status: 200},
		{method: "POST", path: "/subjects/u/versions", body: body(userV2), status: 200},
		{method: "POST", path: "/compatibility/subjects/u/versions/latest", body: body(userV3), status: 200,
			want: `{"is_compatible":false}`},
		{method: "POST", path: "/compatibility/subjects/u/versions/2", body: body(userV2), status: 200,
			want: `{"is_compatible":true}`},
		{method: "POST", path: "/compatibility/subjects/u/versions", body: body(userV3), status: 200,
			want: `{"is_compatible":false}`},
		{method: "POST", path: "/compatibility/subjects/u/versions/latest?verbose=true", body: body(userV2), status: 200,
			want: `{"is_compatible":true,"messages":[]}`},
		{method: "POST", path: "/compatibility/subjects/u/versions/3", body: body(userV1), status: 404, code: 40402},
		{method: "POST", path: "/compatibility/subjects/u/versions/zero", body: body(userV1), status: 422, code: 42202},
		{name: "invalid schema", method: "POST", path: "/compatibility/subjects/u/versions/latest", body: body(`{"type":"record"}`),
			status: 422, code: 42201},
		{name: "invalid schema, verbose", method: "POST", path: "/compatibility/subjects/u/versions/latest?verbose=true",
			body: body(`{"type":"record"}`), status: 200, contains: `"is_compatible":false,"messages":["Invalid schema`},
	})
	_, got, _ := h.do(t, "POST", "/compatibility/subjects/u/versions/latest?verbose=true", body(userV3), nil)
	var res struct {
		IsCompatible bool     `json:"is_compatible"`
		Messages     []string `json:"messages"`
	}
	if err := json.Unmarshal([]byte(got), &res); err != nil || res.IsCompatible {
		t.Fatalf("verbose incompatible: %s", got)
	}
	joined := strings.Join(res.Messages, "\n")
	for _, want := range []string{"READER_FIELD_MISSING_DEFAULT_VALUE", "{oldSchemaVersion: 2}", "summary: ", `"age"`,
		"compatibility level BACKWARD is the server default"} {
		if !strings.Contains(joined, want) {
			t.Errorf("verbose messages lack %q:\n%s", want, joined)
		}
	}
	h.run(t, []step{
		{method: "DELETE", path: "/subjects/u/versions/2", status: 200},
		{name: "deleted versions are not checked", method: "POST", path: "/compatibility/subjects/u/versions/latest",
			body: body(userNoID, `,"schemaType":"AVRO"`), status: 200, want: `{"is_compatible":true}`},
		{method: "POST", path: "/compatibility/subjects/u/versions/2", body: body(userV1), status: 404, code: 40402},
	})
}

func TestNormalize(t *testing.T) {
	h := start(t, setup{})
	a := `{"type":"record","name":"N","fields":[{"name":"f","type":"string","b":1,"a":2}]}`
	b := `{"type":"record","name":"N","fields":[{"name":"f","type":"string","a":2,"b":1}]}`
	h.run(t, []step{
		{method: "POST", path: "/subjects/n/versions?normalize=true", body: body(a), status: 200, want: `{"id":1}`},
		{name: "attribute order differs: same schema once normalized", method: "POST",
			path: "/subjects/n/versions?normalize=true", body: body(b), status: 200, want: `{"id":1}`},
		{method: "POST", path: "/subjects/n?normalize=true", body: body(b), status: 200, contains: `"version":1`},
		{name: "the normalized form is stored: a's own order does not match without normalize", method: "POST",
			path: "/subjects/n", body: body(a), status: 404, code: 40403},
		{name: "config normalize applies to lookups", method: "PUT", path: "/config/n", body: `{"normalize":true}`, status: 200,
			want: `{"normalize":true}`},
		{method: "GET", path: "/config/n", status: 200, want: `{"compatibilityLevel":"BACKWARD","normalize":true}`},
		{method: "POST", path: "/subjects/n", body: body(a), status: 200, contains: `"version":1`},
	})
}
