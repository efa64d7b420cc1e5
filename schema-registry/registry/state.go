package registry

import (
	"fmt"
	"sort"

	"github.com/retailpulse/retailpulse/schema-registry/compat"
)

// state is what the log says, derived by applying its records in order.
// Every process applies the same records in the same order with the same
// rules, so every process holds the same state at the same offset: apply is
// deterministic and depends on nothing but the state and the record.
type state struct {
	ids map[int]*idEntry
	// byKey finds the id of a schema by the identityKey of its stored text
	// and of its canonical form; the first id bound wins.
	byKey map[string]int
	// unparsed holds Avro ids whose text did not parse when bound, usually
	// because compaction put a referenced schema after them; they are
	// parsed again as schemas arrive.
	unparsed map[int]bool
	subjects map[string]*subjectEntry
	configs  map[string]Config // "" is the global config
	modes    map[string]string // "" is the global mode
	maxID    int
	liveIDs  int // ids with at least one version, live or soft-deleted
}

// idEntry is a schema bound to a global id. The binding is permanent: the
// entry outlives its last version so that the id is never bound to a
// different schema, and re-registering the same schema gets the same id.
type idEntry struct {
	id         int
	schemaType string
	refs       []Reference
	text       string
	identity   string         // identityKey of text
	canonKey   string         // identityKey of the canonical form, "" until parsed
	parsed     *compat.Schema // nil for unsupported types or texts that do not parse
	uses       int            // versions (live or soft-deleted) holding this id
}

type versionEntry struct {
	id      int
	deleted bool
}

type subjectEntry struct {
	versions map[int]*versionEntry
}

func newState() *state {
	return &state{
		ids:      map[int]*idEntry{},
		byKey:    map[string]int{},
		unparsed: map[int]bool{},
		subjects: map[string]*subjectEntry{},
		configs:  map[string]Config{},
		modes:    map[string]string{},
	}
}

// apply applies one decoded record. A non-nil error means the record was
// rejected and changed nothing; every process rejects the same records.
func (s *state) apply(e Entry) error {
	switch e.KeyType {
	case KeySchema:
		if e.Tombstone {
			s.removeVersion(e.Subject, e.Version)
			return nil
		}
		return s.putSchema(*e.Schema)
	case KeyConfig:
		if e.Tombstone {
			delete(s.configs, e.Subject)
		} else {
			s.configs[e.Subject] = *e.Config
		}
	case KeyMode:
		if e.Tombstone {
			delete(s.modes, e.Subject)
		} else {
			s.modes[e.Subject] = e.Mode
		}
	case KeyDeleteSubject:
		if sub := s.subjects[e.Subject]; sub != nil && !e.Tombstone {
			for v, ve := range sub.versions {
				if v <= e.DeleteUpTo {
					ve.deleted = true
				}
			}
		}
	case KeyClearSubject:
		// Upstream writes this when a scope switches to IMPORT: it drops the
		// soft-deleted versions so imported versions can take their numbers.
		if !e.Tombstone {
			for name, sub := range s.subjects {
				if e.Subject != "" && name != e.Subject {
					continue
				}
				for v, ve := range sub.versions {
					if ve.deleted {
						s.removeVersion(name, v)
					}
				}
			}
		}
	}
	return nil
}

func (s *state) putSchema(r SchemaRecord) error {
	identity := identityKey(r.SchemaType, r.References, r.Schema)
	bound := s.ids[r.ID]
	if bound != nil && bound.identity != identity {
		return fmt.Errorf("id %d is already bound to a different schema", r.ID)
	}
	sub := s.subjects[r.Subject]
	if sub != nil {
		if ve := sub.versions[r.Version]; ve != nil {
			if ve.id != r.ID {
				return fmt.Errorf("version %d of subject %q already holds schema id %d", r.Version, r.Subject, ve.id)
			}
			ve.deleted = r.Deleted
			return nil
		}
	} else {
		sub = &subjectEntry{versions: map[int]*versionEntry{}}
		s.subjects[r.Subject] = sub
	}
	if bound == nil {
		bound = &idEntry{id: r.ID, schemaType: r.SchemaType, refs: r.References, text: r.Schema, identity: identity}
		s.ids[r.ID] = bound
		s.index(identity, r.ID)
		if r.SchemaType == TypeAvro {
			s.unparsed[r.ID] = true
		}
	}
	sub.versions[r.Version] = &versionEntry{id: r.ID, deleted: r.Deleted}
	// References resolve through subject versions, so parse once this one
	// is in place.
	s.parsePending()
	if bound.uses == 0 {
		s.liveIDs++
	}
	bound.uses++
	if r.ID > s.maxID {
		s.maxID = r.ID
	}
	return nil
}

// parsePending parses the Avro ids that have not parsed yet, in id order so
// that byKey is the same in every process.
func (s *state) parsePending() {
	if len(s.unparsed) == 0 {
		return
	}
	ids := make([]int, 0, len(s.unparsed))
	for id := range s.unparsed {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		ie := s.ids[id]
		if ie.parsed = s.parse(ie.schemaType, ie.text, ie.refs); ie.parsed != nil {
			delete(s.unparsed, id)
			ie.canonKey = identityKey(ie.schemaType, ie.refs, ie.parsed.Canonical())
			s.index(ie.canonKey, id)
		}
	}
}

func (s *state) index(key string, id int) {
	if _, taken := s.byKey[key]; !taken {
		s.byKey[key] = id
	}
}

func (s *state) removeVersion(subject string, version int) {
	sub := s.subjects[subject]
	if sub == nil {
		return
	}
	ve := sub.versions[version]
	if ve == nil {
		return
	}
	delete(sub.versions, version)
	if len(sub.versions) == 0 {
		delete(s.subjects, subject)
	}
	if ie := s.ids[ve.id]; ie != nil {
		ie.uses--
		if ie.uses == 0 {
			s.liveIDs--
		}
	}
}

// versionList returns a subject's version numbers in ascending order.
func (s *state) versionList(subject string, includeDeleted bool) []int {
	sub := s.subjects[subject]
	if sub == nil {
		return nil
	}
	out := make([]int, 0, len(sub.versions))
	for v, ve := range sub.versions {
		if includeDeleted || !ve.deleted {
			out = append(out, v)
		}
	}
	sort.Ints(out)
	return out
}

func (s *state) version(subject string, version int) *versionEntry {
	if sub := s.subjects[subject]; sub != nil {
		return sub.versions[version]
	}
	return nil
}

// latest returns the newest version number, 0 when there is none.
func (s *state) latest(subject string, includeDeleted bool) int {
	vs := s.versionList(subject, includeDeleted)
	if len(vs) == 0 {
		return 0
	}
	return vs[len(vs)-1]
}

// referencedBy lists the ids of stored versions whose schema references the
// given subject version, in ascending order.
func (s *state) referencedBy(subject string, version int) []int {
	var out []int
	for id, ie := range s.ids {
		if ie.uses == 0 {
			continue
		}
		for _, r := range ie.refs {
			if r.Subject == subject && r.Version == version {
				out = append(out, id)
				break
			}
		}
	}
	sort.Ints(out)
	return out
}

func (s *state) toVersion(subject string, v int, ve *versionEntry) SchemaVersion {
	ie := s.ids[ve.id]
	return SchemaVersion{Subject: subject, Version: v, ID: ve.id, SchemaType: ie.schemaType,
		References: ie.refs, Schema: ie.text, Deleted: ve.deleted}
}
