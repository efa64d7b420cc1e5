package converters

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

// schemaJSON is the schema half of JsonConverter's envelope.
type schemaJSON struct {
	Type       connectors.SchemaType `json:"type"`
	Optional   bool                  `json:"optional"`
	Name       string                `json:"name,omitempty"`
	Version    int                   `json:"version,omitempty"`
	Doc        string                `json:"doc,omitempty"`
	Default    any                   `json:"default,omitempty"`
	Parameters map[string]string     `json:"parameters,omitempty"`
	Field      string                `json:"field,omitempty"`
	Fields     []schemaJSON          `json:"fields,omitempty"`
	Items      *schemaJSON           `json:"items,omitempty"`
	Keys       *schemaJSON           `json:"keys,omitempty"`
	Values     *schemaJSON           `json:"values,omitempty"`
}

func toSchemaJSON(s *connectors.Schema) *schemaJSON {
	if s == nil {
		return nil
	}
	out := &schemaJSON{Type: s.Type, Optional: s.Optional, Name: s.Name, Version: s.Version, Doc: s.Doc, Parameters: s.Parameters}
	if s.Default != nil {
		out.Default = jsonValue(s, s.Default, "BASE64")
	}
	for _, f := range s.Fields {
		fj := toSchemaJSON(f.Schema)
		fj.Field = f.Name
		out.Fields = append(out.Fields, *fj)
	}
	out.Items, out.Keys, out.Values = toSchemaJSON(s.Items), toSchemaJSON(s.Keys), toSchemaJSON(s.Values)
	return out
}

func fromSchemaJSON(j *schemaJSON, path string) (*connectors.Schema, error) {
	if j == nil {
		return nil, nil
	}
	s := &connectors.Schema{Type: j.Type, Optional: j.Optional, Name: j.Name, Version: j.Version, Doc: j.Doc, Parameters: j.Parameters}
	switch j.Type {
	case connectors.Int8, connectors.Int16, connectors.Int32, connectors.Int64, connectors.Float32,
		connectors.Float64, connectors.Boolean, connectors.String, connectors.Bytes:
	case connectors.Struct:
		for i := range j.Fields {
			f := j.Fields[i]
			if f.Field == "" {
				return nil, fmt.Errorf("%s.fields[%d]: field name is missing", path, i)
			}
			fs, err := fromSchemaJSON(&f, path+"."+f.Field)
			if err != nil {
				return nil, err
			}
			s.Fields = append(s.Fields, connectors.Field{Name: f.Field, Schema: fs})
		}
	case connectors.Array:
		if j.Items == nil {
			return nil, fmt.Errorf("%s: array schema has no items", path)
		}
		items, err := fromSchemaJSON(j.Items, path+"[]")
		if err != nil {
			return nil, err
		}
		s.Items = items
	case connectors.Map:
		if j.Keys == nil || j.Values == nil {
			return nil, fmt.Errorf("%s: map schema needs keys and values", path)
		}
		if j.Keys.Type != connectors.String {
			return nil, fmt.Errorf("%s: %w: map keys of type %s", path, ErrUnsupportedType, j.Keys.Type)
		}
		var err error
		if s.Keys, err = fromSchemaJSON(j.Keys, path+".keys"); err != nil {
			return nil, err
		}
		if s.Values, err = fromSchemaJSON(j.Values, path+".values"); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%s: %w: schema type %q", path, ErrUnsupportedType, j.Type)
	}
	if j.Default != nil {
		d, err := connectValue(s, j.Default, path+".default")
		if err != nil {
			return nil, err
		}
		s.Default = d
	}
	return s, nil
}

// jsonValue renders a Connect value for JSON following schema s (nil for
// schemaless): times as epoch milliseconds, decimals as base64 of the
// unscaled two's-complement integer or as a number (decimal.format).
func jsonValue(s *connectors.Schema, v any, decimalFormat string) any {
	if v == nil {
		return nil
	}
	switch x := v.(type) {
	case time.Time:
		if s != nil && s.Name == connectors.DateName {
			return int32(x.UTC().Truncate(24*time.Hour).Unix() / 86400)
		}
		return x.UnixMilli()
	case *big.Rat:
		scale := 0
		if s != nil {
			scale, _ = strconv.Atoi(s.Parameters["scale"])
		}
		if decimalFormat == "NUMERIC" {
			return json.Number(x.FloatString(scale))
		}
		return base64.StdEncoding.EncodeToString(unscaledBytes(x, scale))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var fs *connectors.Schema
			if s != nil {
				if s.Type == connectors.Struct {
					if f := s.Field(k); f != nil {
						fs = f.Schema
					}
				} else {
					fs = s.Values
				}
			}
			out[k] = jsonValue(fs, e, decimalFormat)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var is *connectors.Schema
			if s != nil {
				is = s.Items
			}
			out[i] = jsonValue(is, e, decimalFormat)
		}
		return out
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
	}
	return v
}

// unscaledBytes returns the big-endian two's-complement bytes of r·10^scale.
func unscaledBytes(r *big.Rat, scale int) []byte {
	n := new(big.Int).Mul(r.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	n.Quo(n, r.Denom())
	if n.Sign() >= 0 {
		b := n.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// Two's complement of a negative number: 2^(8·len) + n.
	l := len(new(big.Int).Neg(n).Bytes()) + 1
	m := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), uint(8*l)), n)
	b := m.Bytes()
	for len(b) < l {
		b = append([]byte{0xff}, b...)
	}
	return b
}

// ratFromUnscaled is the inverse of unscaledBytes.
func ratFromUnscaled(b []byte, scale int) *big.Rat {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return new(big.Rat).SetFrac(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
}

func ratOf(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(x), true
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(x) == nil {
			return nil, false
		}
		return r, true
	}
	return nil, false
}
