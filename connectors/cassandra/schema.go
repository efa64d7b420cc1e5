package cassandra

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gocql/gocql"
)

// Column kinds as system_schema.columns spells them.
const (
	kindPartitionKey = "partition_key"
	kindClustering   = "clustering"
)

// colMeta is one column of a table as the sink needs it.
type colMeta struct {
	name     string
	typ      *colType
	kind     string
	position int
}

// tableMeta is a table's columns, read from system_schema.columns.
type tableMeta struct {
	keyspace, name string
	cols           map[string]*colMeta
	pk, ck         []*colMeta
}

// SessionFeaturesColumns is the session-features table layout that
// table.create creates, one column per SessionFeatures field. Collections
// are frozen: every record replaces them whole, which a frozen collection
// stores as one cell.
var SessionFeaturesColumns = [][2]string{
	{"session_id", "text"}, {"user_id", "text"}, {"started_at", "timestamp"}, {"last_event_at", "timestamp"},
	{"event_count", "int"}, {"product_views", "int"}, {"clicks", "int"}, {"cart_adds", "int"},
	{"cart_removes", "int"}, {"purchases", "int"}, {"searches", "int"}, {"recent_items", "frozen<list<text>>"},
	{"cart_items", "frozen<map<text, int>>"}, {"cart_value", "double"}, {"categories", "frozen<map<text, int>>"},
	{"duration_ms", "bigint"}, {"ended", "boolean"},
}

// CreateKeyspaceCQL is the statement keyspace.create runs.
func CreateKeyspaceCQL(keyspace, replication string) string {
	return fmt.Sprintf("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = %s", quote(keyspace), replication)
}

// CreateSessionFeaturesCQL is the statement table.create runs: the
// SessionFeatures layout keyed by session_id, expiring after 24 h unless
// rewritten (the sink also writes each row with its own TTL).
func CreateSessionFeaturesCQL(keyspace, table string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s.%s (\n", quote(keyspace), quote(table))
	for _, c := range SessionFeaturesColumns {
		fmt.Fprintf(&b, "    %s %s,\n", c[0], c[1])
	}
	fmt.Fprintf(&b, "    PRIMARY KEY (session_id)\n) WITH default_time_to_live = %d", DefaultTTLSeconds)
	return b.String()
}

func quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }

// sessionFeaturesMeta is the layout as metadata, for validating mappings
// of tables table.create will create.
func sessionFeaturesMeta(keyspace, table string) *tableMeta {
	m := &tableMeta{keyspace: keyspace, name: table, cols: map[string]*colMeta{}}
	for _, c := range SessionFeaturesColumns {
		t, _ := parseColType(c[1])
		cm := &colMeta{name: c[0], typ: t, kind: "regular", position: -1}
		if c[0] == "session_id" {
			cm.kind, cm.position = kindPartitionKey, 0
			m.pk = []*colMeta{cm}
		}
		m.cols[cm.name] = cm
	}
	return m
}

var errNoTable = errors.New("table does not exist")

// loadTable reads a table's columns from system_schema (not the driver's
// metadata cache, which lags behind tables created a moment ago).
func loadTable(ctx context.Context, s *gocql.Session, keyspace, table string) (*tableMeta, error) {
	iter := s.Query(`SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?`,
		keyspace, table).WithContext(ctx).Consistency(gocql.One).Iter()
	m := &tableMeta{keyspace: keyspace, name: table, cols: map[string]*colMeta{}}
	var name, kind, typ string
	var pos int
	for iter.Scan(&name, &kind, &pos, &typ) {
		cm := &colMeta{name: name, kind: kind, position: pos}
		cm.typ, _ = parseColType(typ) // unsupported types are refused only if mapped
		if cm.typ == nil {
			cm.typ = &colType{text: typ, unsupported: true}
		}
		m.cols[name] = cm
		switch kind {
		case kindPartitionKey:
			m.pk = append(m.pk, cm)
		case kindClustering:
			m.ck = append(m.ck, cm)
		}
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("reading columns of %s.%s: %w", keyspace, table, err)
	}
	if len(m.cols) == 0 {
		return nil, fmt.Errorf("%w: %s.%s", errNoTable, keyspace, table)
	}
	sort.Slice(m.pk, func(i, j int) bool { return m.pk[i].position < m.pk[j].position })
	sort.Slice(m.ck, func(i, j int) bool { return m.ck[i].position < m.ck[j].position })
	return m, nil
}

func keyspaceExists(ctx context.Context, s *gocql.Session, keyspace string) (bool, error) {
	var name string
	err := s.Query(`SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?`, keyspace).
		WithContext(ctx).Consistency(gocql.One).Scan(&name)
	if errors.Is(err, gocql.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// checkMapping compares a mapping with its table; every problem names the
// column.
func checkMapping(ts *tableSettings, m *tableMeta) []error {
	var errs []error
	mapped := map[string]bool{}
	for _, cm := range ts.mapping {
		mapped[cm.column] = true
		if cm.column == TTLColumn || cm.column == TimestampColumn {
			continue
		}
		col, ok := m.cols[cm.column]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%w: column %s does not exist in %s.%s", ErrSchema, cm.column, m.keyspace, m.name))
		case col.typ.unsupported:
			errs = append(errs, fmt.Errorf("%w: column %s has type %s, which the sink does not write", ErrSchema, cm.column, col.typ.text))
		}
	}
	for _, c := range append(append([]*colMeta{}, m.pk...), m.ck...) {
		if !mapped[c.name] {
			errs = append(errs, fmt.Errorf("%w: primary key column %s of %s.%s is not mapped", ErrSchema, c.name, m.keyspace, m.name))
		}
	}
	return errs
}
