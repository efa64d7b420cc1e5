package connectors

import (
	"fmt"
	"sort"
	"strings"
)

// Config is a configuration parsed against a ConfigSpec. Getters panic
// when asked for a key the spec does not declare or with the wrong type:
// that is a bug in the plugin, not bad user input, which Parse already
// rejected with a message naming the key.
type Config struct {
	spec      *ConfigSpec
	values    map[string]any
	originals map[string]string
}

func (c *Config) get(name string, t ...ConfigType) any {
	k, ok := c.spec.Key(name)
	if !ok {
		panic(fmt.Sprintf("connectors: config key %q is not declared in the spec", name))
	}
	if len(t) > 0 {
		match := false
		for _, want := range t {
			match = match || k.Type == want
		}
		if !match {
			panic(fmt.Sprintf("connectors: config key %q is %s, read as %v", name, k.Type, t))
		}
	}
	return c.values[name]
}

// Has reports whether the key has a value (set or defaulted).
func (c *Config) Has(name string) bool {
	_, ok := c.values[name]
	return ok
}

// String returns a STRING or CLASS key; "" when absent.
func (c *Config) String(name string) string {
	s, _ := c.get(name, TypeString, TypeClass).(string)
	return s
}

// Password returns a PASSWORD key's clear text. Never log it.
func (c *Config) Password(name string) string {
	s, _ := c.get(name, TypePassword).(string)
	return s
}

// Bool returns a BOOLEAN key.
func (c *Config) Bool(name string) bool {
	b, _ := c.get(name, TypeBoolean).(bool)
	return b
}

// Int returns an INT or SHORT key.
func (c *Config) Int(name string) int {
	n, _ := c.get(name, TypeInt, TypeShort).(int)
	return n
}

// Long returns a LONG key.
func (c *Config) Long(name string) int64 {
	n, _ := c.get(name, TypeLong).(int64)
	return n
}

// Double returns a DOUBLE key.
func (c *Config) Double(name string) float64 {
	f, _ := c.get(name, TypeDouble).(float64)
	return f
}

// List returns a LIST key (a copy).
func (c *Config) List(name string) []string {
	l, _ := c.get(name, TypeList).([]string)
	return append([]string(nil), l...)
}

// Raw returns the value as given, for keys outside the spec (task-specific
// keys a connector adds, for instance).
func (c *Config) Raw(name string) (string, bool) {
	v, ok := c.originals[name]
	return v, ok
}

// Originals returns a copy of the props the config was parsed from.
func (c *Config) Originals() map[string]string { return cloneProps(c.originals) }

// WithPrefix returns the original props whose names start with prefix,
// with the prefix removed (key.converter.schema.registry.url becomes
// schema.registry.url for prefix "key.converter.").
func (c *Config) WithPrefix(prefix string) map[string]string {
	return StripPrefix(c.originals, prefix)
}

// StripPrefix returns the entries of props under prefix, prefix removed.
func StripPrefix(props map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}

// Mask returns a copy of props with the values of the given secret keys
// replaced by HiddenValue. References to config providers (${...}) carry
// no secret and are kept so operators can see where a value comes from.
func Mask(props map[string]string, secret func(key string) bool) map[string]string {
	out := make(map[string]string, len(props))
	for k, v := range props {
		if secret(k) && !isProviderReference(v) {
			v = HiddenValue
		}
		out[k] = v
	}
	return out
}

func isProviderReference(v string) bool {
	return strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") && strings.Contains(v, ":")
}

// SortedKeys returns the keys of m in order; handy for deterministic output.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
