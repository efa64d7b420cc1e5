package connect

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/retailpulse/retailpulse/connectors"
)

// pipeline is the per-task chain of converters and transformations.
type pipeline struct {
	keyConv, valueConv   connectors.Converter
	keyClass, valueClass string
	steps                []transformStep
}

type transformStep struct {
	alias  string
	class  string
	t      connectors.Transformation
	pred   connectors.Predicate
	negate bool
}

// converterSource returns the converter class and settings for prefix
// (key.converter or value.converter): the connector's own when it names a
// class, the worker's otherwise. Settings never mix the two, so a
// connector switching to JsonConverter does not inherit the worker's Avro
// registry URL.
func converterSource(props, worker map[string]string, prefix string) (string, map[string]string) {
	if class := props[prefix]; class != "" {
		return class, connectors.StripPrefix(props, prefix+".")
	}
	return worker[prefix], connectors.StripPrefix(worker, prefix+".")
}

func newConverter(reg *connectors.Registry, class string, settings map[string]string, isKey bool) (connectors.Converter, error) {
	p, err := reg.Lookup(class, connectors.PluginConverter)
	if err != nil {
		return nil, err
	}
	cfg, err := p.Spec.Parse(settings)
	if err != nil {
		return nil, err
	}
	c := p.NewConverter()
	if err := c.Configure(cfg, isKey); err != nil {
		return nil, err
	}
	return c, nil
}

// buildPipeline instantiates the converters and transformations of a task.
func buildPipeline(reg *connectors.Registry, props, worker map[string]string) (*pipeline, error) {
	p := &pipeline{}
	var err error
	keyClass, keySettings := converterSource(props, worker, connectors.KeyConverterConfig)
	if p.keyConv, err = newConverter(reg, keyClass, keySettings, true); err != nil {
		return nil, fmt.Errorf("creating key converter %q: %w", keyClass, err)
	}
	valueClass, valueSettings := converterSource(props, worker, connectors.ValueConverterConfig)
	if p.valueConv, err = newConverter(reg, valueClass, valueSettings, false); err != nil {
		return nil, fmt.Errorf("creating value converter %q: %w", valueClass, err)
	}
	p.keyClass, p.valueClass = keyClass, valueClass
	for _, alias := range splitList(props[connectors.TransformsConfig]) {
		step, err := buildStep(reg, props, alias)
		if err != nil {
			p.close()
			return nil, err
		}
		p.steps = append(p.steps, step)
	}
	return p, nil
}

func buildStep(reg *connectors.Registry, props map[string]string, alias string) (transformStep, error) {
	prefix := "transforms." + alias + "."
	class := props[prefix+"type"]
	plug, err := reg.Lookup(class, connectors.PluginTransformation)
	if err != nil {
		return transformStep{}, fmt.Errorf("creating transformation %q: %w", alias, err)
	}
	settings := connectors.StripPrefix(props, prefix)
	predAlias, negate := settings["predicate"], settings["negate"]
	delete(settings, "type")
	delete(settings, "predicate")
	delete(settings, "negate")
	cfg, err := plug.Spec.Parse(settings)
	if err != nil {
		return transformStep{}, fmt.Errorf("configuring transformation %q: %w", alias, err)
	}
	step := transformStep{alias: alias, class: plug.Class, t: plug.NewTransform()}
	if err := step.t.Configure(cfg); err != nil {
		return transformStep{}, fmt.Errorf("configuring transformation %q: %w", alias, err)
	}
	if predAlias != "" {
		ppre := "predicates." + predAlias + "."
		pplug, err := reg.Lookup(props[ppre+"type"], connectors.PluginPredicate)
		if err != nil {
			return transformStep{}, fmt.Errorf("creating predicate %q of transformation %q: %w", predAlias, alias, err)
		}
		psettings := connectors.StripPrefix(props, ppre)
		delete(psettings, "type")
		pcfg, err := pplug.Spec.Parse(psettings)
		if err != nil {
			return transformStep{}, fmt.Errorf("configuring predicate %q: %w", predAlias, err)
		}
		step.pred = pplug.NewPredicate()
		if err := step.pred.Configure(pcfg); err != nil {
			return transformStep{}, fmt.Errorf("configuring predicate %q: %w", predAlias, err)
		}
		if negate != "" {
			if step.negate, err = strconv.ParseBool(negate); err != nil {
				return transformStep{}, fmt.Errorf("configuring transformation %q: negate=%q is not a boolean", alias, negate)
			}
		}
	}
	return step, nil
}

// apply runs the transformations; keep=false means a transformation
// dropped the record. The class of the failing step is returned for error
// reports.
func (p *pipeline) apply(rec connectors.Record) (out connectors.Record, keep bool, class string, err error) {
	for _, s := range p.steps {
		if s.pred != nil && s.pred.Test(rec) == s.negate {
			continue
		}
		rec, keep, err = s.t.Apply(rec)
		if err != nil {
			return rec, false, s.class, fmt.Errorf("applying transformation %q: %w", s.alias, err)
		}
		if !keep {
			return rec, false, "", nil
		}
	}
	return rec, true, "", nil
}

func (p *pipeline) close() {
	for _, c := range []any{p.keyConv, p.valueConv} {
		if cl, ok := c.(connectors.Closer); ok {
			_ = cl.Close()
		}
	}
	for _, s := range p.steps {
		if cl, ok := s.t.(connectors.Closer); ok {
			_ = cl.Close()
		}
		if cl, ok := s.pred.(connectors.Closer); ok {
			_ = cl.Close()
		}
	}
}

// splitList splits a LIST value as ConfigDef does.
func splitList(s string) []string {
	var out []string
	for _, e := range splitComma(s) {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

func splitComma(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
