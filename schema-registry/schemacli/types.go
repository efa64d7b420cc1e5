package schemacli

import (
	"fmt"
	"strings"
)

// collectNamed records every named type (record, enum, fixed) under its full
// name and its short name, so references can be followed.
func collectNamed(v any, ns string, into map[string]map[string]any) {
	switch t := v.(type) {
	case []any:
		for _, b := range t {
			collectNamed(b, ns, into)
		}
	case map[string]any:
		typ, _ := t["type"].(string)
		switch typ {
		case "record", "error", "enum", "fixed":
			name, _ := t["name"].(string)
			if n, ok := t["namespace"].(string); ok {
				ns = n
			}
			full := name
			if !strings.Contains(name, ".") && ns != "" {
				full = ns + "." + name
			}
			into[full] = t
			into[name[strings.LastIndex(name, ".")+1:]] = t
			if fs, ok := t["fields"].([]any); ok {
				for _, f := range fs {
					if fm, ok := f.(map[string]any); ok {
						collectNamed(fm["type"], ns, into)
					}
				}
			}
		case "array":
			collectNamed(t["items"], ns, into)
		case "map":
			collectNamed(t["values"], ns, into)
		default:
			collectNamed(t["type"], ns, into)
		}
	}
}

// resolve follows a by-name reference to its definition.
func resolve(v any, named map[string]map[string]any) any {
	if s, ok := v.(string); ok {
		if def, ok := named[s]; ok {
			return def
		}
	}
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["type"].(string); ok {
			if def, ok := named[s]; ok {
				return def
			}
		}
	}
	return v
}

// typeName renders a type compactly for people: string, [null,string],
// array<int>, map<long>, the short name of a named type, fixed names too.
func typeName(v any, named map[string]map[string]any) string {
	switch t := v.(type) {
	case string:
		return t[strings.LastIndex(t, ".")+1:]
	case []any:
		parts := make([]string, len(t))
		for i, b := range t {
			parts[i] = typeName(b, named)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		typ, _ := t["type"].(string)
		switch typ {
		case "array":
			return "array<" + typeName(t["items"], named) + ">"
		case "map":
			return "map<" + typeName(t["values"], named) + ">"
		case "record", "error", "enum", "fixed":
			return typeName(t["name"], named)
		default:
			if lt, ok := t["logicalType"].(string); ok {
				return typ + "(" + lt + ")"
			}
			return typeName(t["type"], named)
		}
	}
	return fmt.Sprint(v)
}

func fieldsByName(rec map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	fs, _ := rec["fields"].([]any)
	for _, f := range fs {
		if fm, ok := f.(map[string]any); ok {
			if n, ok := fm["name"].(string); ok {
				out[n] = fm
			}
		}
	}
	return out
}

// aliasMatch returns the old field name a new field claims through an alias.
func aliasMatch(nf map[string]any, oldFields map[string]map[string]any) string {
	as, _ := nf["aliases"].([]any)
	for _, a := range as {
		if s, ok := a.(string); ok {
			if _, ok := oldFields[s]; ok {
				return s
			}
		}
	}
	return ""
}
