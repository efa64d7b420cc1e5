package compat

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Attributes Avro gives a meaning to; every other attribute is a custom
// property and is kept, in order, for the canonical form.
var (
	schemaReserved = reservedSet("doc", "fields", "items", "name", "namespace", "size", "symbols", "values",
		"type", "aliases")
	enumReserved  = reservedSet("doc", "fields", "items", "name", "namespace", "size", "symbols", "values", "type", "aliases", "default")
	fieldReserved = reservedSet("default", "doc", "name", "order", "type", "aliases")
)

func reservedSet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// Parse parses an Avro schema text. refs maps fully-qualified type names to
// the texts of referenced schemas (Confluent schema references); the named
// types they define can be used in text by name, and are written by name, not
// inlined, in the canonical form. refs may depend on one another in any order.
//
// Parse follows Avro Java's parser, which is what Confluent runs, and in
// addition always validates field defaults (a union default must match the
// union's first type). Errors are *ParseError, worded for a 42201 reply.
func Parse(text string, refs map[string]string) (*Schema, error) {
	p := &parser{names: make(map[string]*node)}
	refTop, err := p.references(refs)
	if err != nil {
		return nil, err
	}
	j, jerr := parseJSON(text)
	if jerr != nil {
		return nil, &ParseError{Reason: jerr.Error()}
	}
	root, err := p.unit(j)
	if err != nil {
		return nil, err
	}
	s := &Schema{text: text, root: root, refs: maps.Clone(refs), refTop: refTop}
	s.canonical = canonicalString(root, refTop)
	return s, nil
}

type parser struct {
	names    map[string]*node // every named type, by full name
	added    []string         // names defined by the unit being parsed, for rollback
	defaults []pendingDefault // field defaults to check once the unit's types are complete
	fromRef  bool
}

type pendingDefault struct {
	f    *field
	path string // JSON pointer of the field
}

// unit parses one document (the schema or one reference) atomically: on
// failure its names are forgotten so that it can be retried.
func (p *parser) unit(j *jnode) (*node, error) {
	p.added, p.defaults = p.added[:0], p.defaults[:0]
	n, err := p.schema(j, "", "")
	if err == nil {
		err = p.checkDefaults()
	}
	if err != nil {
		for _, name := range p.added {
			delete(p.names, name)
		}
		return nil, err
	}
	return n, nil
}

// references parses the referenced schemas, retrying those that use types
// of references not parsed yet, and returns their top-level named types.
func (p *parser) references(refs map[string]string) ([]*node, error) {
	keys := slices.Sorted(maps.Keys(refs))
	docs := make(map[string]*jnode, len(refs))
	for _, k := range keys {
		j, err := parseJSON(refs[k])
		if err != nil {
			return nil, &ParseError{Reference: k, Reason: err.Error()}
		}
		docs[k] = j
	}
	p.fromRef = true
	defer func() { p.fromRef = false }()
	var top []*node
	for pending := keys; len(pending) > 0; {
		var retry []string
		var firstErr *ParseError
		for _, k := range pending {
			n, err := p.unit(docs[k])
			if err == nil {
				if n.kind.named() {
					top = append(top, n)
				}
				continue
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				return nil, err
			}
			withRef := *pe
			withRef.Reference = k
			if pe.undefined == "" {
				return nil, &withRef
			}
			retry = append(retry, k)
			if firstErr == nil {
				firstErr = &withRef
			}
		}
		if len(retry) == len(pending) {
			return nil, firstErr
		}
		pending = retry
	}
	return top, nil
}

// schema parses any schema value found at path, space being the enclosing
// namespace.
func (p *parser) schema(j *jnode, path, space string) (*node, error) {
	switch j.kind {
	case jString:
		return p.typeRef(j.str, path, space)
	case jArray:
		return p.union(j, path, space)
	case jObject:
		return p.object(j, path, space)
	default:
		return nil, parseErr(path, "a schema must be a type name, a JSON object or a union (JSON array), not %s",
			describeJSON(j))
	}
}

func (p *parser) typeRef(name, path, space string) (*node, error) {
	if k, ok := primitiveKinds[name]; ok {
		return &node{kind: k}, nil
	}
	if n := p.lookup(name, space); n != nil {
		return n, nil
	}
	e := parseErr(path, "unknown type %q: a named type must be defined (or referenced) before it is used", name)
	e.undefined = name
	return nil, e
}

// lookup resolves a type name the way Avro does: a dotted name is a full
// name; a simple one is tried in the enclosing namespace, then in the null
// namespace.
func (p *parser) lookup(name, space string) *node {
	if strings.Contains(name, ".") {
		sp, simple := splitName(name)
		return p.names[joinName(sp, simple)]
	}
	if space != "" {
		if n := p.names[space+"."+name]; n != nil {
			return n
		}
	}
	return p.names[name]
}

func (p *parser) union(j *jnode, path, space string) (*node, error) {
	n := &node{kind: kindUnion, branches: make([]*node, 0, len(j.arr))}
	seen := make(map[string]int, len(j.arr))
	for i, e := range j.arr {
		bp := path + "/" + strconv.Itoa(i)
		b, err := p.schema(e, bp, space)
		if err != nil {
			return nil, err
		}
		if b.kind == kindUnion {
			return nil, parseErr(bp, "a union may not directly contain another union")
		}
		key := b.kind.String()
		if b.kind.named() {
			key = b.fullName()
		}
		if prev, dup := seen[key]; dup {
			return nil, parseErr(bp, "union contains %s twice (branches %d and %d)", key, prev, i)
		}
		seen[key] = i
		n.branches = append(n.branches, b)
	}
	return n, nil
}

func (p *parser) object(j *jnode, path, space string) (*node, error) {
	t := j.get("type")
	if t == nil {
		return nil, parseErr(path, `schema object has no "type"`)
	}
	if t.kind != jString {
		return nil, parseErr(path+"/type", `"type" must be a string naming a type, not %s`, describeJSON(t))
	}
	if k, ok := primitiveKinds[t.str]; ok {
		return &node{kind: k, props: otherProps(j, schemaReserved)}, nil
	}
	switch t.str {
	case "record", "error":
		return p.record(j, path, space)
	case "enum":
		return p.enum(j, path, space)
	case "fixed":
		return p.fixed(j, path, space)
	case "array", "map":
		k, attr := kindArray, "items"
		if t.str == "map" {
			k, attr = kindMap, "values"
		}
		child := j.get(attr)
		if child == nil {
			return nil, parseErr(path, "%s type has no %q", t.str, attr)
		}
		c, err := p.schema(child, path+"/"+attr, space)
		if err != nil {
			return nil, err
		}
		n := &node{kind: k, props: otherProps(j, schemaReserved)}
		if k == kindArray {
			n.items = c
		} else {
			n.values = c
		}
		return n, nil
	default:
		// {"type":"com.acme.Address"} refers to a named type; Avro ignores
		// any other attribute of such an object.
		return p.typeRef(t.str, path+"/type", space)
	}
}

func otherProps(j *jnode, reserved map[string]bool) []jmember {
	var props []jmember
	for _, m := range j.obj {
		if !reserved[m.key] {
			props = append(props, m)
		}
	}
	return props
}

func describeJSON(j *jnode) string {
	switch j.kind {
	case jNull:
		return "null"
	case jBool:
		return strconv.FormatBool(j.b)
	case jNumber:
		return "the number " + j.str
	case jString:
		return strconv.Quote(j.str)
	case jArray:
		return "an array"
	default:
		return "an object"
	}
}
