package cassandratest_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gocql/gocql"

	"github.com/retailpulse/retailpulse/connectors/cassandra/cassandratest"
)

func TestRefusedStatementsNameTheProblem(t *testing.T) {
	srv := withSchema(t)
	for _, tc := range []struct {
		cql  string
		code int
		want string
	}{
		{`SELEKT * FROM ks.t`, cassandratest.CodeSyntaxError, "no viable alternative"},
		{`SELECT * FROM ks.t WHERE id = 'x`, cassandratest.CodeSyntaxError, "unterminated"},
		{`SELECT * FROM ks.nope`, cassandratest.CodeInvalid, "unconfigured table nope"},
		{`SELECT * FROM nowhere.t`, cassandratest.CodeInvalid, "keyspace nowhere does not exist"},
		{`SELECT colour FROM ks.t`, cassandratest.CodeInvalid, "undefined column name colour"},
		{`INSERT INTO ks.t (id, name) VALUES ('a', 'b')`, cassandratest.CodeInvalid, "clustering keys are missing: seq"},
		{`INSERT INTO ks.t (seq, name) VALUES (1, 'b')`, cassandratest.CodeInvalid, "partition key parts are missing: id"},
		{`INSERT INTO ks.t (id, seq) VALUES ('a')`, cassandratest.CodeInvalid, "unmatched column names/values"},
		{`INSERT INTO ks.t (id, seq, n) VALUES ('a', 1, 'text')`, cassandratest.CodeInvalid, "invalid STRING constant"},
		{`INSERT INTO ks.t (id, seq) VALUES ('a', 1) IF NOT EXISTS`, cassandratest.CodeInvalid, "lightweight transaction"},
		{`INSERT INTO ks.t (id, seq) VALUES ('a', 1) USING TTL 999999999`, cassandratest.CodeInvalid, "ttl is too large"},
		{`UPDATE ks.t SET id = 'b' WHERE id = 'a' AND seq = 1`, cassandratest.CodeInvalid, "PRIMARY KEY part id found in SET part"},
		{`UPDATE ks.t SET counts = counts + {'a': 1} WHERE id = 'a' AND seq = 1`, cassandratest.CodeInvalid, "arithmetic is not modeled"},
		{`DELETE FROM ks.t WHERE seq = 1`, cassandratest.CodeInvalid, "partition key parts are missing"},
		{`CREATE TABLE ks.c (id text PRIMARY KEY, n counter)`, cassandratest.CodeInvalid, "type counter is not modeled"},
		{`CREATE TABLE ks.t (id text PRIMARY KEY)`, cassandratest.CodeAlreadyExists, "already exists"},
		{`CREATE TABLE ks.nopk (id text)`, cassandratest.CodeInvalid, "no PRIMARY KEY"},
		{`CREATE INDEX ON ks.t (name)`, cassandratest.CodeInvalid, "only CREATE KEYSPACE and CREATE TABLE"},
		{`BEGIN BATCH INSERT INTO ks.t (id, seq) VALUES ('a', 1) APPLY BATCH`, cassandratest.CodeInvalid, "protocol BATCH"},
		{`INSERT INTO system.local (key) VALUES ('x')`, 0x2100, "not modifiable"},
	} {
		err := srv.Exec(tc.cql)
		var cerr *cassandratest.Error
		if !errors.As(err, &cerr) || cerr.Code != tc.code || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want code 0x%x mentioning %q", tc.cql, err, tc.code, tc.want)
		}
	}
}

func TestSelectsFilterLimitAndPage(t *testing.T) {
	srv, session := setup(t)
	for i := 0; i < 25; i++ {
		if err := srv.Exec(`INSERT INTO ks.t (id, seq, name) VALUES (?, ?, ?)`, fmt.Sprintf("p%d", i%3), i, fmt.Sprint(i%2)); err != nil {
			t.Fatal(err)
		}
	}
	count := func(cql string, args ...any) int {
		t.Helper()
		rows, err := srv.Query(cql, args...)
		if err != nil {
			t.Fatalf("%s: %v", cql, err)
		}
		return len(rows)
	}
	if n := count(`SELECT * FROM ks.t WHERE id IN ('p0', 'p1')`); n != 17 {
		t.Errorf("IN: %d rows, want 17", n)
	}
	if n := count(`SELECT * FROM ks.t WHERE id = 'p0' AND name = '1'`); n != 4 {
		t.Errorf("filter: %d rows, want 4", n)
	}
	if n := count(`SELECT seq FROM ks.t WHERE id = ? LIMIT ?`, "p2", 3); n != 3 {
		t.Errorf("LIMIT: %d rows, want 3", n)
	}
	// gocql pages through with the paging state.
	iter := session.Query(`SELECT seq FROM ks.t`).PageSize(4).Iter()
	var seq int
	var seen []int
	for iter.Scan(&seq) {
		seen = append(seen, seq)
	}
	if err := iter.Close(); err != nil || len(seen) != 25 {
		t.Errorf("paged scan saw %d rows (%v), want 25", len(seen), err)
	}
	var n int64
	if err := session.Query(`SELECT COUNT(*) FROM ks.t WHERE id = 'p1'`).Scan(&n); err != nil || n != 8 {
		t.Errorf("COUNT(*) = %d, %v; want 8", n, err)
	}
}

func TestSchemaThroughTheDriver(t *testing.T) {
	srv, session := setup(t)
	if err := session.Query(`CREATE KEYSPACE IF NOT EXISTS k2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`).Exec(); err != nil {
		t.Fatal(err)
	}
	if err := session.Query(`CREATE TABLE k2."Mixed" ("Id" text, at timestamp, v map<int, boolean>, PRIMARY KEY ("Id", at)) WITH CLUSTERING ORDER BY (at DESC) AND comment = 'x'`).Exec(); err != nil {
		t.Fatal(err)
	}
	if err := session.Query(`CREATE TABLE k2."Mixed" ("Id" text PRIMARY KEY)`).Exec(); err == nil {
		t.Error("second CREATE TABLE without IF NOT EXISTS succeeded")
	}
	rows, err := srv.Query(`SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = 'k2' AND table_name = 'Mixed'`)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"column_name": "Id", "kind": "partition_key", "position": int32(0), "clustering_order": "none", "type": "text"},
		{"column_name": "at", "kind": "clustering", "position": int32(0), "clustering_order": "desc", "type": "timestamp"},
		{"column_name": "v", "kind": "regular", "position": int32(-1), "clustering_order": "none", "type": "map<int, boolean>"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("system_schema.columns:\n got %v\nwant %v", rows, want)
	}
	if err := session.Query(`INSERT INTO k2."Mixed" ("Id", at, v) VALUES (?, ?, ?)`, "a", int64(5), map[int]bool{3: true}).Exec(); err != nil {
		t.Fatal(err)
	}
	got, _ := srv.Query(`SELECT v FROM k2."Mixed" WHERE "Id" = 'a'`)
	if len(got) != 1 || !reflect.DeepEqual(got[0]["v"], map[any]any{int32(3): true}) {
		t.Errorf("map<int, boolean> read back as %v", got)
	}
	if err := session.Query(`TRUNCATE k2."Mixed"`).Exec(); err != nil {
		t.Fatal(err)
	}
	if err := session.Query(`DROP KEYSPACE k2`).Exec(); err != nil {
		t.Fatal(err)
	}
	// The driver drops its cached metadata on the SCHEMA_CHANGE event,
	// which it debounces for up to a second.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := session.KeyspaceMetadata("k2")
		if errors.Is(err, gocql.ErrKeyspaceDoesNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metadata after DROP KEYSPACE: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSessionKeyspaceAndUnset(t *testing.T) {
	srv := withSchema(t)
	cluster := gocql.NewCluster(srv.Host())
	cluster.Port, cluster.Keyspace = srv.Port(), "ks"
	session, err := cluster.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	if err := session.Query(`INSERT INTO t (id, seq, name, n) VALUES (?, ?, ?, ?)`, "u", 1, "keep", int64(1)).Exec(); err != nil {
		t.Fatal(err)
	}
	// Unset leaves name alone; null deletes n.
	if err := session.Query(`INSERT INTO t (id, seq, name, n) VALUES (?, ?, ?, ?)`, "u", 1, gocql.UnsetValue, nil).Exec(); err != nil {
		t.Fatal(err)
	}
	rows, _ := srv.Query(`SELECT name, n FROM ks.t WHERE id = 'u'`)
	if len(rows) != 1 || rows[0]["name"] != "keep" || rows[0]["n"] != nil {
		t.Errorf("after unset name and null n: %v", rows)
	}
	st := srv.Statements()
	if last := st[len(st)-1]; last.Values[2] != cassandratest.Unset || last.Values[3] != nil {
		t.Errorf("journal values %v, want Unset and nil", last.Values)
	}
}
