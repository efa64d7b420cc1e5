package cassandra

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"net"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gocql/gocql"
	"gopkg.in/inf.v0"

	"github.com/retailpulse/retailpulse/connectors"
)

var errType = errors.New("wrong type")

// convert turns a Connect value into the Go value gocql marshals for t,
// checking ranges so that a bad record fails alone instead of failing the
// batch it is in. nil stays nil.
func convert(t *colType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) {
		return nil, fmt.Errorf("%w: cannot write %T %v as %s", errType, v, clip(v), t.text)
	}
	switch t.kind {
	case gocql.TypeAscii, gocql.TypeText, gocql.TypeVarchar:
		return toText(v, bad)
	case gocql.TypeInt, gocql.TypeBigInt, gocql.TypeSmallInt, gocql.TypeTinyInt:
		n, ok := toInt64(v)
		if !ok {
			return bad()
		}
		bits := map[gocql.Type]uint{gocql.TypeInt: 32, gocql.TypeBigInt: 64, gocql.TypeSmallInt: 16, gocql.TypeTinyInt: 8}[t.kind]
		if bits < 64 && (n < -(1<<(bits-1)) || n >= 1<<(bits-1)) {
			return nil, fmt.Errorf("%w: %d is out of range for %s", errType, n, t.text)
		}
		return n, nil
	case gocql.TypeVarint:
		return toBigInt(v, bad)
	case gocql.TypeBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
		return bad()
	case gocql.TypeFloat, gocql.TypeDouble:
		f, ok := toFloat64(v)
		if !ok {
			return bad()
		}
		if t.kind == gocql.TypeFloat {
			return float32(f), nil
		}
		return f, nil
	case gocql.TypeDecimal:
		return toDecimal(v, bad)
	case gocql.TypeTimestamp, gocql.TypeDate:
		return toTime(v, bad)
	case gocql.TypeUUID, gocql.TypeTimeUUID:
		return toUUID(v, t, bad)
	case gocql.TypeBlob:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
		return bad()
	case gocql.TypeInet:
		var ip net.IP
		switch x := v.(type) {
		case string:
			ip = net.ParseIP(x)
		case []byte:
			if len(x) == 4 || len(x) == 16 {
				ip = net.IP(x)
			}
		}
		if ip == nil {
			return bad()
		}
		return ip, nil
	}
	return convertCollection(t, v, bad)
}

func convertCollection(t *colType, v any, bad func() (any, error)) (any, error) {
	switch x := v.(type) {
	case []any:
		if t.kind != gocql.TypeList && t.kind != gocql.TypeSet {
			return bad()
		}
		out := make([]any, len(x))
		for i, e := range x {
			if e == nil {
				return nil, fmt.Errorf("%w: null element %d in %s", errType, i, t.text)
			}
			c, err := convert(t.elem, e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		if t.kind != gocql.TypeMap {
			return bad()
		}
		out := make(map[any]any, len(x))
		for k, e := range x {
			ck, err := convert(t.key, k)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			if e == nil {
				return nil, fmt.Errorf("%w: null value for key %q in %s", errType, k, t.text)
			}
			ce, err := convert(t.elem, e)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			out[ck] = ce
		}
		return out, nil
	}
	return bad()
}

func toText(v any, bad func() (any, error)) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		if utf8.Valid(x) {
			return string(x), nil
		}
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case *big.Rat:
		return ratText(x), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	if n, ok := toInt64(v); ok {
		return strconv.FormatInt(n, 10), nil
	}
	return bad()
}

func toInt64(v any) (int64, bool) {
	if n, ok := connectors.IntValue(v); ok {
		return n, true
	}
	switch x := v.(type) {
	case float32:
		return floatInt(float64(x))
	case float64:
		return floatInt(x)
	case time.Time:
		return x.UnixMilli(), true
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func floatInt(f float64) (int64, bool) {
	if f != math.Trunc(f) || math.Abs(f) > 1<<63-1024 || math.IsNaN(f) {
		return 0, false
	}
	return int64(f), true
}

func toFloat64(v any) (float64, bool) {
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case *big.Rat:
		f, _ := x.Float64()
		return f, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	if n, ok := toInt64(v); ok {
		if _, isTime := v.(time.Time); !isTime {
			return float64(n), true
		}
	}
	return 0, false
}

func toBigInt(v any, bad func() (any, error)) (any, error) {
	switch x := v.(type) {
	case *big.Int:
		return x, nil
	case *big.Rat:
		if x.IsInt() {
			return new(big.Int).Set(x.Num()), nil
		}
	case string:
		if n, ok := new(big.Int).SetString(x, 10); ok {
			return n, nil
		}
	default:
		if n, ok := toInt64(v); ok {
			return big.NewInt(n), nil
		}
	}
	return bad()
}

func toDecimal(v any, bad func() (any, error)) (any, error) {
	var text string
	switch x := v.(type) {
	case *big.Rat:
		text = ratText(x)
	case string:
		text = x
	case float32, float64:
		f, _ := toFloat64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return bad()
		}
		text = strconv.FormatFloat(f, 'f', -1, 64)
	default:
		n, ok := toInt64(v)
		if !ok {
			return bad()
		}
		text = strconv.FormatInt(n, 10)
	}
	d, ok := new(inf.Dec).SetString(text)
	if !ok {
		return bad()
	}
	return d, nil
}

// ratText renders a decimal exactly: Connect decimals have a power-of-ten
// denominator.
func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	scaled, ten := new(big.Rat).Set(r), big.NewRat(10, 1)
	for scale := 1; scale <= 38; scale++ {
		if scaled.Mul(scaled, ten).IsInt() {
			return r.FloatString(scale)
		}
	}
	return r.FloatString(38)
}

func toTime(v any, bad func() (any, error)) (any, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		if ts, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return ts, nil
		}
		return bad()
	}
	if ms, ok := toInt64(v); ok {
		return time.UnixMilli(ms).UTC(), nil
	}
	return bad()
}

func toUUID(v any, t *colType, bad func() (any, error)) (any, error) {
	var u gocql.UUID
	var err error
	switch x := v.(type) {
	case string:
		u, err = gocql.ParseUUID(x)
	case []byte:
		u, err = gocql.UUIDFromBytes(x)
	default:
		return bad()
	}
	if err != nil {
		return bad()
	}
	if t.kind == gocql.TypeTimeUUID && u.Version() != 1 {
		return nil, fmt.Errorf("%w: %s is a version %d UUID, timeuuid needs version 1", errType, u, u.Version())
	}
	return u, nil
}

// clip shortens values quoted in error messages.
func clip(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 64 {
		return s[:61] + "..."
	}
	return s
}
