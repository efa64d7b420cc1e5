package server_test

import (
	"testing"
)

func TestConfig(t *testing.T) {
	h := start(t, setup{})
	h.run(t, []step{
		{name: "server default", method: "GET", path: "/config", status: 200, want: `{"compatibilityLevel":"BACKWARD"}`},
		{method: "PUT", path: "/config", body: `{"compatibility":"FULL"}`, status: 200, want: `{"compatibility":"FULL"}`},
		{method: "GET", path: "/config/", status: 200, want: `{"compatibilityLevel":"FULL"}`},
		{name: "no subject-level config", method: "GET", path: "/config/s", status: 404, code: 40408,
			want: `{"error_code":40408,"message":"Subject 's' does not have subject-level compatibility configured"}`},
		{method: "GET", path: "/config/s?defaultToGlobal=false", status: 404, code: 40408},
		{method: "GET", path: "/config/s?defaultToGlobal=true", status: 200, want: `{"compatibilityLevel":"FULL"}`},
		{name: "subject config before any schema", method: "PUT", path: "/config/s",
			body: `{"compatibility":"forward_transitive"}`, status: 200, want: `{"compatibility":"FORWARD_TRANSITIVE"}`},
		{method: "GET", path: "/config/s", status: 200, want: `{"compatibilityLevel":"FORWARD_TRANSITIVE"}`},
		{method: "PUT", path: "/config/s", body: `{"compatibility":"FOO"}`, status: 422, code: 42203,
			want: `{"error_code":42203,"message":"Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive"}`},
		{method: "PUT", path: "/config", body: `{}`, status: 422, code: 42203},
		{name: "delete returns the removed config", method: "DELETE", path: "/config/s", status: 200,
			want: `{"compatibilityLevel":"FORWARD_TRANSITIVE"}`},
		{method: "DELETE", path: "/config/s", status: 404, code: 40401},
		{method: "DELETE", path: "/config", status: 200, want: `{"compatibilityLevel":"FULL"}`},
		{method: "GET", path: "/config", status: 200, want: `{"compatibilityLevel":"BACKWARD"}`},
		{name: "subject config and mode survive a soft delete", method: "POST", path: "/subjects/s/versions", body: body(userV1), status: 200},
		{method: "PUT", path: "/config/s", body: `{"compatibility":"NONE"}`, status: 200},
		{method: "PUT", path: "/mode/s", body: `{"mode":"READWRITE"}`, status: 200},
		{method: "DELETE", path: "/subjects/s", status: 200},
		{method: "GET", path: "/config/s", status: 200, want: `{"compatibilityLevel":"NONE"}`},
		{method: "GET", path: "/mode/s", status: 200, want: `{"mode":"READWRITE"}`},
		{name: "and go with a permanent one", method: "DELETE", path: "/subjects/s?permanent=true", status: 200},
		{method: "GET", path: "/config/s", status: 404, code: 40408},
		{method: "GET", path: "/mode/s", status: 404, code: 40409},
	})
}

func TestModes(t *testing.T) {
	h := start(t, setup{})
	h.run(t, []step{
		{method: "GET", path: "/mode", status: 200, want: `{"mode":"READWRITE"}`},
		{method: "GET", path: "/mode/s", status: 404, code: 40409,
			want: `{"error_code":40409,"message":"Subject 's' does not have subject-level mode configured"}`},
		{method: "GET", path: "/mode/s?defaultToGlobal=true", status: 200, want: `{"mode":"READWRITE"}`},
		{method: "PUT", path: "/mode", body: `{"mode":"WRITEONLY"}`, status: 422, code: 42204},
		{method: "POST", path: "/subjects/s/versions", body: body(userV1), status: 200, want: `{"id":1}`},
		{method: "PUT", path: "/mode/s", body: `{"mode":"READONLY"}`, status: 200, want: `{"mode":"READONLY"}`},
		{name: "read-only refuses writes", method: "POST", path: "/subjects/s/versions", body: body(userV2), status: 422,
			code: 42205, want: `{"error_code":42205,"message":"Subject s is in read-only mode"}`},
		{method: "DELETE", path: "/subjects/s/versions/1", status: 422, code: 42205},
		{method: "DELETE", path: "/subjects/s", status: 422, code: 42205},
		{name: "but an existing schema still answers", method: "POST", path: "/subjects/s/versions", body: body(userV1),
			status: 200, want: `{"id":1}`},
		{name: "other subjects are unaffected", method: "POST", path: "/subjects/t/versions", body: body(userV2), status: 200},
		{method: "DELETE", path: "/mode/s", status: 200, want: `{"mode":"READONLY"}`},
		{method: "DELETE", path: "/mode/s", status: 404, code: 40401},
		{name: "ids and versions need IMPORT mode", method: "POST", path: "/subjects/s/versions",
			body: body(userV3, `,"id":100,"version":5`), status: 422, code: 42205,
			want: `{"error_code":42205,"message":"Subject s is not in import mode"}`},
		{name: "IMPORT needs an empty scope", method: "PUT", path: "/mode", body: `{"mode":"IMPORT"}`, status: 422, code: 42205,
			want: `{"error_code":42205,"message":"Cannot import since found existing subjects"}`},
		{method: "PUT", path: "/mode/fresh", body: `{"mode":"IMPORT"}`, status: 200, want: `{"mode":"IMPORT"}`},
		{name: "IMPORT keeps the given id and version", method: "POST", path: "/subjects/fresh/versions",
			body: body(userV3, `,"id":100,"version":5`), status: 200, want: `{"id":100}`},
		{method: "GET", path: "/subjects/fresh/versions/5", status: 200, contains: `"id":100`},
		{name: "IMPORT without an id is refused", method: "POST", path: "/subjects/fresh/versions", body: body(userNoID),
			status: 422, code: 42205, want: `{"error_code":42205,"message":"Subject fresh is not in read-write mode"}`},
		{name: "an id bound to another schema", method: "POST", path: "/subjects/fresh/versions",
			body: body(userNoID, `,"id":1,"version":6`), status: 422, code: 42205,
			want: `{"error_code":42205,"message":"Overwrite new schema with id 1 not permitted."}`},
		{name: "a schema bound to another id", method: "POST", path: "/subjects/fresh/versions",
			body: body(userV1, `,"id":101,"version":6`), status: 422, code: 42207,
			want: `{"error_code":42207,"message":"Schema already registered with id 1 instead of input id 101"}`},
		{name: "new ids continue after imported ones", method: "PUT", path: "/mode/fresh", body: `{"mode":"READWRITE"}`, status: 200},
		{method: "POST", path: "/subjects/fresh/versions", body: body(userNoID, `,"schemaType":"AVRO"`), status: 200, want: `{"id":101}`},
	})
}
