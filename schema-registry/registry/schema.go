package registry

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/retailpulse/retailpulse/schema-registry/compat"
)

// identityKey names a schema exactly: type, references and text. Binding
// decisions on apply compare these keys, as upstream compares schema
// strings; they depend on the record alone, so every process decides alike
// even when compaction has moved a referenced schema after its referrer.
// Our writers store canonical text, so for our records the key of the text
// is also the key of the canonical form.
func identityKey(schemaType string, refs []Reference, text string) string {
	var b strings.Builder
	b.WriteString(schemaType)
	b.WriteByte(0)
	for _, r := range refs {
		b.WriteString(r.Name)
		b.WriteByte('|')
		b.WriteString(r.Subject)
		b.WriteByte('|')
		b.WriteString(strconv.Itoa(r.Version))
		b.WriteByte(';')
	}
	b.WriteByte(0)
	b.WriteString(text)
	return b.String()
}

// parse parses a stored Avro schema with its references resolved from the
// state; nil when it is not Avro or does not parse (yet).
func (s *state) parse(schemaType, text string, refs []Reference) *compat.Schema {
	if schemaType != TypeAvro {
		return nil
	}
	resolved, err := s.resolveRefs(refs)
	if err != nil {
		return nil
	}
	p, err := compat.Parse(text, resolved)
	if err != nil {
		return nil
	}
	return p
}

// resolveRefs maps every named type a schema's references bring in, directly
// or through the references of referenced schemas, to its schema text.
func (s *state) resolveRefs(refs []Reference) (map[string]string, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	seen := map[SubjectVersion]bool{}
	var walk func([]Reference) error
	walk = func(rs []Reference) error {
		for _, r := range rs {
			ve := s.version(r.Subject, r.Version)
			if ve == nil {
				return fmt.Errorf("reference %q: subject %q has no version %d", r.Name, r.Subject, r.Version)
			}
			ie := s.ids[ve.id]
			if ie.schemaType != TypeAvro {
				return fmt.Errorf("reference %q: subject %q version %d is a %s schema", r.Name, r.Subject, r.Version, ie.schemaType)
			}
			out[r.Name] = ie.text
			key := SubjectVersion{Subject: r.Subject, Version: r.Version}
			if seen[key] {
				continue
			}
			seen[key] = true
			if err := walk(ie.refs); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(refs)
}

// candidate is a schema submitted for registration, lookup or a check,
// parsed against the current state.
type candidate struct {
	schemaType string
	refs       []Reference
	text       string // the form stored: canonical, or normalized
	identity   string // identityKey of text
	canonKey   string // identityKey of the canonical form
	parsed     *compat.Schema
}

// prepare validates and parses a submitted schema. With normalize the stored
// form is the normalized one, as upstream does.
func (s *state) prepare(in SchemaInput, normalize bool, maxBytes int) (*candidate, error) {
	t := strings.ToUpper(strings.TrimSpace(in.SchemaType))
	switch t {
	case "", TypeAvro:
		t = TypeAvro
	case TypeJSON, TypeProtobuf:
		return nil, newError(ErrInvalidSchema, "Unsupported schema type %s: this registry supports AVRO only", t)
	default:
		return nil, newError(ErrInvalidSchema, "Invalid schema type %q: this registry supports AVRO only", in.SchemaType)
	}
	if strings.TrimSpace(in.Schema) == "" {
		return nil, newError(ErrInvalidSchema, "Invalid schema: the schema is empty")
	}
	if maxBytes > 0 && len(in.Schema) > maxBytes {
		return nil, newError(ErrSchemaTooLarge, "Write failed because schema is too large: %d bytes, the limit is %d",
			len(in.Schema), maxBytes)
	}
	for i, r := range in.References {
		if r.Name == "" || r.Subject == "" || !validVersion(r.Version) {
			return nil, newError(ErrInvalidSchema,
				"Invalid schema: references[%d] needs a name, a subject and a version between 1 and 2^31-1", i)
		}
	}
	resolved, err := s.resolveRefs(in.References)
	if err != nil {
		return nil, newError(ErrInvalidSchema, "Invalid schema: %v", err)
	}
	p, err := compat.Parse(in.Schema, resolved)
	if err != nil {
		return nil, &Error{Kind: ErrInvalidSchema, Message: err.Error()}
	}
	text := p.Canonical()
	if normalize {
		text = p.Normalized()
	}
	parsed := p
	if normalize {
		if parsed, err = compat.Parse(text, resolved); err != nil {
			return nil, newError(ErrInvalidSchema, "Invalid schema: its normalized form does not parse: %v", err)
		}
	}
	return &candidate{schemaType: t, refs: in.References, text: text, identity: identityKey(t, in.References, text),
		canonKey: identityKey(t, in.References, parsed.Canonical()), parsed: parsed}, nil
}

// matches reports whether a stored id holds the candidate: the same
// identity, or with normalize the same normalized form.
func (c *candidate) matches(ie *idEntry, normalize bool) bool {
	if ie.identity == c.identity || (ie.canonKey != "" && ie.canonKey == c.canonKey) {
		return true
	}
	if !normalize || ie.parsed == nil || ie.schemaType != c.schemaType || !sameRefs(ie.refs, c.refs) {
		return false
	}
	return ie.parsed.Normalized() == c.parsed.Normalized()
}

// findInSubject returns the newest version of subject holding the candidate.
func (s *state) findInSubject(subject string, c *candidate, normalize, includeDeleted bool) (int, *versionEntry) {
	vs := s.versionList(subject, includeDeleted)
	for i := len(vs) - 1; i >= 0; i-- {
		ve := s.version(subject, vs[i])
		if c.matches(s.ids[ve.id], normalize) {
			return vs[i], ve
		}
	}
	return 0, nil
}

func sameRefs(a, b []Reference) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
