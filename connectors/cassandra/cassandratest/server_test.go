package cassandratest_test

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocql/gocql"

	"github.com/retailpulse/retailpulse/connectors/cassandra/cassandratest"
)

const schema = `CREATE TABLE ks.t (id text, seq int, name text, n bigint, tags frozen<list<text>>,
	counts map<text, int>, at timestamp, PRIMARY KEY (id, seq))`

func setup(t *testing.T, opts ...cassandratest.Option) (*cassandratest.Server, *gocql.Session) {
	t.Helper()
	srv := withSchema(t, opts...)
	return srv, connect(t, srv, nil)
}

func withSchema(t *testing.T, opts ...cassandratest.Option) *cassandratest.Server {
	t.Helper()
	srv := cassandratest.Start(t, opts...)
	for _, ddl := range []string{
		`CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`, schema,
	} {
		if err := srv.Exec(ddl); err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
	}
	return srv
}

func connect(t *testing.T, srv *cassandratest.Server, auth gocql.Authenticator) *gocql.Session {
	t.Helper()
	cluster := gocql.NewCluster(srv.Host())
	cluster.Port = srv.Port()
	cluster.Timeout = 5 * time.Second
	cluster.ConnectTimeout = 5 * time.Second
	cluster.Authenticator = auth
	cluster.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.DCAwareRoundRobinPolicy("datacenter1"))
	session, err := cluster.CreateSession()
	if err != nil {
		t.Fatalf("gocql connecting: %v", err)
	}
	t.Cleanup(session.Close)
	return session
}

func TestGocqlWritesAndReadsThroughTheProtocol(t *testing.T) {
	srv, session := setup(t)
	at := time.UnixMilli(1_700_000_000_123).UTC()
	insert := `INSERT INTO ks.t (id, seq, name, n, tags, counts, at) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ? AND TIMESTAMP ?`
	if err := session.Query(insert, "a", 1, "first", int64(7), []string{"x", "y"}, map[string]int{"k": 2}, at, 60, int64(1000)).
		Consistency(gocql.LocalQuorum).Exec(); err != nil {
		t.Fatalf("insert: %v", err)
	}
	var (
		name   string
		n      int64
		tags   []string
		counts map[string]int
		got    time.Time
		ttl    int
		wt     int64
	)
	if err := session.Query(`SELECT name, n, tags, counts, at, TTL(name), WRITETIME(name) FROM ks.t WHERE id = ? AND seq = ?`, "a", 1).
		Scan(&name, &n, &tags, &counts, &got, &ttl, &wt); err != nil {
		t.Fatalf("select: %v", err)
	}
	if name != "first" || n != 7 || !reflect.DeepEqual(tags, []string{"x", "y"}) || counts["k"] != 2 || !got.Equal(at) ||
		ttl < 59 || ttl > 60 || wt != 1000 {
		t.Errorf("read back %q %d %v %v %v ttl=%d writetime=%d", name, n, tags, counts, got, ttl, wt)
	}
	// PREPARED carries the partition key indexes token-aware routing hashes.
	if rk, err := session.Query(insert, "routed", 1, "", int64(0), nil, nil, at, 1, int64(1)).GetRoutingKey(); err != nil || string(rk) != "routed" {
		t.Errorf("routing key = %q, %v; want the partition key", rk, err)
	}
	stmts := srv.Statements()
	if len(stmts) != 2 || stmts[0].Kind != "EXECUTE" || stmts[0].Consistency != "LOCAL_QUORUM" ||
		stmts[0].Values[7] != int32(60) || stmts[0].Values[8] != int64(1000) || stmts[0].Partitions != 1 {
		t.Errorf("journal = %+v", stmts)
	}
}

func TestWriteTimestampsDecide(t *testing.T) {
	srv, session := setup(t)
	write := func(name string, ts int64) {
		t.Helper()
		if err := session.Query(`INSERT INTO ks.t (id, seq, name) VALUES (?, ?, ?) USING TIMESTAMP ?`, "k", 1, name, ts).Exec(); err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	write("new", 200)
	write("old", 100) // a replay of an older write changes nothing
	if err := session.Query(`DELETE FROM ks.t USING TIMESTAMP 150 WHERE id = ? AND seq = ?`, "k", 1).Exec(); err != nil {
		t.Fatalf("delete: %v", err)
	}
	rows, err := srv.Query(`SELECT name FROM ks.t WHERE id = 'k' AND seq = 1`)
	if err != nil || len(rows) != 1 || rows[0]["name"] != "new" {
		t.Fatalf("after older write and older delete: %v %v", rows, err)
	}
	if err := session.Query(`DELETE FROM ks.t USING TIMESTAMP 300 WHERE id = ? AND seq = ?`, "k", 1).Exec(); err != nil {
		t.Fatalf("delete: %v", err)
	}
	write("resurrected?", 250) // older than the tombstone: stays deleted
	if rows, _ := srv.Query(`SELECT * FROM ks.t WHERE id = 'k'`); len(rows) != 0 {
		t.Errorf("row visible after a newer delete: %v", rows)
	}
	write("later", 400)
	if rows, _ := srv.Query(`SELECT name, n FROM ks.t WHERE id = 'k'`); len(rows) != 1 || rows[0]["name"] != "later" || rows[0]["n"] != nil {
		t.Errorf("after a write newer than the delete: %v", rows)
	}
}

func TestTTLExpiresWithTheClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv, session := setup(t, cassandratest.WithClock(clock))
	if err := session.Query(`INSERT INTO ks.t (id, seq, name) VALUES (?, ?, ?) USING TTL 10`, "e", 1, "x").Exec(); err != nil {
		t.Fatalf("insert: %v", err)
	}
	mu.Lock()
	now = now.Add(9 * time.Second)
	mu.Unlock()
	if rows, _ := srv.Query(`SELECT TTL(name) FROM ks.t WHERE id = 'e'`); len(rows) != 1 || rows[0]["ttl(name)"] != int32(1) {
		t.Fatalf("after 9 s: %v", rows)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if rows, _ := srv.Query(`SELECT * FROM ks.t WHERE id = 'e'`); len(rows) != 0 {
		t.Errorf("row alive after its TTL: %v", rows)
	}
}

func TestBatchesAreRecordedAndLimited(t *testing.T) {
	srv, session := setup(t, cassandratest.WithMaxMutationBytes(200))
	b := session.NewBatch(gocql.UnloggedBatch)
	b.SetConsistency(gocql.LocalOne)
	b.Query(`INSERT INTO ks.t (id, seq, name) VALUES (?, ?, ?)`, "p", 1, "a")
	b.Query(`INSERT INTO ks.t (id, seq, name) VALUES (?, ?, ?)`, "p", 2, "b")
	if err := session.ExecuteBatch(b); err != nil {
		t.Fatalf("batch: %v", err)
	}
	st := srv.Statements()
	if len(st) != 1 || st[0].Kind != "BATCH" || st[0].BatchType != "UNLOGGED" || st[0].Consistency != "LOCAL_ONE" ||
		len(st[0].Children) != 2 || st[0].Partitions != 1 || st[0].Children[1].Values[1] != int32(2) {
		t.Fatalf("journal = %+v", st)
	}
	big := session.NewBatch(gocql.UnloggedBatch)
	big.Query(`INSERT INTO ks.t (id, seq, name) VALUES (?, ?, ?)`, "p", 3, strings.Repeat("x", 150))
	big.Query(`INSERT INTO ks.t (id, seq, name) VALUES (?, ?, ?)`, "p", 4, strings.Repeat("y", 150))
	err := session.ExecuteBatch(big)
	var reqErr gocql.RequestError
	if !errors.As(err, &reqErr) || reqErr.Code() != cassandratest.CodeInvalid || !strings.Contains(err.Error(), "oversized mutation") {
		t.Fatalf("oversized batch: %v", err)
	}
	if rows, _ := srv.Query(`SELECT COUNT(*) FROM ks.t WHERE id = 'p'`); rows[0]["count"] != int64(2) {
		t.Errorf("a refused batch wrote rows: %v", rows)
	}
}

func TestInjectedFaults(t *testing.T) {
	srv, session := setup(t)
	srv.InjectFault(cassandratest.Fault{Kind: cassandratest.WriteTimeout, Times: 1, Applied: true})
	srv.InjectFault(cassandratest.Fault{Kind: cassandratest.Unavailable, Times: 1})
	q := func() error {
		return session.Query(`INSERT INTO ks.t (id, seq, name) VALUES (?, ?, ?)`, "f", 1, "v").
			RetryPolicy(&gocql.SimpleRetryPolicy{NumRetries: 0}).Exec()
	}
	var wt *gocql.RequestErrWriteTimeout
	if err := q(); !errors.As(err, &wt) {
		t.Fatalf("first write: %v, want a write timeout", err)
	}
	if rows, _ := srv.Query(`SELECT name FROM ks.t WHERE id = 'f'`); len(rows) != 1 {
		t.Errorf("an Applied write timeout did not write")
	}
	var un *gocql.RequestErrUnavailable
	if err := q(); !errors.As(err, &un) {
		t.Fatalf("second write: %v, want unavailable", err)
	}
	if err := q(); err != nil {
		t.Fatalf("third write: %v", err)
	}
	var errs []int
	for _, s := range srv.Statements() {
		errs = append(errs, s.Err)
	}
	if !reflect.DeepEqual(errs, []int{cassandratest.CodeWriteTimeout, cassandratest.CodeUnavailable, 0}) {
		t.Errorf("journal error codes = %x", errs)
	}
}

func TestAuthenticationAndMetadata(t *testing.T) {
	srv := withSchema(t, cassandratest.WithCredentials("cassandra", "secret"))
	session := connect(t, srv, gocql.PasswordAuthenticator{Username: "cassandra", Password: "secret"})
	md, err := session.KeyspaceMetadata("ks")
	if err != nil {
		t.Fatalf("keyspace metadata: %v", err)
	}
	tbl := md.Tables["t"]
	if tbl == nil || len(tbl.PartitionKey) != 1 || tbl.PartitionKey[0].Name != "id" || len(tbl.ClusteringColumns) != 1 ||
		tbl.Columns["counts"].Type.Type() != gocql.TypeMap {
		t.Fatalf("table metadata = %+v", tbl)
	}
	cluster := gocql.NewCluster(srv.Host())
	cluster.Port = srv.Port()
	cluster.Authenticator = gocql.PasswordAuthenticator{Username: "cassandra", Password: "wrong"}
	cluster.ConnectTimeout = 2 * time.Second
	if s, err := cluster.CreateSession(); err == nil {
		s.Close()
		t.Fatal("connected with a wrong password")
	}
}

func TestUnpreparedIsReprepared(t *testing.T) {
	srv, session := setup(t)
	ins := func(seq int) {
		t.Helper()
		if err := session.Query(`INSERT INTO ks.t (id, seq) VALUES (?, ?)`, "u", seq).Exec(); err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	ins(1)
	srv.ForgetPrepared()
	ins(2)
	if rows, _ := srv.Query(`SELECT seq FROM ks.t WHERE id = 'u'`); len(rows) != 2 {
		t.Errorf("rows = %v", rows)
	}
}
