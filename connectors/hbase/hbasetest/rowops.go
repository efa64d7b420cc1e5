package hbasetest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/proto"
)

type mutKind int

const (
	mutPut mutKind = iota
	mutDelete
	mutIncrement
	mutAppend
)

// mcell is one cell of a mutation, from the protobuf or from a cellblock.
type mcell struct {
	family, qualifier string
	value             []byte
	ts                uint64 // latestTimestamp when the client left it to the server
	delType           pb.MutationProto_DeleteType
}

// mutation is a normalized MutationProto.
type mutation struct {
	kind      mutKind
	row       []byte
	cells     []mcell
	rowDelete bool
	ts        uint64
}

// The family/qualifier/value of a cell, as returned to clients.
func pbCell(row []byte, fam, qual string, v version) *pb.Cell {
	ts := v.ts
	return &pb.Cell{Row: row, Family: []byte(fam), Qualifier: []byte(qual), Timestamp: &ts,
		CellType: pb.CellType_PUT.Enum(), Value: v.value}
}

// masked reports whether a version is hidden by a delete marker.
func masked(fr *famRow, c *column, ts uint64) bool {
	return (c.hasDel && ts <= c.delUpTo) || (fr.hasDel && ts <= fr.delUpTo)
}

// latest returns the newest visible version of a cell.
func (r *region) latest(key []byte, fam, qual string) (version, bool) {
	rw, ok := r.rows[string(key)]
	if !ok {
		return version{}, false
	}
	fr, ok := rw.fams[fam]
	if !ok {
		return version{}, false
	}
	c, ok := fr.cols[qual]
	if !ok {
		return version{}, false
	}
	for _, v := range c.versions {
		if !masked(fr, c, v.ts) {
			return v, true
		}
	}
	return version{}, false
}

func (r *region) famRow(key []byte, fam string) *famRow {
	rw, ok := r.rows[string(key)]
	if !ok {
		rw = &row{fams: map[string]*famRow{}}
		r.rows[string(key)] = rw
	}
	fr, ok := rw.fams[fam]
	if !ok {
		fr = &famRow{cols: map[string]*column{}}
		rw.fams[fam] = fr
	}
	return fr
}

// put writes one version; a version at the same timestamp is replaced, as
// the later write wins in HBase. Versions beyond the family's VERSIONS are
// dropped, which is what a read sees after HBase's compactions.
func (r *region) put(key []byte, fam string, qual string, ts uint64, value []byte, keep int) {
	fr := r.famRow(key, fam)
	c, ok := fr.cols[qual]
	if !ok {
		c = &column{}
		fr.cols[qual] = c
	}
	val := append([]byte(nil), value...)
	i := sort.Search(len(c.versions), func(i int) bool { return c.versions[i].ts <= ts })
	if i < len(c.versions) && c.versions[i].ts == ts {
		c.versions[i].value = val
	} else {
		c.versions = append(c.versions, version{})
		copy(c.versions[i+1:], c.versions[i:])
		c.versions[i] = version{ts: ts, value: val}
	}
	if keep > 0 && len(c.versions) > keep {
		c.versions = c.versions[:keep]
	}
}

// checkFamilies fails a mutation naming a family the table does not have,
// before anything is applied, as HRegion.checkFamilies does.
func (s *store) checkFamilies(r *region, m *mutation) error {
	for _, c := range m.cells {
		if _, ok := s.familyOf(r.tbl, c.family); !ok {
			return jerr(ExcNoSuchColumnFamily, fmt.Sprintf("Column family %s does not exist in region %s in table %s",
				c.family, r.name, r.tbl.fullName()))
		}
	}
	if !r.contains(m.row) {
		return jerr(ExcWrongRegion, fmt.Sprintf("Requested row out of range for row %q in region %s", m.row, r.name))
	}
	return nil
}

// apply runs a mutation on a region whose lock the caller holds and
// returns the cells Increment and Append answer with.
func (s *store) apply(r *region, m *mutation) ([]*pb.Cell, error) {
	if err := s.checkFamilies(r, m); err != nil {
		return nil, err
	}
	now := s.now()
	tsOf := func(c mcell) uint64 {
		ts := c.ts
		if ts == latestTimestamp {
			ts = m.ts
		}
		if ts == latestTimestamp {
			ts = now
		}
		return ts
	}
	keep := func(fam string) int {
		if f, ok := s.familyOf(r.tbl, fam); ok {
			return f.versions
		}
		return defaultVersions
	}
	switch m.kind {
	case mutPut:
		for _, c := range m.cells {
			r.put(m.row, c.family, c.qualifier, tsOf(c), c.value, keep(c.family))
		}
		return nil, nil
	case mutDelete:
		s.applyDelete(r, m, now)
		return nil, nil
	case mutIncrement, mutAppend:
		return s.applyReadModifyWrite(r, m, now, keep)
	}
	return nil, jerr(ExcDoNotRetry, fmt.Sprintf("unknown mutation type %d", m.kind))
}

// applyReadModifyWrite applies Increment and Append: the new cell's
// timestamp is the server time, or one past the old cell's when that is
// newer, as HBase does to keep the new value on top.
func (s *store) applyReadModifyWrite(r *region, m *mutation, now uint64, keep func(string) int) ([]*pb.Cell, error) {
	type result struct {
		fam, qual string
		v         version
	}
	results := make([]result, 0, len(m.cells))
	for _, c := range m.cells {
		old, had := r.latest(m.row, c.family, c.qualifier)
		var nv []byte
		if m.kind == mutIncrement {
			if len(c.value) != 8 {
				return nil, jerr(ExcDoNotRetry, fmt.Sprintf("Increment amount for %s:%s is %d bytes, want 8", c.family, c.qualifier, len(c.value)))
			}
			cur := int64(0)
			if had {
				if len(old.value) != 8 {
					return nil, jerr(ExcDoNotRetry, fmt.Sprintf("Field is not a long, it's %d bytes wide", len(old.value)))
				}
				cur = int64(binary.BigEndian.Uint64(old.value))
			}
			nv = binary.BigEndian.AppendUint64(nil, uint64(cur+int64(binary.BigEndian.Uint64(c.value))))
		} else {
			nv = append(append([]byte(nil), old.value...), c.value...)
		}
		ts := now
		if had && old.ts >= ts {
			ts = old.ts + 1
		}
		results = append(results, result{c.family, c.qualifier, version{ts: ts, value: nv}})
	}
	cells := make([]*pb.Cell, 0, len(results))
	for _, res := range results {
		r.put(m.row, res.fam, res.qual, res.v.ts, res.v.value, keep(res.fam))
		cells = append(cells, pbCell(m.row, res.fam, res.qual, res.v))
	}
	return cells, nil
}

func (s *store) applyDelete(r *region, m *mutation, now uint64) {
	rw, ok := r.rows[string(m.row)]
	if m.rowDelete {
		ts := m.ts
		if ts == latestTimestamp {
			ts = now
		}
		for _, f := range s.familyNames(r.tbl) {
			fr := r.famRow(m.row, f)
			markFamily(fr, ts)
		}
		return
	}
	for _, c := range m.cells {
		ts := c.ts
		if ts == latestTimestamp {
			ts = m.ts
		}
		switch c.delType {
		case pb.MutationProto_DELETE_FAMILY:
			if ts == latestTimestamp {
				ts = now
			}
			markFamily(r.famRow(m.row, c.family), ts)
		case pb.MutationProto_DELETE_FAMILY_VERSION:
			fr := r.famRow(m.row, c.family)
			for _, col := range fr.cols {
				dropVersion(col, ts)
			}
		case pb.MutationProto_DELETE_MULTIPLE_VERSIONS:
			if ts == latestTimestamp {
				ts = now
			}
			fr := r.famRow(m.row, c.family)
			col, ok := fr.cols[c.qualifier]
			if !ok {
				col = &column{}
				fr.cols[c.qualifier] = col
			}
			if !col.hasDel || ts > col.delUpTo {
				col.hasDel, col.delUpTo = true, ts
			}
			col.versions = visibleOnly(fr, col)
		default: // DELETE_ONE_VERSION: the given version, or the newest one
			if !ok {
				continue
			}
			fr, ok := rw.fams[c.family]
			if !ok {
				continue
			}
			col, ok := fr.cols[c.qualifier]
			if !ok {
				continue
			}
			if ts == latestTimestamp {
				if v, ok := r.latest(m.row, c.family, c.qualifier); ok {
					dropVersion(col, v.ts)
				}
				continue
			}
			dropVersion(col, ts)
		}
	}
}

func markFamily(fr *famRow, ts uint64) {
	if !fr.hasDel || ts > fr.delUpTo {
		fr.hasDel, fr.delUpTo = true, ts
	}
	for _, col := range fr.cols {
		col.versions = visibleOnly(fr, col)
	}
}

func visibleOnly(fr *famRow, c *column) []version {
	out := c.versions[:0]
	for _, v := range c.versions {
		if !masked(fr, c, v.ts) {
			out = append(out, v)
		}
	}
	return out
}

func dropVersion(c *column, ts uint64) {
	out := c.versions[:0]
	for _, v := range c.versions {
		if v.ts != ts {
			out = append(out, v)
		}
	}
	c.versions = out
}

// checkCondition evaluates a checkAndMutate condition the way
// HRegion.checkAndMutate does: an empty expected value matches a missing
// or empty cell (for every operator but NOT_EQUAL); otherwise the
// expected value is compared with the newest cell, expected OP stored.
func (s *store) checkCondition(r *region, c *pb.Condition) (bool, error) {
	if c.GetComparator() == nil {
		return false, jerr(ExcDoNotRetry, "condition without comparator")
	}
	var expected []byte
	switch c.GetComparator().GetName() {
	case "org.apache.hadoop.hbase.filter.BinaryComparator":
		var bc pb.BinaryComparator
		if err := proto.Unmarshal(c.GetComparator().GetSerializedComparator(), &bc); err != nil {
			return false, jerr(ExcDoNotRetry, "decoding BinaryComparator: "+err.Error())
		}
		expected = bc.GetComparable().GetValue()
	case "org.apache.hadoop.hbase.filter.NullComparator":
	default:
		return false, jerr(ExcUnsupportedOp, "the test double supports BinaryComparator and NullComparator conditions, not "+c.GetComparator().GetName())
	}
	if _, ok := s.familyOf(r.tbl, string(c.GetFamily())); !ok {
		return false, jerr(ExcNoSuchColumnFamily, fmt.Sprintf("Column family %s does not exist in table %s", c.GetFamily(), r.tbl.fullName()))
	}
	op := c.GetCompareType()
	cur, found := r.latest(c.GetRow(), string(c.GetFamily()), string(c.GetQualifier()))
	valueIsNull := len(expected) == 0
	switch {
	case !found && valueIsNull, found && len(cur.value) == 0 && valueIsNull:
		return op != pb.CompareType_NOT_EQUAL, nil
	case found && !valueIsNull:
		cmp := bytes.Compare(expected, cur.value)
		switch op {
		case pb.CompareType_LESS:
			return cmp < 0, nil
		case pb.CompareType_LESS_OR_EQUAL:
			return cmp <= 0, nil
		case pb.CompareType_EQUAL:
			return cmp == 0, nil
		case pb.CompareType_NOT_EQUAL:
			return cmp != 0, nil
		case pb.CompareType_GREATER_OR_EQUAL:
			return cmp >= 0, nil
		case pb.CompareType_GREATER:
			return cmp > 0, nil
		}
		return false, jerr(ExcDoNotRetry, "unsupported compare type "+op.String())
	}
	return false, nil
}
