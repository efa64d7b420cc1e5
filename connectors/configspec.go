package connectors

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ConfigType is the type of a config key, spelled as Kafka's ConfigDef.Type.
type ConfigType string

// Config key types.
const (
	TypeBoolean  ConfigType = "BOOLEAN"
	TypeString   ConfigType = "STRING"
	TypeInt      ConfigType = "INT"
	TypeShort    ConfigType = "SHORT"
	TypeLong     ConfigType = "LONG"
	TypeDouble   ConfigType = "DOUBLE"
	TypeList     ConfigType = "LIST"
	TypeClass    ConfigType = "CLASS"
	TypePassword ConfigType = "PASSWORD"
)

// Importance ranks a config key for documentation and UIs.
type Importance string

// Importance levels.
const (
	High   Importance = "HIGH"
	Medium Importance = "MEDIUM"
	Low    Importance = "LOW"
)

// Width hints how wide a UI should make the input of a key.
type Width string

// Widths.
const (
	WidthNone   Width = "NONE"
	WidthShort  Width = "SHORT"
	WidthMedium Width = "MEDIUM"
	WidthLong   Width = "LONG"
)

// HiddenValue replaces PASSWORD values in every API response.
const HiddenValue = "[hidden]"

// ConfigKey declares one config key. The zero Importance, Width and Order
// become Medium, WidthNone and the key's position within its group.
type ConfigKey struct {
	Name string
	Type ConfigType
	// Default is the typed default (string, bool, int, int64, float64 or
	// []string, matching Type). Nil with Required false means the key is
	// optional and absent by default.
	Default  any
	Required bool
	// Importance, Documentation, Group, Order, Width and DisplayName are
	// what /connector-plugins/{p}/config shows.
	Importance    Importance
	Documentation string
	Group         string
	Order         int
	Width         Width
	DisplayName   string
	// Validators run on the parsed value, in order; the first error is
	// reported for the key.
	Validators []Validator
	// Recommended lists suggested values (recommended_values in validate).
	Recommended []string
	Dependents  []string
}

// ConfigSpec is the declarative configuration of one plugin. It is
// immutable once built.
type ConfigSpec struct {
	keys   []ConfigKey
	byName map[string]int
}

// NewConfigSpec builds a spec, checking that names are unique and that each
// default parses as its type and passes its validators.
func NewConfigSpec(keys ...ConfigKey) (*ConfigSpec, error) {
	s := &ConfigSpec{byName: make(map[string]int, len(keys))}
	var errs []error
	groupOrder := map[string]int{}
	for _, k := range keys {
		if k.Name == "" {
			errs = append(errs, errors.New("key with empty name"))
			continue
		}
		if _, dup := s.byName[k.Name]; dup {
			errs = append(errs, fmt.Errorf("key %q defined twice", k.Name))
			continue
		}
		if !validType(k.Type) {
			errs = append(errs, fmt.Errorf("key %q has unknown type %q", k.Name, k.Type))
			continue
		}
		if k.Importance == "" {
			k.Importance = Medium
		}
		if k.Width == "" {
			k.Width = WidthNone
		}
		groupOrder[k.Group]++
		if k.Order == 0 {
			k.Order = groupOrder[k.Group]
		}
		if k.Default != nil {
			if k.Required {
				errs = append(errs, fmt.Errorf("key %q is required but has a default", k.Name))
				continue
			}
			v, err := coerceDefault(k.Type, k.Default)
			if err != nil {
				errs = append(errs, fmt.Errorf("default of key %q: %w", k.Name, err))
				continue
			}
			k.Default = v
			for _, val := range k.Validators {
				if err := val.Validate(v); err != nil {
					errs = append(errs, fmt.Errorf("default of key %q: %w", k.Name, err))
				}
			}
		}
		s.byName[k.Name] = len(s.keys)
		s.keys = append(s.keys, k)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("building config spec: %w: %w", ErrInvalidSpec, errors.Join(errs...))
	}
	return s, nil
}

// MustConfigSpec is NewConfigSpec for package-level specs whose keys are
// literals: a malformed spec is a programming error caught by any test.
func MustConfigSpec(keys ...ConfigKey) *ConfigSpec {
	s, err := NewConfigSpec(keys...)
	if err != nil {
		panic(err)
	}
	return s
}

// Keys returns the keys in declaration order.
func (s *ConfigSpec) Keys() []ConfigKey {
	if s == nil {
		return nil
	}
	return append([]ConfigKey(nil), s.keys...)
}

// Key returns the key called name.
func (s *ConfigSpec) Key(name string) (ConfigKey, bool) {
	if s == nil {
		return ConfigKey{}, false
	}
	i, ok := s.byName[name]
	if !ok {
		return ConfigKey{}, false
	}
	return s.keys[i], true
}

// Groups returns the distinct non-empty groups in declaration order.
func (s *ConfigSpec) Groups() []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range s.Keys() {
		if k.Group != "" && !seen[k.Group] {
			seen[k.Group] = true
			out = append(out, k.Group)
		}
	}
	return out
}

// Merge returns a spec with s's keys followed by those of others. Keys
// already present are kept from the earlier spec.
func (s *ConfigSpec) Merge(others ...*ConfigSpec) *ConfigSpec {
	out := &ConfigSpec{byName: map[string]int{}}
	for _, sp := range append([]*ConfigSpec{s}, others...) {
		for _, k := range sp.Keys() {
			if _, dup := out.byName[k.Name]; dup {
				continue
			}
			out.byName[k.Name] = len(out.keys)
			out.keys = append(out.keys, k)
		}
	}
	return out
}

// Prefixed returns a copy of s whose key names carry prefix, with group
// set to group when it is not empty. The worker uses it to fold a
// transformation's spec into a connector's (transforms.<alias>.<key>).
func (s *ConfigSpec) Prefixed(prefix, group string) *ConfigSpec {
	out := &ConfigSpec{byName: map[string]int{}}
	for _, k := range s.Keys() {
		k.Name = prefix + k.Name
		if group != "" {
			k.Group = group
		}
		out.byName[k.Name] = len(out.keys)
		out.keys = append(out.keys, k)
	}
	return out
}

// PasswordKeys returns the names of the PASSWORD keys.
func (s *ConfigSpec) PasswordKeys() []string {
	var out []string
	for _, k := range s.Keys() {
		if k.Type == TypePassword {
			out = append(out, k.Name)
		}
	}
	sort.Strings(out)
	return out
}

// ConfigValue is the validation result for one key, shaped like Kafka's
// ConfigValueInfo.
type ConfigValue struct {
	Name        string
	Value       *string
	Recommended []string
	Errors      []string
	Visible     bool
}

// Validate checks props against s and returns one ConfigValue per key, in
// declaration order, with the error messages Kafka Connect would give.
// Values of PASSWORD keys are reported as HiddenValue. Keys in props that
// s does not declare are ignored.
func (s *ConfigSpec) Validate(props map[string]string) []ConfigValue {
	out := make([]ConfigValue, 0, len(s.Keys()))
	for _, k := range s.Keys() {
		cv := ConfigValue{Name: k.Name, Recommended: append([]string{}, k.Recommended...), Visible: true, Errors: []string{}}
		raw, set := props[k.Name]
		if set {
			shown := raw
			if k.Type == TypePassword {
				shown = HiddenValue
			}
			cv.Value = &shown
		} else if k.Default != nil {
			d := formatValue(k.Type, k.Default)
			cv.Value = &d
		}
		if _, err := k.parse(raw, set); err != nil {
			cv.Errors = append(cv.Errors, err.Error())
		}
		out = append(out, cv)
	}
	return out
}

// Parse checks props against s and returns the typed config. The error
// wraps ErrInvalidConfig and lists every failing key.
func (s *ConfigSpec) Parse(props map[string]string) (*Config, error) {
	c := &Config{spec: s, values: map[string]any{}, originals: cloneProps(props)}
	var msgs []string
	for _, k := range s.Keys() {
		raw, set := props[k.Name]
		v, err := k.parse(raw, set)
		if err != nil {
			msgs = append(msgs, err.Error())
			continue
		}
		if v != nil {
			c.values[k.Name] = v
		}
	}
	if len(msgs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(msgs, "; "))
	}
	return c, nil
}

// parse turns one raw value into its typed value, applying the default and
// the validators. Messages match Kafka's ConfigException wording.
func (k ConfigKey) parse(raw string, set bool) (any, error) {
	if !set {
		if k.Required {
			return nil, fmt.Errorf("Missing required configuration %q which has no default value.", k.Name)
		}
		return k.Default, nil
	}
	v, err := parseValue(k.Type, raw)
	if err != nil {
		return nil, invalidValue(k, raw, err.Error())
	}
	for _, val := range k.Validators {
		if err := val.Validate(v); err != nil {
			return nil, invalidValue(k, raw, err.Error())
		}
	}
	return v, nil
}

func invalidValue(k ConfigKey, raw, reason string) error {
	shown := raw
	if k.Type == TypePassword {
		shown = HiddenValue
	}
	return fmt.Errorf("Invalid value %s for configuration %s: %s", shown, k.Name, reason)
}

func validType(t ConfigType) bool {
	switch t {
	case TypeBoolean, TypeString, TypeInt, TypeShort, TypeLong, TypeDouble, TypeList, TypeClass, TypePassword:
		return true
	}
	return false
}

func cloneProps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
