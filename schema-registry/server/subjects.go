package server

import (
	"errors"
	"net/http"

	"github.com/retailpulse/retailpulse/schema-registry/registry"
)

// versionJSON is a subject version as Confluent returns it: schemaType only
// when not AVRO, references only when there are some.
type versionJSON struct {
	Subject    string               `json:"subject"`
	Version    int                  `json:"version"`
	ID         int                  `json:"id"`
	SchemaType string               `json:"schemaType,omitempty"`
	References []registry.Reference `json:"references,omitempty"`
	Schema     string               `json:"schema"`
	Deleted    bool                 `json:"deleted,omitempty"`
}

func toVersionJSON(sv registry.SchemaVersion) versionJSON {
	return versionJSON{Subject: sv.Subject, Version: sv.Version, ID: sv.ID, SchemaType: typeField(sv.SchemaType),
		References: sv.References, Schema: sv.Schema, Deleted: sv.Deleted}
}

func typeField(t string) string {
	if t == registry.TypeAvro {
		return ""
	}
	return t
}

func (a *api) root(*http.Request) (any, error) { return struct{}{}, nil }

func (a *api) listSubjects(r *http.Request) (any, error) {
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		return nil, err
	}
	limit, err := intParam(r, "limit", -1)
	if err != nil {
		return nil, err
	}
	subjects := a.core.Subjects(filter(r))
	if offset > 0 {
		subjects = subjects[min(offset, len(subjects)):]
	}
	if limit >= 0 && limit < len(subjects) {
		subjects = subjects[:limit]
	}
	return subjects, nil
}

func (a *api) listVersions(r *http.Request) (any, error) {
	return a.core.Versions(subjectParam(r), filter(r), boolParam(r, "deletedAsNegative"))
}

func (a *api) register(r *http.Request) (any, error) {
	in, opt, err := readSchema(r)
	if err != nil {
		return nil, err
	}
	id, err := a.core.Register(r.Context(), subjectParam(r), in, opt)
	if err != nil {
		return nil, err
	}
	return map[string]int{"id": id}, nil
}

func (a *api) version(r *http.Request) (registry.SchemaVersion, error) {
	v, err := versionParam(r)
	if err != nil {
		return registry.SchemaVersion{}, err
	}
	return a.core.Version(subjectParam(r), v, boolParam(r, "deleted"))
}

func (a *api) getVersion(r *http.Request) (any, error) {
	sv, err := a.version(r)
	if err != nil {
		return nil, err
	}
	return toVersionJSON(sv), nil
}

func (a *api) getVersionSchema(r *http.Request) (any, error) {
	sv, err := a.version(r)
	if err != nil {
		return nil, err
	}
	return rawText(sv.Schema), nil
}

func (a *api) referencedBy(r *http.Request) (any, error) {
	v, err := versionParam(r)
	if err != nil {
		return nil, err
	}
	return a.core.ReferencedBy(subjectParam(r), v)
}

func (a *api) deleteVersion(r *http.Request) (any, error) {
	v, err := versionParam(r)
	if err != nil {
		return nil, err
	}
	return a.core.DeleteVersion(r.Context(), subjectParam(r), v, boolParam(r, "permanent"))
}

func (a *api) lookup(r *http.Request) (any, error) {
	in, _, err := readSchema(r)
	if err != nil {
		return nil, err
	}
	sv, err := a.core.Lookup(subjectParam(r), in, boolParam(r, "normalize"), boolParam(r, "deleted"))
	if err != nil {
		return nil, err
	}
	return toVersionJSON(sv), nil
}

func (a *api) deleteSubject(r *http.Request) (any, error) {
	return a.core.DeleteSubject(r.Context(), subjectParam(r), boolParam(r, "permanent"))
}

type compatJSON struct {
	IsCompatible bool `json:"is_compatible"`
}

// compatVerboseJSON always carries messages, empty when compatible.
type compatVerboseJSON struct {
	IsCompatible bool     `json:"is_compatible"`
	Messages     []string `json:"messages"`
}

func (a *api) checkVersion(r *http.Request) (any, error) {
	v, err := versionParam(r)
	if err != nil {
		return nil, err
	}
	return a.check(r, v)
}

func (a *api) checkAll(r *http.Request) (any, error) { return a.check(r, 0) }

// check answers a compatibility check. With verbose=true the reply carries
// Confluent's messages plus a summary of what broke and the level applied,
// and an unparsable schema becomes an incompatible answer instead of 42201.
func (a *api) check(r *http.Request, version int) (any, error) {
	verbose := boolParam(r, "verbose")
	in, _, err := readSchema(r)
	if err != nil {
		return nil, err
	}
	res, err := a.core.CheckCompatibility(subjectParam(r), version, in, boolParam(r, "normalize"))
	if err != nil {
		if verbose && errors.Is(err, registry.ErrInvalidSchema) {
			return compatVerboseJSON{IsCompatible: false, Messages: []string{err.Error()}}, nil
		}
		return nil, err
	}
	if !verbose {
		return compatJSON{IsCompatible: res.Compatible}, nil
	}
	out := compatVerboseJSON{IsCompatible: res.Compatible, Messages: []string{}}
	if !res.Compatible {
		out.Messages = append(append(out.Messages, res.Messages...), "summary: "+res.Summary, res.LevelLine())
	}
	return out, nil
}
