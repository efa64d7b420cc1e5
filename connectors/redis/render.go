package redis

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/retailpulse/retailpulse/connectors"
)

// appendText appends the text of a hash field holding v to b. ok is false
// for null, which deletes the field.
func appendText(b []byte, v any) (out []byte, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return b, false, nil
	case string:
		return append(b, x...), true, nil
	case []byte:
		return append(b, x...), true, nil
	case bool:
		return strconv.AppendBool(b, x), true, nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), true, nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), true, nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), true, nil
	case int64:
		return strconv.AppendInt(b, x, 10), true, nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), true, nil
	case float32:
		b, err = appendFloat(b, float64(x), 32)
		return b, err == nil, err
	case float64:
		b, err = appendFloat(b, x, 64)
		return b, err == nil, err
	case time.Time:
		return strconv.AppendInt(b, x.UnixMilli(), 10), true, nil
	case *big.Rat:
		return append(b, decimalText(x)...), true, nil
	case map[string]any, []any:
		b, err = appendJSON(b, x)
		return b, err == nil, err
	}
	return b, false, fmt.Errorf("%w: cannot render a value of type %T", ErrMapping, v)
}

// appendFloat writes f in the shortest form that reads back exactly, with
// no exponent.
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("%w: %v is not a finite number", ErrMapping, f)
	}
	return strconv.AppendFloat(b, f, 'f', -1, bits), nil
}

// decimalText renders r exactly: decimals from Connect have a power-of-ten
// denominator, so some scale up to 38 digits represents them.
func decimalText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	ten := new(big.Rat).SetInt64(10)
	scaled := new(big.Rat).Set(r)
	for scale := 1; scale <= 38; scale++ {
		if scaled.Mul(scaled, ten).IsInt() {
			return r.FloatString(scale)
		}
	}
	return r.FloatString(38)
}

// appendJSON writes nested Connect values as JSON with the conventions of
// render: timestamps in epoch ms, decimals as numbers, bytes as text when
// UTF-8 and base64 otherwise, map keys sorted. It exists because
// encoding/json would first need the value copied into JSON-friendly types,
// which doubled the sink's CPU per record.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case []byte:
		if utf8.Valid(x) {
			return appendJSONString(b, string(x)), nil
		}
		return appendJSONString(b, base64.StdEncoding.EncodeToString(x)), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float32:
		return appendFloat(b, float64(x), 32)
	case float64:
		return appendFloat(b, x, 64)
	case time.Time:
		return strconv.AppendInt(b, x.UnixMilli(), 10), nil
	case *big.Rat:
		return append(b, decimalText(x)...), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		var small [16]string
		keys := small[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, k), ':')
			var err error
			if b, err = appendJSON(b, x[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
	return b, fmt.Errorf("%w: cannot render a value of type %T as JSON", ErrMapping, v)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does, except that <, > and &
// are kept as they are (the text is not embedded in HTML).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

var errNotInteger = errors.New("not an integer")

// toInt64 accepts integers, integral floats, timestamps (epoch ms) and
// decimal text.
func toInt64(v any) (int64, error) {
	if n, ok := connectors.IntValue(v); ok {
		return n, nil
	}
	switch x := v.(type) {
	case time.Time:
		return x.UnixMilli(), nil
	case float32:
		return floatToInt(float64(x))
	case float64:
		return floatToInt(x)
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q: %w", x, errNotInteger)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%T: %w", v, errNotInteger)
}

func floatToInt(f float64) (int64, error) {
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1<<62 {
		return 0, fmt.Errorf("%v: %w", f, errNotInteger)
	}
	return int64(f), nil
}

// appendDelta writes a rolling-map increment; isFloat marks a float sum.
func appendDelta(b []byte, v any) (out []byte, isFloat bool, err error) {
	switch x := v.(type) {
	case int8, int16, int32, int64, int:
		n, _ := connectors.IntValue(x)
		return strconv.AppendInt(b, n, 10), false, nil
	case float32:
		b, err = appendFloat(b, float64(x), 32)
		return b, true, err
	case float64:
		b, err = appendFloat(b, x, 64)
		return b, true, err
	}
	return b, false, fmt.Errorf("%w: rolling map value of type %T is not a number", ErrMapping, v)
}
