package server

import (
	"fmt"
	"testing"

	"github.com/retailpulse/retailpulse/schema-registry/registry"
)

// TestCatalogue checks the mapping of every condition, including those no
// request can provoke in a leaderless single-context registry.
func TestCatalogue(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   int
	}{
		{&registry.Error{Kind: registry.ErrSubjectNotFound, Message: "m"}, 404, 40401},
		{fmt.Errorf("wrapped: %w", &registry.Error{Kind: registry.ErrVersionNotFound, Message: "m"}), 404, 40402},
		{&registry.IncompatibleError{Subject: "s"}, 409, 409},
		{ErrContextNotEmpty, 422, 42211},
		{ErrForwarding, 500, 50003},
		{ErrUnknownLeader, 500, 50004},
		{reqErr(ErrNotReady, "starting"), 503, 503},
	}
	for _, c := range cases {
		status, code, msg, known := errorResponse(c.err)
		if status != c.status || code != c.code || !known || msg != c.err.Error() {
			t.Errorf("%v: got %d %d %q %v", c.err, status, code, msg, known)
		}
	}
	status, code, msg, known := errorResponse(fmt.Errorf("disk on fire at /var/secret"))
	if status != 500 || code != 500 || msg != "Internal Server Error" || known {
		t.Errorf("unknown error: got %d %d %q %v", status, code, msg, known)
	}
	codes := map[int]bool{}
	for _, c := range catalogue {
		if codes[c.code] {
			t.Errorf("code %d mapped twice", c.code)
		}
		codes[c.code] = true
	}
	for _, want := range []int{40401, 40402, 40403, 40404, 40405, 40406, 40407, 40408, 40409, 409, 42201, 42202, 42203,
		42204, 42205, 42206, 42207, 42208, 42209, 42210, 42211, 50001, 50002, 50003, 50004, 422} {
		if !codes[want] {
			t.Errorf("code %d missing from the catalogue", want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		accept, want string
		ok           bool
	}{
		{"", MediaTypeV1, true},
		{"*/*", MediaTypeV1, true},
		{"application/*", MediaTypeV1, true},
		{"application/json", MediaTypeJSON, true},
		{"application/vnd.schemaregistry+json", MediaTypeGeneric, true},
		{"text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", MediaTypeV1, true},
		{"application/vnd.schemaregistry.v2+json; q=0.1, application/vnd.schemaregistry+json; q=0.9", MediaTypeGeneric, true},
		{"application/json; q=0.5, application/vnd.schemaregistry.v1+json; q=0.4", MediaTypeJSON, true},
		{"application/json; q=0, */*", MediaTypeV1, true},
		{"*/*; q=0.1, application/json; q=0", MediaTypeV1, true},
		{"application/vnd.schemaregistry.v2+json", "", false},
		{"application/octet-stream", "", false},
		{"text/*", "", false},
	}
	for _, c := range cases {
		got, ok := negotiate(c.accept)
		if got != c.want || ok != c.ok {
			t.Errorf("negotiate(%q) = %q, %v; want %q, %v", c.accept, got, ok, c.want, c.ok)
		}
	}
}
