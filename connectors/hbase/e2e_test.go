package hbase_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/hbase"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/sidecars/connect/connecttest"
)

// TestEndToEndThroughTheWorker runs the sink in the Connect worker on the
// embedded broker: Avro profile updates produced to profile-updates reach
// HBase through the REST-registered connector (with its ReplaceField
// transform and dead letter queue), and a second connector replaying the
// topic from the start (a new consumer group) leaves every counter as it
// was.
func TestEndToEndThroughTheWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker and a worker")
	}
	e := newEnv(t)
	e.createProfileTable()
	// The dead letter queue is left for the worker to create.
	s := connecttest.StartStack(t, kclient.TopicSpec{Name: topics.ProfileUpdates, Partitions: 3})

	updates := workload(150, 15, base)
	want := totals{}
	for _, pu := range updates {
		want.add(pu)
	}
	s.Produce(topics.ProfileUpdates, updateMessages(t, e, updates)...)

	first := hbase.ProfileConfig("hbase-profiles", zkAddr, e.srv.ZnodeParent(), e.reg.URL())
	first[hbase.RetryTimeoutConfig] = "5000"
	s.CreateConnector(first[connectors.NameConfig], first)
	connecttest.WaitFor(t, "profiles written", func() error { return totalsMatch(e, want) })
	connecttest.WaitFor(t, "bad records in the dead letter queue", func() error { return s.EndOffsetAtLeast(hbase.ProfileDLQTopic, 2) })
	stages := map[string]bool{}
	for _, h := range s.Headers(hbase.ProfileDLQTopic, 2) {
		stages[h["__connect.errors.stage"]] = true
	}
	if !stages["VALUE_CONVERTER"] || !stages["TASK_PUT"] {
		t.Fatalf("dead letter queue stages %v: want the converter's reject and the sink's", stages)
	}
	connecttest.WaitFor(t, "first connector caught up", func() error { return s.CaughtUp("connect-hbase-profiles", topics.ProfileUpdates) })
	increments := e.srv.Requests("Mutate")

	replay := hbase.ProfileConfig("hbase-profiles-replay", zkAddr, e.srv.ZnodeParent(), e.reg.URL())
	replay[hbase.RetryTimeoutConfig] = "5000"
	s.CreateConnector(replay[connectors.NameConfig], replay)
	connecttest.WaitFor(t, "replay caught up", func() error { return s.CaughtUp("connect-hbase-profiles-replay", topics.ProfileUpdates) })
	e.checkTotals(want)
	if n := e.srv.Requests("Mutate") - increments; n != 0 {
		t.Fatalf("the replay sent %d increments", n)
	}
	row, _ := e.srv.Row(hbase.ProfileTable, string(hbase.ProfileRowKey("user-0003")))
	if _, ok := row[hbase.FamilyProfile]["user_id"]; ok {
		t.Fatal("the ReplaceField transform should have dropped user_id")
	}
	if len(row[hbase.FamilyProfile]["window_end"]) != 8 || len(row[hbase.FamilyProfile]["last_seen"]) != 8 {
		t.Fatalf("profile attributes: %v", row[hbase.FamilyProfile])
	}
}

// updateMessages is the updates keyed by user id, then a record that is
// not Avro (the converter rejects it) and one without a key (the sink
// rejects it): both must end in the DLQ.
func updateMessages(t *testing.T, e *env, updates []*avro.ProfileUpdate) []connecttest.Message {
	t.Helper()
	var out []connecttest.Message
	for _, pu := range updates {
		v, err := e.ser.Serialize(context.Background(), topics.ProfileUpdates, pu)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, connecttest.Message{Key: []byte(pu.UserID), Value: v})
	}
	noKey := *updates[0]
	noKey.UserID = ""
	v, err := e.ser.Serialize(context.Background(), topics.ProfileUpdates, &noKey)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, connecttest.Message{Key: []byte("poison"), Value: []byte("not avro")},
		connecttest.Message{Value: v}) // converts, but has no row key: the sink rejects it
}

func totalsMatch(e *env, want totals) error {
	for user, m := range want {
		for qual, n := range m {
			if got := e.counter(user, qual); got != n {
				return fmt.Errorf("%s %s = %d, want %d", user, qual, got, n)
			}
		}
	}
	return nil
}
