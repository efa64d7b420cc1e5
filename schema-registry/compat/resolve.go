package compat

import (
	"slices"
	"strconv"
	"strings"
)

// maxDiffsPerPair caps the differences kept for one (reader, writer) pair.
// Named types reused across a schema are compared once and their
// differences copied to each place of use, so without a cap a crafted
// schema could make the report grow exponentially.
const maxDiffsPerPair = 256

// CanRead reports why data written with writer cannot be read with reader,
// following Avro's schema resolution rules as Avro Java's SchemaCompatibility
// applies them (which is what Confluent runs). An empty result means the
// reader can read everything the writer can write.
//
// Descriptions call the reader the "new" schema and the writer the "old"
// one, as for a BACKWARD check. Paths are JSON pointers into the reader
// schema, except that a branch index under a union is the index of the
// writer's union branch, as in Avro Java.
//
// Unlike Avro Java, a difference found inside one branch of a writer union
// keeps its full path (Java restarts the path at "/").
func CanRead(reader, writer *Schema) []Difference {
	return canRead(reader, writer, roleNew, roleOld)
}

func canRead(reader, writer *Schema, readerRole, writerRole string) []Difference {
	if reader == nil || writer == nil {
		return nil
	}
	c := &checker{memo: make(map[pairKey]*pairResult)}
	raw := c.pair(reader.root, writer.root)
	out := make([]Difference, len(raw))
	for i, d := range raw {
		out[i] = d.difference(readerRole, writerRole)
	}
	return out
}

// rawDiff is a difference with paths relative to the pair it was found in.
type rawDiff struct {
	typ    string
	ptr    []string // JSON pointer tokens
	fields []string // reader field names on the way
	info   string   // Avro Java's incompatibility message
	branch kind     // the writer type a union lacks, for summaries
}

type pairKey struct{ r, w *node }

type pairResult struct {
	diffs []rawDiff
}

type checker struct {
	memo map[pairKey]*pairResult
}

// pair compares reader r with writer w. A pair met again while it is still
// being compared is a recursive type and counts as compatible, as in Avro.
func (c *checker) pair(r, w *node) []rawDiff {
	k := pairKey{r, w}
	if res, ok := c.memo[k]; ok {
		return res.diffs // still empty while in progress
	}
	res := &pairResult{}
	c.memo[k] = res
	res.diffs = c.calculate(r, w)
	return res.diffs
}

// under prefixes diffs found below the current pair.
func under(diffs []rawDiff, fieldName string, tokens ...string) []rawDiff {
	if len(diffs) == 0 {
		return nil
	}
	out := make([]rawDiff, len(diffs))
	for i, d := range diffs {
		d.ptr = append(slices.Clip(tokens), d.ptr...)
		if fieldName != "" {
			d.fields = append([]string{fieldName}, d.fields...)
		}
		out[i] = d
	}
	return out
}

func add(acc []rawDiff, more ...rawDiff) []rawDiff {
	room := maxDiffsPerPair - len(acc)
	if room <= 0 {
		return acc
	}
	return append(acc, more[:min(room, len(more))]...)
}

func (c *checker) calculate(r, w *node) []rawDiff {
	if r.kind == w.kind {
		switch r.kind {
		case kindArray:
			return under(c.pair(r.items, w.items), "", "items")
		case kindMap:
			return under(c.pair(r.values, w.values), "", "values")
		case kindFixed:
			diffs := checkNames(r, w)
			if r.size != w.size {
				diffs = append(diffs, rawDiff{typ: FixedSizeMismatch, ptr: []string{"size"},
					info: "expected: " + strconv.Itoa(w.size) + ", found: " + strconv.Itoa(r.size)})
			}
			return diffs
		case kindEnum:
			return append(checkNames(r, w), checkSymbols(r, w)...)
		case kindRecord:
			return add(checkNames(r, w), c.fields(r, w)...)
		case kindUnion:
			var diffs []rawDiff
			for i, wb := range w.branches {
				if len(c.pair(r, wb)) > 0 {
					diffs = add(diffs, rawDiff{typ: MissingUnionBranch, ptr: []string{strconv.Itoa(i)},
						info: "reader union lacking writer type: " + wb.kind.upper(), branch: wb.kind})
				}
			}
			return diffs
		}
		return nil // identical primitives
	}
	if w.kind == kindUnion {
		// The reader must be able to read every branch the writer may use.
		var diffs []rawDiff
		for _, wb := range w.branches {
			diffs = add(diffs, c.pair(r, wb)...)
		}
		return diffs
	}
	if r.kind == kindUnion {
		for _, rb := range r.branches {
			if mayRead(rb, w) && len(c.pair(rb, w)) == 0 {
				return nil
			}
		}
		return []rawDiff{{typ: MissingUnionBranch, info: "reader union lacking writer type: " + w.kind.upper(),
			branch: w.kind}}
	}
	if promotes(w.kind, r.kind) {
		return nil
	}
	return []rawDiff{{typ: TypeMismatch,
		info: "reader type: " + r.kind.upper() + " not compatible with writer type: " + w.kind.upper()}}
}

// mayRead is a cheap pre-test for a reader union branch: false means the
// full comparison would fail anyway, so wide unions of named types do not
// cost a full comparison per pair of branches.
func mayRead(r, w *node) bool {
	switch {
	case r.kind == w.kind:
		return !r.kind.named() || len(checkNames(r, w)) == 0
	case w.kind == kindUnion:
		return true
	}
	return promotes(w.kind, r.kind)
}

// promotes reports whether Avro resolves a writer value of type from into
// a reader of type to.
func promotes(from, to kind) bool {
	switch to {
	case kindLong:
		return from == kindInt
	case kindFloat:
		return from == kindInt || from == kindLong
	case kindDouble:
		return from == kindInt || from == kindLong || from == kindFloat
	case kindBytes:
		return from == kindString
	case kindString:
		return from == kindBytes
	}
	return false
}

// checkNames matches named types on their unqualified names, or a reader
// alias equal to the writer's full name.
func checkNames(r, w *node) []rawDiff {
	if r.name == w.name || slices.Contains(r.aliases, w.fullName()) {
		return nil
	}
	return []rawDiff{{typ: NameMismatch, ptr: []string{"name"}, info: "expected: " + w.fullName()}}
}

// checkSymbols needs every writer symbol in the reader, unless the reader
// has an enum default to read unknown symbols as.
func checkSymbols(r, w *node) []rawDiff {
	if r.enumDefault != nil {
		return nil
	}
	var missing []string
	for _, s := range w.symbols {
		if !r.symbolSet[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return []rawDiff{{typ: MissingEnumSymbols, ptr: []string{"symbols"}, info: "[" + strings.Join(missing, ", ") + "]"}}
}

func (c *checker) fields(r, w *node) []rawDiff {
	var diffs []rawDiff
	for i, rf := range r.fields {
		at := []string{"fields", strconv.Itoa(i)}
		wf, ambiguous := writerField(w, rf)
		switch {
		case ambiguous != "":
			diffs = add(diffs, rawDiff{typ: AmbiguousFieldMatch, ptr: at, fields: []string{rf.name}, info: ambiguous})
		case wf != nil:
			diffs = add(diffs, under(c.pair(rf.typ, wf.typ), rf.name, "fields", strconv.Itoa(i), "type")...)
		case rf.def != nil:
		case rf.typ.kind == kindEnum && rf.typ.enumDefault != nil:
			// Avro Java checks such a field's enum against the writer record
			// itself, which can only fail with a type mismatch.
			diffs = add(diffs, under(c.pair(rf.typ, w), rf.name, "fields", strconv.Itoa(i), "type")...)
		default:
			diffs = add(diffs, rawDiff{typ: ReaderFieldMissingDefaultValue, ptr: at, fields: []string{rf.name},
				info: rf.name})
		}
	}
	return diffs
}

// writerField finds the writer field a reader field reads: same name, or a
// reader alias naming it. Matching two writer fields is an error in Avro.
func writerField(w *node, rf *field) (*field, string) {
	var found []*field
	if i, ok := w.fieldIndex[rf.name]; ok {
		found = append(found, w.fields[i])
	}
	for _, a := range rf.aliases {
		if i, ok := w.fieldIndex[a]; ok && !slices.Contains(found, w.fields[i]) {
			found = append(found, w.fields[i])
		}
	}
	switch len(found) {
	case 0:
		return nil, ""
	case 1:
		return found[0], ""
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.name
	}
	return nil, "reader field " + rf.name + " matches writer fields " + strings.Join(names, ", ")
}
