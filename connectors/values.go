package connectors

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// parseValue turns a raw string into the Go value of type t. Error texts
// follow Kafka's ConfigDef.parseType.
func parseValue(t ConfigType, raw string) (any, error) {
	trimmed := strings.TrimSpace(raw)
	switch t {
	case TypeBoolean:
		switch strings.ToLower(trimmed) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, errors.New("Expected value to be either true or false")
	case TypeString, TypeClass:
		return trimmed, nil
	case TypePassword:
		return raw, nil
	case TypeInt, TypeShort:
		bits := 32
		if t == TypeShort {
			bits = 16
		}
		n, err := strconv.ParseInt(trimmed, 10, bits)
		if err != nil {
			return nil, fmt.Errorf("Not a number of type %s", t)
		}
		return int(n), nil
	case TypeLong:
		n, err := strconv.ParseInt(trimmed, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("Not a number of type %s", t)
		}
		return n, nil
	case TypeDouble:
		f, err := strconv.ParseFloat(trimmed, 64)
		if err != nil || math.IsNaN(f) {
			return nil, fmt.Errorf("Not a number of type %s", t)
		}
		return f, nil
	case TypeList:
		if trimmed == "" {
			return []string{}, nil
		}
		parts := strings.Split(trimmed, ",")
		out := make([]string, 0, len(parts))
		for _, p := range parts {
			out = append(out, strings.TrimSpace(p))
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown type %s", t)
}

// coerceDefault normalizes a typed default from a spec literal (int for
// INT/SHORT, int64 for LONG, float64 for DOUBLE, []string for LIST).
func coerceDefault(t ConfigType, d any) (any, error) {
	if s, ok := d.(string); ok && t != TypeString && t != TypePassword && t != TypeClass {
		return parseValue(t, s)
	}
	switch t {
	case TypeBoolean:
		if b, ok := d.(bool); ok {
			return b, nil
		}
	case TypeString, TypeClass, TypePassword:
		if s, ok := d.(string); ok {
			return s, nil
		}
	case TypeInt, TypeShort:
		switch n := d.(type) {
		case int:
			return n, nil
		case int32:
			return int(n), nil
		}
	case TypeLong:
		switch n := d.(type) {
		case int:
			return int64(n), nil
		case int64:
			return n, nil
		}
	case TypeDouble:
		switch n := d.(type) {
		case float64:
			return n, nil
		case int:
			return float64(n), nil
		}
	case TypeList:
		if l, ok := d.([]string); ok {
			return append([]string{}, l...), nil
		}
	}
	return nil, fmt.Errorf("%T is not a valid default for type %s", d, t)
}

// formatValue renders a typed value the way Kafka's ConfigDef.convertToString
// does: lists comma-joined, everything else in its plain form.
func formatValue(t ConfigType, v any) string {
	if v == nil {
		return ""
	}
	switch x := v.(type) {
	case []string:
		return strings.Join(x, ",")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// FormatDefault renders k's default as the default_value of ConfigKeyInfo;
// ok is false when the key has no default (JSON null).
func (k ConfigKey) FormatDefault() (s string, ok bool) {
	if k.Default == nil {
		return "", false
	}
	if k.Type == TypePassword {
		return HiddenValue, true
	}
	return formatValue(k.Type, k.Default), true
}

// IntValue returns v as an int64 when it is one of the Connect data model's
// integer kinds (int8, int16, int32, int64, or a Go int). Sinks that accept
// more (integral floats, timestamps, decimal text) handle those themselves.
func IntValue(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}
