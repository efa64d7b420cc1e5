package hbase

import (
	"fmt"
	"sort"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

// ValueQualifier is the column of a record whose value is not a struct or
// map: it goes to the default family under this qualifier.
const ValueQualifier = "KAFKA_VALUE"

// position is where a record was consumed; the offset guard is keyed by
// it, not by the topic a transformation may have renamed.
type position struct {
	topic     string
	partition int32
	offset    int64
}

type cells map[string]map[string][]byte

func (c cells) set(fam, qual string, v []byte) {
	if c[fam] == nil {
		c[fam] = map[string][]byte{}
	}
	c[fam][qual] = v
}

// rowWrite is what one record does to one row.
type rowWrite struct {
	index int
	rec   *connectors.SinkRecord
	table string
	row   []byte
	pos   position
	ts    time.Time        // record timestamp; zero: let the server stamp puts
	puts  cells            // at ts
	maxes map[uint64]cells // max.fields, keyed by the cell timestamp to write at
	dels  cells            // null fields under DELETE handling
	incs  map[string]map[string]int64
	noop  bool // a tombstone: nothing to write
}

func (w *rowWrite) families() []string {
	set := map[string]bool{}
	for f := range w.puts {
		set[f] = true
	}
	for _, c := range w.maxes {
		for f := range c {
			set[f] = true
		}
	}
	for f := range w.dels {
		set[f] = true
	}
	for f := range w.incs {
		set[f] = true
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	return out
}

func positionOf(rec *connectors.SinkRecord) position {
	if rec.OriginalTopic != "" {
		return position{rec.OriginalTopic, rec.OriginalPartition, rec.OriginalOffset}
	}
	return position{rec.Topic, rec.Partition, rec.Offset}
}

// mapRecord turns a record into its row write. Errors name the field.
func (s *settings) mapRecord(index int, rec *connectors.SinkRecord) (*rowWrite, error) {
	w := &rowWrite{index: index, rec: rec, pos: positionOf(rec), ts: rec.Timestamp,
		puts: cells{}, maxes: map[uint64]cells{}, dels: cells{}, incs: map[string]map[string]int64{}}
	if rec.Value == nil {
		w.noop = true
		return w, nil
	}
	w.table = expand(s.tableFormat, rec.Topic)
	if err := validTableName(w.table); err != nil {
		return nil, fmt.Errorf("naming the table: %w", err)
	}
	row, err := s.rowKey.build(rec)
	if err != nil {
		return nil, err
	}
	w.row = row
	defFam := expand(s.defaultFamily, rec.Topic)
	if err := s.dataFamily(defFam); err != nil {
		return nil, fmt.Errorf("resolving %s: %w", DefaultColumnFamilyConfig, err)
	}
	fields, ok := rec.Value.(map[string]any)
	if !ok {
		b, err := encodeValue(rec.Value, rec.ValueSchema)
		if err != nil {
			return nil, fmt.Errorf("encoding the value: %w", err)
		}
		w.puts.set(defFam, ValueQualifier, b)
		return w, nil
	}
	for _, name := range fieldOrder(fields, rec.ValueSchema) {
		var fs *connectors.Schema
		if rec.ValueSchema != nil && rec.ValueSchema.Type == connectors.Struct {
			if f := rec.ValueSchema.Field(name); f != nil {
				fs = f.Schema
			}
		}
		if err := s.mapField(w, defFam, name, fields[name], fs); err != nil {
			return nil, fmt.Errorf("field %q: %w", name, err)
		}
	}
	return w, nil
}

func fieldOrder(fields map[string]any, schema *connectors.Schema) []string {
	if schema != nil && schema.Type == connectors.Struct {
		out := make([]string, 0, len(schema.Fields))
		for _, f := range schema.Fields {
			out = append(out, f.Name)
		}
		return out
	}
	out := make([]string, 0, len(fields))
	for k := range fields {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dataFamily rejects families data may not use.
func (s *settings) dataFamily(fam string) error {
	if err := validFamily(fam); err != nil {
		return err
	}
	if fam == s.offsetFamily {
		return fmt.Errorf("family %q is the offset column family", fam)
	}
	return nil
}

func (s *settings) mapField(w *rowWrite, defFam, name string, v any, fs *connectors.Schema) error {
	mappedFam, mapped := s.mapping[name]
	nested, isNested := v.(map[string]any)
	fam := defFam
	switch {
	case mapped:
		fam = mappedFam
	case isNested || (v == nil && fs != nil && (fs.Type == connectors.Struct || fs.Type == connectors.Map)):
		fam = name
	}
	if err := s.dataFamily(fam); err != nil {
		return err
	}
	qual := func(entry string) string {
		if mapped {
			return name + "." + entry
		}
		return entry
	}
	switch {
	case s.increments[name]:
		return addIncrements(w, fam, name, v, isNested, nested, qual)
	case s.maxes[name]:
		if v == nil {
			return nil
		}
		ts, err := maxStamp(v)
		if err != nil {
			return err
		}
		b, err := encodeValue(v, fs)
		if err != nil {
			return err
		}
		if w.maxes[ts] == nil {
			w.maxes[ts] = cells{}
		}
		w.maxes[ts].set(fam, name, b)
		return nil
	case v == nil:
		if s.nullDelete && (fs == nil || (fs.Type != connectors.Struct && fs.Type != connectors.Map)) {
			w.dels.set(fam, name, nil)
		}
		return nil
	case isNested:
		var es func(string) *connectors.Schema
		if fs != nil {
			es = func(k string) *connectors.Schema {
				if fs.Type == connectors.Map {
					return fs.Values
				}
				if f := fs.Field(k); f != nil {
					return f.Schema
				}
				return nil
			}
		}
		for k, ev := range nested {
			if ev == nil {
				if s.nullDelete {
					w.dels.set(fam, qual(k), nil)
				}
				continue
			}
			var sch *connectors.Schema
			if es != nil {
				sch = es(k)
			}
			b, err := encodeValue(ev, sch)
			if err != nil {
				return fmt.Errorf("entry %q: %w", k, err)
			}
			w.puts.set(fam, qual(k), b)
		}
		return nil
	}
	b, err := encodeValue(v, fs)
	if err != nil {
		return err
	}
	w.puts.set(fam, name, b)
	return nil
}

func addIncrements(w *rowWrite, fam, name string, v any, isNested bool, nested map[string]any, qual func(string) string) error {
	add := func(q string, n int64) {
		if n == 0 {
			return
		}
		if w.incs[fam] == nil {
			w.incs[fam] = map[string]int64{}
		}
		w.incs[fam][q] += n
	}
	if v == nil {
		return nil
	}
	if !isNested {
		n, err := deltaOf(v)
		if err != nil {
			return fmt.Errorf("increment field: %w", err)
		}
		add(name, n)
		return nil
	}
	for k, ev := range nested {
		if ev == nil {
			continue
		}
		n, err := deltaOf(ev)
		if err != nil {
			return fmt.Errorf("increment field entry %q: %w", k, err)
		}
		add(qual(k), n)
	}
	return nil
}
