package compat

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// normalize reproduces Confluent's AvroSchema.normalize(): print the schema
// in AvroSchemaUtils' normalized layout, parse that text again with the same
// references, and take the canonical form of the result. Going through text
// keeps Confluent's quirks (an "error" becomes a "record", defaults take the
// number format of their type) without re-implementing each one.
func normalize(s *Schema) string {
	w := &normWriter{env: make(map[string]bool, len(s.refTop)+8)}
	for _, n := range s.refTop {
		w.env[n.fullName()] = true
	}
	w.schema(s.root)
	again, err := Parse(w.sb.String(), s.refs)
	if err != nil {
		return s.canonical
	}
	return again.canonical
}

type normWriter struct {
	sb  strings.Builder
	env map[string]bool // named types already written
}

func (w *normWriter) schema(n *node) {
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
	case kindArray:
		w.sb.WriteString(`{"type":"array","items":`)
		w.schema(n.items)
		w.sortedProps(n.props)
		w.sb.WriteByte('}')
	case kindMap:
		w.sb.WriteString(`{"type":"map","values":`)
		w.schema(n.values)
		w.sortedProps(n.props)
		w.sb.WriteByte('}')
	case kindRecord, kindEnum, kindFixed:
		w.named(n)
	default:
		lt, ok := logicalType(n)
		switch {
		case ok:
			w.sb.WriteString(`{"type":"` + n.kind.String() + `"`)
			w.sb.WriteString(lt)
			w.sortedProps(n.props)
			w.sb.WriteByte('}')
		case len(n.props) > 0:
			w.sb.WriteString(`{"type":"` + n.kind.String() + `"`)
			w.sortedProps(n.props)
			w.sb.WriteByte('}')
		default:
			w.sb.WriteString(`"` + n.kind.String() + `"`)
		}
	}
}

func (w *normWriter) named(n *node) {
	full := n.fullName()
	if w.env[full] {
		writeJSONString(&w.sb, full)
		return
	}
	w.env[full] = true
	w.sb.WriteString(`{"name":`)
	writeJSONString(&w.sb, full)
	w.sb.WriteString(`,"type":"` + n.kind.String() + `"`)
	switch n.kind {
	case kindEnum:
		w.sb.WriteString(`,"symbols":[`)
		for i, s := range n.symbols {
			if i > 0 {
				w.sb.WriteByte(',')
			}
			writeJSONString(&w.sb, s)
		}
		w.sb.WriteByte(']')
	case kindFixed:
		w.sb.WriteString(`,"size":` + strconv.Itoa(n.size))
		if lt, ok := logicalType(n); ok {
			w.sb.WriteString(lt)
		}
	case kindRecord:
		w.sb.WriteString(`,"fields":[`)
		for i, f := range n.fields {
			if i > 0 {
				w.sb.WriteByte(',')
			}
			w.field(f)
		}
		w.sb.WriteByte(']')
	}
	if n.hasDoc && n.doc != "" {
		w.sb.WriteString(`,"doc":`)
		writeJSONString(&w.sb, n.doc)
	}
	w.sortedStrings("aliases", n.aliases)
	if n.enumDefault != nil {
		w.sb.WriteString(`,"default":`)
		writeJSONString(&w.sb, *n.enumDefault)
	}
	w.sortedProps(n.props)
	w.sb.WriteByte('}')
}

func (w *normWriter) field(f *field) {
	w.sb.WriteString(`{"name":`)
	writeJSONString(&w.sb, f.name)
	w.sb.WriteString(`,"type":`)
	w.schema(f.typ)
	order := "ASCENDING"
	if f.order != "" {
		order = strings.ToUpper(f.order)
	}
	w.sb.WriteString(`,"order":"` + order + `"`)
	if f.hasDoc {
		w.sb.WriteString(`,"doc":`)
		writeJSONString(&w.sb, f.doc)
	}
	w.sortedStrings("aliases", f.aliases)
	if f.def != nil {
		if v := typedDefault(f.def, f.typ); v != nil {
			w.sb.WriteString(`,"default":`)
			writeJSON(&w.sb, v)
		}
	}
	w.sortedProps(f.props)
	w.sb.WriteByte('}')
}

func (w *normWriter) sortedStrings(key string, list []string) {
	if len(list) == 0 {
		return
	}
	sorted := slices.Sorted(slices.Values(list))
	w.sb.WriteString(`,"` + key + `":[`)
	for i, s := range sorted {
		if i > 0 {
			w.sb.WriteByte(',')
		}
		writeJSONString(&w.sb, s)
	}
	w.sb.WriteByte(']')
}

func (w *normWriter) sortedProps(props []jmember) {
	sorted := slices.Clone(props)
	slices.SortFunc(sorted, func(a, b jmember) int { return strings.Compare(a.key, b.key) })
	for _, p := range sorted {
		w.sb.WriteByte(',')
		writeJSONString(&w.sb, p.key)
		w.sb.WriteByte(':')
		writeJSON(&w.sb, sortKeys(p.val))
	}
}

// sortKeys returns j with object members sorted by key at every level, as
// Confluent's sorting node factory builds it.
func sortKeys(j *jnode) *jnode {
	switch j.kind {
	case jArray:
		out := &jnode{kind: jArray, arr: make([]*jnode, len(j.arr))}
		for i, e := range j.arr {
			out.arr[i] = sortKeys(e)
		}
		return out
	case jObject:
		out := &jnode{kind: jObject, obj: make([]jmember, len(j.obj))}
		for i, m := range j.obj {
			out.obj[i] = jmember{key: m.key, val: sortKeys(m.val)}
		}
		slices.SortFunc(out.obj, func(a, b jmember) int { return strings.Compare(a.key, b.key) })
		return out
	default:
		return j
	}
}

// logicalType returns the logical-type attributes Confluent writes first for
// n, when n carries a logical type Avro Java accepts; an invalid one is
// treated as an ordinary attribute.
func logicalType(n *node) (string, bool) {
	lt := n.prop("logicalType")
	if lt == nil || lt.kind != jString {
		return "", false
	}
	head := `,"logicalType":` + strconv.Quote(lt.str)
	switch lt.str {
	case "decimal":
		return decimalProps(n, head)
	case "uuid":
		return head, n.kind == kindString || (n.kind == kindFixed && n.size == 16)
	case "date", "time-millis":
		return head, n.kind == kindInt
	case "time-micros", "timestamp-millis", "timestamp-micros", "timestamp-nanos",
		"local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos":
		return head, n.kind == kindLong
	case "duration":
		return head, n.kind == kindFixed && n.size == 12
	case "big-decimal":
		return head, n.kind == kindBytes
	}
	return "", false
}

func decimalProps(n *node, head string) (string, bool) {
	intProp := func(key string, dflt int64) (int64, bool) {
		v := n.prop(key)
		if v == nil {
			return dflt, dflt >= 0
		}
		if v.kind != jNumber || !integerFits(v.str, 32) {
			return 0, false
		}
		i, _ := strconv.ParseInt(v.str, 10, 32)
		return i, true
	}
	precision, ok1 := intProp("precision", -1)
	scale, ok2 := intProp("scale", 0)
	if !ok1 || !ok2 || precision <= 0 || scale < 0 || scale > precision {
		return "", false
	}
	switch n.kind {
	case kindBytes:
	case kindFixed:
		maxPrecision := int64(math.Round(math.Floor(math.Log10(2) * float64(8*n.size-1))))
		if precision > maxPrecision {
			return "", false
		}
	default:
		return "", false
	}
	out := head + `,"precision":` + strconv.FormatInt(precision, 10)
	if scale != 0 {
		out += `,"scale":` + strconv.FormatInt(scale, 10)
	}
	return out, true
}
