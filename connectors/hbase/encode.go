package hbase

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

// encodeValue turns a Connect value into cell bytes the way HBase's
// Bytes.toBytes does for the Java type Kafka Connect would use: UTF-8
// strings, big-endian integers of the schema's width (int8 one byte, int16
// two, int32 four, int64 eight), IEEE-754 big-endian floats, booleans as
// 0xFF/0x00, timestamps as 8-byte epoch milliseconds, dates as 4-byte days
// since the epoch. Decimals become their decimal text (Bytes.toBytes of a
// BigDecimal is Java-specific), arrays and maps JSON.
func encodeValue(v any, schema *connectors.Schema) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return []byte(x), nil
	case []byte:
		return append([]byte(nil), x...), nil
	case bool:
		if x {
			return []byte{0xFF}, nil
		}
		return []byte{0x00}, nil
	case int8:
		return []byte{byte(x)}, nil
	case int16:
		return binary.BigEndian.AppendUint16(nil, uint16(x)), nil
	case int32:
		return binary.BigEndian.AppendUint32(nil, uint32(x)), nil
	case int64:
		return binary.BigEndian.AppendUint64(nil, uint64(x)), nil
	case int:
		return binary.BigEndian.AppendUint64(nil, uint64(x)), nil
	case float32:
		return binary.BigEndian.AppendUint32(nil, math.Float32bits(x)), nil
	case float64:
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(x)), nil
	case time.Time:
		if schema != nil && schema.Name == connectors.DateName {
			days := x.UTC().Truncate(24*time.Hour).Unix() / 86400
			return binary.BigEndian.AppendUint32(nil, uint32(int32(days))), nil
		}
		return binary.BigEndian.AppendUint64(nil, uint64(x.UnixMilli())), nil
	case *big.Rat:
		scale := 0
		if schema != nil {
			if s, err := strconv.Atoi(schema.Parameters["scale"]); err == nil {
				scale = s
			}
		}
		if scale > 0 {
			return []byte(x.FloatString(scale)), nil
		}
		return []byte(x.RatString()), nil
	case json.Number:
		return []byte(x.String()), nil
	case map[string]any, []any:
		b, err := json.Marshal(jsonable(x))
		if err != nil {
			return nil, fmt.Errorf("encoding %T as JSON: %w", v, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%T values cannot be written to a cell", v)
}

func jsonable(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UnixMilli()
	case *big.Rat:
		return x.RatString()
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	}
	return v
}

// deltaOf reads a counter delta: any integer, or a schemaless JSON number
// with no fraction.
func deltaOf(v any) (int64, error) {
	if n, ok := connectors.IntValue(v); ok {
		return n, nil
	}
	switch x := v.(type) {
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
		return 0, fmt.Errorf("%v is not an integer", x)
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", x.String())
		}
		return n, nil
	}
	return 0, fmt.Errorf("%T is not an integer", v)
}

// maxStamp reads a max.fields value as the cell timestamp to write it at.
func maxStamp(v any) (uint64, error) {
	var ms int64
	if t, ok := v.(time.Time); ok {
		ms = t.UnixMilli()
	} else {
		n, err := deltaOf(v)
		if err != nil {
			return 0, fmt.Errorf("want a timestamp or an integer: %w", err)
		}
		ms = n
	}
	if ms <= 0 {
		return 0, fmt.Errorf("%d cannot order cell versions: want a positive value", ms)
	}
	return uint64(ms), nil
}
