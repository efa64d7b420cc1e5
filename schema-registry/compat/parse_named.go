package compat

import (
	"strconv"
	"strings"
	"unicode"
)

// validName reports whether s is an Avro name. Like Avro Java (and so
// Confluent), letters and digits are Unicode letters and digits of the
// Basic Multilingual Plane, not only ASCII.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || (r <= 0xFFFF && unicode.IsLetter(r))
		if i > 0 {
			ok = ok || (r <= 0xFFFF && unicode.IsDigit(r))
		}
		if !ok {
			return false
		}
	}
	return true
}

func validNamespace(ns string) bool {
	for part := range strings.SplitSeq(ns, ".") {
		if !validName(part) {
			return false
		}
	}
	return true
}

// splitName splits a possibly dotted name at its last dot.
func splitName(s string) (space, simple string) {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return "", s
}

func joinName(space, simple string) string {
	if space == "" {
		return simple
	}
	return space + "." + simple
}

// named parses the attributes shared by records, enums and fixed types and
// registers the type, before its fields are parsed, so that it can refer to
// itself.
func (p *parser) named(j *jnode, path, space string, k kind) (*node, error) {
	nameJ := j.get("name")
	if nameJ == nil {
		return nil, parseErr(path, `%s type has no "name"`, k)
	}
	if nameJ.kind != jString {
		return nil, parseErr(path+"/name", `"name" must be a string, not %s`, describeJSON(nameJ))
	}
	nsPath := path + "/namespace"
	if nsJ := j.get("namespace"); nsJ != nil && nsJ.kind != jNull {
		if nsJ.kind != jString {
			return nil, parseErr(nsPath, `"namespace" must be a string, not %s`, describeJSON(nsJ))
		}
		space = nsJ.str
	}
	sp, simple := splitName(nameJ.str)
	if strings.Contains(nameJ.str, ".") {
		space, nsPath = sp, path+"/name"
	}
	if !validName(simple) {
		return nil, parseErr(path+"/name", "%q is not a valid Avro name: it must start with a letter or '_' "+
			"and contain only letters, digits and '_'", simple)
	}
	if _, prim := primitiveKinds[simple]; prim {
		return nil, parseErr(path+"/name", "a named type may not be called %q, which is a primitive type", simple)
	}
	if space != "" && !validNamespace(space) {
		return nil, parseErr(nsPath, "%q is not a valid namespace: it must be dot-separated Avro names", space)
	}
	n := &node{kind: k, name: simple, namespace: space, fromRef: p.fromRef}
	full := n.fullName()
	if prev := p.names[full]; prev != nil {
		where := "earlier in the schema"
		if prev.fromRef && !p.fromRef {
			where = "by a referenced schema"
		}
		return nil, parseErr(path+"/name", "type %q is already defined %s", full, where)
	}
	if d := j.get("doc"); d != nil && d.kind == jString {
		n.doc, n.hasDoc = d.str, true
	}
	aliases, err := parseAliases(j.get("aliases"), path+"/aliases", func(a string) (string, bool) {
		asp, asimple := splitName(a)
		if !strings.Contains(a, ".") {
			asp = space
		}
		if !validName(asimple) || (asp != "" && !validNamespace(asp)) {
			return "", false
		}
		return joinName(asp, asimple), true
	})
	if err != nil {
		return nil, err
	}
	n.aliases = aliases
	p.names[full] = n
	p.added = append(p.added, full)
	return n, nil
}

// parseAliases reads an "aliases" array; resolve turns each alias into the
// stored form or rejects it. Duplicates are dropped, as Avro keeps a set.
func parseAliases(a *jnode, path string, resolve func(string) (string, bool)) ([]string, error) {
	if a == nil {
		return nil, nil
	}
	if a.kind != jArray {
		return nil, parseErr(path, `"aliases" must be an array of names, not %s`, describeJSON(a))
	}
	var out []string
	seen := make(map[string]bool, len(a.arr))
	for i, e := range a.arr {
		ep := path + "/" + strconv.Itoa(i)
		if e.kind != jString {
			return nil, parseErr(ep, "an alias must be a string, not %s", describeJSON(e))
		}
		v, ok := resolve(e.str)
		if !ok {
			return nil, parseErr(ep, "alias %q is not a valid Avro name", e.str)
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, nil
}

func (p *parser) record(j *jnode, path, space string) (*node, error) {
	n, err := p.named(j, path, space, kindRecord)
	if err != nil {
		return nil, err
	}
	n.isError = j.get("type").str == "error"
	n.props = otherProps(j, schemaReserved)
	fieldsJ := j.get("fields")
	if fieldsJ == nil || fieldsJ.kind != jArray {
		return nil, parseErr(path, `record %q has no "fields" array`, n.fullName())
	}
	n.fields = make([]*field, 0, len(fieldsJ.arr))
	n.fieldIndex = make(map[string]int, len(fieldsJ.arr))
	for i, fj := range fieldsJ.arr {
		f, err := p.field(fj, path+"/fields/"+strconv.Itoa(i), n, i)
		if err != nil {
			return nil, err
		}
		n.fieldIndex[f.name] = i
		n.fields = append(n.fields, f)
	}
	return n, nil
}

func (p *parser) field(fj *jnode, fp string, rec *node, pos int) (*field, error) {
	if fj.kind != jObject {
		return nil, parseErr(fp, "a record field must be a JSON object, not %s", describeJSON(fj))
	}
	nameJ := fj.get("name")
	if nameJ == nil || nameJ.kind != jString {
		return nil, parseErr(fp, `field has no "name" string`)
	}
	name := nameJ.str
	if !validName(name) {
		return nil, parseErr(fp+"/name", "field name %q is not a valid Avro name", name)
	}
	if prev, dup := rec.fieldIndex[name]; dup {
		return nil, parseErr(fp+"/name", "field %q appears twice in record %q (also at /fields/%d)",
			name, rec.fullName(), prev)
	}
	typeJ := fj.get("type")
	if typeJ == nil {
		return nil, parseErr(fp, "field %q has no \"type\"", name)
	}
	t, err := p.schema(typeJ, fp+"/type", rec.namespace)
	if err != nil {
		return nil, err
	}
	f := &field{name: name, typ: t, pos: pos, def: fj.get("default"), props: otherProps(fj, fieldReserved)}
	if d := fj.get("doc"); d != nil && d.kind == jString {
		f.doc, f.hasDoc = d.str, true
	}
	if o := fj.get("order"); o != nil {
		if o.kind != jString {
			return nil, parseErr(fp+"/order", `"order" must be "ascending", "descending" or "ignore"`)
		}
		switch strings.ToLower(o.str) {
		case "ascending":
		case "descending", "ignore":
			f.order = strings.ToLower(o.str)
		default:
			return nil, parseErr(fp+"/order", `"order" of field %q must be "ascending", "descending" or "ignore", not %q`,
				name, o.str)
		}
	}
	f.aliases, err = parseAliases(fj.get("aliases"), fp+"/aliases", func(a string) (string, bool) { return a, true })
	if err != nil {
		return nil, err
	}
	if f.def != nil {
		p.defaults = append(p.defaults, pendingDefault{f: f, path: fp})
	}
	return f, nil
}

func (p *parser) enum(j *jnode, path, space string) (*node, error) {
	n, err := p.named(j, path, space, kindEnum)
	if err != nil {
		return nil, err
	}
	n.props = otherProps(j, enumReserved)
	sj := j.get("symbols")
	if sj == nil || sj.kind != jArray {
		return nil, parseErr(path, `enum %q has no "symbols" array`, n.fullName())
	}
	n.symbolSet = make(map[string]bool, len(sj.arr))
	for i, s := range sj.arr {
		sp := path + "/symbols/" + strconv.Itoa(i)
		if s.kind != jString || !validName(s.str) {
			return nil, parseErr(sp, "enum symbol %s of %q is not a valid Avro name", describeJSON(s), n.fullName())
		}
		if n.symbolSet[s.str] {
			return nil, parseErr(sp, "enum %q lists symbol %q twice", n.fullName(), s.str)
		}
		n.symbolSet[s.str] = true
		n.symbols = append(n.symbols, s.str)
	}
	if d := j.get("default"); d != nil {
		if d.kind != jString || !n.symbolSet[d.str] {
			return nil, parseErr(path+"/default", "enum default %s is not one of the symbols of %q",
				describeJSON(d), n.fullName())
		}
		n.enumDefault = &d.str
	}
	return n, nil
}

func (p *parser) fixed(j *jnode, path, space string) (*node, error) {
	n, err := p.named(j, path, space, kindFixed)
	if err != nil {
		return nil, err
	}
	n.props = otherProps(j, schemaReserved)
	sz := j.get("size")
	if sz == nil {
		return nil, parseErr(path, `fixed %q has no "size"`, n.fullName())
	}
	v, err2 := strconv.ParseInt(sz.str, 10, 32)
	if sz.kind != jNumber || err2 != nil || v < 0 {
		return nil, parseErr(path+"/size", `"size" of fixed %q must be a non-negative 32-bit integer, not %s`,
			n.fullName(), describeJSON(sz))
	}
	n.size = int(v)
	return n, nil
}
