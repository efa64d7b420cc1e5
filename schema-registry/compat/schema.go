package compat

import (
	"crypto/sha256"
	"strings"
	"sync"
)

// kind is an Avro schema type. The order matters only for kindNames.
type kind uint8

const (
	kindNull kind = iota
	kindBoolean
	kindInt
	kindLong
	kindFloat
	kindDouble
	kindBytes
	kindString
	kindRecord
	kindEnum
	kindFixed
	kindArray
	kindMap
	kindUnion
)

var kindNames = [...]string{"null", "boolean", "int", "long", "float", "double", "bytes", "string",
	"record", "enum", "fixed", "array", "map", "union"}

// String returns the lower-case Avro type name.
func (k kind) String() string { return kindNames[k] }

// upper returns the name as Avro Java's Schema.Type prints it, which is what
// Confluent's compatibility messages contain.
func (k kind) upper() string { return strings.ToUpper(kindNames[k]) }

var primitiveKinds = map[string]kind{
	"null": kindNull, "boolean": kindBoolean, "int": kindInt, "long": kindLong,
	"float": kindFloat, "double": kindDouble, "bytes": kindBytes, "string": kindString,
}

func (k kind) named() bool { return k == kindRecord || k == kindEnum || k == kindFixed }

// node is one schema in the parsed graph. A named type exists once and every
// reference to it points at the same node, so recursion is a cycle in the
// graph and (reader, writer) node pairs identify a comparison.
type node struct {
	kind kind

	// Named types. namespace is "" for the null namespace.
	name, namespace string
	isError         bool // a record declared as "error"
	aliases         []string
	fromRef         bool // defined in a referenced schema, not in the text itself

	doc    string
	hasDoc bool

	fields     []*field
	fieldIndex map[string]int

	symbols     []string
	symbolSet   map[string]bool
	enumDefault *string

	size int

	items, values *node
	branches      []*node

	props []jmember // custom attributes, in input order
}

func (n *node) fullName() string {
	if n.namespace == "" {
		return n.name
	}
	return n.namespace + "." + n.name
}

func (n *node) prop(key string) *jnode {
	for _, p := range n.props {
		if p.key == key {
			return p.val
		}
	}
	return nil
}

// field is a record field.
type field struct {
	name    string
	typ     *node
	doc     string
	hasDoc  bool
	def     *jnode // nil when the field has no default
	order   string // "" (ascending), "descending" or "ignore"
	aliases []string
	props   []jmember
	pos     int
}

// Schema is a parsed Avro schema, immutable and safe for concurrent use.
type Schema struct {
	text      string
	root      *node
	refs      map[string]string
	refTop    []*node // top-level named types of the references, in parse order
	canonical string

	normOnce   sync.Once
	normalized string
	fpOnce     sync.Once
	fp         [32]byte
}

// String returns the schema text exactly as given to Parse.
func (s *Schema) String() string { return s.text }

// Canonical returns Confluent's canonicalString(): the compact JSON Avro Java
// prints for the parsed schema. Two texts that differ only in whitespace,
// in escapes or in how a primitive is spelled ("string" vs {"type":"string"})
// have the same canonical form; field order, docs, defaults, aliases and
// custom attributes are all kept, so changing any of them changes identity.
// Named types defined by references are written by name, not inlined.
func (s *Schema) Canonical() string { return s.canonical }

// Normalized returns the form Confluent stores and compares when
// normalize=true: the canonical form of the schema after AvroSchema.normalize(),
// which sorts aliases and custom attributes, drops empty record docs, puts
// logical-type attributes first and rewrites field defaults in the type's
// own number format (a double default 1 becomes 1.0). Should the normalized
// text fail to parse again (Confluent would fail too), the canonical form is
// returned instead.
func (s *Schema) Normalized() string {
	s.normOnce.Do(func() { s.normalized = normalize(s) })
	return s.normalized
}

// Fingerprint is the SHA-256 of Normalized(). Equal fingerprints mean the
// schemas are the same under normalize=true; use it as a map key for lookups
// by identity, but compare Canonical() when normalize is off, because schemas
// that differ only in attribute order share a fingerprint.
func (s *Schema) Fingerprint() [32]byte {
	s.fpOnce.Do(func() { s.fp = sha256.Sum256([]byte(s.Normalized())) })
	return s.fp
}

// Name returns the full name of the top-level named type (record, enum or
// fixed), or "" when the schema is a primitive, array, map or union. This is
// the name RecordNameStrategy subjects use.
func (s *Schema) Name() string {
	if s.root.kind.named() {
		return s.root.fullName()
	}
	return ""
}
