package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/sidecars/broker"
)

func startBroker(t testing.TB) (*broker.Broker, kclient.Config) {
	t.Helper()
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b, kclient.Config{Bootstrap: b.Addr(), ClientID: "registry-test"}
}

func openKafkaLog(t testing.TB, kc kclient.Config, opts ...KafkaOption) *KafkaLog {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := NewKafkaLog(ctx, kc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func TestKafkaRestartKeepsEverything(t *testing.T) {
	b, kc := startBroker(t)
	log := openKafkaLog(t, kc)
	if log.ClusterID() == "" {
		t.Error("no cluster id")
	}
	first := startOn(t, log)
	exercise(t, first)
	want := snapshot(t, first)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}

	second := startOn(t, openKafkaLog(t, kc))
	if got := snapshot(t, second); got != want {
		t.Fatalf("state after restart differs:\n got\n%s\nwant\n%s", got, want)
	}

	// Compaction keeps the last record per key; the state must not change.
	b.Compact()
	third := startOn(t, openKafkaLog(t, kc))
	if got := snapshot(t, third); got != want {
		t.Fatalf("state after compaction differs:\n got\n%s\nwant\n%s", got, want)
	}
}

func TestKafkaTwoInstancesAgree(t *testing.T) {
	_, kc := startBroker(t)
	procs := []*Registry{startOn(t, openKafkaLog(t, kc)), startOn(t, openKafkaLog(t, kc))}
	ctx := context.Background()
	if _, err := procs[0].SetConfig(ctx, "", Config{Compatibility: "NONE"}); err != nil {
		t.Fatal(err)
	}
	ids := make([][]int, 2)
	var wg sync.WaitGroup
	for p := range procs {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				// Both processes write different schemas to the same subject
				// at once, and each also registers a schema of the other's.
				schema := record(field(fmt.Sprintf("p%d_%d", p, i)))
				id, err := procs[p].Register(ctx, "shared", SchemaInput{Schema: schema}, RegisterOptions{})
				if err != nil {
					t.Errorf("process %d: %v", p, err)
					return
				}
				ids[p] = append(ids[p], id)
			}
		}(p)
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, list := range ids {
		for _, id := range list {
			if seen[id] {
				t.Errorf("id %d handed out twice", id)
			}
			seen[id] = true
		}
	}
	for _, r := range procs {
		if err := r.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := snapshot(t, procs[0]), snapshot(t, procs[1]); a != b {
		t.Fatalf("processes disagree:\n%s\nvs\n%s", a, b)
	}
	vs, err := procs[1].Versions("shared", SubjectFilter{}, false)
	if err != nil || len(vs) != 16 || vs[15] != 16 {
		t.Fatalf("versions %v, %v", vs, err)
	}
	t.Logf("%v records rejected and retried", testutil.ToFloat64(procs[0].m.skipped.WithLabelValues("conflict")))
	// Each answers the other's writes once synced.
	for p, list := range ids {
		for _, id := range list {
			if _, err := procs[1-p].SchemaByID(id); err != nil {
				t.Errorf("process %d does not know id %d: %v", 1-p, id, err)
			}
		}
	}
}

func TestKafkaSkipsCorruptAndForeignRecords(t *testing.T) {
	_, kc := startBroker(t)
	log := openKafkaLog(t, kc)
	ctx := context.Background()
	// Another writer left junk in the topic before we started.
	for _, kv := range [][2]string{
		{`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, `{"subject":"s","version":1,"id":5,"schema":"\"string\""}`},
		{`\x00\x01 binary key`, `whatever`},
		{`{"keytype":"OFFSET_CHECKPOINT","magic":0}`, `{"offset":3}`},
		{`{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}`, `{"subject":"s","version":2,"id":"six"}`},
		{`{"keytype":"CONFIG","subject":null,"magic":0}`, `{"compatibilityLevel":"FULL"}`},
	} {
		if _, err := log.Append(ctx, []byte(kv[0]), []byte(kv[1])); err != nil {
			t.Fatal(err)
		}
	}
	core, logs := observer.New(zapcore.WarnLevel)
	r := startOn(t, log, WithLogger(zap.New(core)))
	if sv, err := r.Version("s", 1, false); err != nil || sv.ID != 5 {
		t.Fatalf("the good schema record: %+v %v", sv, err)
	}
	if c, _ := r.Config("", false); c.Compatibility != "FULL" {
		t.Errorf("the record after the bad ones was not applied: %+v", c)
	}
	var offsets []any
	for _, e := range logs.FilterMessage("skipping _schemas record").All() {
		offsets = append(offsets, e.ContextMap()["offset"])
	}
	if fmt.Sprint(offsets) != "[1 2 3]" {
		t.Errorf("warnings for offsets %v, want [1 2 3]", offsets)
	}
	id, err := r.Register(ctx, "s", SchemaInput{Schema: `"int"`}, RegisterOptions{})
	if err == nil {
		t.Fatalf("int after string under FULL should be refused, got id %d", id)
	}
}

func TestKafkaRefusesMultiPartitionTopic(t *testing.T) {
	_, kc := startBroker(t)
	admin, err := kafka.NewAdminClient(kc.Admin("test"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := kclient.EnsureTopics(ctx, admin, []kclient.TopicSpec{{Name: "bad-schemas", Partitions: 3,
		Config: kclient.Compacted()}}); err != nil {
		t.Fatal(err)
	}
	_, err = NewKafkaLog(ctx, kc, WithTopic("bad-schemas"))
	if !errors.Is(err, kclient.ErrTopicMismatch) {
		t.Fatalf("got %v, want ErrTopicMismatch", err)
	}
}
