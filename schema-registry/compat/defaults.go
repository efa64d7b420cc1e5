package compat

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// checkDefaults validates the field defaults of the unit just parsed. It runs
// after the whole unit so that a default may use a record that is still
// being defined where the field appears.
func (p *parser) checkDefaults() error {
	for _, d := range p.defaults {
		f := d.f
		if (f.typ.kind == kindFloat || f.typ.kind == kindDouble) && f.def.kind == jString {
			// Avro Java reads a string default of a float or double field as
			// a number ("NaN", "1.5"), and prints it back as one.
			v, ok := javaParseDouble(f.def.str)
			if !ok {
				return parseErr(d.path+"/default", "default of field %q is %s, which is not a %s",
					f.name, describeJSON(f.def), f.typ.kind)
			}
			f.def = &jnode{kind: jNumber, str: numberLiteral(v)}
		}
		if reason := defaultMismatch(f.typ, f.def, nil); reason != "" {
			return parseErr(d.path+"/default", "default of field %q does not match its type %s: %s",
				f.name, typeLabel(f.typ), reason)
		}
	}
	return nil
}

// defaultMismatch returns why v is not a valid default for t, or "". The
// rules are Avro Java's: a union default must match the union's first type,
// enum and fixed defaults need only be strings, and a record default must
// give every field that has no default of its own. inUse guards against a
// record field whose default is used to complete itself.
func defaultMismatch(t *node, v *jnode, inUse []*field) string {
	want := func(ok bool, what string) string {
		if ok {
			return ""
		}
		return fmt.Sprintf("expected %s, got %s", what, describeJSON(v))
	}
	switch t.kind {
	case kindNull:
		return want(v.kind == jNull, "null")
	case kindBoolean:
		return want(v.kind == jBool, "true or false")
	case kindInt:
		return want(v.kind == jNumber && integerFits(v.str, 32), "a 32-bit integer")
	case kindLong:
		return want(v.kind == jNumber && integerFits(v.str, 64), "a 64-bit integer")
	case kindFloat, kindDouble:
		return want(v.kind == jNumber, "a number")
	case kindString, kindBytes, kindEnum, kindFixed:
		return want(v.kind == jString, "a string")
	case kindArray:
		if v.kind != jArray {
			return want(false, "an array")
		}
		for i, e := range v.arr {
			if r := defaultMismatch(t.items, e, inUse); r != "" {
				return fmt.Sprintf("item %d: %s", i, r)
			}
		}
	case kindMap:
		if v.kind != jObject {
			return want(false, "an object (map)")
		}
		for _, m := range v.obj {
			if r := defaultMismatch(t.values, m.val, inUse); r != "" {
				return fmt.Sprintf("map value %q: %s", m.key, r)
			}
		}
	case kindUnion:
		if len(t.branches) == 0 {
			return "a union with no types cannot have a default"
		}
		if r := defaultMismatch(t.branches[0], v, inUse); r != "" {
			return fmt.Sprintf("a union default must match the union's first type %s: %s",
				typeLabel(t.branches[0]), r)
		}
	case kindRecord:
		if v.kind != jObject {
			return want(false, fmt.Sprintf("an object (record %s)", t.fullName()))
		}
		for _, rf := range t.fields {
			fv := v.get(rf.name)
			if fv == nil {
				if rf.def == nil {
					return fmt.Sprintf("record %s needs field %q, which has no default", t.fullName(), rf.name)
				}
				for _, u := range inUse {
					if u == rf {
						return fmt.Sprintf("the default of field %q of record %s refers to itself", rf.name, t.fullName())
					}
				}
				fv = rf.def
				inUse = append(inUse[:len(inUse):len(inUse)], rf)
			}
			if r := defaultMismatch(rf.typ, fv, inUse); r != "" {
				return fmt.Sprintf("field %q: %s", rf.name, r)
			}
		}
	}
	return ""
}

func typeLabel(t *node) string {
	switch {
	case t.kind.named():
		return fmt.Sprintf("%s %q", t.kind, t.fullName())
	case t.kind == kindUnion:
		names := make([]string, len(t.branches))
		for i, b := range t.branches {
			names[i] = b.kind.String()
			if b.kind.named() {
				names[i] = b.fullName()
			}
		}
		return "union [" + strings.Join(names, ", ") + "]"
	}
	return fmt.Sprintf("%q", t.kind.String())
}

// integerFits reports whether the JSON number literal is an integer (no
// fraction or exponent, as Jackson's integral nodes) within bits.
func integerFits(lit string, bits int) bool {
	if !isIntegerLiteral(lit) {
		return false
	}
	if _, err := strconv.ParseInt(lit, 10, bits); err == nil {
		return true
	}
	return false
}

// javaParseDouble accepts what Java's Double.valueOf accepts for the usual
// cases: surrounding whitespace, a trailing f/F/d/D, NaN and Infinity.
func javaParseDouble(s string) (float64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	switch s {
	case "NaN", "+NaN", "-NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if n := len(s); n > 1 && strings.ContainsRune("fFdD", rune(s[n-1])) && !strings.HasPrefix(s, "0x") {
		s = s[:n-1]
	}
	// Go also reads "inf", "nan" and underscores, which Java does not.
	if strings.ContainsAny(s, "iInN_") {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return v, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// numberLiteral is the literal a converted double default is stored as;
// jacksonNumber turns it back into Java's spelling on output.
func numberLiteral(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(v, 'e', -1, 64)
	return s
}

// typedDefault converts a field default the way Avro Java's
// JacksonUtils.toObject does before Confluent prints it in normalized form:
// numbers take the format of the declared type (1 for a double field is
// 1.0), bytes and fixed strings lose characters outside ISO-8859-1, and
// object members are sorted. nil means Java would drop the default.
func typedDefault(v *jnode, t *node) *jnode {
	if t != nil && t.kind == kindUnion {
		if len(t.branches) == 0 {
			return nil
		}
		t = t.branches[0]
	}
	is := func(kinds ...kind) bool {
		if t == nil {
			return true
		}
		for _, k := range kinds {
			if t.kind == k {
				return true
			}
		}
		return false
	}
	num := func(s string) *jnode {
		if unq, ok := strings.CutPrefix(s, `"`); ok { // NaN and Infinity print as strings
			return &jnode{kind: jString, str: strings.TrimSuffix(unq, `"`)}
		}
		return &jnode{kind: jNumber, str: s}
	}
	switch v.kind {
	case jNull, jBool:
		return v
	case jNumber:
		f, _ := strconv.ParseFloat(v.str, 64)
		switch {
		case isIntegerLiteral(v.str) && !integerFits(v.str, 64):
			return nil // Jackson's big-integer nodes are not converted
		case isIntegerLiteral(v.str) && is(kindInt, kindLong):
			return num(jacksonNumber(v.str))
		case !isIntegerLiteral(v.str) && is(kindDouble):
			return num(javaDouble(f))
		case t != nil && t.kind == kindFloat:
			return num(javaFloat(float32(f)))
		case t != nil && t.kind == kindDouble:
			return num(javaDouble(f))
		}
		return nil
	case jString:
		switch {
		case is(kindString, kindEnum):
			return v
		case t.kind == kindBytes || t.kind == kindFixed:
			return &jnode{kind: jString, str: latin1RoundTrip(v.str)}
		}
		return nil
	case jArray:
		var items *node
		if t != nil && t.kind == kindArray {
			items = t.items
		}
		out := &jnode{kind: jArray, arr: make([]*jnode, len(v.arr))}
		for i, e := range v.arr {
			if out.arr[i] = typedDefault(e, items); out.arr[i] == nil {
				out.arr[i] = &jnode{kind: jNull}
			}
		}
		return out
	default:
		out := &jnode{kind: jObject, obj: make([]jmember, 0, len(v.obj))}
		for _, m := range v.obj {
			var ft *node
			switch {
			case t != nil && t.kind == kindMap:
				ft = t.values
			case t != nil && t.kind == kindRecord:
				if i, ok := t.fieldIndex[m.key]; ok {
					ft = t.fields[i].typ
				}
			}
			c := typedDefault(m.val, ft)
			if c == nil {
				c = &jnode{kind: jNull}
			}
			out.obj = append(out.obj, jmember{key: m.key, val: c})
		}
		return sortKeys(out)
	}
}

// latin1RoundTrip mimics String.getBytes(ISO_8859_1) followed by new
// String(bytes, ISO_8859_1): unmappable UTF-16 units become '?'.
func latin1RoundTrip(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r <= 0xFF:
			sb.WriteRune(r)
		case r > 0xFFFF:
			sb.WriteString("??")
		default:
			sb.WriteByte('?')
		}
	}
	return sb.String()
}
