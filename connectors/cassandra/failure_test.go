package cassandra_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/cassandra"
	"github.com/retailpulse/retailpulse/connectors/cassandra/cassandratest"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
)

func isWrite(s cassandratest.Statement) bool {
	return s.Kind == "BATCH" || strings.HasPrefix(s.CQL, "INSERT") || strings.HasPrefix(s.CQL, "DELETE")
}

func TestTransientFailuresAreRetriedWithBackoff(t *testing.T) {
	srv := startServer(t)
	task := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv, cassandra.MinBackoffConfig, "20", cassandra.MaxBackoffConfig, "40"))
	src := newAvroSource(t)
	// The first attempt times out after writing (the retry must be
	// idempotent), the next two find replicas down or the node overloaded.
	srv.InjectFault(cassandratest.Fault{Kind: cassandratest.WriteTimeout, Times: 1, Applied: true, Match: isWrite})
	srv.InjectFault(cassandratest.Fault{Kind: cassandratest.Unavailable, Times: 1, Match: isWrite})
	srv.InjectFault(cassandratest.Fault{Kind: cassandratest.Overloaded, Times: 1, Match: isWrite})
	start := time.Now()
	if err := task.Put(ctxT(t), []connectors.SinkRecord{src.record(t, "r", session("r", 3), 1_000)}); err != nil {
		t.Fatalf("put: %v", err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("three retries took %v: no backoff", d)
	}
	var codes []int
	for _, s := range writes(srv) {
		codes = append(codes, s.Err)
	}
	want := []int{cassandratest.CodeWriteTimeout, cassandratest.CodeUnavailable, cassandratest.CodeOverloaded, 0}
	if len(codes) != len(want) || codes[0] != want[0] || codes[1] != want[1] || codes[2] != want[2] || codes[3] != 0 {
		t.Errorf("attempts answered %x, want %x", codes, want)
	}
	if r := row(t, srv, "r"); r["event_count"] != int32(3) {
		t.Errorf("row = %v", r)
	}
}

func TestOutageFailsBatchRetriablyAndRestartLosesNothing(t *testing.T) {
	srv := startServer(t)
	p := props(srv, cassandra.MaxRetriesConfig, "2")
	task := startTask(t, &connectortest.SinkContext{Strict: true}, p)
	src := newAvroSource(t)
	batch := []connectors.SinkRecord{
		src.record(t, "a", session("a", 1), 1_000), src.record(t, "b", session("b", 2), 1_001),
		src.record(t, "a", session("a", 5), 1_002),
	}
	srv.InjectFault(cassandratest.Fault{Kind: cassandratest.WriteTimeout, Match: func(s cassandratest.Statement) bool {
		return isWrite(s) && s.Kind == "BATCH" // the two records of a fail, b goes through
	}})
	err := task.Put(ctxT(t), batch)
	if !errors.Is(err, connectors.ErrRetriable) {
		t.Fatalf("put during an outage = %v, want ErrRetriable", err)
	}
	if n := len(writes(srv)); n != 4 {
		t.Errorf("%d write attempts, want 1 for b and 1+2 retries for a", n)
	}
	// The worker did not commit; a restarted task gets the same records.
	_ = task.Stop()
	srv.ClearFaults()
	restarted := startTask(t, &connectortest.SinkContext{Strict: true}, p)
	if err := restarted.Put(ctxT(t), batch); err != nil {
		t.Fatalf("put after restart: %v", err)
	}
	if a, b := row(t, srv, "a"), row(t, srv, "b"); a["event_count"] != int32(5) || b["event_count"] != int32(2) {
		t.Errorf("after restart a=%v b=%v", a, b)
	}
}

func TestPoisonRecordsGoThroughTheReporter(t *testing.T) {
	srv := startServer(t, cassandratest.WithMaxMutationBytes(2048))
	src := newAvroSource(t)
	huge := session("huge", 1)
	huge.RecentItems = []string{strings.Repeat("z", 4096)}
	notANumber := connectors.SinkRecord{Record: connectors.Record{Topic: sf, Key: "nan",
		Value: map[string]any{"user_id": "u", "event_count": "many"}}, Offset: 77}
	batch := []connectors.SinkRecord{
		src.record(t, "ok1", session("ok1", 1), 1_000),
		notANumber,
		src.record(t, "huge", huge, 1_001),
		src.record(t, "ok1", session("ok1", 2), 1_002),
		src.record(t, "ok2", session("ok2", 1), 1_003),
	}
	partial := "session_id=key, user_id=value.user_id, event_count=value.event_count, recent_items=value.recent_items"
	wantKinds := []error{cassandra.ErrRecord, cassandra.ErrWrite}

	tctx := &connectortest.SinkContext{}
	task := startTask(t, tctx, props(srv, mapKey, partial))
	if err := task.Put(ctxT(t), batch); err != nil {
		t.Fatalf("put with errors.tolerance=all: %v", err)
	}
	reports := tctx.Reported()
	if len(reports) != 2 || reports[0].Record.Key != "nan" || reports[1].Record.Key != "huge" {
		t.Fatalf("reports = %+v, want the unconvertible record then the oversized one", reports)
	}
	for i, want := range wantKinds {
		if !errors.Is(reports[i].Err, want) {
			t.Errorf("report %d = %v, want %v", i, reports[i].Err, want)
		}
	}
	if !strings.Contains(reports[0].Err.Error(), "event_count") || !strings.Contains(reports[1].Err.Error(), "oversized") {
		t.Errorf("reports do not name the column / the cause: %v; %v", reports[0].Err, reports[1].Err)
	}
	if a, b := row(t, srv, "ok1"), row(t, srv, "ok2"); a["event_count"] != int32(2) || b == nil {
		t.Errorf("good records not written: ok1=%v ok2=%v", a, b)
	}

	strict := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv, mapKey, partial))
	if err := strict.Put(ctxT(t), batch); !errors.Is(err, connectors.ErrToleranceExceeded) {
		t.Errorf("put with errors.tolerance=none = %v, want ErrToleranceExceeded", err)
	}

	for _, ignore := range []string{cassandra.IgnoreAll, "true"} {
		quiet := &connectortest.SinkContext{Strict: true}
		task := startTask(t, quiet, props(srv, mapKey, partial, cassandra.IgnoreErrorsConfig, ignore))
		if err := task.Put(ctxT(t), batch); err != nil || len(quiet.Reported()) != 0 {
			t.Errorf("ignoreErrors=%s: put = %v with %d reports, want both skipped silently", ignore, err, len(quiet.Reported()))
		}
	}
	driver := &connectortest.SinkContext{}
	task = startTask(t, driver, props(srv, mapKey, partial, cassandra.IgnoreErrorsConfig, cassandra.IgnoreDriver))
	if err := task.Put(ctxT(t), batch); err != nil {
		t.Fatalf("put: %v", err)
	}
	if r := driver.Reported(); len(r) != 1 || r[0].Record.Key != "nan" {
		t.Errorf("ignoreErrors=Driver reports = %+v, want only the mapping failure", r)
	}
}

func TestIgnoreErrorsSkipsAnOutage(t *testing.T) {
	srv := startServer(t)
	src := newAvroSource(t)
	batch := []connectors.SinkRecord{src.record(t, "x", session("x", 1), 1_000)}
	srv.InjectFault(cassandratest.Fault{Kind: cassandratest.Unavailable, Match: isWrite})
	strict := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv, cassandra.MaxRetriesConfig, "1"))
	if err := strict.Put(ctxT(t), batch); !errors.Is(err, connectors.ErrRetriable) {
		t.Fatalf("put = %v, want ErrRetriable", err)
	}
	lenient := startTask(t, &connectortest.SinkContext{Strict: true}, props(srv, cassandra.MaxRetriesConfig, "1", cassandra.IgnoreErrorsConfig, cassandra.IgnoreDriver))
	if err := lenient.Put(ctxT(t), batch); err != nil {
		t.Errorf("put with ignoreErrors=Driver = %v, want the records skipped", err)
	}
}
