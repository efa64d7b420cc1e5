package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/retailpulse/retailpulse/schema-registry/registry"
)

// schemaBody is the body of register, lookup and compatibility requests.
// Fields newer clients send (metadata, ruleSet, ...) are tolerated.
type schemaBody struct {
	Schema     *string              `json:"schema"`
	SchemaType string               `json:"schemaType"`
	References []registry.Reference `json:"references"`
	ID         *int                 `json:"id"`
	Version    *int                 `json:"version"`
	RuleSet    json.RawMessage      `json:"ruleSet"`
}

// readJSON reads the request body in its declared charset into dst, which
// must be a pointer to a struct: the body has to be a JSON object.
func readJSON(r *http.Request, dst any) error {
	charset, _ := requestMediaOK(r.Header.Get("Content-Type"))
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return reqErr(registry.ErrSchemaTooLarge, fmt.Sprintf("Request body exceeds %d bytes", tooBig.Limit))
		}
		return reqErr(ErrMalformedJSON, "Reading the request body: "+err.Error())
	}
	body, err := toUTF8(raw, charset)
	if err != nil {
		return reqErr(ErrMalformedJSON, err.Error())
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return reqErr(ErrInvalidBody, "Request body is empty; expected a JSON object")
	}
	if !json.Valid(body) {
		return reqErr(ErrMalformedJSON, "Request body is not valid JSON")
	}
	if body[0] != '{' {
		return reqErr(ErrInvalidBody, "Request body must be a JSON object")
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return reqErr(ErrInvalidBody, fmt.Sprintf("Field %q must be %s, got %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value))
		}
		return reqErr(ErrInvalidBody, "Invalid request body: "+err.Error())
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int64", "int32":
		return "an integer"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	default:
		return "an object"
	}
}

// readSchema reads a schema body.
func readSchema(r *http.Request) (registry.SchemaInput, registry.RegisterOptions, error) {
	var b schemaBody
	if err := readJSON(r, &b); err != nil {
		return registry.SchemaInput{}, registry.RegisterOptions{}, err
	}
	if b.Schema == nil {
		return registry.SchemaInput{}, registry.RegisterOptions{}, reqErr(ErrInvalidBody, "Empty schema: the body needs a \"schema\" field")
	}
	if rs := bytes.TrimSpace(b.RuleSet); len(rs) > 0 && rs[0] != '{' && !bytes.Equal(rs, []byte("null")) {
		return registry.SchemaInput{}, registry.RegisterOptions{}, reqErr(ErrInvalidRuleSet, "Invalid ruleSet: must be an object")
	}
	opt := registry.RegisterOptions{Normalize: boolParam(r, "normalize")}
	if b.ID != nil && *b.ID > 0 {
		opt.ID = *b.ID
	}
	if b.Version != nil && *b.Version > 0 {
		opt.Version = *b.Version
	}
	return registry.SchemaInput{Schema: *b.Schema, SchemaType: b.SchemaType, References: b.References}, opt, nil
}

// boolParam reads a boolean query parameter; anything but "true" is false,
// as with JAX-RS.
func boolParam(r *http.Request, name string) bool {
	return strings.EqualFold(r.URL.Query().Get(name), "true")
}

func intParam(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, reqErr(ErrInvalidBody, fmt.Sprintf("Query parameter %s=%q is not an integer", name, s))
	}
	return n, nil
}

func subjectParam(r *http.Request) string { return r.PathValue("subject") }

func versionParam(r *http.Request) (int, error) {
	return registry.ParseVersion(r.PathValue("version"))
}

func idParam(r *http.Request) (int, error) {
	s := r.PathValue("id")
	id, err := strconv.Atoi(s)
	if err != nil || id < 0 {
		return 0, &registry.Error{Kind: registry.ErrSchemaNotFound, Message: fmt.Sprintf("Schema %s not found", s)}
	}
	return id, nil
}

// filter reads the subjectPrefix, deleted and deletedOnly parameters.
func filter(r *http.Request) registry.SubjectFilter {
	return registry.SubjectFilter{Prefix: r.URL.Query().Get("subjectPrefix"),
		Deleted: boolParam(r, "deleted"), DeletedOnly: boolParam(r, "deletedOnly")}
}
