package redis

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/retailpulse/retailpulse/connectors"
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
	tombstone bool
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
	if m.watermark == nil && len(m.rolling) > 0 {
		return nil, fmt.Errorf("%w: rolling maps need a watermark: without one a replayed record is counted again", ErrExpression)
	}
	return m, nil
}

// update is the Redis side of one record: the hash and either a delete or
// the argument list of applyScript.
type update struct {
	key  string
	del  bool
	args []string
}

// Positions of the header of applyScript's arguments.
const (
	argWatermarkField = iota
	argWatermark
	argTTL
	argSetCount
	argUnsetCount
	argIncrCount
	argHeader
)

// build maps r. A tombstone gives a delete (or nothing when deletes are
// off: ok false). scratch is reused for rendering JSON.
func (m *mapping) build(r *connectors.SinkRecord, scratch *[]byte) (u update, ok bool, err error) {
	if r.Value == nil {
		if !m.tombstone {
			return u, false, nil
		}
		if m.pattern.usesValue() {
			return u, false, fmt.Errorf("%w: tombstone cannot be deleted: key pattern %q reads the value", ErrMapping, m.pattern.text)
		}
		u.key, err = m.pattern.render(r)
		u.del = true
		return u, err == nil, err
	}
	if u.key, err = m.pattern.render(r); err != nil {
		return u, false, err
	}
	width := len(m.fields)
	if st, ok := r.Value.(map[string]any); ok && m.fields == nil {
		width = len(st)
	}
	u.args = make([]string, argHeader, argHeader+2*width+4)
	if m.watermark != nil {
		if u.args[argWatermark], err = watermarkOf(*m.watermark, r); err != nil {
			return u, false, err
		}
		u.args[argWatermarkField] = "_wm:" + r.Topic
		if m.watermark.kind == srcOffset {
			u.args[argWatermarkField] += ":" + strconv.Itoa(int(r.Partition))
		}
	}
	u.args[argTTL] = strconv.FormatInt(m.ttl, 10)
	unset, err := m.fieldsOf(r, &u, scratch)
	if err != nil {
		return u, false, err
	}
	if m.watermark != nil {
		u.args = append(u.args, u.args[argWatermarkField], u.args[argWatermark])
	}
	incr, err := m.increments(r)
	if err != nil {
		return u, false, err
	}
	u.args[argSetCount] = strconv.Itoa((len(u.args) - argHeader) / 2)
	u.args[argUnsetCount] = strconv.Itoa(len(unset))
	u.args[argIncrCount] = strconv.Itoa(len(incr) / 3)
	u.args = append(append(u.args, unset...), incr...)
	return u, true, nil
}

// increments lists the rolling-map triples (field, delta, i|f). A field
// reached twice (two maps with overlapping prefixes) gets one summed delta,
// because the script reads every counter once before writing them all.
func (m *mapping) increments(r *connectors.SinkRecord) ([]string, error) {
	var out []string
	var seen map[string]int
	for _, rm := range m.rolling {
		v, found := rm.src.eval(r)
		if !found || v == nil {
			continue
		}
		entries, isMap := v.(map[string]any)
		if !isMap {
			return nil, fmt.Errorf("%w: rolling map %s is %T, not a map", ErrMapping, rm.src.text, v)
		}
		for _, k := range sortedKeys(entries) {
			d, isFloat, err := delta(entries[k])
			if err != nil {
				return nil, fmt.Errorf("rolling map %s[%q]: %w", rm.src.text, k, err)
			}
			op := "i"
			if isFloat {
				op = "f"
			}
			field := rm.prefix + k
			if len(m.rolling) > 1 {
				if seen == nil {
					seen = map[string]int{}
				}
				if at, dup := seen[field]; dup {
					if out[at+1], op, err = addDeltas(out[at+1], out[at+2], d, op); err != nil {
						return nil, fmt.Errorf("rolling map %s[%q]: %w", rm.src.text, k, err)
					}
					out[at+2] = op
					continue
				}
				seen[field] = len(out)
			}
			out = append(out, field, d, op)
		}
	}
	return out, nil
}

func addDeltas(a, aOp, b, bOp string) (string, string, error) {
	if aOp == "i" && bOp == "i" {
		x, _ := strconv.ParseInt(a, 10, 64)
		y, _ := strconv.ParseInt(b, 10, 64)
		return strconv.FormatInt(x+y, 10), "i", nil
	}
	x, _ := strconv.ParseFloat(a, 64)
	y, _ := strconv.ParseFloat(b, 64)
	s, _, err := formatFloat(x+y, 64)
	return s, "f", err
}

// fieldsOf appends the set pairs to u.args and returns the fields to
// delete.
func (m *mapping) fieldsOf(r *connectors.SinkRecord, u *update, scratch *[]byte) ([]string, error) {
	var unset []string
	add := func(field string, v any) error {
		if m.exclude[field] {
			return nil
		}
		s, notNull, err := render(v, scratch)
		if err != nil {
			return fmt.Errorf("field %q: %w", field, err)
		}
		if notNull {
			u.args = append(u.args, field, s)
		} else {
			unset = append(unset, field)
		}
		return nil
	}
	if m.fields != nil {
		for _, f := range m.fields {
			v, _ := f.src.eval(r)
			if err := add(f.field, v); err != nil {
				return nil, err
			}
		}
		return unset, nil
	}
	st, ok := r.Value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: value is %T, not a struct or map: list the hash fields in %s", ErrMapping, r.Value, FieldsConfig)
	}
	if s := r.ValueSchema; s != nil && s.Type == connectors.Struct && len(s.Fields) == len(st) {
		for _, f := range s.Fields {
			if err := add(f.Name, st[f.Name]); err != nil {
				return nil, err
			}
		}
		return unset, nil
	}
	for _, name := range sortedKeys(st) {
		if err := add(name, st[name]); err != nil {
			return nil, err
		}
	}
	return unset, nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
