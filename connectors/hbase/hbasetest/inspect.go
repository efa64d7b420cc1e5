package hbasetest

import (
	"bytes"
	"fmt"
	"sort"
)

// CreateTable creates a table directly (as an operator would with the
// hbase shell), one region per split range. Families keep one version.
func (s *Server) CreateTable(name string, families []string, splits ...string) error {
	fams := make([]*family, len(families))
	for i, f := range families {
		fams[i] = &family{name: f, versions: defaultVersions, attrs: map[string]string{}}
	}
	keys := make([][]byte, len(splits))
	for i, k := range splits {
		keys[i] = []byte(k)
	}
	if _, err := s.st.createTable(name, fams, keys, nil); err != nil {
		return fmt.Errorf("creating table %s: %w", name, err)
	}
	return nil
}

// Tables lists the tables, fully qualified and sorted.
func (s *Server) Tables() []string { return s.st.tableNames() }

// Families lists a table's column families, sorted.
func (s *Server) Families(table string) ([]string, error) {
	t, ok := s.st.table(table)
	if !ok {
		return nil, fmt.Errorf("listing families: %w: %s", ErrTableNotFound, table)
	}
	return s.st.familyNames(t), nil
}

// Region describes one region of a table.
type Region struct {
	Name       string
	Start, End []byte
}

// Regions lists a table's regions in key order.
func (s *Server) Regions(table string) ([]Region, error) {
	t, ok := s.st.table(table)
	if !ok {
		return nil, fmt.Errorf("listing regions: %w: %s", ErrTableNotFound, table)
	}
	out := make([]Region, len(t.regions))
	for i, r := range t.regions {
		out[i] = Region{Name: r.name, Start: r.start, End: r.end}
	}
	return out, nil
}

// Version is one stored value of a cell.
type Version struct {
	Timestamp uint64
	Value     []byte
}

func (s *Server) regionOf(table string, row []byte) (*region, error) {
	t, ok := s.st.table(table)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrTableNotFound, table)
	}
	for _, r := range t.regions {
		if r.contains(row) {
			return r, nil
		}
	}
	return nil, fmt.Errorf("no region of %s holds row %q", table, row)
}

// Versions returns the visible versions of a cell, newest first.
func (s *Server) Versions(table, row, fam, qual string) ([]Version, error) {
	r, err := s.regionOf(table, []byte(row))
	if err != nil {
		return nil, fmt.Errorf("reading %s/%s/%s:%s: %w", table, row, fam, qual, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cells := readRow(r, []byte(row), query{families: map[string]map[string]bool{fam: {qual: true}}, to: ^uint64(0), maxVersions: 1 << 30})
	out := make([]Version, len(cells))
	for i, c := range cells {
		out[i] = Version{Timestamp: c.GetTimestamp(), Value: c.Value}
	}
	return out, nil
}

// Cell returns the newest visible value of a cell.
func (s *Server) Cell(table, row, fam, qual string) ([]byte, bool) {
	v, err := s.Versions(table, row, fam, qual)
	if err != nil || len(v) == 0 {
		return nil, false
	}
	return v[0].Value, true
}

// Row returns the newest visible value of every cell of a row, family ->
// qualifier -> value; an empty map when the row does not exist.
func (s *Server) Row(table, row string) (map[string]map[string][]byte, error) {
	r, err := s.regionOf(table, []byte(row))
	if err != nil {
		return nil, fmt.Errorf("reading %s/%s: %w", table, row, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]map[string][]byte{}
	for _, c := range readRow(r, []byte(row), query{to: ^uint64(0), maxVersions: 1}) {
		f := string(c.Family)
		if out[f] == nil {
			out[f] = map[string][]byte{}
		}
		out[f][string(c.Qualifier)] = c.Value
	}
	return out, nil
}

// RowKeys lists the keys of the rows of a table that hold visible cells,
// in key order.
func (s *Server) RowKeys(table string) ([]string, error) {
	t, ok := s.st.table(table)
	if !ok {
		return nil, fmt.Errorf("listing rows: %w: %s", ErrTableNotFound, table)
	}
	var keys [][]byte
	all := query{to: ^uint64(0), maxVersions: 1}
	for _, r := range t.regions {
		r.mu.Lock()
		for _, k := range sortedKeys(r) {
			if len(readRow(r, k, all)) > 0 {
				keys = append(keys, k)
			}
		}
		r.mu.Unlock()
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = string(k)
	}
	return out, nil
}
