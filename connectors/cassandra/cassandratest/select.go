package cassandratest

import (
	"bytes"
	"math"
	"time"
)

// selectLocked runs a SELECT and returns one encoded value per result
// column and row. s.mu must be held.
func (s *Server) selectLocked(p *prepared, vals []boundValue, now time.Time) ([][][]byte, error) {
	t, err := s.tableLocked(p.ref)
	if err != nil {
		return nil, err
	}
	restr := map[string][][]byte{}
	for _, rel := range p.st.where {
		c := t.byName[rel.col]
		for _, tm := range rel.terms {
			v, err := termValue(tm, c.typ, vals)
			if err != nil {
				return nil, err
			}
			if v.null || v.unset {
				return nil, invalidf("invalid null value in condition for column %s", c.name)
			}
			restr[c.name] = append(restr[c.name], v.b)
		}
	}
	limit := math.MaxInt
	if p.st.limit != nil {
		v, err := termValue(*p.st.limit, intType, vals)
		if err != nil {
			return nil, err
		}
		if v.null || v.unset {
			return nil, invalidf("invalid null value of limit")
		}
		if limit = int(intType.mustDecode(v.b).(int32)); limit <= 0 {
			return nil, invalidf("LIMIT must be strictly positive")
		}
	}
	var rows [][][]byte
	count := int64(0)
	emit := func(get func(rc resultCol) []byte) bool {
		count++
		if len(p.result) == 1 && p.result[0].sel.kind == selCount {
			return true
		}
		r := make([][]byte, len(p.result))
		for i, rc := range p.result {
			r[i] = get(rc)
		}
		rows = append(rows, r)
		return len(rows) < limit
	}
	if t.virtual != nil {
		s.scanVirtual(t, restr, emit)
	} else {
		s.scanStored(t, restr, now, emit)
	}
	if len(p.result) > 0 && p.result[0].sel.kind == selCount {
		return [][][]byte{{putInt(kBigint, count)}}, nil
	}
	return rows, nil
}

func matches(restr map[string][][]byte, col string, v []byte) bool {
	alts, ok := restr[col]
	if !ok {
		return true
	}
	for _, a := range alts {
		if v != nil && bytes.Equal(a, v) {
			return true
		}
	}
	return false
}

func (s *Server) scanVirtual(t *table, restr map[string][][]byte, emit func(func(resultCol) []byte) bool) {
	for _, r := range t.virtual() {
		ok := true
		for i, c := range t.cols {
			ok = ok && matches(restr, c.name, r[i])
		}
		if !ok {
			continue
		}
		get := func(rc resultCol) []byte {
			if rc.sel.kind != selColumn {
				return nil
			}
			for i, c := range t.cols {
				if c == rc.col {
					return r[i]
				}
			}
			return nil
		}
		if !emit(get) {
			return
		}
	}
}

func (s *Server) scanStored(t *table, restr map[string][][]byte, now time.Time, emit func(func(resultCol) []byte) bool) {
	for _, p := range s.candidatePartitions(t, restr) {
		for _, r := range t.sortedRows(p) {
			deletion := max(p.deletion, r.deletion)
			if !r.visible(deletion, now) {
				continue
			}
			value := func(c *column) []byte {
				switch c.kind {
				case kindPartitionKey:
					return p.key[c.position]
				case kindClustering:
					return r.ck[c.position]
				}
				if lc := r.liveCell(c.name, deletion, now); lc != nil {
					return lc.value
				}
				return nil
			}
			ok := true
			for _, c := range t.cols {
				if _, restricted := restr[c.name]; restricted {
					ok = ok && matches(restr, c.name, value(c))
				}
			}
			if !ok {
				continue
			}
			get := func(rc resultCol) []byte {
				switch rc.sel.kind {
				case selColumn:
					return value(rc.col)
				case selTTL:
					lc := r.liveCell(rc.col.name, deletion, now)
					if lc == nil || lc.expires.IsZero() {
						return nil
					}
					left := int64(math.Ceil(lc.expires.Sub(now).Seconds()))
					return putInt(kInt, left)
				case selWritetime:
					if lc := r.liveCell(rc.col.name, deletion, now); lc != nil {
						return putInt(kBigint, lc.ts)
					}
				}
				return nil
			}
			if !emit(get) {
				return
			}
		}
	}
}

// candidatePartitions looks partitions up directly when every partition
// key column is restricted, and scans them all otherwise.
func (s *Server) candidatePartitions(t *table, restr map[string][][]byte) []*partition {
	keys := [][][]byte{nil}
	for _, c := range t.pk {
		alts, ok := restr[c.name]
		if !ok {
			return t.sortedPartitions()
		}
		var next [][][]byte
		for _, k := range keys {
			for _, a := range alts {
				next = append(next, append(append([][]byte{}, k...), a))
			}
		}
		keys = next
	}
	var out []*partition
	for _, k := range keys {
		if p, ok := t.partitions[compositeKey(k)]; ok {
			out = append(out, p)
		}
	}
	return out
}
