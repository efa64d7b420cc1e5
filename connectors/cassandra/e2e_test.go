package cassandra_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors/cassandra"
	"github.com/retailpulse/retailpulse/connectors/cassandra/cassandratest"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/sidecars/connect/connecttest"
)

// TestEndToEndThroughTheWorker submits compose/connectors/cassandra-sink.json
// to a Connect worker (only the contact point changed) against an empty
// CQL server: the connector creates the keyspace and table, Avro session
// upserts land as rows with the 24 h TTL and the record timestamp as write
// time, a tombstone deletes, a record that is not Avro goes to the dead
// letter queue, and a restarted worker resumes without rewriting or losing
// anything.
func TestEndToEndThroughTheWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker and a worker")
	}
	srv := cassandratest.Start(t)
	s := connecttest.StartStack(t, kclient.TopicSpec{Name: sf, Partitions: 3})
	name, cfg := connecttest.ReadConnectorFile(t, "../../compose/connectors/cassandra-sink.json", map[string]string{
		cassandra.ContactPointsConfig: srv.Host(), cassandra.PortConfig: strconv.Itoa(srv.Port())})
	s.CreateConnector(name, cfg)

	sch, _ := avro.ByName("SessionFeatures")
	ser := s.Serializer(sch.Text)
	base := time.UnixMilli(1_767_225_600_000)
	sessions := func(from, to int) []connecttest.Message {
		var out []connecttest.Message
		for i := from; i < to; i++ {
			id := fmt.Sprintf("s-%02d", i)
			v, err := ser.Serialize(context.Background(), sf, session(id, int32(i+1)))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, connecttest.Message{Key: []byte(id), Value: v, Time: base.Add(time.Duration(i) * time.Millisecond)})
		}
		return out
	}
	s.Produce(sf, sessions(0, 20)...)
	s.Produce(sf, connecttest.Message{Key: []byte("s-03"), Time: base.Add(time.Minute)},
		connecttest.Message{Key: []byte("poison"), Value: []byte("not avro"), Time: base.Add(time.Minute)})

	connecttest.WaitFor(t, "19 sessions in Cassandra", func() error { return rowsAre(srv, 19, "s-03") })
	r := row(t, srv, "s-07")
	if r["user_id"] != "user-s-07" || r["event_count"] != int32(8) {
		t.Errorf("row s-07 = %v", r)
	}
	meta, err := srv.Query(`SELECT TTL(user_id), WRITETIME(user_id) FROM retailpulse.session_features WHERE session_id = 's-07'`)
	if err != nil {
		t.Fatal(err)
	}
	if ttl := meta[0]["ttl(user_id)"]; ttl.(int32) <= 86400-60 {
		t.Errorf("TTL = %v, want 24 h from the compose file", ttl)
	}
	// The write time is the record timestamp; its microseconds carry the
	// offset so same-millisecond records of a key keep their order.
	if wt, want := meta[0]["writetime(user_id)"].(int64), base.Add(7*time.Millisecond).UnixMilli(); wt/1000 != want {
		t.Errorf("WRITETIME = %d µs, want the record timestamp %d ms", wt, want)
	}
	for _, st := range writes(srv) {
		if st.Consistency != "LOCAL_QUORUM" {
			t.Errorf("%s %q at %q, want LOCAL_QUORUM", st.Kind, st.CQL, st.Consistency)
		}
	}
	connecttest.WaitFor(t, "the poison record in the dead letter queue", func() error {
		return s.EndOffsetAtLeast("session-features-dlq", 1)
	})
	if h := s.Headers("session-features-dlq", 1); len(h) != 1 || h[0]["__connect.errors.stage"] != "VALUE_CONVERTER" {
		t.Errorf("dead letter headers %v, want the converter's stage", h)
	}

	group := "connect-" + name
	connecttest.WaitFor(t, "offsets committed", func() error { return s.CaughtUp(group, sf) })
	s.StopWorker(s.Worker)
	srv.ResetStatements()
	s.Worker = s.StartWorker()
	s.Produce(sf, sessions(20, 25)...)
	connecttest.WaitFor(t, "24 sessions after the restart", func() error { return rowsAre(srv, 24, "s-03") })
	for _, st := range writes(srv) {
		for _, v := range st.Values {
			if id, ok := v.(string); ok && strings.HasPrefix(id, "s-") && id < "s-20" {
				t.Errorf("the restarted worker rewrote %s: %s %v", id, st.CQL, st.Values)
			}
		}
	}
}

// rowsAre checks the table holds n sessions and not the deleted one.
func rowsAre(srv *cassandratest.Server, n int, deleted string) error {
	rows, err := srv.Query(`SELECT session_id FROM retailpulse.session_features`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r["session_id"] == deleted {
			return fmt.Errorf("%s still present", deleted)
		}
	}
	if len(rows) != n {
		return fmt.Errorf("%d rows, want %d", len(rows), n)
	}
	return nil
}
