package cassandra

import (
	"fmt"
	"strings"

	"github.com/gocql/gocql"
)

// colType is a column type the sink writes.
type colType struct {
	kind        gocql.Type
	elem, key   *colType // collection elements and map keys
	text        string   // as system_schema writes it
	unsupported bool
}

var nativeTypes = map[string]gocql.Type{
	"ascii": gocql.TypeAscii, "text": gocql.TypeText, "varchar": gocql.TypeVarchar, "int": gocql.TypeInt,
	"bigint": gocql.TypeBigInt, "smallint": gocql.TypeSmallInt, "tinyint": gocql.TypeTinyInt,
	"varint": gocql.TypeVarint, "boolean": gocql.TypeBoolean, "float": gocql.TypeFloat, "double": gocql.TypeDouble,
	"decimal": gocql.TypeDecimal, "timestamp": gocql.TypeTimestamp, "date": gocql.TypeDate, "uuid": gocql.TypeUUID,
	"timeuuid": gocql.TypeTimeUUID, "blob": gocql.TypeBlob, "inet": gocql.TypeInet,
}

// parseColType parses a type as system_schema.columns shows it: a native
// type, list<t>, set<t>, map<k, v>, any of them in frozen<...>. Other
// types (counter, duration, time, tuples, UDTs, custom) are refused.
func parseColType(s string) (*colType, error) {
	t, rest, err := parseTypePrefix(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(rest) != "" {
		return nil, fmt.Errorf("unexpected %q after type", rest)
	}
	t.text = strings.TrimSpace(s)
	return t, nil
}

func parseTypePrefix(s string) (*colType, string, error) {
	i := strings.IndexAny(s, "<>, ")
	if i < 0 {
		i = len(s)
	}
	name, rest := strings.ToLower(s[:i]), strings.TrimLeft(s[i:], " ")
	if k, ok := nativeTypes[name]; ok {
		return &colType{kind: k, text: name}, rest, nil
	}
	var args []*colType
	if strings.HasPrefix(rest, "<") {
		rest = rest[1:]
		for {
			a, r, err := parseTypePrefix(strings.TrimLeft(rest, " "))
			if err != nil {
				return nil, "", err
			}
			args = append(args, a)
			r = strings.TrimLeft(r, " ")
			if strings.HasPrefix(r, ">") {
				rest = r[1:]
				break
			}
			if !strings.HasPrefix(r, ",") {
				return nil, "", fmt.Errorf("malformed type arguments of %s", name)
			}
			rest = r[1:]
		}
	}
	switch {
	case name == "frozen" && len(args) == 1:
		return args[0], rest, nil
	case (name == "list" || name == "set") && len(args) == 1:
		k := gocql.TypeList
		if name == "set" {
			k = gocql.TypeSet
		}
		return &colType{kind: k, elem: args[0], text: name}, rest, nil
	case name == "map" && len(args) == 2:
		return &colType{kind: gocql.TypeMap, key: args[0], elem: args[1], text: name}, rest, nil
	}
	return nil, "", fmt.Errorf("type %s is not supported", name)
}

// typeInfo builds the driver's type, for marshalling partition keys.
func (t *colType) typeInfo() gocql.TypeInfo {
	native := gocql.NewNativeType(4, t.kind, "")
	switch t.kind {
	case gocql.TypeList, gocql.TypeSet:
		return gocql.CollectionType{NativeType: native, Elem: t.elem.typeInfo()}
	case gocql.TypeMap:
		return gocql.CollectionType{NativeType: native, Key: t.key.typeInfo(), Elem: t.elem.typeInfo()}
	}
	return native
}
