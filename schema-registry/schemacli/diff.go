package schemacli

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Change is one difference between two versions of a schema.
type Change struct {
	Kind  string // "added", "removed", "type", "default", "symbols", "renamed"
	Path  string // dotted field path, e.g. "cart.items"
	Human string // one line for people
}

// Diff lists the field-level changes from oldText to newText. It resolves
// named types so nested records are compared field by field; doc changes are
// not changes (they do not affect data).
func Diff(oldText, newText string) ([]Change, error) {
	var o, n any
	if err := json.Unmarshal([]byte(oldText), &o); err != nil {
		return nil, fmt.Errorf("parsing old schema: %w", err)
	}
	if err := json.Unmarshal([]byte(newText), &n); err != nil {
		return nil, fmt.Errorf("parsing new schema: %w", err)
	}
	d := differ{oldNamed: map[string]map[string]any{}, newNamed: map[string]map[string]any{}, seen: map[string]bool{}}
	collectNamed(o, "", d.oldNamed)
	collectNamed(n, "", d.newNamed)
	d.diff("", o, n)
	return d.out, nil
}

type differ struct {
	oldNamed, newNamed map[string]map[string]any
	seen               map[string]bool // record pairs already compared
	out                []Change
}

func (d *differ) add(kind, path, format string, args ...any) {
	d.out = append(d.out, Change{Kind: kind, Path: path, Human: fmt.Sprintf(format, args...)})
}

func (d *differ) diff(path string, o, n any) {
	o, n = resolve(o, d.oldNamed), resolve(n, d.newNamed)
	om, oRec := o.(map[string]any)
	nm, nRec := n.(map[string]any)
	switch {
	case oRec && nRec && om["type"] == "record" && nm["type"] == "record":
		// Keyed by names only: a recursive type grows the path forever, and a
		// record reused in several fields is reported once, at its first use.
		key := fmt.Sprint(om["name"]) + "|" + fmt.Sprint(nm["name"])
		if d.seen[key] {
			return
		}
		d.seen[key] = true
		d.diffRecord(path, om, nm)
	case oRec && nRec && om["type"] == "enum" && nm["type"] == "enum":
		d.diffEnum(path, om, nm)
	case oRec && nRec && om["type"] == nm["type"] && (om["type"] == "array" || om["type"] == "map"):
		sub := "items"
		if om["type"] == "map" {
			sub = "values"
		}
		d.diff(path+"[]", om[sub], nm[sub])
	default:
		if ot, nt := typeName(o, d.oldNamed), typeName(n, d.newNamed); ot != nt {
			d.add("type", path, "~ %s: type %s → %s", label(path), ot, nt)
		} else {
			ou, oUnion := o.([]any)
			nu, nUnion := n.([]any)
			if oUnion && nUnion && len(ou) == len(nu) {
				// Same branch names: recurse into branches that are records.
				for i := range ou {
					d.diff(path, ou[i], nu[i])
				}
			}
		}
	}
}

func (d *differ) diffRecord(path string, o, n map[string]any) {
	oldFields, newFields := fieldsByName(o), fieldsByName(n)
	for _, name := range slices.Sorted(maps.Keys(newFields)) {
		nf := newFields[name]
		fp := join(path, name)
		of, ok := oldFields[name]
		if !ok {
			if alias := aliasMatch(nf, oldFields); alias != "" {
				d.add("renamed", fp, "~ %s: renamed from %q (alias)", fp, alias)
				d.diff(fp, oldFields[alias]["type"], nf["type"])
				delete(oldFields, alias)
				continue
			}
			if def, has := nf["default"]; has {
				d.add("added", fp, "+ %s: %s, default %s", fp, typeName(nf["type"], d.newNamed), jsonText(def))
			} else {
				d.add("added", fp, "+ %s: %s, no default", fp, typeName(nf["type"], d.newNamed))
			}
			continue
		}
		d.diff(fp, of["type"], nf["type"])
		od, oHas := of["default"]
		nd, nHas := nf["default"]
		if oHas != nHas || jsonText(od) != jsonText(nd) {
			d.add("default", fp, "~ %s: default %s → %s", fp, defaultText(od, oHas), defaultText(nd, nHas))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(oldFields)) {
		if _, ok := newFields[name]; ok {
			continue
		}
		of := oldFields[name]
		fp := join(path, name)
		if _, has := of["default"]; has {
			d.add("removed", fp, "- %s: %s (had a default)", fp, typeName(of["type"], d.oldNamed))
		} else {
			d.add("removed", fp, "- %s: %s (had no default)", fp, typeName(of["type"], d.oldNamed))
		}
	}
}

func (d *differ) diffEnum(path string, o, n map[string]any) {
	os, ns := stringSet(o["symbols"]), stringSet(n["symbols"])
	var added, removed []string
	for s := range ns {
		if !os[s] {
			added = append(added, s)
		}
	}
	for s := range os {
		if !ns[s] {
			removed = append(removed, s)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	if len(added)+len(removed) > 0 {
		d.add("symbols", path, "~ %s: enum symbols +%v -%v", label(path), added, removed)
	}
	if jsonText(o["default"]) != jsonText(n["default"]) {
		d.add("default", path, "~ %s: enum default %s → %s", label(path), jsonText(o["default"]), jsonText(n["default"]))
	}
}

func label(path string) string {
	if path == "" {
		return "(root)"
	}
	return path
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func defaultText(v any, has bool) string {
	if !has {
		return "(none)"
	}
	return jsonText(v)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	if l, ok := v.([]any); ok {
		for _, s := range l {
			out[fmt.Sprint(s)] = true
		}
	}
	return out
}

// String renders changes one per line.
func String(cs []Change) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Human)
		b.WriteByte('\n')
	}
	return b.String()
}
