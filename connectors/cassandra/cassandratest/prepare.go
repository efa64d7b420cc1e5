package cassandratest

import (
	"crypto/md5"
)

// markerSpec is what a bind marker stands for, as PREPARED reports it.
type markerSpec struct {
	name string
	typ  *cqlType
}

// resultCol is one column of a SELECT result.
type resultCol struct {
	name string
	typ  *cqlType
	sel  selector
	col  *column
}

// prepared is a parsed statement resolved against the schema: its table,
// the spec of every bind marker and, for SELECT, the result columns.
type prepared struct {
	id      []byte
	st      *statement
	ref     tableRef // keyspace filled in from the session when omitted
	markers []markerSpec
	pkIdx   []uint16
	result  []resultCol
}

// prepareLocked resolves st in session keyspace ks. s.mu must be held.
func (s *Server) prepareLocked(st *statement, ks string) (*prepared, error) {
	p := &prepared{st: st, ref: st.table, markers: make([]markerSpec, st.markers)}
	sum := md5.Sum([]byte(ks + "\x00" + st.cql))
	p.id = sum[:]
	switch st.kind {
	case stSelect, stInsert, stUpdate, stDelete, stTruncate, stCreateTable, stDropTable:
		if p.ref.ks == "" {
			if ks == "" {
				return nil, invalidf("no keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
			}
			p.ref.ks = ks
		}
	}
	switch st.kind {
	case stSelect, stInsert, stUpdate, stDelete:
	default:
		if st.markers > 0 {
			return nil, invalidf("bind variables are not modeled in %s", stmtNames[st.kind])
		}
		return p, nil
	}
	t, err := s.tableLocked(p.ref)
	if err != nil {
		return nil, err
	}
	mark := func(tm term, name string, typ *cqlType) {
		if tm.marker >= 0 {
			p.markers[tm.marker] = markerSpec{name: name, typ: typ}
		}
	}
	if st.ttl != nil {
		mark(*st.ttl, "[ttl]", prim(kInt))
	}
	if st.timestamp != nil {
		mark(*st.timestamp, "[timestamp]", prim(kBigint))
	}
	if st.limit != nil {
		mark(*st.limit, "[limit]", prim(kInt))
	}
	keyTerms := map[string]term{}
	for i, name := range st.columns {
		if st.kind != stInsert {
			if _, err := t.column(name); err != nil {
				return nil, err
			}
			continue
		}
		c, err := t.column(name)
		if err != nil {
			return nil, err
		}
		mark(st.values[i], c.name, c.typ)
		keyTerms[c.name] = st.values[i]
	}
	for _, a := range st.sets {
		c, err := t.column(a.col)
		if err != nil {
			return nil, err
		}
		mark(a.val, c.name, c.typ)
	}
	for _, rel := range st.where {
		c, err := t.column(rel.col)
		if err != nil {
			return nil, err
		}
		for _, tm := range rel.terms {
			mark(tm, c.name, c.typ)
		}
		if len(rel.terms) == 1 {
			keyTerms[c.name] = rel.terms[0]
		}
	}
	p.pkIdx = partitionKeyIndexes(t, keyTerms)
	if st.kind == stSelect {
		if p.result, err = resultColumns(t, st.selectors); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// partitionKeyIndexes lists, per partition key column, the marker that
// binds it; drivers hash those values for token-aware routing. It is
// empty unless every partition key column is bound by a marker.
func partitionKeyIndexes(t *table, keyTerms map[string]term) []uint16 {
	var out []uint16
	for _, c := range t.pk {
		tm, ok := keyTerms[c.name]
		if !ok || tm.marker < 0 {
			return nil
		}
		out = append(out, uint16(tm.marker))
	}
	return out
}

func resultColumns(t *table, sels []selector) ([]resultCol, error) {
	var out []resultCol
	for _, sel := range sels {
		switch sel.kind {
		case selStar:
			if len(sels) > 1 {
				return nil, syntaxf("* cannot be combined with other selectors")
			}
			for _, c := range t.cols {
				out = append(out, resultCol{name: c.name, typ: c.typ, sel: selector{kind: selColumn, col: c.name}, col: c})
			}
			continue
		case selCount:
			out = append(out, resultCol{name: nameOr(sel.alias, "count"), typ: prim(kBigint), sel: sel})
			continue
		}
		c, err := t.column(sel.col)
		if err != nil {
			return nil, err
		}
		rc := resultCol{name: nameOr(sel.alias, c.name), typ: c.typ, sel: sel, col: c}
		switch sel.kind {
		case selTTL, selWritetime:
			if c.kind != kindRegular {
				return nil, invalidf("cannot use selection function %s on PRIMARY KEY part %s", selNames[sel.kind], c.name)
			}
			rc.name, rc.typ = nameOr(sel.alias, selNames[sel.kind]+"("+c.name+")"), prim(kInt)
			if sel.kind == selWritetime {
				rc.typ = prim(kBigint)
			}
		}
		out = append(out, rc)
	}
	return out, nil
}

var selNames = map[selKind]string{selTTL: "ttl", selWritetime: "writetime"}

func nameOr(alias, name string) string {
	if alias != "" {
		return alias
	}
	return name
}

func (t *table) column(name string) (*column, error) {
	c, ok := t.byName[name]
	if !ok {
		return nil, invalidf("undefined column name %s in table %s.%s", name, t.ks, t.name)
	}
	return c, nil
}
