package compat

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// The writers below reproduce what Avro Java emits through Jackson, because
// Confluent's canonical form is exactly that text: compact, non-ASCII left
// as is, control characters escaped with upper-case hex, and numbers printed
// from their parsed value rather than as written.

const hexDigits = "0123456789ABCDEF"

func writeJSONString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		sb.WriteString(s[start:i])
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\b':
			sb.WriteString(`\b`)
		case '\t':
			sb.WriteString(`\t`)
		case '\n':
			sb.WriteString(`\n`)
		case '\f':
			sb.WriteString(`\f`)
		case '\r':
			sb.WriteString(`\r`)
		default:
			sb.WriteString(`\u00`)
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&0xF])
		}
		start = i + 1
	}
	sb.WriteString(s[start:])
	sb.WriteByte('"')
}

// writeJSON writes j compactly, members in their stored order.
func writeJSON(sb *strings.Builder, j *jnode) {
	switch j.kind {
	case jNull:
		sb.WriteString("null")
	case jBool:
		sb.WriteString(strconv.FormatBool(j.b))
	case jNumber:
		sb.WriteString(jacksonNumber(j.str))
	case jString:
		writeJSONString(sb, j.str)
	case jArray:
		sb.WriteByte('[')
		for i, e := range j.arr {
			if i > 0 {
				sb.WriteByte(',')
			}
			writeJSON(sb, e)
		}
		sb.WriteByte(']')
	case jObject:
		sb.WriteByte('{')
		for i, m := range j.obj {
			if i > 0 {
				sb.WriteByte(',')
			}
			writeJSONString(sb, m.key)
			sb.WriteByte(':')
			writeJSON(sb, m.val)
		}
		sb.WriteByte('}')
	}
}

// isIntegerLiteral reports whether lit is an optionally signed run of
// digits, i.e. a number Jackson parses into an integral node.
func isIntegerLiteral(lit string) bool {
	lit = strings.TrimPrefix(lit, "-")
	if lit == "" {
		return false
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] < '0' || lit[i] > '9' {
			return false
		}
	}
	return true
}

// jacksonNumber prints a JSON number literal the way Jackson re-serializes
// the node it parsed it into: integers as plain decimals (so "-0" becomes
// "0"), anything with a fraction or exponent as a Java double.
func jacksonNumber(lit string) string {
	if isIntegerLiteral(lit) {
		if v, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return strconv.FormatInt(v, 10)
		}
		if v, ok := new(big.Int).SetString(lit, 10); ok {
			return v.String()
		}
		return lit
	}
	f, _ := strconv.ParseFloat(lit, 64) // ±Inf on overflow, which javaDouble handles
	return javaDouble(f)
}

// javaDouble formats f like Java's Double.toString; Jackson quotes the
// non-finite values.
func javaDouble(f float64) string {
	return javaFloatString(f, 64)
}

// javaFloat formats f like Java's Float.toString.
func javaFloat(f float32) string {
	return javaFloatString(float64(f), 32)
}

func javaFloatString(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return `"NaN"`
	case math.IsInf(f, 1):
		return `"Infinity"`
	case math.IsInf(f, -1):
		return `"-Infinity"`
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// Shortest digits that round-trip, as d.ddddde±x.
	e := strconv.FormatFloat(f, 'e', -1, bits)
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	if f >= 1e-3 && f < 1e7 {
		var intPart, frac string
		if exp >= 0 {
			if len(digits) <= exp+1 {
				intPart = digits + strings.Repeat("0", exp+1-len(digits))
			} else {
				intPart, frac = digits[:exp+1], digits[exp+1:]
			}
		} else {
			intPart, frac = "0", strings.Repeat("0", -exp-1)+digits
		}
		if frac == "" {
			frac = "0"
		}
		return sign + intPart + "." + frac
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	return sign + digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
}
