package cassandra_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/cassandra"
	"github.com/retailpulse/retailpulse/connectors/cassandra/cassandratest"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/connectors/converters"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

const (
	sf        = topics.SessionFeatures
	ks        = "retailpulse"
	tbl       = "session_features"
	mapKey    = "topic." + sf + "." + ks + "." + tbl + ".mapping"
	tablePfx  = "topic." + sf + "." + ks + "." + tbl + "."
	testLimit = 20 * time.Second
)

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testLimit)
	t.Cleanup(cancel)
	return ctx
}

// sessionMapping maps every SessionFeatures field to its column, the
// session id from the record key.
func sessionMapping() string {
	var parts []string
	for _, c := range cassandra.SessionFeaturesColumns {
		src := "value." + c[0]
		if c[0] == "session_id" {
			src = "key"
		}
		parts = append(parts, c[0]+"="+src)
	}
	return strings.Join(parts, ", ")
}

// startServer runs the CQL test server with the session-features table.
func startServer(t testing.TB, opts ...cassandratest.Option) *cassandratest.Server {
	t.Helper()
	srv := cassandratest.Start(t, opts...)
	for _, cql := range []string{cassandra.CreateKeyspaceCQL(ks, cassandra.DefaultReplication), cassandra.CreateSessionFeaturesCQL(ks, tbl)} {
		if err := srv.Exec(cql); err != nil {
			t.Fatalf("%s: %v", cql, err)
		}
	}
	return srv
}

var taskSpec = connectors.CommonSpec.Merge(connectors.SinkSpec, cassandra.Spec)

func props(srv *cassandratest.Server, kv ...string) map[string]string {
	p := map[string]string{
		connectors.NameConfig: "cassandra-test", connectors.ConnectorClassConfig: cassandra.Alias,
		connectors.TopicsConfig: sf, cassandra.ContactPointsConfig: srv.Host(), cassandra.PortConfig: strconv.Itoa(srv.Port()),
		cassandra.LocalDCConfig: "datacenter1", cassandra.ConnectTimeoutConfig: "2000", mapKey: sessionMapping(),
		cassandra.MinBackoffConfig: "5", cassandra.MaxBackoffConfig: "20",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(p, kv[i]) // "" removes a key
			continue
		}
		p[kv[i]] = kv[i+1]
	}
	return p
}

func parse(t testing.TB, p map[string]string) *connectors.Config {
	t.Helper()
	cfg, err := taskSpec.Parse(p)
	if err != nil {
		t.Fatalf("parsing config: %v", err)
	}
	return cfg
}

// startTask runs connector validation and start, then a task, through the
// SPI as the worker does.
func startTask(t testing.TB, tctx *connectortest.SinkContext, p map[string]string) connectors.SinkTask {
	t.Helper()
	return connectortest.StartSinkTask(t, cassandra.Plugin(), tctx, parse(t, p))
}

// avroSource makes SinkRecords as the worker does: values serialized in
// the Confluent wire format and decoded by the real AvroConverter.
type avroSource struct {
	ser  *serde.Serializer
	conv *converters.Avro
	next int64
}

func newAvroSource(t testing.TB) *avroSource {
	t.Helper()
	sch, _ := avro.ByName("SessionFeatures")
	reg := serdetest.NewServer(t)
	client, err := serde.NewClient(reg.URL())
	if err != nil {
		t.Fatalf("creating registry client: %v", err)
	}
	ser, err := serde.NewSerializer(client, serde.WithSchema(sch.Text))
	if err != nil {
		t.Fatalf("creating serializer: %v", err)
	}
	conv, err := converters.NewAvro(client, false)
	if err != nil {
		t.Fatalf("creating converter: %v", err)
	}
	return &avroSource{ser: ser, conv: conv}
}

// record is the next record of session-features partition 0, at
// timestamp tsMillis; v nil makes a tombstone.
func (s *avroSource) record(t testing.TB, key string, v *avro.SessionFeatures, tsMillis int64) connectors.SinkRecord {
	t.Helper()
	var value any
	var schema *connectors.Schema
	if v != nil {
		data, err := s.ser.Serialize(ctxT(t), sf, v)
		if err != nil {
			t.Fatalf("serializing: %v", err)
		}
		if schema, value, err = s.conv.ToConnect(ctxT(t), sf, nil, data); err != nil {
			t.Fatalf("converting: %v", err)
		}
	}
	off := s.next
	s.next++
	return connectors.SinkRecord{
		Record: connectors.Record{Topic: sf, Key: key, KeySchema: connectors.Primitive(connectors.String), Value: value,
			ValueSchema: schema, Timestamp: time.UnixMilli(tsMillis)},
		Offset: off, TimestampType: connectors.CreateTime, OriginalTopic: sf, OriginalOffset: off,
	}
}

func session(id string, events int32) *avro.SessionFeatures {
	start := time.UnixMilli(1_700_000_000_000).UTC()
	return &avro.SessionFeatures{
		SessionID: id, UserID: "user-" + id, StartedAt: start, LastEventAt: start.Add(time.Duration(events) * time.Second),
		EventCount: events, ProductViews: events / 2, Clicks: 1, CartAdds: 1, RecentItems: []string{"i2", "i1"},
		CartItems: map[string]int32{"i1": 2}, CartValue: 39.98, Categories: map[string]int32{"shoes": events},
		DurationMS: int64(events) * 1000,
	}
}

func row(t testing.TB, srv *cassandratest.Server, id string) map[string]any {
	t.Helper()
	rows, err := srv.Query(`SELECT * FROM retailpulse.session_features WHERE session_id = ?`, id)
	if err != nil {
		t.Fatalf("selecting %s: %v", id, err)
	}
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}

// writes returns the recorded data statements (not schema queries).
func writes(srv *cassandratest.Server) []cassandratest.Statement {
	var out []cassandratest.Statement
	for _, s := range srv.Statements() {
		if s.Kind == "BATCH" || strings.HasPrefix(s.CQL, "INSERT") || strings.HasPrefix(s.CQL, "DELETE") {
			out = append(out, s)
		}
	}
	return out
}
