package hbasetest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/proto"
)

// query is what a Get or Scan selects within a row.
type query struct {
	families    map[string]map[string]bool // family -> qualifiers; an empty set means the whole family
	from, to    uint64                     // [from, to)
	maxVersions int
}

func newQuery(cols []*pb.Column, tr *pb.TimeRange, maxVersions uint32, filter *pb.Filter) (query, error) {
	if filter != nil {
		return query{}, jerr(ExcUnsupportedOp, "filters are not supported by the test double (got "+filter.GetName()+")")
	}
	q := query{from: tr.GetFrom(), to: math.MaxUint64, maxVersions: int(maxVersions)}
	if tr.To != nil {
		q.to = tr.GetTo()
	}
	if q.maxVersions <= 0 {
		q.maxVersions = 1
	}
	if len(cols) > 0 {
		q.families = map[string]map[string]bool{}
		for _, c := range cols {
			quals := q.families[string(c.Family)]
			if quals == nil {
				quals = map[string]bool{}
				q.families[string(c.Family)] = quals
			}
			for _, qual := range c.Qualifier {
				quals[string(qual)] = true
			}
		}
	}
	return q, nil
}

// checkQueryFamilies rejects a read naming an unknown family, as HBase
// does with NoSuchColumnFamilyException.
func (s *store) checkQueryFamilies(r *region, q query) error {
	for f := range q.families {
		if _, ok := s.familyOf(r.tbl, f); !ok {
			return jerr(ExcNoSuchColumnFamily, fmt.Sprintf("Column family %s does not exist in region %s in table %s", f, r.name, r.tbl.fullName()))
		}
	}
	return nil
}

// readRow returns the visible cells of a row selected by q, sorted by
// family, qualifier and newest timestamp first. The caller holds r.mu.
func readRow(r *region, key []byte, q query) []*pb.Cell {
	rw, ok := r.rows[string(key)]
	if !ok {
		return nil
	}
	fams := make([]string, 0, len(rw.fams))
	for f := range rw.fams {
		if q.families == nil || q.families[f] != nil {
			fams = append(fams, f)
		}
	}
	sort.Strings(fams)
	var out []*pb.Cell
	for _, f := range fams {
		fr := rw.fams[f]
		quals := make([]string, 0, len(fr.cols))
		for qual := range fr.cols {
			if want := q.families[f]; len(want) == 0 || want[qual] {
				quals = append(quals, qual)
			}
		}
		sort.Strings(quals)
		for _, qual := range quals {
			c := fr.cols[qual]
			n := 0
			for _, v := range c.versions {
				if n == q.maxVersions {
					break
				}
				if masked(fr, c, v.ts) || v.ts < q.from || v.ts >= q.to {
					continue
				}
				out = append(out, pbCell(key, f, qual, v))
				n++
			}
		}
	}
	return out
}

// sortedKeys returns a region's row keys in key order.
func sortedKeys(r *region) [][]byte {
	keys := make([][]byte, 0, len(r.rows))
	for k := range r.rows {
		keys = append(keys, []byte(k))
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
	return keys
}

// metaRow is one row of hbase:meta, built from the live region list.
type metaRow struct {
	key   []byte
	cells []*pb.Cell
}

// metaRows renders hbase:meta: for every user region, info:regioninfo
// ("PBUF" + RegionInfo), info:server (host:port), info:serverstartcode and
// info:seqnumDuringOpen, in meta order.
func (s *store) metaRows(server string, startCode uint64) []metaRow {
	regions := s.allRegions()
	out := make([]metaRow, 0, len(regions))
	for _, r := range regions {
		ri := &pb.RegionInfo{
			RegionId:  proto.Uint64(r.id),
			TableName: &pb.TableName{Namespace: []byte(r.tbl.namespace), Qualifier: []byte(r.tbl.name)},
			StartKey:  r.start,
			EndKey:    r.end,
			Offline:   proto.Bool(false),
			Split:     proto.Bool(false),
		}
		b, err := proto.Marshal(ri)
		if err != nil {
			continue
		}
		key := []byte(r.name)
		ts := version{ts: r.id}
		cell := func(q string, v []byte) *pb.Cell {
			ts.value = v
			return pbCell(key, "info", q, ts)
		}
		out = append(out, metaRow{key: key, cells: []*pb.Cell{
			cell("regioninfo", append([]byte("PBUF"), b...)),
			cell("seqnumDuringOpen", binary.BigEndian.AppendUint64(nil, 2)),
			cell("server", []byte(server)),
			cell("serverstartcode", binary.BigEndian.AppendUint64(nil, startCode)),
		}})
	}
	return out
}

// compareMetaRows orders hbase:meta rows as HBase's MetaCellComparator
// does: by table, then start key, then the region id part, each compared
// as bytes, so that a start key containing bytes below ',' still sorts
// with its table.
func compareMetaRows(a, b []byte) int {
	at, arest, aok := bytes.Cut(a, []byte(","))
	bt, brest, bok := bytes.Cut(b, []byte(","))
	if c := bytes.Compare(at, bt); c != 0 || !aok || !bok {
		if c != 0 {
			return c
		}
		switch {
		case aok == bok:
			return 0
		case !aok:
			return -1
		default:
			return 1
		}
	}
	ai, bi := bytes.LastIndexByte(arest, ','), bytes.LastIndexByte(brest, ',')
	astart, aid := splitAt(arest, ai)
	bstart, bid := splitAt(brest, bi)
	if c := bytes.Compare(astart, bstart); c != 0 {
		return c
	}
	return bytes.Compare(aid, bid)
}

func splitAt(b []byte, i int) ([]byte, []byte) {
	if i < 0 {
		return b, nil
	}
	return b[:i], b[i+1:]
}

func filterMetaCells(cells []*pb.Cell, q query) []*pb.Cell {
	if q.families == nil {
		return cells
	}
	out := cells[:0:0]
	for _, c := range cells {
		want, ok := q.families[string(c.Family)]
		if ok && (len(want) == 0 || want[string(c.Qualifier)]) {
			out = append(out, c)
		}
	}
	return out
}
