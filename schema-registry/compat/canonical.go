package compat

import (
	"strconv"
	"strings"
)

// typeNames are the names Avro Java refuses to abbreviate: a named type
// called "record" in the current namespace is still written in full.
var typeNames = map[string]bool{"record": true, "enum": true, "array": true, "map": true, "union": true,
	"fixed": true, "string": true, "bytes": true, "int": true, "long": true, "float": true, "double": true,
	"boolean": true, "null": true}

// canonicalString prints root the way Avro Java's Schema.toString(refs,
// false) does, which is Confluent's canonicalString(). Named types listed in
// known (the top-level types of the references) are written by name only.
func canonicalString(root *node, known []*node) string {
	w := &canonWriter{known: make(map[*node]bool, len(known)+8)}
	for _, n := range known {
		w.known[n] = true
	}
	w.schema(root)
	return w.sb.String()
}

type canonWriter struct {
	sb    strings.Builder
	known map[*node]bool
	space string // the namespace names are currently relative to
}

// qualified abbreviates full to its simple name when it lies in space,
// which is how Avro writes references and aliases.
func qualified(full, space string) string {
	sp, simple := splitName(full)
	if sp != "" && sp == space && !typeNames[simple] {
		return simple
	}
	return full
}

func (w *canonWriter) key(k string) {
	writeJSONString(&w.sb, k)
	w.sb.WriteByte(':')
}

func (w *canonWriter) strField(k, v string) {
	w.sb.WriteByte(',')
	w.key(k)
	writeJSONString(&w.sb, v)
}

func (w *canonWriter) props(props []jmember) {
	for _, p := range props {
		w.sb.WriteByte(',')
		w.key(p.key)
		writeJSON(&w.sb, p.val)
	}
}

func (w *canonWriter) aliases(n *node) {
	if len(n.aliases) == 0 {
		return
	}
	w.sb.WriteString(`,"aliases":[`)
	for i, a := range n.aliases {
		if i > 0 {
			w.sb.WriteByte(',')
		}
		writeJSONString(&w.sb, qualified(a, n.namespace))
	}
	w.sb.WriteByte(']')
}

func (w *canonWriter) schema(n *node) {
	switch n.kind {
	case kindUnion:
		w.sb.WriteByte('[')
		for i, b := range n.branches {
			if i > 0 {
				w.sb.WriteByte(',')
			}
			w.schema(b)
		}
		w.sb.WriteByte(']')
	case kindArray, kindMap:
		w.sb.WriteString(`{"type":`)
		writeJSONString(&w.sb, n.kind.String())
		w.sb.WriteByte(',')
		if n.kind == kindArray {
			w.key("items")
			w.schema(n.items)
		} else {
			w.key("values")
			w.schema(n.values)
		}
		w.props(n.props)
		w.sb.WriteByte('}')
	case kindRecord, kindEnum, kindFixed:
		w.named(n)
	default:
		if len(n.props) == 0 {
			writeJSONString(&w.sb, n.kind.String())
			return
		}
		w.sb.WriteString(`{"type":`)
		writeJSONString(&w.sb, n.kind.String())
		w.props(n.props)
		w.sb.WriteByte('}')
	}
}

func (w *canonWriter) named(n *node) {
	if w.known[n] {
		writeJSONString(&w.sb, qualified(n.fullName(), w.space))
		return
	}
	w.known[n] = true
	typ := n.kind.String()
	if n.isError {
		typ = "error"
	}
	w.sb.WriteString(`{"type":`)
	writeJSONString(&w.sb, typ)
	w.strField("name", n.name)
	switch {
	case n.namespace != "" && n.namespace != w.space:
		w.strField("namespace", n.namespace)
	case n.namespace == "" && w.space != "":
		w.strField("namespace", "")
	}
	if n.hasDoc {
		w.strField("doc", n.doc)
	}
	switch n.kind {
	case kindRecord:
		saved := w.space
		w.space = n.namespace
		w.sb.WriteString(`,"fields":[`)
		for i, f := range n.fields {
			if i > 0 {
				w.sb.WriteByte(',')
			}
			w.field(f)
		}
		w.sb.WriteByte(']')
		w.space = saved
	case kindEnum:
		w.sb.WriteString(`,"symbols":[`)
		for i, s := range n.symbols {
			if i > 0 {
				w.sb.WriteByte(',')
			}
			writeJSONString(&w.sb, s)
		}
		w.sb.WriteByte(']')
		if n.enumDefault != nil {
			w.strField("default", *n.enumDefault)
		}
	case kindFixed:
		w.sb.WriteString(`,"size":`)
		w.sb.WriteString(strconv.Itoa(n.size))
	}
	w.props(n.props)
	w.aliases(n)
	w.sb.WriteByte('}')
}

func (w *canonWriter) field(f *field) {
	w.sb.WriteString(`{"name":`)
	writeJSONString(&w.sb, f.name)
	w.sb.WriteString(`,"type":`)
	w.schema(f.typ)
	if f.hasDoc {
		w.strField("doc", f.doc)
	}
	if f.def != nil {
		w.sb.WriteString(`,"default":`)
		writeJSON(&w.sb, f.def)
	}
	if f.order != "" {
		w.strField("order", f.order)
	}
	if len(f.aliases) > 0 {
		w.sb.WriteString(`,"aliases":[`)
		for i, a := range f.aliases {
			if i > 0 {
				w.sb.WriteByte(',')
			}
			writeJSONString(&w.sb, a)
		}
		w.sb.WriteByte(']')
	}
	w.props(f.props)
	w.sb.WriteByte('}')
}
