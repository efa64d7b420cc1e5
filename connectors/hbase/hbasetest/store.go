package hbasetest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	defaultNamespace = "default"
	metaTable        = "hbase:meta"
	// metaRegionName is the region name gohbase asks for when it talks to
	// meta (the pre-2.0 default that HBase still accepts).
	metaRegionName  = "hbase:meta,,1"
	defaultVersions = 1
	// latestTimestamp is HBase's LATEST_TIMESTAMP (Long.MAX_VALUE): "let
	// the server assign the time".
	latestTimestamp = uint64(1<<63 - 1)
)

// version is one value of a cell at one timestamp.
type version struct {
	ts    uint64
	value []byte
}

// column holds the versions of one family:qualifier of one row, newest
// first, and a DeleteColumn marker that masks versions at or before it.
type column struct {
	versions []version
	delUpTo  uint64
	hasDel   bool
}

// famRow is one family of one row, with its DeleteFamily marker.
type famRow struct {
	cols    map[string]*column
	delUpTo uint64
	hasDel  bool
}

type row struct {
	fams map[string]*famRow
}

// family is a column family's schema: its name and the attributes it was
// created with (VERSIONS is honoured, the rest are only kept).
type family struct {
	name     string
	versions int
	attrs    map[string]string
}

type table struct {
	namespace, name string
	families        map[string]*family
	regions         []*region // sorted by start key, contiguous, covering all keys
	attrs           map[string]string
}

func (t *table) fullName() string { return qualifiedName(t.namespace, t.name) }

// region is a key range of a table. Its mutex makes every single-row
// operation atomic, as HBase's row locks do, and serializes the region.
type region struct {
	id         uint64
	name       string
	tbl        *table
	start, end []byte
	mu         sync.Mutex
	rows       map[string]*row
}

func (r *region) contains(key []byte) bool {
	return bytes.Compare(key, r.start) >= 0 && (len(r.end) == 0 || bytes.Compare(key, r.end) < 0)
}

// store is the double's data: tables, their regions and cells.
type store struct {
	mu      sync.RWMutex
	tables  map[string]*table
	regions map[string]*region
	nextID  uint64
	clock   func() uint64
	lastTS  uint64
	tsMu    sync.Mutex
}

func newStore() *store {
	return &store{tables: map[string]*table{}, regions: map[string]*region{}, nextID: uint64(time.Now().UnixMilli()),
		clock: func() uint64 { return uint64(time.Now().UnixMilli()) }}
}

// now returns the server time in milliseconds.
func (s *store) now() uint64 {
	s.tsMu.Lock()
	defer s.tsMu.Unlock()
	t := s.clock()
	if t > s.lastTS {
		s.lastTS = t
	}
	return s.lastTS
}

// qualifiedName is how HBase prints a table name: the default namespace
// is left out.
func qualifiedName(ns, name string) string {
	if ns == "" || ns == defaultNamespace {
		return name
	}
	return ns + ":" + name
}

func splitTableName(full string) (ns, name string) {
	if i := strings.IndexByte(full, ':'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return defaultNamespace, full
}

// createTable adds a table with one region per split range.
func (s *store) createTable(full string, fams []*family, splits [][]byte, attrs map[string]string) (*table, error) {
	if err := validTableName(full); err != nil {
		return nil, err
	}
	if len(fams) == 0 {
		return nil, jerr(ExcDoNotRetry, "Table should have at least one column family.")
	}
	sorted := make([][]byte, len(splits))
	copy(sorted, splits)
	for i, k := range sorted {
		if len(k) == 0 {
			return nil, fmt.Errorf("%w: split key %d is empty", ErrInvalidSplit, i)
		}
		if i > 0 && bytes.Compare(sorted[i-1], k) >= 0 {
			return nil, fmt.Errorf("%w: split keys must be sorted and distinct (%q after %q)", ErrInvalidSplit, k, sorted[i-1])
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tables[full]; ok {
		return nil, fmt.Errorf("%w: %s", ErrTableExists, full)
	}
	ns, name := splitTableName(full)
	t := &table{namespace: ns, name: name, families: map[string]*family{}, attrs: attrs}
	for _, f := range fams {
		if err := validFamilyName(f.name); err != nil {
			return nil, err
		}
		if _, dup := t.families[f.name]; dup {
			return nil, jerr(ExcDoNotRetry, fmt.Sprintf("Family '%s' repeated", f.name))
		}
		t.families[f.name] = f
	}
	bounds := append([][]byte{{}}, sorted...)
	for i, start := range bounds {
		var end []byte
		if i+1 < len(bounds) {
			end = bounds[i+1]
		}
		s.nextID++
		r := &region{id: s.nextID, tbl: t, start: start, end: end, rows: map[string]*row{}}
		r.name = regionName(full, start, r.id)
		t.regions = append(t.regions, r)
		s.regions[r.name] = r
	}
	s.tables[full] = t
	return t, nil
}

// regionName follows HBase's format: <table>,<start key>,<region id>.<md5>.
func regionName(table string, start []byte, id uint64) string {
	base := table + "," + string(start) + "," + strconv.FormatUint(id, 10)
	sum := md5.Sum([]byte(base))
	return base + "." + hex.EncodeToString(sum[:]) + "."
}

func (s *store) table(full string) (*table, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tables[full]
	return t, ok
}

func (s *store) region(name []byte) (*region, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.regions[string(name)]
	return r, ok
}

func (s *store) addFamily(full string, f *family) error {
	if err := validFamilyName(f.name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tables[full]
	if !ok {
		return jerr(ExcTableNotFound, full)
	}
	if _, ok := t.families[f.name]; ok {
		return jerr(ExcInvalidFamilyOp, fmt.Sprintf("Column family '%s' in table '%s' already exists so cannot be added", f.name, full))
	}
	t.families[f.name] = f
	return nil
}

// familyOf returns the schema of a family, under the store's read lock:
// families can be added while the table serves requests.
func (s *store) familyOf(t *table, name string) (*family, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := t.families[name]
	return f, ok
}

func (s *store) familyNames(t *table) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(t.families))
	for n := range t.families {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *store) tableNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.tables))
	for n := range s.tables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// allRegions returns every user region, sorted by region name under the
// meta comparator (the order of hbase:meta).
func (s *store) allRegions() []*region {
	s.mu.RLock()
	out := make([]*region, 0, len(s.regions))
	for _, r := range s.regions {
		out = append(out, r)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return compareMetaRows([]byte(out[i].name), []byte(out[j].name)) < 0 })
	return out
}

// validTableName applies HBase's TableName rules: [a-zA-Z0-9_.-] with an
// optional namespace, not starting with '.' or '-'.
func validTableName(full string) error {
	ns, name := splitTableName(full)
	for _, part := range []string{ns, name} {
		if part == "" {
			return jerr(ExcDoNotRetry, fmt.Sprintf("Illegal table name %q: empty namespace or qualifier", full))
		}
		if part[0] == '.' || part[0] == '-' {
			return jerr(ExcDoNotRetry, fmt.Sprintf("Illegal first character in table name %q", full))
		}
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
				return jerr(ExcDoNotRetry, fmt.Sprintf("Illegal character %q in table name %q", c, full))
			}
		}
	}
	return nil
}

func validFamilyName(name string) error {
	if name == "" || name[0] == '.' || strings.ContainsAny(name, ":/") {
		return jerr(ExcDoNotRetry, fmt.Sprintf("Illegal column family name %q", name))
	}
	return nil
}
