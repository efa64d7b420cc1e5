package connect

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/retailpulse/retailpulse/connectors"
)

// validation collects the ConfigInfos of one connector config.
type validation struct {
	reg    *connectors.Registry
	keys   []connectors.ConfigKey
	values map[string]*connectors.ConfigValue
	order  []string
}

func (v *validation) add(spec *connectors.ConfigSpec, props map[string]string) {
	for i, cv := range spec.Validate(props) {
		k := spec.Keys()[i]
		if _, dup := v.values[k.Name]; dup {
			continue
		}
		cv := cv
		v.keys = append(v.keys, k)
		v.values[k.Name] = &cv
		v.order = append(v.order, k.Name)
	}
}

func (v *validation) fail(key, msg string) {
	if cv, ok := v.values[key]; ok {
		cv.Errors = append(cv.Errors, msg)
	}
}

func (v *validation) errors() []string {
	var out []string
	for _, n := range v.order {
		out = append(out, v.values[n].Errors...)
	}
	return out
}

func (v *validation) infos(name string) configInfos {
	out := configInfos{Name: name, Groups: []string{}, Configs: make([]configInfo, 0, len(v.keys))}
	seen := map[string]bool{}
	for _, k := range v.keys {
		cv := v.values[k.Name]
		out.ErrorCount += len(cv.Errors)
		if k.Group != "" && !seen[k.Group] {
			seen[k.Group] = true
			out.Groups = append(out.Groups, k.Group)
		}
		out.Configs = append(out.Configs, configInfo{Definition: keyInfo(k), Value: configValueInfo{
			Name: cv.Name, Value: cv.Value, RecommendedValues: cv.Recommended, Errors: cv.Errors, Visible: cv.Visible}})
	}
	return out
}

// validateConfig checks a connector config the way Kafka Connect's
// AbstractHerder.validateConnectorConfig does: the standard keys, the
// plugin's own spec and cross-key rules, converters, transformations and
// predicates. It returns the plugin when the class resolved.
func (h *herder) validateConfig(props map[string]string) (configInfos, connectors.Plugin, bool) {
	v := &validation{reg: h.cfg.registry, values: map[string]*connectors.ConfigValue{}}
	class := props[connectors.ConnectorClassConfig]
	plugin, err := h.lookupConnector(class)
	found := err == nil
	spec := connectors.CommonSpec
	if found {
		spec = taskSpec(plugin)
	}
	v.add(spec, props)
	if !found {
		var names []string
		for _, p := range h.cfg.registry.Plugins(connectors.PluginSink, connectors.PluginSource) {
			names = append(names, p.Class)
		}
		v.fail(connectors.ConnectorClassConfig, fmt.Sprintf("Failed to find any class that implements Connector and which "+
			"name matches %s, available connectors are: %s", class, strings.Join(names, ", ")))
		return v.infos(class), plugin, false
	}
	if plugin.Type == connectors.PluginSink {
		v.checkSinkTopics(props)
	}
	v.checkConverter(props, h.defaults, connectors.KeyConverterConfig, connectors.PluginConverter)
	v.checkConverter(props, h.defaults, connectors.ValueConverterConfig, connectors.PluginConverter)
	v.checkConverter(props, h.defaults, connectors.HeaderConverterConfig, connectors.PluginHeaderConverter, connectors.PluginConverter)
	v.checkAliases(props, "transforms", connectors.PluginTransformation)
	v.checkAliases(props, "predicates", connectors.PluginPredicate)
	if cv, ok := newCrossValidator(plugin); ok && len(v.errors()) == 0 {
		if cfg, err := spec.Parse(props); err == nil {
			for _, fe := range safeCross(cv, cfg) {
				if _, known := v.values[fe.Key]; known {
					v.fail(fe.Key, fe.Message)
				} else {
					v.fail(connectors.ConnectorClassConfig, fe.Error())
				}
			}
		}
	}
	return v.infos(plugin.Class), plugin, true
}

// newCrossValidator returns the plugin's connector as a CrossValidator, if
// it is one.
func newCrossValidator(p connectors.Plugin) (connectors.CrossValidator, bool) {
	var c any
	switch p.Type {
	case connectors.PluginSink:
		c = p.NewSink()
	case connectors.PluginSource:
		c = p.NewSource()
	}
	cv, ok := c.(connectors.CrossValidator)
	return cv, ok
}

func safeCross(cv connectors.CrossValidator, cfg *connectors.Config) (out []connectors.FieldError) {
	if err := safely(func() error { out = cv.ValidateConfig(cfg); return nil }); err != nil {
		return []connectors.FieldError{{Key: connectors.ConnectorClassConfig, Message: "validating config: " + err.Error()}}
	}
	return out
}

func (v *validation) checkSinkTopics(props map[string]string) {
	topics := splitList(props[connectors.TopicsConfig])
	regex := strings.TrimSpace(props[connectors.TopicsRegexConfig])
	switch {
	case len(topics) > 0 && regex != "":
		msg := "topics and topics.regex are mutually exclusive options, but both are set."
		v.fail(connectors.TopicsConfig, msg)
		v.fail(connectors.TopicsRegexConfig, msg)
	case len(topics) == 0 && regex == "":
		msg := "Must configure one of topics or topics.regex"
		v.fail(connectors.TopicsConfig, msg)
		v.fail(connectors.TopicsRegexConfig, msg)
	}
	dlq := strings.TrimSpace(props[connectors.DLQTopicNameConfig])
	if dlq == "" {
		return
	}
	if slices.Contains(topics, dlq) {
		v.fail(connectors.DLQTopicNameConfig, fmt.Sprintf("The DLQ topic '%s' may not be included in the list of topics "+
			"('%s=%s') consumed by the connector", dlq, connectors.TopicsConfig, props[connectors.TopicsConfig]))
	}
	if regex != "" {
		if re, err := regexp.Compile("^(?:" + regex + ")$"); err == nil && re.MatchString(dlq) {
			v.fail(connectors.DLQTopicNameConfig, fmt.Sprintf("The DLQ topic '%s' may not be included in the regex "+
				"matching the topics ('%s=%s') consumed by the connector", dlq, connectors.TopicsRegexConfig, regex))
		}
	}
}

// checkConverter resolves a converter class and validates its settings,
// reporting problems on the converter's key.
func (v *validation) checkConverter(props, defaults map[string]string, key string, types ...connectors.PluginType) {
	class, settings := converterSource(props, defaults, key)
	if class == "" {
		return
	}
	p, err := v.reg.Lookup(class, types...)
	if err != nil {
		v.fail(key, fmt.Sprintf("Invalid value %s for configuration %s: Class %s could not be found.", class, key, class))
		return
	}
	for _, cv := range p.Spec.Validate(settings) {
		for _, e := range cv.Errors {
			v.fail(key, key+"."+cv.Name+": "+e)
		}
	}
}

// checkAliases validates transforms or predicates: each alias needs a
// resolvable <kind>.<alias>.type, and its settings are validated against
// the plugin's spec, whose keys join the result under their own group.
func (v *validation) checkAliases(props map[string]string, kind string, typ connectors.PluginType) {
	aliases := splitList(props[kind])
	declared := splitList(props["predicates"])
	for _, alias := range aliases {
		prefix := kind + "." + alias + "."
		group := strings.ToUpper(kind[:1]) + kind[1:] + ": " + alias
		typeKey := connectors.ConfigKey{Name: prefix + "type", Type: connectors.TypeClass, Required: true,
			Importance: connectors.High, Documentation: "Class for the '" + alias + "' " + strings.TrimSuffix(kind, "s") + ".",
			Group: group, Width: connectors.WidthLong, DisplayName: singular(kind) + " type for " + alias}
		extra := []connectors.ConfigKey{typeKey}
		if typ == connectors.PluginTransformation {
			extra = append(extra,
				connectors.ConfigKey{Name: prefix + "predicate", Type: connectors.TypeString, Default: "",
					Importance: connectors.Medium, Group: group, Width: connectors.WidthLong,
					Documentation: "The alias of a predicate used to determine whether to apply this transformation."},
				connectors.ConfigKey{Name: prefix + "negate", Type: connectors.TypeBoolean, Default: false,
					Importance: connectors.Medium, Group: group, Width: connectors.WidthShort,
					Documentation: "Whether the configured predicate should be negated."})
		}
		v.add(connectors.MustConfigSpec(extra...), props)
		class := props[prefix+"type"]
		if class == "" {
			continue
		}
		p, err := v.reg.Lookup(class, typ)
		if err != nil {
			v.fail(prefix+"type", fmt.Sprintf("Invalid value %s for configuration %s: Class %s could not be found.",
				class, prefix+"type", class))
			continue
		}
		if pred := props[prefix+"predicate"]; typ == connectors.PluginTransformation && pred != "" && !slices.Contains(declared, pred) {
			v.fail(prefix+"predicate", fmt.Sprintf("Invalid value %s for configuration %s: Predicate alias %s not declared in predicates",
				pred, prefix+"predicate", pred))
		}
		v.add(p.Spec.Prefixed(prefix, group), props)
	}
}

func singular(kind string) string {
	s := strings.TrimSuffix(kind, "s")
	return strings.ToUpper(s[:1]) + s[1:]
}

// secretKeys returns a predicate telling which keys of props hold secrets:
// PASSWORD keys of the plugin, its converters and transformations, plus
// keys whose names say they hold one.
func (h *herder) secretKeys(props map[string]string) func(string) bool {
	infos := map[string]bool{}
	if p, err := h.lookupConnector(props[connectors.ConnectorClassConfig]); err == nil {
		for _, k := range p.Spec.PasswordKeys() {
			infos[k] = true
		}
	}
	for _, key := range []string{connectors.KeyConverterConfig, connectors.ValueConverterConfig} {
		if p, err := h.cfg.registry.Lookup(props[key], connectors.PluginConverter); err == nil {
			for _, k := range p.Spec.PasswordKeys() {
				infos[key+"."+k] = true
			}
		}
	}
	for _, kind := range []string{"transforms", "predicates"} {
		for _, alias := range splitList(props[kind]) {
			prefix := kind + "." + alias + "."
			if p, err := h.cfg.registry.Lookup(props[prefix+"type"]); err == nil {
				for _, k := range p.Spec.PasswordKeys() {
					infos[prefix+k] = true
				}
			}
		}
	}
	return func(key string) bool { return infos[key] || looksSecret(key) }
}

// looksSecret catches secrets of plugins that forgot to declare PASSWORD,
// and librdkafka client overrides.
func looksSecret(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"password", "secret", "user.info", "jaas.config", "api.key", "access.key", "private.key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return strings.HasSuffix(k, ".token") || k == "token"
}
