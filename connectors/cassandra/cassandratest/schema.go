package cassandratest

import (
	"crypto/rand"
	"encoding/hex"
)

// schemaChange describes a DDL that changed the schema, for the
// SCHEMA_CHANGE result and event.
type schemaChange struct {
	change, target   string // CREATED/DROPPED, KEYSPACE/TABLE
	keyspace, object string
}

func (s *Server) isSystem(ks string) bool { return ks == "system" || ks == "system_schema" }

// tableLocked finds a table. s.mu must be held.
func (s *Server) tableLocked(ref tableRef) (*table, error) {
	k, ok := s.keyspaces[ref.ks]
	if !ok {
		return nil, invalidf("keyspace %s does not exist", ref.ks)
	}
	t, ok := k.tables[ref.name]
	if !ok {
		return nil, invalidf("unconfigured table %s", ref.name)
	}
	return t, nil
}

// ddlLocked runs a schema statement; it returns nil when nothing changed
// (IF [NOT] EXISTS). s.mu must be held.
func (s *Server) ddlLocked(p *prepared) (*schemaChange, error) {
	st := p.st
	switch st.kind {
	case stCreateKeyspace:
		if _, ok := s.keyspaces[st.keyspace]; ok {
			if st.ifNot {
				return nil, nil
			}
			return nil, &Error{Code: CodeAlreadyExists, Message: "Keyspace " + st.keyspace + " already exists", Keyspace: st.keyspace}
		}
		s.keyspaces[st.keyspace] = &keyspace{name: st.keyspace, replication: st.replication, durable: st.durable,
			tables: map[string]*table{}}
		return s.changed(&schemaChange{change: "CREATED", target: "KEYSPACE", keyspace: st.keyspace}), nil
	case stCreateTable:
		k, ok := s.keyspaces[p.ref.ks]
		if !ok {
			return nil, invalidf("keyspace %s doesn't exist", p.ref.ks)
		}
		if s.isSystem(k.name) {
			return nil, &Error{Code: 0x2100, Message: "system keyspaces are not modifiable"}
		}
		if _, ok := k.tables[p.ref.name]; ok {
			if st.ifNot {
				return nil, nil
			}
			return nil, &Error{Code: CodeAlreadyExists, Message: "Table " + p.ref.ks + "." + p.ref.name + " already exists",
				Keyspace: p.ref.ks, Table: p.ref.name}
		}
		t, err := newTable(p.ref.ks, p.ref.name, newUUID(), st.def)
		if err != nil {
			return nil, err
		}
		k.tables[t.name] = t
		return s.changed(&schemaChange{change: "CREATED", target: "TABLE", keyspace: t.ks, object: t.name}), nil
	case stDropKeyspace:
		if _, ok := s.keyspaces[st.keyspace]; !ok || s.isSystem(st.keyspace) {
			if st.ifExist && !s.isSystem(st.keyspace) {
				return nil, nil
			}
			return nil, invalidf("cannot drop non existing keyspace '%s'", st.keyspace)
		}
		delete(s.keyspaces, st.keyspace)
		return s.changed(&schemaChange{change: "DROPPED", target: "KEYSPACE", keyspace: st.keyspace}), nil
	case stDropTable:
		k := s.keyspaces[p.ref.ks]
		if k == nil || k.tables[p.ref.name] == nil || s.isSystem(p.ref.ks) {
			if st.ifExist && !s.isSystem(p.ref.ks) {
				return nil, nil
			}
			return nil, invalidf("cannot drop non existing table '%s' in keyspace '%s'", p.ref.name, p.ref.ks)
		}
		delete(k.tables, p.ref.name)
		return s.changed(&schemaChange{change: "DROPPED", target: "TABLE", keyspace: p.ref.ks, object: p.ref.name}), nil
	case stTruncate:
		t, err := s.tableLocked(p.ref)
		if err != nil {
			return nil, err
		}
		if t.virtual != nil {
			return nil, invalidf("cannot truncate a system table")
		}
		t.partitions = map[string]*partition{}
		return nil, nil
	}
	return nil, invalidf("%s is not a schema statement", stmtNames[st.kind])
}

// changed gives the schema a new version, which drivers compare across
// nodes to wait for schema agreement.
func (s *Server) changed(c *schemaChange) *schemaChange {
	s.schemaVersion = newUUID()
	return c
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
