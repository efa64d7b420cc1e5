package cassandra_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/cassandra"
	"github.com/retailpulse/retailpulse/connectors/cassandra/cassandratest"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
)

func validate(t *testing.T, p map[string]string) []connectors.FieldError {
	t.Helper()
	return cassandra.Plugin().NewSink().(connectors.CrossValidator).ValidateConfig(parse(t, p))
}

func TestValidationReadsTheTableAndNamesTheColumn(t *testing.T) {
	srv := startServer(t)
	other := "topic.other.retailpulse.missing.mapping"
	for _, tc := range []struct {
		name    string
		kv      []string
		wantKey string
		wantMsg string
	}{
		{"unknown column", []string{mapKey, sessionMapping() + ", colour=value.colour"}, mapKey, "column colour does not exist in retailpulse.session_features"},
		{"unmapped primary key", []string{mapKey, "user_id=value.user_id"}, mapKey, "primary key column session_id of retailpulse.session_features is not mapped"},
		{"missing table", []string{connectors.TopicsConfig, sf + ",other", other, "a=key"}, other, "table retailpulse.missing does not exist"},
		{"missing keyspace", []string{mapKey, "", "topic." + sf + ".nowhere.t.mapping", "a=key"}, "topic." + sf + ".nowhere.t.mapping", "keyspace nowhere does not exist"},
		{"bad source", []string{mapKey, "session_id=key, user_id=val.user_id"}, mapKey, `"val.user_id" is not key`},
		{"duplicate column", []string{mapKey, "session_id=key, session_id=value.user_id"}, mapKey, "mapped twice"},
		{"unknown setting", []string{tablePfx + "colour", "red"}, tablePfx + "colour", "<setting> one of"},
		{"bad ttl", []string{tablePfx + cassandra.TTLSetting, "-7"}, tablePfx + cassandra.TTLSetting, "-1 (no TTL)"},
		{"bad consistency", []string{tablePfx + cassandra.ConsistencySetting, "SOME"}, tablePfx + cassandra.ConsistencySetting, "LOCAL_QUORUM"},
		{"bad time unit", []string{tablePfx + cassandra.TTLTimeUnitSetting, "WEEKS"}, tablePfx + cassandra.TTLTimeUnitSetting, "SECONDS"},
		{"topic without mapping", []string{connectors.TopicsConfig, sf + ",orphan"}, connectors.TopicsConfig, "topic orphan has no mapping"},
		{"plain auth without user", []string{cassandra.AuthProviderConfig, "PLAIN"}, cassandra.AuthUsernameConfig, "needs auth.username"},
		{"unreachable", []string{cassandra.PortConfig, "1", cassandra.ConnectTimeoutConfig, "300"}, cassandra.ContactPointsConfig, "connecting to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := validate(t, props(srv, tc.kv...))
			if len(errs) != 1 || errs[0].Key != tc.wantKey || !strings.Contains(errs[0].Message, tc.wantMsg) {
				t.Errorf("errors = %v, want one on %s mentioning %q", errs, tc.wantKey, tc.wantMsg)
			}
		})
	}
}

func TestValidationOfOtherTables(t *testing.T) {
	srv := startServer(t)
	if err := srv.Exec(`CREATE TABLE retailpulse.odd (id text PRIMARY KEY, n int)`); err != nil {
		t.Fatal(err)
	}
	key := "topic." + sf + ".retailpulse.odd.mapping"
	errs := validate(t, props(srv, mapKey, "", key, "id=key, n=value.n"))
	if len(errs) != 0 {
		t.Fatalf("supported mapping refused: %v", errs)
	}
	// A table with a clustering column needs it mapped too.
	if err := srv.Exec(`CREATE TABLE retailpulse.clustered (id text, seq int, v text, PRIMARY KEY (id, seq))`); err != nil {
		t.Fatal(err)
	}
	ckey := "topic." + sf + ".retailpulse.clustered.mapping"
	errs = validate(t, props(srv, mapKey, "", ckey, "id=key, v=value.user_id"))
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "primary key column seq") {
		t.Errorf("errors = %v, want the unmapped clustering column", errs)
	}
}

func TestCreatesKeyspaceAndTableWhenAsked(t *testing.T) {
	srv := cassandratest.Start(t)
	p := props(srv, cassandra.KeyspaceCreateConfig, "true", cassandra.TableCreateConfig, "true")
	if errs := validate(t, props(srv)); len(errs) != 1 || !strings.Contains(errs[0].Message, "keyspace retailpulse does not exist") {
		t.Fatalf("without create flags: %v", errs)
	}
	task := startTask(t, &connectortest.SinkContext{Strict: true}, p)
	src := newAvroSource(t)
	if err := task.Put(ctxT(t), []connectors.SinkRecord{src.record(t, "c", session("c", 2), 1_000)}); err != nil {
		t.Fatalf("put: %v", err)
	}
	if r := row(t, srv, "c"); r["event_count"] != int32(2) {
		t.Errorf("row = %v", r)
	}
	cols, err := srv.Query(`SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = 'retailpulse' AND table_name = 'session_features'`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range cols {
		got[c["column_name"].(string)] = c["type"].(string)
	}
	for _, c := range cassandra.SessionFeaturesColumns {
		if got[c[0]] != c[1] {
			t.Errorf("created column %s has type %q, want %q", c[0], got[c[0]], c[1])
		}
	}
	// A mapping that does not fit the layout is refused before creating.
	fresh := cassandratest.Start(t)
	errs := validate(t, props(fresh, cassandra.KeyspaceCreateConfig, "true", cassandra.TableCreateConfig, "true",
		mapKey, "session_id=key, window_end=value.window_end"))
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "column window_end does not exist") {
		t.Errorf("errors = %v, want the column missing from the session-features layout", errs)
	}
}

func TestPlainAuthenticationAndMaskedPassword(t *testing.T) {
	srv := startServer(t, cassandratest.WithCredentials("sink", "pa55"))
	p := props(srv, cassandra.AuthProviderConfig, "PLAIN", cassandra.AuthUsernameConfig, "sink", cassandra.AuthPasswordConfig, "pa55")
	task := startTask(t, &connectortest.SinkContext{Strict: true}, p)
	if err := task.Put(ctxT(t), []connectors.SinkRecord{newAvroSource(t).record(t, "auth", session("auth", 1), 1_000)}); err != nil {
		t.Fatalf("put: %v", err)
	}
	p[cassandra.AuthPasswordConfig] = "wrong"
	errs := validate(t, p)
	if len(errs) != 1 || errs[0].Key != cassandra.ContactPointsConfig || strings.Contains(errs[0].Message, "wrong") {
		t.Errorf("wrong password: %v", errs)
	}
	for _, cv := range taskSpec.Validate(p) {
		if cv.Value != nil && *cv.Value == "wrong" {
			t.Errorf("validate shows the password of %s", cv.Name)
		}
	}
	if _, err := strconv.Atoi(p[cassandra.PortConfig]); err != nil {
		t.Fatal(err)
	}
}
