package cassandratest

import (
	"bytes"
	"encoding/binary"
	"math"
	"sort"
	"time"
)

// Column kinds as system_schema.columns spells them.
const (
	kindPartitionKey = "partition_key"
	kindClustering   = "clustering"
	kindRegular      = "regular"
)

const noDeletion = math.MinInt64

type keyspace struct {
	name        string
	replication map[string]string
	durable     bool
	tables      map[string]*table
}

type column struct {
	name     string
	typ      *cqlType
	kind     string
	position int // within the partition or clustering key; -1 for regular
	desc     bool
}

type table struct {
	ks, name   string
	id         string
	cols       []*column // partition key, clustering, then regular by name
	byName     map[string]*column
	pk, ck     []*column
	defaultTTL int
	partitions map[string]*partition
	// virtual tables compute their rows instead of storing them.
	virtual func() [][][]byte
}

type partition struct {
	key      [][]byte
	deletion int64
	rows     map[string]*row
}

type row struct {
	ck       [][]byte
	deletion int64
	marker   *liveness
	cells    map[string]*cell
}

type liveness struct {
	ts      int64
	expires time.Time // zero: never
}

// cell is one column value; a nil value is a tombstone.
type cell struct {
	value   []byte
	ts      int64
	expires time.Time
}

func newTable(ks, name, id string, def *tableDef) (*table, error) {
	t := &table{ks: ks, name: name, id: id, byName: map[string]*column{}, defaultTTL: def.defaultTTL,
		partitions: map[string]*partition{}}
	for _, cd := range def.cols {
		if _, dup := t.byName[cd.name]; dup {
			return nil, invalidf("multiple definition of identifier %s", cd.name)
		}
		t.byName[cd.name] = &column{name: cd.name, typ: cd.typ, kind: kindRegular, position: -1}
	}
	if len(def.pk) == 0 {
		return nil, invalidf("no PRIMARY KEY specified for table %s (exactly one required)", name)
	}
	for i, n := range def.pk {
		c, ok := t.byName[n]
		if !ok {
			return nil, invalidf("unknown definition %s referenced in PRIMARY KEY", n)
		}
		if c.kind != kindRegular || (c.typ.isCollection() && !c.typ.frozen) {
			return nil, invalidf("invalid PRIMARY KEY column %s", n)
		}
		c.kind, c.position = kindPartitionKey, i
		t.pk = append(t.pk, c)
	}
	for i, n := range def.ck {
		c, ok := t.byName[n]
		if !ok {
			return nil, invalidf("unknown definition %s referenced in PRIMARY KEY", n)
		}
		if c.kind != kindRegular || (c.typ.isCollection() && !c.typ.frozen) {
			return nil, invalidf("invalid clustering column %s", n)
		}
		c.kind, c.position, c.desc = kindClustering, i, def.descending[n]
		t.ck = append(t.ck, c)
	}
	for n := range def.descending {
		if c := t.byName[n]; c == nil || c.kind != kindClustering {
			return nil, invalidf("only clustering key columns can be defined in CLUSTERING ORDER directive: %s", n)
		}
	}
	t.cols = append(append([]*column{}, t.pk...), t.ck...)
	var regular []*column
	for _, c := range t.byName {
		if c.kind == kindRegular {
			regular = append(regular, c)
		}
	}
	sort.Slice(regular, func(i, j int) bool { return regular[i].name < regular[j].name })
	t.cols = append(t.cols, regular...)
	return t, nil
}

// compositeKey joins encoded components with length prefixes, so that
// distinct key tuples never collide.
func compositeKey(parts [][]byte) string {
	var b []byte
	for _, p := range parts {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return string(b)
}

func (t *table) partitionFor(pk [][]byte) *partition {
	pkey := compositeKey(pk)
	p := t.partitions[pkey]
	if p == nil {
		p = &partition{key: pk, deletion: noDeletion, rows: map[string]*row{}}
		t.partitions[pkey] = p
	}
	return p
}

func (t *table) rowFor(pk, ck [][]byte) *row {
	p := t.partitionFor(pk)
	ckey := compositeKey(ck)
	r := p.rows[ckey]
	if r == nil {
		r = &row{ck: ck, deletion: noDeletion, cells: map[string]*cell{}}
		p.rows[ckey] = r
	}
	return r
}

// merge reconciles a written cell with the stored one as Cassandra does:
// the higher timestamp wins; on a tie a tombstone wins, then the greater
// value.
func (r *row) merge(col string, c *cell) {
	old := r.cells[col]
	if old == nil || c.ts > old.ts {
		r.cells[col] = c
		return
	}
	if c.ts < old.ts || old.value == nil {
		return
	}
	if c.value == nil || bytes.Compare(c.value, old.value) > 0 {
		r.cells[col] = c
	}
}

func (r *row) mergeMarker(l *liveness) {
	if r.marker == nil || l.ts > r.marker.ts || (l.ts == r.marker.ts && laterExpiry(l.expires, r.marker.expires)) {
		r.marker = l
	}
}

func laterExpiry(a, b time.Time) bool {
	if a.IsZero() {
		return !b.IsZero()
	}
	return !b.IsZero() && a.After(b)
}

func alive(ts, deletion int64, expires, now time.Time) bool {
	return ts > deletion && (expires.IsZero() || now.Before(expires))
}

// liveCell returns the cell of col if it is visible at now.
func (r *row) liveCell(col string, deletion int64, now time.Time) *cell {
	c := r.cells[col]
	if c == nil || c.value == nil || !alive(c.ts, deletion, c.expires, now) {
		return nil
	}
	return c
}

// visible reports whether the row exists at now: a live INSERT marker or
// a live regular cell.
func (r *row) visible(deletion int64, now time.Time) bool {
	if r.marker != nil && alive(r.marker.ts, deletion, r.marker.expires, now) {
		return true
	}
	for col := range r.cells {
		if r.liveCell(col, deletion, now) != nil {
			return true
		}
	}
	return false
}

// sortedPartitions returns partitions in key byte order (not token order:
// the server has one node and no partitioner-driven layout).
func (t *table) sortedPartitions() []*partition {
	out := make([]*partition, 0, len(t.partitions))
	for _, p := range t.partitions {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return compareKeys(out[i].key, out[j].key, nil) < 0 })
	return out
}

func (t *table) sortedRows(p *partition) []*row {
	out := make([]*row, 0, len(p.rows))
	for _, r := range p.rows {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return compareKeys(out[i].ck, out[j].ck, t.ck) < 0 })
	return out
}

// compareKeys orders key tuples component by component by their bytes,
// reversed for DESC clustering columns.
func compareKeys(a, b [][]byte, cols []*column) int {
	for i := range a {
		c := bytes.Compare(a[i], b[i])
		if c != 0 {
			if cols != nil && cols[i].desc {
				return -c
			}
			return c
		}
	}
	return 0
}
