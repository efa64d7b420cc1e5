package cassandratest

import (
	"strings"

	"github.com/datastax/go-cassandra-native-protocol/datatype"
)

type kind int

const (
	kAscii kind = iota
	kText
	kInt
	kBigint
	kSmallint
	kTinyint
	kBoolean
	kFloat
	kDouble
	kTimestamp
	kUUID
	kTimeUUID
	kBlob
	kInet
	kList
	kSet
	kMap
)

var primitiveNames = map[string]kind{
	"ascii": kAscii, "text": kText, "varchar": kText, "int": kInt, "bigint": kBigint, "smallint": kSmallint,
	"tinyint": kTinyint, "boolean": kBoolean, "float": kFloat, "double": kDouble, "timestamp": kTimestamp,
	"uuid": kUUID, "timeuuid": kTimeUUID, "blob": kBlob, "inet": kInet,
}

var kindNames = map[kind]string{
	kAscii: "ascii", kText: "text", kInt: "int", kBigint: "bigint", kSmallint: "smallint", kTinyint: "tinyint",
	kBoolean: "boolean", kFloat: "float", kDouble: "double", kTimestamp: "timestamp", kUUID: "uuid",
	kTimeUUID: "timeuuid", kBlob: "blob", kInet: "inet", kList: "list", kSet: "set", kMap: "map",
}

var wireTypes = map[kind]datatype.DataType{
	kAscii: datatype.Ascii, kText: datatype.Varchar, kInt: datatype.Int, kBigint: datatype.Bigint,
	kSmallint: datatype.Smallint, kTinyint: datatype.Tinyint, kBoolean: datatype.Boolean, kFloat: datatype.Float,
	kDouble: datatype.Double, kTimestamp: datatype.Timestamp, kUUID: datatype.Uuid, kTimeUUID: datatype.Timeuuid,
	kBlob: datatype.Blob, kInet: datatype.Inet,
}

// cqlType is a column type. Collections, frozen or not, are stored and
// replaced as whole values.
type cqlType struct {
	kind   kind
	elem   *cqlType // list and set elements, map values
	key    *cqlType // map keys
	frozen bool
}

func prim(k kind) *cqlType { return &cqlType{kind: k} }

// Shared types of TTLs, timestamps, limits and counts; never mutated.
var (
	intType    = prim(kInt)
	bigintType = prim(kBigint)
)

// parseTypeText parses a type as written in DDL or system_schema.
func parseTypeText(s string) (*cqlType, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	t, err := p.typ()
	if err != nil {
		return nil, err
	}
	if !p.at(tkEOF) {
		return nil, syntaxf("unexpected %q after type %s", p.peek().text, t)
	}
	return t, nil
}

// String renders the type as system_schema.columns does.
func (t *cqlType) String() string {
	var s string
	switch t.kind {
	case kList, kSet:
		s = kindNames[t.kind] + "<" + t.elem.String() + ">"
	case kMap:
		s = "map<" + t.key.String() + ", " + t.elem.String() + ">"
	default:
		s = kindNames[t.kind]
	}
	if t.frozen {
		return "frozen<" + s + ">"
	}
	return s
}

// wire returns the protocol data type (frozen is not on the wire).
func (t *cqlType) wire() datatype.DataType {
	switch t.kind {
	case kList:
		return datatype.NewList(t.elem.wire())
	case kSet:
		return datatype.NewSet(t.elem.wire())
	case kMap:
		return datatype.NewMap(t.key.wire(), t.elem.wire())
	}
	return wireTypes[t.kind]
}

func (t *cqlType) isCollection() bool { return t.kind == kList || t.kind == kSet || t.kind == kMap }

func (t *cqlType) isTextual() bool { return t.kind == kText || t.kind == kAscii }

// typ parses name, name<type>, map<type, type> or frozen<type>.
func (p *parser) typ() (*cqlType, error) {
	name, err := p.ident("type")
	if err != nil {
		return nil, err
	}
	name = strings.ToLower(name)
	if k, ok := primitiveNames[name]; ok {
		return prim(k), nil
	}
	switch name {
	case "frozen":
		inner, err := p.typeArgs(1)
		if err != nil {
			return nil, err
		}
		if !inner[0].isCollection() {
			return nil, invalidf("frozen<> is only modeled for collections, not %s", inner[0])
		}
		inner[0].frozen = true
		return inner[0], nil
	case "list", "set":
		args, err := p.typeArgs(1)
		if err != nil {
			return nil, err
		}
		k := kList
		if name == "set" {
			k = kSet
		}
		if args[0].isCollection() && !args[0].frozen {
			return nil, invalidf("non-frozen collections are not allowed inside collections: %s<%s>", name, args[0])
		}
		return &cqlType{kind: k, elem: args[0]}, nil
	case "map":
		args, err := p.typeArgs(2)
		if err != nil {
			return nil, err
		}
		for _, a := range args {
			if a.isCollection() && !a.frozen {
				return nil, invalidf("non-frozen collections are not allowed inside collections: map<%s, %s>", args[0], args[1])
			}
		}
		if args[0].isCollection() || args[0].kind == kBlob {
			return nil, invalidf("map keys of type %s are not modeled", args[0])
		}
		return &cqlType{kind: kMap, key: args[0], elem: args[1]}, nil
	}
	return nil, invalidf("type %s is not modeled by cassandratest", name)
}

func (p *parser) typeArgs(n int) ([]*cqlType, error) {
	if err := p.expect("<"); err != nil {
		return nil, err
	}
	var out []*cqlType
	for i := 0; i < n; i++ {
		if i > 0 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
		}
		t, err := p.typ()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, p.expect(">")
}
