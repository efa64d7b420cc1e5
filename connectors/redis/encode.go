package redis

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/retailpulse/retailpulse/connectors"
)

// Operation codes, the first argument of a record's run of ARGV.
const (
	opDelete    = "d"
	opGuarded   = 'w'
	opUnguarded = 'u'
	opInt       = 'i'
	opFloat     = 'f'
)

// scratch is reused between records by the goroutine that maps them.
type scratch struct {
	key   []byte
	names []string
	unset []string
	incrs []increment
	seen  map[string]int
}

// increment is one rolling-map entry of a record.
type increment struct {
	prefix, name string
	n            int64
	f            float64
	isFloat      bool
}

// keyFor renders the hash name of r into b. ok is false for a tombstone
// when deletes are off: the record changes nothing.
func (m *mapping) keyFor(r *connectors.SinkRecord, b []byte) (key []byte, ok bool, err error) {
	if r.Value == nil {
		if !m.tombstone {
			return b, false, nil
		}
		if m.pattern.usesValue() {
			return b, false, fmt.Errorf("%w: tombstone cannot be deleted: key pattern %q reads the value", ErrMapping, m.pattern.text)
		}
	}
	key, err = m.pattern.appendTo(b[:0], r)
	return key, err == nil, err
}

// encode appends the entry of record index to c; key is the rendered hash
// name. A tombstone deletes the hash; keyFor has already dropped it when
// deletes are off. On error c is left as it was.
//
// An update's ARGV is: the op ('w' guarded or 'u' unguarded, then 'i' or
// 'f' per increment), the TTL, the number of set pairs, the number of
// fields to delete, the set pairs (the watermark pair last), the increment
// pairs (field, delta) and the fields to delete. A delete is the op 'd'.
func (m *mapping) encode(c *chunk, index int, key []byte, r *connectors.SinkRecord, sc *scratch) error {
	at := c.mark()
	c.begin(index, key)
	if r.Value == nil {
		c.add(opDelete)
		c.end()
		return nil
	}
	if err := m.encodeUpdate(c, r, sc); err != nil {
		c.rollback(at)
		return err
	}
	c.end()
	return nil
}

func (m *mapping) encodeUpdate(c *chunk, r *connectors.SinkRecord, sc *scratch) error {
	var wm int64
	if m.watermark != nil {
		var err error
		if wm, err = watermarkOf(*m.watermark, r); err != nil {
			return err
		}
	}
	op := c.reserve()
	c.add(m.ttlText)
	nset, nunset := c.reserve(), c.reserve()
	sets := len(c.args)
	sc.unset = sc.unset[:0]
	if err := m.fieldsOf(c, r, sc); err != nil {
		return err
	}
	if m.watermark != nil {
		from := c.text()
		c.arena = append(append(c.arena, "_wm:"...), r.Topic...)
		if m.watermark.kind == srcOffset {
			c.arena = strconv.AppendInt(append(c.arena, ':'), int64(r.Partition), 10)
		}
		c.finish(from)
		c.addInt(wm)
	}
	c.args[nset] = strconv.Itoa((len(c.args) - sets) / 2)
	c.args[nunset] = strconv.Itoa(len(sc.unset))
	if err := m.increments(r, sc); err != nil {
		return err
	}
	ops := c.text()
	if m.watermark != nil {
		c.arena = append(c.arena, opGuarded)
	} else {
		c.arena = append(c.arena, opUnguarded)
	}
	for _, in := range sc.incrs {
		if in.isFloat {
			c.arena = append(c.arena, opFloat)
		} else {
			c.arena = append(c.arena, opInt)
		}
	}
	c.setText(op, ops)
	for _, in := range sc.incrs {
		from := c.text()
		c.arena = append(append(c.arena, in.prefix...), in.name...)
		c.finish(from)
		from = c.text()
		if in.isFloat {
			var err error
			if c.arena, err = appendFloat(c.arena, in.f, 64); err != nil {
				return fmt.Errorf("rolling map field %s%s: %w", in.prefix, in.name, err)
			}
		} else {
			c.arena = strconv.AppendInt(c.arena, in.n, 10)
		}
		c.finish(from)
	}
	for _, f := range sc.unset {
		c.add(f)
	}
	return nil
}

// increments collects the rolling-map entries of r into sc.incrs. A field
// reached twice (two maps with overlapping prefixes) gets one summed
// delta, because the script reads every counter once before writing them
// all.
func (m *mapping) increments(r *connectors.SinkRecord, sc *scratch) error {
	sc.incrs = sc.incrs[:0]
	if m.overlap {
		clear(sc.seen)
	}
	for _, rm := range m.rolling {
		v, found := rm.src.eval(r)
		if !found || v == nil {
			continue
		}
		entries, isMap := v.(map[string]any)
		if !isMap {
			return fmt.Errorf("%w: rolling map %s is %T, not a map", ErrMapping, rm.src.text, v)
		}
		sc.names = sc.names[:0]
		for k := range entries {
			sc.names = append(sc.names, k)
		}
		slices.Sort(sc.names)
		for _, k := range sc.names {
			in := increment{prefix: rm.prefix, name: k}
			switch x := entries[k].(type) {
			case float32:
				// The float64 with float32's shortest text (0.1, not
				// 0.10000000149011612), as the script would read it.
				in.f, _ = strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
				in.isFloat = true
			case float64:
				in.f, in.isFloat = x, true
			default:
				n, ok := connectors.IntValue(x)
				if !ok {
					return fmt.Errorf("%w: rolling map %s[%q]: value of type %T is not a number", ErrMapping, rm.src.text, k, x)
				}
				in.n = n
			}
			if in.isFloat && (math.IsNaN(in.f) || math.IsInf(in.f, 0)) {
				return fmt.Errorf("%w: rolling map %s[%q]: %v is not a finite number", ErrMapping, rm.src.text, k, in.f)
			}
			if m.overlap {
				if sc.seen == nil {
					sc.seen = map[string]int{}
				}
				field := rm.prefix + k
				if at, dup := sc.seen[field]; dup {
					sc.incrs[at].add(in)
					continue
				}
				sc.seen[field] = len(sc.incrs)
			}
			sc.incrs = append(sc.incrs, in)
		}
	}
	return nil
}

// add sums b into a; an int and a float sum to a float.
func (a *increment) add(b increment) {
	switch {
	case !a.isFloat && !b.isFloat:
		a.n += b.n
	case a.isFloat && b.isFloat:
		a.f += b.f
	case a.isFloat:
		a.f += float64(b.n)
	default:
		a.f, a.isFloat = float64(a.n)+b.f, true
	}
}

// fieldsOf appends the set pairs to c and collects the fields to delete
// in sc.unset.
func (m *mapping) fieldsOf(c *chunk, r *connectors.SinkRecord, sc *scratch) error {
	add := func(field string, v any) error {
		if len(m.exclude) > 0 && m.exclude[field] {
			return nil
		}
		from := c.text()
		var notNull bool
		var err error
		if c.arena, notNull, err = appendText(c.arena, v); err != nil {
			return fmt.Errorf("field %q: %w", field, err)
		}
		if notNull {
			c.add(field)
			c.finish(from)
		} else {
			sc.unset = append(sc.unset, field)
		}
		return nil
	}
	if m.fields != nil {
		for _, f := range m.fields {
			v, _ := f.src.eval(r)
			if err := add(f.field, v); err != nil {
				return err
			}
		}
		return nil
	}
	st, ok := r.Value.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: value is %T, not a struct or map: list the hash fields in %s", ErrMapping, r.Value, FieldsConfig)
	}
	if s := r.ValueSchema; s != nil && s.Type == connectors.Struct && len(s.Fields) == len(st) {
		for _, f := range s.Fields {
			if err := add(f.Name, st[f.Name]); err != nil {
				return err
			}
		}
		return nil
	}
	sc.names = sc.names[:0]
	for k := range st {
		sc.names = append(sc.names, k)
	}
	slices.Sort(sc.names)
	for _, name := range sc.names {
		if err := add(name, st[name]); err != nil {
			return err
		}
	}
	return nil
}
