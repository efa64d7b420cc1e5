package cassandra_test

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/cassandra"
	"github.com/retailpulse/retailpulse/connectors/cassandra/cassandratest"
	"github.com/retailpulse/retailpulse/sidecars/connect/connecttest"
)

var updateSchema = flag.Bool("update-schema", false, "rewrite compose/cassandra/schema.cql from the Go layout")

var schemaFile = filepath.Join("..", "..", "compose", "cassandra", "schema.cql")

const schemaHeader = `-- The warm tier: one row per storefront session, upserted by CassandraSink
-- (compose/connectors/cassandra-sink.json) from topic session-features.
-- Generated from connectors/cassandra (SessionFeaturesColumns). After a
-- change there run: go test ./connectors/cassandra/ -run TestComposeSchema -update-schema
`

func expectedSchema() string {
	return schemaHeader + "\n" + cassandra.CreateKeyspaceCQL("retailpulse", cassandra.DefaultReplication) + ";\n\n" +
		cassandra.CreateSessionFeaturesCQL("retailpulse", "session_features") + ";\n"
}

// TestComposeSchemaMatchesTableCreate keeps the CQL compose runs and the
// table the connector creates identical, and checks that it executes.
func TestComposeSchemaMatchesTableCreate(t *testing.T) {
	if *updateSchema {
		if err := os.WriteFile(schemaFile, []byte(expectedSchema()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("reading %s: %v", schemaFile, err)
	}
	if string(got) != expectedSchema() {
		t.Fatalf("%s differs from the connector's layout; rerun with -update-schema:\n%s", schemaFile, got)
	}
	srv := cassandratest.Start(t)
	for _, stmt := range strings.Split(string(got), ";\n") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		if cql := strings.TrimSpace(strings.Join(lines, "\n")); cql != "" {
			if err := srv.Exec(cql); err != nil {
				t.Errorf("executing %q: %v", cql, err)
			}
		}
	}
	if rows, err := srv.Query(`SELECT COUNT(*) FROM system_schema.columns WHERE keyspace_name = 'retailpulse' AND table_name = 'session_features'`); err != nil ||
		rows[0]["count"] != int64(len(cassandra.SessionFeaturesColumns)) {
		t.Errorf("columns after running the schema: %v %v", rows, err)
	}
}

// TestComposeConnectorConfigValidates submits the shipped connector config
// (pointed at the test server) to the connector's validation.
func TestComposeConnectorConfigValidates(t *testing.T) {
	srv := cassandratest.Start(t)
	name, cfg := connecttest.ReadConnectorFile(t, filepath.Join("..", "..", "compose", "connectors", "cassandra-sink.json"),
		map[string]string{cassandra.ContactPointsConfig: srv.Host(), cassandra.PortConfig: strconv.Itoa(srv.Port())})
	if cfg[connectors.ConnectorClassConfig] != cassandra.Class || name == "" {
		t.Fatalf("connector.class %q, name %q", cfg[connectors.ConnectorClassConfig], name)
	}
	cfg[connectors.NameConfig] = name
	if errs := validate(t, cfg); len(errs) != 0 {
		t.Errorf("shipped config refused: %v", errs)
	}
	if cfg["topic.session-features.retailpulse.session_features.mapping"] != sessionMapping() {
		t.Errorf("shipped mapping differs from one column per SessionFeatures field")
	}
}
