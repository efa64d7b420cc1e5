package restproxy

import (
	"fmt"
	"strings"

	hamba "github.com/hamba/avro/v2"
)

// avroAPI encodes defaults and decodes binary payloads. Arrays and maps are
// one block with a plain count, as Java's GenericDatumWriter writes them;
// collections are capped so a corrupt count cannot allocate gigabytes.
var avroAPI = hamba.Config{DisableBlockSizeHeader: true, MaxSliceAllocSize: 1 << 20}.Freeze()

// avroNode is a schema compiled for JSON→Avro conversion: the hamba schema
// walked once into plain structs with the lookups (field by name, symbol by
// name, branch by tag) precomputed, so converting a record does no
// reflection and no schema interface calls.
type avroNode struct {
	typ     hamba.Type
	logical hamba.LogicalType
	// tag is how Avro JSON names this type as a union branch: the full name
	// of named types, the type name of the others.
	tag       string
	shortName string // unqualified name of named types

	fields   []avroField
	fieldIdx map[string]int

	symbols     []string
	symbolIdx   map[string]int
	enumDefault int // -1 when the enum has no default

	items, values *avroNode
	branches      []*avroNode
	nullBranch    int // index of the null branch, -1 when none
	// soleBranch is the index of the only non-null branch, -1 when there
	// are several: where an untagged non-null value must go.
	soleBranch int
	// kind is typ as a small integer, and quotedTag tag as a JSON string,
	// for the fast path (comparing type strings cost it more than the
	// conversion).
	kind      avroKind
	quotedTag string
	size      int // fixed
}

type avroField struct {
	name string
	typ  *avroNode
	// def is the field default, already Avro-encoded; nil when the field has
	// no default (or one that could not be encoded, which makes it required).
	def       []byte
	defNative any
	// slot is the event field the fast path collects this field's value
	// into, when it is a top-level field of the event.
	slot eventSlot
	// quoted is the name as a JSON string ("name"; Avro names need no
	// escaping), which the fast path matches without decoding.
	quoted string
}

// compileAvro turns a parsed schema into conversion nodes. Named types that
// refer to themselves (linked lists, trees) share one node.
func compileAvro(s hamba.Schema) (*avroNode, error) {
	c := compiler{named: map[string]*avroNode{}}
	return c.compile(s)
}

type compiler struct {
	named map[string]*avroNode
}

// compile compiles s and fills in what the event fast path reads.
func (c *compiler) compile(s hamba.Schema) (*avroNode, error) {
	n, err := c.compileNode(s)
	if n != nil {
		n.kind = kindOf(n.typ)
		n.quotedTag = `"` + n.tag + `"`
	}
	return n, err
}

func (c *compiler) compileNode(s hamba.Schema) (*avroNode, error) {
	switch t := s.(type) {
	case *hamba.RefSchema:
		return c.compile(t.Schema())
	case *hamba.PrimitiveSchema:
		n := &avroNode{typ: t.Type(), tag: string(t.Type()), nullBranch: -1}
		if l := t.Logical(); l != nil {
			n.logical = l.Type()
		}
		return n, nil
	case *hamba.RecordSchema:
		if n, ok := c.named[t.FullName()]; ok {
			return n, nil
		}
		n := &avroNode{typ: hamba.Record, tag: t.FullName(), shortName: t.Name(), nullBranch: -1,
			fieldIdx: make(map[string]int, len(t.Fields()))}
		c.named[t.FullName()] = n
		for i, f := range t.Fields() {
			ft, err := c.compile(f.Type())
			if err != nil {
				return nil, fmt.Errorf("compiling field %s.%s: %w", t.FullName(), f.Name(), err)
			}
			af := avroField{name: f.Name(), typ: ft, slot: slotOfField[f.Name()], quoted: `"` + f.Name() + `"`}
			if f.HasDefault() {
				// A default that does not encode (hamba accepts a few
				// defaults Java rejects) leaves the field required rather
				// than failing the whole schema.
				if b, err := avroAPI.Marshal(f.Type(), f.Default()); err == nil {
					af.def, af.defNative = b, nativeDefault(f.Default())
				}
			}
			n.fields = append(n.fields, af)
			n.fieldIdx[f.Name()] = i
		}
		return n, nil
	case *hamba.EnumSchema:
		if n, ok := c.named[t.FullName()]; ok {
			return n, nil
		}
		n := &avroNode{typ: hamba.Enum, tag: t.FullName(), shortName: t.Name(), nullBranch: -1,
			symbols: t.Symbols(), symbolIdx: make(map[string]int, len(t.Symbols())), enumDefault: -1}
		for i, sym := range t.Symbols() {
			n.symbolIdx[sym] = i
		}
		if t.HasDefault() {
			n.enumDefault = n.symbolIdx[t.Default()]
		}
		c.named[t.FullName()] = n
		return n, nil
	case *hamba.FixedSchema:
		if n, ok := c.named[t.FullName()]; ok {
			return n, nil
		}
		n := &avroNode{typ: hamba.Fixed, tag: t.FullName(), shortName: t.Name(), size: t.Size(), nullBranch: -1}
		if l := t.Logical(); l != nil {
			n.logical = l.Type()
		}
		c.named[t.FullName()] = n
		return n, nil
	case *hamba.ArraySchema:
		items, err := c.compile(t.Items())
		if err != nil {
			return nil, err
		}
		return &avroNode{typ: hamba.Array, tag: "array", items: items, nullBranch: -1}, nil
	case *hamba.MapSchema:
		values, err := c.compile(t.Values())
		if err != nil {
			return nil, err
		}
		return &avroNode{typ: hamba.Map, tag: "map", values: values, nullBranch: -1}, nil
	case *hamba.UnionSchema:
		n := &avroNode{typ: hamba.Union, tag: "union", nullBranch: -1, soleBranch: -1}
		nonNull := 0
		for i, b := range t.Types() {
			bn, err := c.compile(b)
			if err != nil {
				return nil, err
			}
			if bn.typ == hamba.Null {
				n.nullBranch = i
			} else {
				n.soleBranch = i
				nonNull++
			}
			n.branches = append(n.branches, bn)
		}
		if nonNull != 1 {
			n.soleBranch = -1
		}
		return n, nil
	case *hamba.NullSchema:
		return &avroNode{typ: hamba.Null, tag: "null", nullBranch: -1}, nil
	}
	return nil, fmt.Errorf("compiling schema: %w: %s", ErrUnsupportedSchema, s.Type())
}

// avroKind is hamba.Type as an integer.
type avroKind uint8

const (
	kindOther avroKind = iota
	kindNull
	kindBoolean
	kindInt
	kindLong
	kindFloat
	kindDouble
	kindString
	kindBytes
	kindFixed
	kindEnum
	kindArray
	kindMap
	kindRecord
	kindUnion
)

func kindOf(t hamba.Type) avroKind {
	switch t {
	case hamba.Null:
		return kindNull
	case hamba.Boolean:
		return kindBoolean
	case hamba.Int:
		return kindInt
	case hamba.Long:
		return kindLong
	case hamba.Float:
		return kindFloat
	case hamba.Double:
		return kindDouble
	case hamba.String:
		return kindString
	case hamba.Bytes:
		return kindBytes
	case hamba.Fixed:
		return kindFixed
	case hamba.Enum:
		return kindEnum
	case hamba.Array:
		return kindArray
	case hamba.Map:
		return kindMap
	case hamba.Record:
		return kindRecord
	case hamba.Union:
		return kindUnion
	}
	return kindOther
}

// nativeDefault turns a hamba default into the value shape the edge rules
// see (see avroConverter.native).
func nativeDefault(v any) any {
	switch t := v.(type) {
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case float32:
		return float64(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if e != nil {
				out[k] = nativeDefault(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = nativeDefault(e)
		}
		return out
	}
	return v
}

// branchNames lists a union's branches for error messages.
func (n *avroNode) branchNames() string {
	names := make([]string, len(n.branches))
	for i, b := range n.branches {
		names[i] = b.tag
	}
	return strings.Join(names, ", ")
}

// describe names a schema node for error messages.
func (n *avroNode) describe() string {
	switch {
	case n.typ == hamba.Union:
		return "union of [" + n.branchNames() + "]"
	case n.logical != "":
		return string(n.typ) + " (" + string(n.logical) + ")"
	case n.shortName != "":
		return string(n.typ) + " " + n.tag
	}
	return string(n.typ)
}
