package cassandra

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gocql/gocql"

	"github.com/retailpulse/retailpulse/connectors"
)

// target is one topic-to-table mapping compiled against the table.
type target struct {
	ts      *tableSettings
	cols    []*colMeta // mapped table columns, in mapping order
	srcs    []source
	ttlSrc  *source
	tsSrc   *source
	keyIdx  []int // indexes into cols of the partition key then clustering columns
	nPK     int
	insert  string
	del     string
	withTTL bool
	// keyFromValue: a key column reads the value, so tombstones cannot be
	// turned into deletes.
	keyFromValue bool
}

func compileTarget(ts *tableSettings, m *tableMeta) (*target, error) {
	if errs := checkMapping(ts, m); len(errs) > 0 {
		return nil, errs[0]
	}
	tg := &target{ts: ts, nPK: len(m.pk)}
	pos := map[string]int{}
	for _, cm := range ts.mapping {
		src := cm.src
		switch cm.column {
		case TTLColumn:
			tg.ttlSrc = &src
			continue
		case TimestampColumn:
			tg.tsSrc = &src
			continue
		}
		pos[cm.column] = len(tg.cols)
		tg.cols = append(tg.cols, m.cols[cm.column])
		tg.srcs = append(tg.srcs, src)
	}
	for _, c := range append(append([]*colMeta{}, m.pk...), m.ck...) {
		tg.keyIdx = append(tg.keyIdx, pos[c.name])
		tg.keyFromValue = tg.keyFromValue || tg.srcs[pos[c.name]].usesValue()
	}
	tg.withTTL = ts.ttl != -1 || tg.ttlSrc != nil
	table := quote(ts.keyspace) + "." + quote(ts.table)
	names := make([]string, len(tg.cols))
	marks := make([]string, len(tg.cols))
	for i, c := range tg.cols {
		names[i], marks[i] = quote(c.name), "?"
	}
	using := "USING TIMESTAMP ?"
	if tg.withTTL {
		using = "USING TTL ? AND TIMESTAMP ?"
	}
	tg.insert = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) %s", table, strings.Join(names, ", "), strings.Join(marks, ", "), using)
	where := make([]string, len(tg.keyIdx))
	for i, k := range tg.keyIdx {
		where[i] = quote(tg.cols[k].name) + " = ?"
	}
	tg.del = fmt.Sprintf("DELETE FROM %s USING TIMESTAMP ? WHERE %s", table, strings.Join(where, " AND "))
	return tg, nil
}

// stmt is one mapped record for one table.
type stmt struct {
	index int // record position in the put batch
	tg    *target
	cql   string
	args  []any
	pkey  string // the partition key as bytes: batches group by it
	size  int
}

// build maps record r. A tombstone, or a record whose non-key columns are
// all null, becomes a delete when deletes are enabled; ok is false when
// the record writes nothing here.
func (tg *target) build(r *connectors.SinkRecord, index int) (st stmt, ok bool, err error) {
	st = stmt{index: index, tg: tg}
	ts, err := tg.writeTime(r)
	if err != nil {
		return st, false, err
	}
	if r.Value == nil && (!tg.ts.deletes || tg.keyFromValue) {
		if tg.ts.deletes {
			return st, false, fmt.Errorf("%w: tombstone for %s cannot be deleted: its primary key is mapped from the value",
				ErrRecord, tg.ts.qualified())
		}
		return st, false, nil
	}
	vals := make([]any, len(tg.cols))
	allNull := true
	for i, c := range tg.cols {
		v, found := any(nil), r.Value != nil || !tg.srcs[i].usesValue()
		if found {
			v, found = tg.srcs[i].eval(r)
		}
		if !found && r.Value != nil {
			return st, false, fmt.Errorf("%w: %s (column %s of %s) is missing from the record", ErrRecord, tg.srcs[i].text, c.name, tg.ts.qualified())
		}
		cv, err := convert(c.typ, v)
		if err != nil {
			return st, false, fmt.Errorf("%w: column %s of %s from %s: %w", ErrRecord, c.name, tg.ts.qualified(), tg.srcs[i].text, err)
		}
		vals[i] = cv
		if cv != nil && c.kind != kindPartitionKey && c.kind != kindClustering {
			allNull = false
		}
	}
	for _, k := range tg.keyIdx {
		if vals[k] == nil {
			return st, false, fmt.Errorf("%w: primary key column %s of %s is null", ErrRecord, tg.cols[k].name, tg.ts.qualified())
		}
	}
	if st.pkey, err = tg.partitionKey(vals); err != nil {
		return st, false, err
	}
	if tg.ts.deletes && (r.Value == nil || (allNull && len(tg.cols) > len(tg.keyIdx))) {
		st.cql = tg.del
		st.args = append(st.args, ts)
		for _, k := range tg.keyIdx {
			st.args = append(st.args, vals[k])
		}
		st.size = len(st.pkey) + 8
		return st, true, nil
	}
	st.cql, st.args = tg.insert, make([]any, 0, len(vals)+2)
	for i, v := range vals {
		if v == nil && tg.ts.nullToUnset {
			st.args = append(st.args, gocql.UnsetValue)
			continue
		}
		st.args = append(st.args, v)
		st.size += len(tg.cols[i].name) + approxSize(v)
	}
	if tg.withTTL {
		ttl, err := tg.ttl(r)
		if err != nil {
			return st, false, err
		}
		st.args = append(st.args, ttl)
	}
	st.args = append(st.args, ts)
	return st, true, nil
}

// writeTime is the write timestamp in microseconds: __timestamp when
// mapped, else the record timestamp with the offset modulo 1000 as its
// microseconds, so that two records of one key in the same millisecond
// are ordered as in the partition instead of tying (a tie makes Cassandra
// keep, per column, the greater value).
func (tg *target) writeTime(r *connectors.SinkRecord) (int64, error) {
	if tg.tsSrc != nil {
		if v, found := tg.tsSrc.eval(r); found && v != nil {
			n, ok := toInt64(v)
			if !ok {
				return 0, fmt.Errorf("%w: %s for __timestamp of %s is %T, not a number", ErrRecord, tg.tsSrc.text, tg.ts.qualified(), v)
			}
			if _, isTime := v.(time.Time); isTime {
				return n * 1000, nil
			}
			return n * int64(tg.ts.tsUnit) / int64(time.Microsecond), nil
		}
	}
	ms := r.Timestamp.UnixMilli()
	if r.Timestamp.IsZero() {
		ms = time.Now().UnixMilli()
	}
	return ms*1000 + r.Offset%1000, nil
}

// ttl is the record's TTL in seconds: __ttl when mapped and set, else the
// table setting; unset (the table default) for ttl -1.
func (tg *target) ttl(r *connectors.SinkRecord) (any, error) {
	if tg.ttlSrc != nil {
		if v, found := tg.ttlSrc.eval(r); found && v != nil {
			n, ok := toInt64(v)
			if !ok {
				return nil, fmt.Errorf("%w: %s for __ttl of %s is %T, not a number", ErrRecord, tg.ttlSrc.text, tg.ts.qualified(), v)
			}
			secs := int64(math.Ceil(float64(n) * float64(tg.ts.ttlUnit) / float64(time.Second)))
			if secs < 0 || secs > maxTTL {
				return nil, fmt.Errorf("%w: __ttl %d s of %s is outside 0..%d", ErrRecord, secs, tg.ts.qualified(), maxTTL)
			}
			return int(secs), nil
		}
	}
	if tg.ts.ttl < 0 {
		return gocql.UnsetValue, nil
	}
	return tg.ts.ttl, nil
}

// partitionKey marshals the partition key columns, the bytes Cassandra
// hashes into a token: statements with equal keys go to one partition.
func (tg *target) partitionKey(vals []any) (string, error) {
	var b []byte
	for _, k := range tg.keyIdx[:tg.nPK] {
		c := tg.cols[k]
		enc, err := gocql.Marshal(c.typ.typeInfo(), vals[k])
		if err != nil {
			return "", fmt.Errorf("%w: partition key column %s: %w", ErrRecord, c.name, err)
		}
		b = append(b, byte(len(enc)>>8), byte(len(enc)))
		b = append(b, enc...)
	}
	return string(b), nil
}

// approxSize estimates a bound value's serialized size for batch limits.
func approxSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []byte:
		return len(x)
	case []any:
		n := 4
		for _, e := range x {
			n += 4 + approxSize(e)
		}
		return n
	case map[any]any:
		n := 4
		for k, e := range x {
			n += 8 + approxSize(k) + approxSize(e)
		}
		return n
	}
	return 8
}
