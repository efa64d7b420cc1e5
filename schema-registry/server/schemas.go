package server

import (
	"net/http"

	"github.com/retailpulse/retailpulse/schema-registry/registry"
)

type schemaJSON struct {
	SchemaType string               `json:"schemaType,omitempty"`
	References []registry.Reference `json:"references,omitempty"`
	Schema     string               `json:"schema"`
	MaxID      *int                 `json:"maxId,omitempty"`
}

func (a *api) listSchemas(r *http.Request) (any, error) {
	f := filter(r)
	svs := a.core.Schemas(f, boolParam(r, "latestOnly"))
	out := make([]versionJSON, 0, len(svs))
	for _, sv := range svs {
		out = append(out, toVersionJSON(sv))
	}
	return out, nil
}

func (a *api) schemaTypes(*http.Request) (any, error) { return registry.SupportedTypes(), nil }

func (a *api) schemaByID(r *http.Request) (any, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	s, err := a.core.SchemaByID(id)
	if err != nil {
		return nil, err
	}
	out := schemaJSON{SchemaType: typeField(s.SchemaType), References: s.References, Schema: s.Schema}
	if boolParam(r, "fetchMaxId") {
		maxID := a.core.MaxID()
		out.MaxID = &maxID
	}
	return out, nil
}

func (a *api) schemaTextByID(r *http.Request) (any, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	s, err := a.core.SchemaByID(id)
	if err != nil {
		return nil, err
	}
	return rawText(s.Schema), nil
}

func (a *api) subjectsByID(r *http.Request) (any, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	return a.core.SubjectsByID(id, boolParam(r, "deleted"))
}

func (a *api) versionsByID(r *http.Request) (any, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	return a.core.VersionsByID(id, boolParam(r, "deleted"))
}
