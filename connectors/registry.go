package connectors

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// PluginType is the kind of a plugin, as /connector-plugins reports it.
type PluginType string

// Plugin types.
const (
	PluginSink            PluginType = "sink"
	PluginSource          PluginType = "source"
	PluginConverter       PluginType = "converter"
	PluginHeaderConverter PluginType = "header_converter"
	PluginTransformation  PluginType = "transformation"
	PluginPredicate       PluginType = "predicate"
)

// Plugin declares one plugin: its class name (the name users put in
// connector.class, key.converter or transforms.<alias>.type), aliases,
// version, config spec and the constructor matching its Type. Exactly one
// constructor must be set.
type Plugin struct {
	Class   string
	Aliases []string
	Type    PluginType
	Version string
	Spec    *ConfigSpec

	NewSink      func() SinkConnector
	NewSource    func() SourceConnector
	NewConverter func() Converter
	NewTransform func() Transformation
	NewPredicate func() Predicate
	// HeaderConverter plugins have no constructor: headers stay raw bytes
	// (see Header); they are listed so configs naming them validate.
}

func (p Plugin) check() error {
	if strings.TrimSpace(p.Class) == "" {
		return errors.New("empty class name")
	}
	set := 0
	for _, c := range []bool{p.NewSink != nil, p.NewSource != nil, p.NewConverter != nil, p.NewTransform != nil, p.NewPredicate != nil} {
		if c {
			set++
		}
	}
	want := map[PluginType]bool{
		PluginSink: p.NewSink != nil, PluginSource: p.NewSource != nil, PluginConverter: p.NewConverter != nil,
		PluginTransformation: p.NewTransform != nil, PluginPredicate: p.NewPredicate != nil,
		PluginHeaderConverter: set == 0,
	}
	ok, known := want[p.Type]
	if !known {
		return fmt.Errorf("unknown type %q", p.Type)
	}
	if !ok || set > 1 {
		return fmt.Errorf("type %s needs exactly its own constructor", p.Type)
	}
	return nil
}

// SimpleName returns the class name after its last '.'.
func SimpleName(class string) string {
	if i := strings.LastIndexByte(class, '.'); i >= 0 {
		return class[i+1:]
	}
	return class
}

// Registry resolves plugin names. It is immutable and safe for concurrent
// use.
type Registry struct {
	plugins []Plugin       // sorted by class
	exact   map[string]int // class names and explicit aliases
	derived map[string][]int
}

// NewRegistry builds a registry. Two plugins claiming the same class name
// or explicit alias are refused with ErrDuplicatePlugin. Derived names
// (simple class name, simple name without "Connector") that several
// plugins share stay ambiguous rather than picking one silently.
func NewRegistry(plugins ...Plugin) (*Registry, error) {
	r := &Registry{exact: map[string]int{}, derived: map[string][]int{}}
	sorted := append([]Plugin(nil), plugins...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Class < sorted[j].Class })
	var errs []error
	for i, p := range sorted {
		if err := p.check(); err != nil {
			errs = append(errs, fmt.Errorf("plugin %q: %w: %w", p.Class, ErrInvalidPlugin, err))
			continue
		}
		if p.Spec == nil {
			p.Spec = MustConfigSpec()
			sorted[i] = p
		}
		for _, name := range append([]string{p.Class}, p.Aliases...) {
			if prev, dup := r.exact[name]; dup {
				errs = append(errs, fmt.Errorf("registering %q for %q: %w: already taken by %q",
					name, p.Class, ErrDuplicatePlugin, sorted[prev].Class))
				continue
			}
			r.exact[name] = i
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("building plugin registry: %w", errors.Join(errs...))
	}
	r.plugins = sorted
	for i, p := range sorted {
		simple := SimpleName(p.Class)
		names := []string{simple}
		if p.Type == PluginSink || p.Type == PluginSource {
			if short, ok := strings.CutSuffix(simple, "Connector"); ok && short != "" {
				names = append(names, short)
			}
		}
		for _, n := range names {
			if _, isExact := r.exact[n]; isExact || containsInt(r.derived[n], i) {
				continue
			}
			r.derived[n] = append(r.derived[n], i)
		}
	}
	return r, nil
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Lookup resolves name to a plugin of one of the given types (any type
// when none are given).
func (r *Registry) Lookup(name string, types ...PluginType) (Plugin, error) {
	name = strings.TrimSpace(name)
	var cands []int
	if i, ok := r.exact[name]; ok {
		cands = []int{i}
	} else {
		cands = r.derived[name]
	}
	var match []Plugin
	for _, i := range cands {
		if typeIn(r.plugins[i].Type, types) {
			match = append(match, r.plugins[i])
		}
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		return Plugin{}, fmt.Errorf("looking up plugin %q: %w", name, ErrUnknownPlugin)
	}
	classes := make([]string, len(match))
	for i, p := range match {
		classes[i] = p.Class
	}
	return Plugin{}, fmt.Errorf("looking up plugin %q: %w: matches %s", name, ErrAmbiguousPlugin, strings.Join(classes, ", "))
}

func typeIn(t PluginType, types []PluginType) bool {
	if len(types) == 0 {
		return true
	}
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// Plugins returns the plugins of the given types (all when none are
// given), sorted by class name.
func (r *Registry) Plugins(types ...PluginType) []Plugin {
	var out []Plugin
	for _, p := range r.plugins {
		if typeIn(p.Type, types) {
			out = append(out, p)
		}
	}
	return out
}
