package cassandratest

import (
	"encoding/hex"
	"strconv"
)

// fromLiteral turns a CQL literal into the Go value encode accepts for t,
// with Cassandra's rules on which literal fits which type.
func (t *cqlType) fromLiteral(l *literal) (any, error) {
	bad := func() error {
		return invalidf("invalid %s constant (%s) for a column of type %s", litNames[l.kind], l.text, t)
	}
	switch l.kind {
	case litNull:
		return nil, nil
	case litString:
		switch t.kind {
		case kAscii, kText, kTimestamp, kUUID, kTimeUUID, kInet:
			return l.text, nil
		}
		return nil, bad()
	case litNumber:
		switch t.kind {
		case kInt, kBigint, kSmallint, kTinyint, kTimestamp:
			n, err := strconv.ParseInt(l.text, 10, 64)
			if err != nil {
				return nil, bad()
			}
			return n, nil
		case kFloat, kDouble:
			f, err := strconv.ParseFloat(l.text, 64)
			if err != nil {
				return nil, bad()
			}
			return f, nil
		}
		return nil, bad()
	case litBool:
		if t.kind == kBoolean {
			return l.text == "true", nil
		}
		return nil, bad()
	case litUUID:
		if t.kind == kUUID || t.kind == kTimeUUID {
			return l.text, nil
		}
		return nil, bad()
	case litBlob:
		if t.kind != kBlob {
			return nil, bad()
		}
		b, err := hex.DecodeString(l.text)
		if err != nil {
			return nil, bad()
		}
		return b, nil
	}
	return t.fromCollectionLiteral(l, bad)
}

func (t *cqlType) fromCollectionLiteral(l *literal, bad func() error) (any, error) {
	empty := len(l.elems) == 0
	switch {
	case t.kind == kList && l.kind == litList, t.kind == kSet && (l.kind == litSet || (l.kind == litMap && empty)):
		out := make([]any, 0, len(l.elems))
		for _, e := range l.elems {
			v, err := t.elem.fromLiteral(e)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case t.kind == kMap && (l.kind == litMap || (l.kind == litSet && empty)):
		out := map[any]any{}
		for i := 0; i+1 < len(l.elems); i += 2 {
			k, err := t.key.fromLiteral(l.elems[i])
			if err != nil {
				return nil, err
			}
			v, err := t.elem.fromLiteral(l.elems[i+1])
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, bad()
}

var litNames = map[litKind]string{litString: "STRING", litNumber: "NUMBER", litBool: "BOOLEAN", litNull: "NULL",
	litUUID: "UUID", litBlob: "HEX", litList: "LIST", litSet: "SET", litMap: "MAP"}
