package restproxy

import (
	"encoding/binary"
	"fmt"
	"strings"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// encodeUnion picks the branch for v. Avro JSON tags non-null union values
// ({"string": "x"}); upstream REST Proxy accepts only that form, which is
// the most common complaint about it. Here a tagged value always wins, and
// an untagged value is accepted when exactly one branch can hold it, or
// when only numeric branches can (5 is the same number as int or long).
func (n *avroNode) encodeUnion(dst []byte, v *jsonValue, wantNative bool) ([]byte, any, error) {
	if v.kind == jsonNull {
		if n.nullBranch < 0 {
			return dst, nil, convErr("null is not allowed here (%s)", n.describe())
		}
		return binary.AppendVarint(dst, int64(n.nullBranch)), nil, nil
	}
	if v.kind == jsonObject && len(v.members) == 1 {
		if i := n.branchByTag(v.members[0].name); i >= 0 {
			dst = binary.AppendVarint(dst, int64(i))
			return n.branches[i].encode(dst, &v.members[0].value, wantNative)
		}
	}
	pick, count, numeric := -1, 0, true
	for i, b := range n.branches {
		if b.accepts(v) {
			if pick < 0 {
				pick = i
			}
			count++
			numeric = numeric && b.isNumeric()
		}
	}
	switch {
	case count == 0:
		return dst, nil, mismatch(n, v)
	case count > 1 && !numeric:
		var tags []string
		for _, b := range n.branches {
			if b.accepts(v) {
				tags = append(tags, fmt.Sprintf(`{"%s": ...}`, b.tag))
			}
		}
		return dst, nil, convErr("%s fits several branches of %s; tag it as one of %s", v.describe(), n.describe(), strings.Join(tags, " or "))
	}
	dst = binary.AppendVarint(dst, int64(pick))
	return n.branches[pick].encode(dst, v, wantNative)
}

// branchByTag finds the branch a one-member object names: a primitive type
// name, a named type's full name, or its short name when that is unique.
func (n *avroNode) branchByTag(tag string) int {
	found := -1
	for i, b := range n.branches {
		if b.tag == tag {
			return i
		}
		if b.shortName != "" && b.shortName == tag {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

func (n *avroNode) isNumeric() bool {
	switch n.typ {
	case hamba.Int, hamba.Long, hamba.Float, hamba.Double:
		return true
	}
	return false
}

// accepts is a shallow check of whether v can be read as n, used to choose
// the branch of an untagged union value. A chosen record branch may still
// fail deeper; the error then names the field.
func (n *avroNode) accepts(v *jsonValue) bool {
	switch n.typ {
	case hamba.Null:
		return v.kind == jsonNull
	case hamba.Boolean:
		return v.kind == jsonBool
	case hamba.Int, hamba.Long:
		if v.kind == jsonString {
			_, ok := n.parseTime(v.s)
			return ok
		}
		_, err := n.integer(v)
		return err == nil
	case hamba.Float, hamba.Double:
		return v.kind == jsonNumber
	case hamba.String:
		return v.kind == jsonString && (n.logical != hamba.UUID || avro.IsUUID(v.s))
	case hamba.Bytes, hamba.Fixed:
		_, err := n.octets(v)
		return err == nil
	case hamba.Enum:
		if v.kind != jsonString {
			return false
		}
		_, ok := n.symbolIdx[v.s]
		return ok
	case hamba.Record, hamba.Map:
		return v.kind == jsonObject
	case hamba.Array:
		return v.kind == jsonArray
	}
	return false
}
