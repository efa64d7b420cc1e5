package cassandratest

import (
	"time"
)

// Cassandra's limit on TTLs (20 years).
const maxTTL = 20 * 365 * 24 * 3600

// boundValue is one positional value of a request.
type boundValue struct {
	b     []byte
	null  bool
	unset bool
}

type mutOp int

const (
	opInsert mutOp = iota
	opUpdate
	opDeleteRow
	opDeletePartition
	opDeleteCells
)

// mutation is the effect of one DML statement on one row or partition.
type mutation struct {
	t      *table
	pk, ck [][]byte
	op     mutOp
	cols   []string
	vals   [][]byte // nil: null, which writes a tombstone
	ts     int64
	ttl    int
	size   int
}

// execEnv is what a request carries besides its values.
type execEnv struct {
	now       time.Time
	timestamp *int64 // protocol-level default timestamp
}

// termValue resolves a term to bytes of typ: a marker's bound value
// (checked to decode as typ) or an encoded literal.
func termValue(tm term, typ *cqlType, vals []boundValue) (boundValue, error) {
	if tm.marker >= 0 {
		if tm.marker >= len(vals) {
			return boundValue{}, invalidf("there were %d markers(?) in CQL but %d bound variables", tm.marker+1, len(vals))
		}
		v := vals[tm.marker]
		if !v.null && !v.unset {
			if err := typ.check(v.b); err != nil {
				return boundValue{}, invalidf("invalid value for %s: %s", typ, err.(*Error).Message)
			}
		}
		return v, nil
	}
	g, err := typ.fromLiteral(tm.lit)
	if err != nil {
		return boundValue{}, err
	}
	b, err := typ.encode(g)
	if err != nil {
		return boundValue{}, err
	}
	return boundValue{b: b, null: b == nil}, nil
}

// attributes resolves USING TTL and TIMESTAMP; ttl is -1 when the table
// default applies.
func attributes(p *prepared, t *table, vals []boundValue, env execEnv) (ts int64, ttl int, err error) {
	ts, ttl = env.now.UnixMicro(), -1
	if env.timestamp != nil {
		ts = *env.timestamp
	}
	if st := p.st; st.timestamp != nil {
		v, err := termValue(*st.timestamp, bigintType, vals)
		if err != nil {
			return 0, 0, err
		}
		switch {
		case v.null:
			return 0, 0, invalidf("invalid null value of timestamp")
		case !v.unset:
			ts = bigintType.mustDecode(v.b).(int64)
		}
	}
	if st := p.st; st.ttl != nil {
		v, err := termValue(*st.ttl, intType, vals)
		if err != nil {
			return 0, 0, err
		}
		switch {
		case v.null:
			return 0, 0, invalidf("invalid null value of TTL")
		case !v.unset:
			n := int(intType.mustDecode(v.b).(int32))
			if n < 0 {
				return 0, 0, invalidf("a TTL must be greater or equal to 0, but was %d", n)
			}
			if n > maxTTL {
				return 0, 0, invalidf("ttl is too large. requested (%d) maximum (%d)", n, maxTTL)
			}
			ttl = n
		}
	}
	if ttl < 0 {
		ttl = t.defaultTTL
	}
	return ts, ttl, nil
}

// keyComponents returns the encoded values of cols from the = relations
// (or INSERT values) in keyVals; missing lists the absent ones.
func keyComponents(cols []*column, keyVals map[string]boundValue) (out [][]byte, missing []string, err error) {
	for _, c := range cols {
		v, ok := keyVals[c.name]
		if !ok || v.unset {
			missing = append(missing, c.name)
			continue
		}
		if v.null {
			return nil, nil, invalidf("invalid null value for key column %s", c.name)
		}
		out = append(out, v.b)
	}
	return out, missing, nil
}

// mutationOf builds the mutation of an INSERT, UPDATE or DELETE.
func (s *Server) mutationOf(p *prepared, vals []boundValue, env execEnv) (*mutation, error) {
	st := p.st
	t, err := s.tableLocked(p.ref)
	if err != nil {
		return nil, err
	}
	m := &mutation{t: t}
	if m.ts, m.ttl, err = attributes(p, t, vals, env); err != nil {
		return nil, err
	}
	keyVals := map[string]boundValue{}
	addCell := func(c *column, v boundValue) error {
		if c.kind != kindRegular {
			keyVals[c.name] = v
			return nil
		}
		if v.unset {
			return nil
		}
		for _, prev := range m.cols {
			if prev == c.name {
				return invalidf("multiple definitions found for column %s", c.name)
			}
		}
		m.cols, m.vals = append(m.cols, c.name), append(m.vals, v.b)
		m.size += len(c.name) + len(v.b)
		return nil
	}
	switch st.kind {
	case stInsert:
		m.op = opInsert
		for i, name := range st.columns {
			c := t.byName[name]
			v, err := termValue(st.values[i], c.typ, vals)
			if err != nil {
				return nil, err
			}
			if _, dup := keyVals[c.name]; dup && c.kind != kindRegular {
				return nil, invalidf("multiple definitions found for column %s", c.name)
			}
			if err := addCell(c, v); err != nil {
				return nil, err
			}
		}
	case stUpdate, stDelete:
		m.op = opUpdate
		for _, rel := range st.where {
			c := t.byName[rel.col]
			if c.kind == kindRegular {
				return nil, invalidf("non PRIMARY KEY column %s found in where clause", c.name)
			}
			if len(rel.terms) != 1 {
				return nil, invalidf("IN relations in %s are not modeled", stmtNames[st.kind])
			}
			v, err := termValue(rel.terms[0], c.typ, vals)
			if err != nil {
				return nil, err
			}
			keyVals[c.name] = v
		}
		for _, a := range st.sets {
			c := t.byName[a.col]
			if c.kind != kindRegular {
				return nil, invalidf("PRIMARY KEY part %s found in SET part", c.name)
			}
			v, err := termValue(a.val, c.typ, vals)
			if err != nil {
				return nil, err
			}
			if err := addCell(c, v); err != nil {
				return nil, err
			}
		}
	}
	pk, missing, err := keyComponents(t.pk, keyVals)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, invalidf("some partition key parts are missing: %s", missing[0])
	}
	ck, missingCK, err := keyComponents(t.ck, keyVals)
	if err != nil {
		return nil, err
	}
	m.pk, m.ck = pk, ck
	for _, b := range append(append([][]byte{}, pk...), ck...) {
		m.size += len(b)
	}
	if st.kind == stDelete {
		return m, deleteShape(m, st, t, missingCK)
	}
	if len(missingCK) > 0 {
		return nil, invalidf("some clustering keys are missing: %s", missingCK[0])
	}
	return m, nil
}

func deleteShape(m *mutation, st *statement, t *table, missingCK []string) error {
	switch {
	case len(missingCK) > 0 && len(missingCK) < len(t.ck):
		return invalidf("range deletions (clustering key prefixes) are not modeled")
	case len(st.columns) > 0:
		if len(missingCK) > 0 {
			return invalidf("missing mandatory PRIMARY KEY part %s", missingCK[0])
		}
		m.op = opDeleteCells
		for _, name := range st.columns {
			c := t.byName[name]
			if c.kind != kindRegular {
				return invalidf("invalid identifier %s for deletion (should not be a PRIMARY KEY part)", name)
			}
			m.cols, m.vals = append(m.cols, name), append(m.vals, nil)
		}
	case len(missingCK) > 0:
		m.op = opDeletePartition
	default:
		m.op = opDeleteRow
	}
	return nil
}

// applyLocked writes m. s.mu must be held.
func (s *Server) applyLocked(m *mutation, now time.Time) {
	var expires time.Time
	if m.ttl > 0 {
		expires = now.Add(time.Duration(m.ttl) * time.Second)
	}
	t := m.t
	switch m.op {
	case opDeletePartition:
		p := t.partitionFor(m.pk)
		p.deletion = max(p.deletion, m.ts)
		return
	case opDeleteRow:
		r := t.rowFor(m.pk, m.ck)
		r.deletion = max(r.deletion, m.ts)
		return
	}
	r := t.rowFor(m.pk, m.ck)
	if m.op == opInsert {
		r.mergeMarker(&liveness{ts: m.ts, expires: expires})
	}
	for i, col := range m.cols {
		c := &cell{value: m.vals[i], ts: m.ts}
		if c.value != nil {
			c.expires = expires
		}
		r.merge(col, c)
	}
}
