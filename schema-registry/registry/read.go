package registry

import (
	"sort"
	"strings"
)

// SubjectFilter selects subjects or versions by deletion state.
type SubjectFilter struct {
	Prefix string
	// Deleted includes soft-deleted ones; DeletedOnly returns only those.
	Deleted     bool
	DeletedOnly bool
}

func (f SubjectFilter) keep(deleted bool) bool {
	if f.DeletedOnly {
		return deleted
	}
	return f.Deleted || !deleted
}

// Subjects lists subject names in ascending order. A subject counts as
// soft-deleted when all its versions are.
func (r *Registry) Subjects(f SubjectFilter) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []string{}
	for name := range r.st.subjects {
		if !strings.HasPrefix(name, f.Prefix) {
			continue
		}
		live := len(r.st.versionList(name, false)) > 0
		if f.keep(!live) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Versions lists a subject's version numbers in ascending order; with
// deletedAsNegative soft-deleted versions are included as negative numbers.
func (r *Registry) Versions(subject string, f SubjectFilter, deletedAsNegative bool) ([]int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.st.versionList(subject, f.Deleted || f.DeletedOnly || deletedAsNegative)) == 0 {
		return nil, subjectNotFound(subject)
	}
	out := []int{}
	for _, v := range r.st.versionList(subject, true) {
		deleted := r.st.version(subject, v).deleted
		switch {
		case deleted && deletedAsNegative:
			out = append(out, -v)
		case f.keep(deleted):
			out = append(out, v)
		}
	}
	return out, nil
}

// Version returns one version of a subject; version may be Latest. Without
// includeDeleted soft-deleted versions are not found.
func (r *Registry) Version(subject string, version int, includeDeleted bool) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.versionLocked(subject, version, includeDeleted)
}

func (r *Registry) versionLocked(subject string, version int, includeDeleted bool) (SchemaVersion, error) {
	if len(r.st.versionList(subject, includeDeleted)) == 0 {
		return SchemaVersion{}, subjectNotFound(subject)
	}
	if version == Latest {
		version = r.st.latest(subject, includeDeleted)
	}
	ve := r.st.version(subject, version)
	if ve == nil || (ve.deleted && !includeDeleted) {
		return SchemaVersion{}, versionNotFound(version)
	}
	return r.st.toVersion(subject, version, ve), nil
}

// SchemaByID returns the schema bound to id while any version (live or
// soft-deleted) holds it.
func (r *Registry) SchemaByID(id int) (StoredSchema, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ie := r.st.ids[id]
	if ie == nil || ie.uses == 0 {
		return StoredSchema{}, schemaNotFound(id)
	}
	return StoredSchema{ID: id, SchemaType: ie.schemaType, References: ie.refs, Schema: ie.text}, nil
}

// MaxID is the highest id bound so far.
func (r *Registry) MaxID() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.st.maxID
}

// VersionsByID lists the subject versions holding id, by subject then
// version.
func (r *Registry) VersionsByID(id int, includeDeleted bool) ([]SubjectVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if ie := r.st.ids[id]; ie == nil || ie.uses == 0 {
		return nil, schemaNotFound(id)
	}
	out := []SubjectVersion{}
	for name, sub := range r.st.subjects {
		for v, ve := range sub.versions {
			if ve.id == id && (includeDeleted || !ve.deleted) {
				out = append(out, SubjectVersion{Subject: name, Version: v})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

// SubjectsByID lists the subjects holding id.
func (r *Registry) SubjectsByID(id int, includeDeleted bool) ([]string, error) {
	svs, err := r.VersionsByID(id, includeDeleted)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, sv := range svs {
		if len(out) == 0 || out[len(out)-1] != sv.Subject {
			out = append(out, sv.Subject)
		}
	}
	return out, nil
}

// ReferencedBy lists the ids of schemas that reference a subject version.
func (r *Registry) ReferencedBy(subject string, version int) ([]int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	sv, err := r.versionLocked(subject, version, true)
	if err != nil {
		return nil, err
	}
	out := r.st.referencedBy(subject, sv.Version)
	if out == nil {
		out = []int{}
	}
	return out, nil
}

// Schemas lists subject versions whose subject has the prefix, by subject
// then version; latestOnly keeps each subject's newest.
func (r *Registry) Schemas(f SubjectFilter, latestOnly bool) []SchemaVersion {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.st.subjects))
	for name := range r.st.subjects {
		if strings.HasPrefix(name, f.Prefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := []SchemaVersion{}
	for _, name := range names {
		vs := r.st.versionList(name, f.Deleted)
		if latestOnly && len(vs) > 0 {
			vs = vs[len(vs)-1:]
		}
		for _, v := range vs {
			out = append(out, r.st.toVersion(name, v, r.st.version(name, v)))
		}
	}
	return out
}

// Lookup finds the version of subject that holds the schema. With
// includeDeleted soft-deleted versions match too.
func (r *Registry) Lookup(subject string, in SchemaInput, normalize, includeDeleted bool) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	normalize = normalize || r.normalizeFor(subject)
	c, err := r.st.prepare(in, normalize, r.cfg.maxSchemaBytes)
	if err != nil {
		return SchemaVersion{}, err
	}
	v, ve := r.st.findInSubject(subject, c, normalize, includeDeleted)
	if ve == nil {
		if len(r.st.versionList(subject, includeDeleted)) == 0 {
			return SchemaVersion{}, subjectNotFound(subject)
		}
		return SchemaVersion{}, newError(ErrSchemaNotFound, "Schema not found")
	}
	return r.st.toVersion(subject, v, ve), nil
}
