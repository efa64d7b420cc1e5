package server_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestRegisterLookupAndVersions(t *testing.T) {
	h := start(t, setup{})
	v1, v2 := canonical(t, userV1), canonical(t, userV2)
	h.run(t, []step{
		{name: "empty registry", method: "GET", path: "/subjects", status: 200, want: `[]`},
		{name: "register v1", method: "POST", path: "/subjects/users-value/versions", body: body(userV1), status: 200, want: `{"id":1}`},
		{name: "same schema, other whitespace: same id, no new version", method: "POST", path: "/subjects/users-value/versions",
			body: body(strings.ReplaceAll(userV1, ",", " , ")), status: 200, want: `{"id":1}`},
		{name: "explicit AVRO type is accepted", method: "POST", path: "/subjects/users-value/versions",
			body: body(userV1, `,"schemaType":"AVRO","metadata":{"properties":{"a":"b"}},"ruleSet":null`), status: 200, want: `{"id":1}`},
		{name: "register v2", method: "POST", path: "/subjects/users-value/versions", body: body(userV2), status: 200, want: `{"id":2}`},
		{name: "same schema under another subject keeps its id", method: "POST", path: "/subjects/other-value/versions/",
			body: body(userV1), status: 200, want: `{"id":1}`},
		{method: "GET", path: "/subjects", status: 200, want: `["other-value","users-value"]`},
		{method: "GET", path: "/subjects?subjectPrefix=users", status: 200, want: `["users-value"]`},
		{method: "GET", path: "/subjects?offset=1&limit=1", status: 200, want: `["users-value"]`},
		{method: "GET", path: "/subjects/users-value/versions", status: 200, want: `[1,2]`},
		{method: "GET", path: "/subjects/users-value/versions/1", status: 200,
			want: fmt.Sprintf(`{"subject":"users-value","version":1,"id":1,"schema":%s}`, quote(v1))},
		{method: "GET", path: "/subjects/users-value/versions/latest", status: 200,
			want: fmt.Sprintf(`{"subject":"users-value","version":2,"id":2,"schema":%s}`, quote(v2))},
		{method: "GET", path: "/subjects/users-value/versions/-1", status: 200, contains: `"version":2`},
		{method: "GET", path: "/subjects/users-value/versions/2/schema", status: 200, want: v2},
		{method: "GET", path: "/schemas/ids/1", status: 200, want: fmt.Sprintf(`{"schema":%s}`, quote(v1))},
		{method: "GET", path: "/schemas/ids/2?fetchMaxId=true", status: 200, want: fmt.Sprintf(`{"schema":%s,"maxId":2}`, quote(v2))},
		{method: "GET", path: "/schemas/ids/1?subject=users-value", status: 200, want: fmt.Sprintf(`{"schema":%s}`, quote(v1))},
		{method: "GET", path: "/schemas/ids/1/schema", status: 200, want: v1},
		{method: "GET", path: "/schemas/ids/1/subjects", status: 200, want: `["other-value","users-value"]`},
		{method: "GET", path: "/schemas/ids/1/versions", status: 200,
			want: `[{"subject":"other-value","version":1},{"subject":"users-value","version":1}]`},
		{method: "GET", path: "/schemas?subjectPrefix=users&latestOnly=true", status: 200,
			want: fmt.Sprintf(`[{"subject":"users-value","version":2,"id":2,"schema":%s}]`, quote(v2))},
		{method: "GET", path: "/schemas", status: 200, contains: `"subject":"other-value"`},
		{name: "lookup", method: "POST", path: "/subjects/users-value", body: body(userV1), status: 200,
			want: fmt.Sprintf(`{"subject":"users-value","version":1,"id":1,"schema":%s}`, quote(v1))},
		{name: "lookup of a schema not in the subject", method: "POST", path: "/subjects/other-value", body: body(userV2),
			status: 404, code: 40403, want: `{"error_code":40403,"message":"Schema not found"}`},
		{name: "lookup in a missing subject", method: "POST", path: "/subjects/nope", body: body(userV1),
			status: 404, code: 40401, want: `{"error_code":40401,"message":"Subject 'nope' not found."}`},
	})
}

func TestDeleteSemantics(t *testing.T) {
	h := start(t, setup{})
	h.run(t, []step{
		{method: "POST", path: "/subjects/s/versions", body: body(userV1), status: 200, want: `{"id":1}`},
		{method: "POST", path: "/subjects/s/versions", body: body(userV2), status: 200, want: `{"id":2}`},
		{name: "permanent before soft", method: "DELETE", path: "/subjects/s/versions/1?permanent=true", status: 404, code: 40407,
			want: `{"error_code":40407,"message":"Subject 's' Version 1 was not deleted first before being permanently deleted"}`},
		{name: "soft delete v1 answers a bare integer", method: "DELETE", path: "/subjects/s/versions/1", status: 200, want: `1`},
		{name: "twice", method: "DELETE", path: "/subjects/s/versions/1", status: 404, code: 40406,
			want: `{"error_code":40406,"message":"Subject 's' Version 1 was soft deleted.Set permanent=true to delete permanently"}`},
		{method: "GET", path: "/subjects/s/versions", status: 200, want: `[2]`},
		{method: "GET", path: "/subjects/s/versions?deleted=true", status: 200, want: `[1,2]`},
		{method: "GET", path: "/subjects/s/versions?deletedOnly=true", status: 200, want: `[1]`},
		{method: "GET", path: "/subjects/s/versions?deletedAsNegative=true", status: 200, want: `[-1,2]`},
		{name: "a soft-deleted version is gone", method: "GET", path: "/subjects/s/versions/1", status: 404, code: 40402,
			want: `{"error_code":40402,"message":"Version 1 not found."}`},
		{method: "GET", path: "/subjects/s/versions/1?deleted=true", status: 200, contains: `"version":1`},
		{name: "its id still resolves", method: "GET", path: "/schemas/ids/1", status: 200, contains: `"schema"`},
		{method: "GET", path: "/schemas/ids/1/versions", status: 200, want: `[]`},
		{method: "GET", path: "/schemas/ids/1/versions?deleted=true", status: 200, want: `[{"subject":"s","version":1}]`},
		{name: "lookup skips it", method: "POST", path: "/subjects/s", body: body(userV1), status: 404, code: 40403},
		{name: "unless deleted=true", method: "POST", path: "/subjects/s?deleted=true", body: body(userV1), status: 200,
			contains: `"version":1`},
		{name: "re-registering a soft-deleted schema makes a new version", method: "POST", path: "/subjects/s/versions",
			body: body(userV1), status: 200, want: `{"id":1}`},
		{method: "GET", path: "/subjects/s/versions?deleted=true", status: 200, want: `[2,3]`},
		{name: "soft delete subject", method: "DELETE", path: "/subjects/s", status: 200, want: `[2,3]`},
		{method: "DELETE", path: "/subjects/s", status: 404, code: 40404,
			want: `{"error_code":40404,"message":"Subject 's' was soft deleted.Set permanent=true to delete permanently"}`},
		{method: "GET", path: "/subjects", status: 200, want: `[]`},
		{method: "GET", path: "/subjects?deleted=true", status: 200, want: `["s"]`},
		{method: "GET", path: "/subjects?deletedOnly=true", status: 200, want: `["s"]`},
		{method: "GET", path: "/subjects/s/versions", status: 404, code: 40401},
		{name: "numbers never go backwards", method: "POST", path: "/subjects/s/versions", body: body(userV2), status: 200,
			want: `{"id":2}`},
		{method: "GET", path: "/subjects/s/versions", status: 200, want: `[4]`},
		{method: "DELETE", path: "/subjects/s?permanent=true", status: 404, code: 40405,
			want: `{"error_code":40405,"message":"Subject 's' was not deleted first before being permanently deleted"}`},
		{method: "DELETE", path: "/subjects/s", status: 200, want: `[4]`},
		{name: "permanent delete after soft (v2 was superseded by v4 and tombstoned)", method: "DELETE",
			path: "/subjects/s?permanent=true", status: 200, want: `[3,4]`},
		{method: "GET", path: "/subjects?deleted=true", status: 200, want: `[]`},
		{name: "hard-deleted ids are gone", method: "GET", path: "/schemas/ids/2", status: 404, code: 40403,
			want: `{"error_code":40403,"message":"Schema 2 not found"}`},
		{name: "permanent delete frees version numbers, ids stay bound", method: "POST", path: "/subjects/s/versions",
			body: body(userV2), status: 200, want: `{"id":2}`},
		{method: "GET", path: "/subjects/s/versions", status: 200, want: `[1]`},
		{method: "DELETE", path: "/subjects/s/versions/latest", status: 200, want: `1`},
		{method: "DELETE", path: "/subjects/s/versions/1?permanent=true", status: 200, want: `1`},
		{method: "DELETE", path: "/subjects/s/versions/1", status: 404, code: 40401},
		{method: "DELETE", path: "/subjects/nope", status: 404, code: 40401},
	})
}

func TestReferences(t *testing.T) {
	h := start(t, setup{})
	ref := `,"references":[{"name":"com.acme.Address","subject":"address-value","version":1}]`
	h.run(t, []step{
		{method: "POST", path: "/subjects/address-value/versions", body: body(address), status: 200, want: `{"id":1}`},
		{name: "unresolved reference", method: "POST", path: "/subjects/person-value/versions", body: body(person),
			status: 422, code: 42201},
		{name: "missing referenced version", method: "POST", path: "/subjects/person-value/versions",
			body:   body(person, `,"references":[{"name":"com.acme.Address","subject":"address-value","version":7}]`),
			status: 422, code: 42201, contains: "has no version 7"},
		{method: "POST", path: "/subjects/person-value/versions", body: body(person, ref), status: 200, want: `{"id":2}`},
		{method: "GET", path: "/subjects/person-value/versions/1", status: 200,
			contains: `"references":[{"name":"com.acme.Address","subject":"address-value","version":1}]`},
		{method: "GET", path: "/schemas/ids/2", status: 200, contains: `"references":[{"name":"com.acme.Address"`},
		{method: "GET", path: "/subjects/address-value/versions/1/referencedby", status: 200, want: `[2]`},
		{method: "GET", path: "/subjects/person-value/versions/1/referencedby", status: 200, want: `[]`},
		{method: "POST", path: "/subjects/person-value", body: body(person, ref), status: 200, contains: `"id":2`},
		{name: "same text without the reference is another schema", method: "POST", path: "/subjects/person-value",
			body: body(person), status: 422, code: 42201},
		{name: "a referenced version cannot be deleted", method: "DELETE", path: "/subjects/address-value/versions/1",
			status: 422, code: 42206,
			want: `{"error_code":42206,"message":"One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=address-value,version=1}."}`},
		{method: "DELETE", path: "/subjects/address-value", status: 422, code: 42206},
		{method: "DELETE", path: "/subjects/person-value", status: 200, want: `[1]`},
		{name: "soft-deleted referrers still hold the reference", method: "DELETE", path: "/subjects/address-value",
			status: 422, code: 42206},
		{method: "DELETE", path: "/subjects/person-value?permanent=true", status: 200, want: `[1]`},
		{method: "DELETE", path: "/subjects/address-value", status: 200, want: `[1]`},
	})
}
