package cassandratest

import (
	"fmt"
	"sort"
)

// systemTables declares the system tables drivers read at connect time and
// for schema metadata, with the columns gocql and the DataStax drivers
// select. Their rows are computed from the catalog on every read.
var systemTables = []string{
	`CREATE TABLE system.local (key text PRIMARY KEY, bootstrapped text, broadcast_address inet, cluster_name text,
		cql_version text, data_center text, host_id uuid, listen_address inet, native_protocol_version text,
		partitioner text, rack text, release_version text, rpc_address inet, schema_version uuid, tokens set<text>)`,
	`CREATE TABLE system.peers (peer inet PRIMARY KEY, data_center text, host_id uuid, preferred_ip inet, rack text,
		release_version text, rpc_address inet, schema_version uuid, tokens set<text>)`,
	`CREATE TABLE system.peers_v2 (peer inet, peer_port int, data_center text, host_id uuid, native_address inet,
		native_port int, preferred_ip inet, preferred_port int, rack text, release_version text, schema_version uuid,
		tokens set<text>, PRIMARY KEY (peer, peer_port))`,
	`CREATE TABLE system_schema.keyspaces (keyspace_name text PRIMARY KEY, durable_writes boolean,
		replication frozen<map<text, text>>)`,
	`CREATE TABLE system_schema.tables (keyspace_name text, table_name text, comment text, default_time_to_live int,
		gc_grace_seconds int, id uuid, PRIMARY KEY (keyspace_name, table_name))`,
	`CREATE TABLE system_schema.columns (keyspace_name text, table_name text, column_name text, clustering_order text,
		column_name_bytes blob, kind text, position int, type text, PRIMARY KEY (keyspace_name, table_name, column_name))`,
	`CREATE TABLE system_schema.views (keyspace_name text, view_name text, base_table_id uuid, base_table_name text,
		bloom_filter_fp_chance double, caching frozen<map<text, text>>, comment text, compaction frozen<map<text, text>>,
		compression frozen<map<text, text>>, crc_check_chance double, dclocal_read_repair_chance double,
		default_time_to_live int, extensions frozen<map<text, blob>>, gc_grace_seconds int, id uuid,
		include_all_columns boolean, max_index_interval int, memtable_flush_period_in_ms int, min_index_interval int,
		read_repair_chance double, speculative_retry text, where_clause text, PRIMARY KEY (keyspace_name, view_name))`,
	`CREATE TABLE system_schema.types (keyspace_name text, type_name text, field_names frozen<list<text>>,
		field_types frozen<list<text>>, PRIMARY KEY (keyspace_name, type_name))`,
	`CREATE TABLE system_schema.functions (keyspace_name text, function_name text, argument_types frozen<list<text>>,
		argument_names frozen<list<text>>, body text, called_on_null_input boolean, language text, return_type text,
		PRIMARY KEY (keyspace_name, function_name, argument_types))`,
	`CREATE TABLE system_schema.aggregates (keyspace_name text, aggregate_name text, argument_types frozen<list<text>>,
		final_func text, initcond text, return_type text, state_func text, state_type text,
		PRIMARY KEY (keyspace_name, aggregate_name, argument_types))`,
	`CREATE TABLE system_schema.indexes (keyspace_name text, table_name text, index_name text, kind text,
		options frozen<map<text, text>>, PRIMARY KEY (keyspace_name, table_name, index_name))`,
	`CREATE TABLE system_schema.triggers (keyspace_name text, table_name text, trigger_name text,
		options frozen<map<text, text>>, PRIMARY KEY (keyspace_name, table_name, trigger_name))`,
}

var systemReplication = map[string]map[string]string{
	"system":        {"class": "org.apache.cassandra.locator.LocalStrategy"},
	"system_schema": {"class": "org.apache.cassandra.locator.LocalStrategy"},
}

// installSystemTables creates the system keyspaces. Called by New.
func (s *Server) installSystemTables() error {
	for name, repl := range systemReplication {
		s.keyspaces[name] = &keyspace{name: name, replication: repl, durable: true, tables: map[string]*table{}}
	}
	rows := map[string]func() []map[string]any{
		"system.local":             s.localRows,
		"system_schema.keyspaces":  s.keyspaceRows,
		"system_schema.tables":     s.tableRows,
		"system_schema.columns":    s.columnRows,
		"system.peers":             nil,
		"system.peers_v2":          nil,
		"system_schema.views":      nil,
		"system_schema.types":      nil,
		"system_schema.functions":  nil,
		"system_schema.aggregates": nil,
		"system_schema.indexes":    nil,
		"system_schema.triggers":   nil,
	}
	for _, ddl := range systemTables {
		st, err := parse(ddl)
		if err != nil {
			return fmt.Errorf("parsing system table: %w", err)
		}
		t, err := newTable(st.table.ks, st.table.name, newUUID(), st.def)
		if err != nil {
			return fmt.Errorf("declaring %s.%s: %w", st.table.ks, st.table.name, err)
		}
		gen := rows[t.ks+"."+t.name]
		t.virtual = func() [][][]byte {
			if gen == nil {
				return nil
			}
			return encodeRows(t, gen())
		}
		s.keyspaces[t.ks].tables[t.name] = t
	}
	return nil
}

// encodeRows lays rows out in t.cols order, encoded; values come from the
// server itself, so an encoding error is a bug.
func encodeRows(t *table, rows []map[string]any) [][][]byte {
	out := make([][][]byte, len(rows))
	for i, r := range rows {
		out[i] = make([][]byte, len(t.cols))
		for j, c := range t.cols {
			b, err := c.typ.encode(r[c.name])
			if err != nil {
				panic(fmt.Sprintf("cassandratest: encoding %s.%s.%s: %v", t.ks, t.name, c.name, err))
			}
			out[i][j] = b
		}
	}
	return out
}

func (s *Server) localRows() []map[string]any {
	host := s.Host()
	return []map[string]any{{
		"key": "local", "bootstrapped": "COMPLETED", "broadcast_address": host, "cluster_name": s.opts.cluster,
		"cql_version": cqlVersion, "data_center": s.opts.datacenter, "host_id": s.hostID, "listen_address": host,
		"native_protocol_version": "4", "partitioner": "org.apache.cassandra.dht.Murmur3Partitioner",
		"rack": s.opts.rack, "release_version": releaseVersion, "rpc_address": host,
		"schema_version": s.schemaVersion, "tokens": []string{"-9223372036854775808"},
	}}
}

func (s *Server) sortedKeyspaces() []*keyspace {
	out := make([]*keyspace, 0, len(s.keyspaces))
	for _, k := range s.keyspaces {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func sortedTables(k *keyspace) []*table {
	out := make([]*table, 0, len(k.tables))
	for _, t := range k.tables {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (s *Server) keyspaceRows() []map[string]any {
	var out []map[string]any
	for _, k := range s.sortedKeyspaces() {
		out = append(out, map[string]any{"keyspace_name": k.name, "durable_writes": k.durable, "replication": k.replication})
	}
	return out
}

func (s *Server) tableRows() []map[string]any {
	var out []map[string]any
	for _, k := range s.sortedKeyspaces() {
		for _, t := range sortedTables(k) {
			out = append(out, map[string]any{"keyspace_name": k.name, "table_name": t.name, "comment": "",
				"default_time_to_live": t.defaultTTL, "gc_grace_seconds": 864000, "id": t.id})
		}
	}
	return out
}

func (s *Server) columnRows() []map[string]any {
	var out []map[string]any
	for _, k := range s.sortedKeyspaces() {
		for _, t := range sortedTables(k) {
			for _, c := range t.cols {
				order := "none"
				if c.kind == kindClustering {
					order = "asc"
					if c.desc {
						order = "desc"
					}
				}
				out = append(out, map[string]any{"keyspace_name": k.name, "table_name": t.name, "column_name": c.name,
					"clustering_order": order, "column_name_bytes": []byte(c.name), "kind": c.kind,
					"position": c.position, "type": c.typ.String()})
			}
		}
	}
	return out
}
