package hbase

import (
	"fmt"
	"hash/fnv"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

// keyPart is one entry of row.key.definition.
type keyPart struct {
	fromValue bool
	path      []string // empty: the whole key
	text      string
}

type rowKeySpec struct {
	parts   []keyPart
	delim   string
	buckets int
}

func parseRowKey(entries []string, delim string, buckets int) (rowKeySpec, error) {
	spec := rowKeySpec{delim: delim, buckets: buckets}
	for _, e := range entries {
		p := keyPart{text: e}
		switch {
		case e == "key":
		case strings.HasPrefix(e, "key."):
			p.path = strings.Split(e[len("key."):], ".")
		case e == "value":
			return spec, fmt.Errorf("entry %q: name a value field (value.<field>)", e)
		case strings.HasPrefix(e, "value."):
			p.fromValue, p.path = true, strings.Split(e[len("value."):], ".")
		default:
			p.path = strings.Split(e, ".")
		}
		for _, seg := range p.path {
			if seg == "" {
				return spec, fmt.Errorf("entry %q has an empty path segment", e)
			}
		}
		spec.parts = append(spec.parts, p)
	}
	return spec, nil
}

// build returns the row key of a record, salted when configured.
func (s rowKeySpec) build(rec *connectors.SinkRecord) ([]byte, error) {
	var parts []string
	if len(s.parts) == 0 {
		if rec.Key == nil {
			return nil, fmt.Errorf("building row key: record has no key and %s is empty", RowKeyDefinitionConfig)
		}
		var err error
		if parts, err = wholeKey(rec.Key, rec.KeySchema); err != nil {
			return nil, fmt.Errorf("building row key from the record key: %w", err)
		}
	}
	for _, p := range s.parts {
		root, schema, side := rec.Key, rec.KeySchema, "key"
		if p.fromValue {
			root, schema, side = rec.Value, rec.ValueSchema, "value"
		}
		v, err := lookup(root, schema, p.path)
		if err != nil {
			return nil, fmt.Errorf("building row key: %s entry %q: %w", side, p.text, err)
		}
		if v == nil {
			return nil, fmt.Errorf("building row key: %s entry %q is null", side, p.text)
		}
		str, err := keyString(v)
		if err != nil {
			return nil, fmt.Errorf("building row key: %s entry %q: %w", side, p.text, err)
		}
		parts = append(parts, str)
	}
	key := strings.Join(parts, s.delim)
	if key == "" {
		return nil, fmt.Errorf("building row key: the row key is empty")
	}
	return SaltedRowKey(key, s.buckets, s.delim), nil
}

// wholeKey renders a key used as a whole: a primitive is one part, a
// struct contributes its fields in schema order (a schemaless map its
// keys in sorted order).
func wholeKey(key any, schema *connectors.Schema) ([]string, error) {
	m, ok := key.(map[string]any)
	if !ok {
		s, err := keyString(key)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	var names []string
	if schema != nil && schema.Type == connectors.Struct {
		for _, f := range schema.Fields {
			names = append(names, f.Name)
		}
	} else {
		for k := range m {
			names = append(names, k)
		}
		sort.Strings(names)
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if m[n] == nil {
			return nil, fmt.Errorf("key field %q is null", n)
		}
		s, err := keyString(m[n])
		if err != nil {
			return nil, fmt.Errorf("key field %q: %w", n, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func lookup(root any, schema *connectors.Schema, path []string) (any, error) {
	cur := root
	for i, seg := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			if cur == nil {
				return nil, nil
			}
			return nil, fmt.Errorf("%s is %T, not a struct", strings.Join(path[:i], "."), cur)
		}
		if schema != nil && schema.Type == connectors.Struct && schema.Field(seg) == nil {
			return nil, fmt.Errorf("no field %q", strings.Join(path[:i+1], "."))
		}
		v, present := m[seg]
		if !present && schema == nil {
			return nil, fmt.Errorf("no field %q", strings.Join(path[:i+1], "."))
		}
		if schema != nil && schema.Type == connectors.Struct {
			schema = schema.Field(seg).Schema
		} else {
			schema = nil
		}
		cur = v
	}
	return cur, nil
}

// keyString renders a primitive as row key text.
func keyString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, bool:
		return fmt.Sprint(x), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case time.Time:
		return strconv.FormatInt(x.UnixMilli(), 10), nil
	case *big.Rat:
		return x.RatString(), nil
	}
	return "", fmt.Errorf("%T cannot be part of a row key", v)
}

// SaltPrefix returns the salt of a row key: two lowercase hex digits of
// FNV-1a-32(key) modulo buckets; "" when buckets < 2.
func SaltPrefix(key string, buckets int) string {
	if buckets < 2 {
		return ""
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return fmt.Sprintf("%02x", h.Sum32()%uint32(min(buckets, MaxSaltBuckets)))
}

// SaltedRowKey returns the row key under which the sink stores key: the
// salt prefix and the delimiter before key when buckets > 1, key itself
// otherwise. Readers use it to find a profile row.
func SaltedRowKey(key string, buckets int, delimiter string) []byte {
	p := SaltPrefix(key, buckets)
	if p == "" {
		return []byte(key)
	}
	return []byte(p + delimiter + key)
}

// SaltSplitKeys returns the split keys that give each salt bucket its own
// region: "01" .. the last bucket; none when buckets < 2.
func SaltSplitKeys(buckets int) [][]byte {
	if buckets < 2 {
		return nil
	}
	out := make([][]byte, 0, buckets-1)
	for i := 1; i < min(buckets, MaxSaltBuckets); i++ {
		out = append(out, []byte(fmt.Sprintf("%02x", i)))
	}
	return out
}
