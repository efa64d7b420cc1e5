package redis

import (
	"fmt"
	"strconv"
	"strings"
)

// fieldMap is one redis.fields entry.
type fieldMap struct {
	field string
	src   source
}

// rollingMap is one redis.rolling.maps entry.
type rollingMap struct {
	src    source
	prefix string
}

// mapping is how records of one topic become hash updates.
type mapping struct {
	pattern   pattern
	fields    []fieldMap // nil: every top-level value field
	exclude   map[string]bool
	rolling   []rollingMap
	watermark *source // nil: unconditional writes
	ttl       int64
	ttlText   string
	tombstone bool
	// overlap is set when one rolling prefix starts another, so that two
	// maps can reach the same hash field.
	overlap bool
}

func parseFields(list []string) ([]fieldMap, error) {
	var out []fieldMap
	seen := map[string]bool{}
	for _, e := range list {
		name, expr, ok := strings.Cut(e, "=")
		name = strings.TrimSpace(name)
		if !ok {
			expr = "value." + name
		}
		if name == "" {
			return nil, fmt.Errorf("%w: field entry %q has no field name", ErrExpression, e)
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: field %q is mapped twice", ErrExpression, name)
		}
		seen[name] = true
		src, err := parseSource(expr)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", name, err)
		}
		out = append(out, fieldMap{field: name, src: src})
	}
	return out, nil
}

func parseRolling(list []string) ([]rollingMap, error) {
	var out []rollingMap
	for _, e := range list {
		expr, prefix, ok := strings.Cut(e, "=")
		if !ok || strings.TrimSpace(prefix) == "" {
			return nil, fmt.Errorf("%w: rolling map entry %q is not source=prefix", ErrExpression, e)
		}
		src, err := parseSource(expr)
		if err != nil {
			return nil, fmt.Errorf("rolling map %q: %w", e, err)
		}
		out = append(out, rollingMap{src: src, prefix: strings.TrimSpace(prefix)})
	}
	return out, nil
}

func parseWatermark(s string) (*source, error) {
	if strings.TrimSpace(s) == WatermarkNone {
		return nil, nil
	}
	src, err := parseSource(s)
	if err != nil {
		return nil, fmt.Errorf("watermark: %w", err)
	}
	return &src, nil
}

// mappingFrom builds a mapping from a config parsed against a spec holding
// the mapping keys (Spec, or a per-topic override spec).
func mappingFrom(get func(key string) any) (*mapping, error) {
	m := &mapping{exclude: map[string]bool{}, ttl: get(TTLConfig).(int64), tombstone: get(TombstoneDeleteConfig).(bool)}
	m.ttlText = strconv.FormatInt(m.ttl, 10)
	var err error
	if m.pattern, err = parsePattern(get(KeyPatternConfig).(string)); err != nil {
		return nil, err
	}
	if fields := get(FieldsConfig).([]string); len(fields) > 0 {
		if m.fields, err = parseFields(fields); err != nil {
			return nil, err
		}
	}
	for _, f := range get(FieldsExcludeConfig).([]string) {
		m.exclude[f] = true
	}
	if m.rolling, err = parseRolling(get(RollingMapsConfig).([]string)); err != nil {
		return nil, err
	}
	if m.watermark, err = parseWatermark(get(WatermarkConfig).(string)); err != nil {
		return nil, err
	}
	for i, a := range m.rolling {
		for j, b := range m.rolling {
			if i != j && strings.HasPrefix(a.prefix, b.prefix) {
				m.overlap = true
			}
		}
	}
	if m.watermark == nil && len(m.rolling) > 0 {
		return nil, fmt.Errorf("%w: rolling maps need a watermark: without one a replayed record is counted again", ErrExpression)
	}
	return m, nil
}
