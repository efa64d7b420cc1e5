package hbase_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/connectors/converters"
	"github.com/retailpulse/retailpulse/connectors/hbase"
	"github.com/retailpulse/retailpulse/connectors/hbase/hbasetest"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/serde/serdetest"
)

var zkAddr string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hbase-sink-zk-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	zk, err := hbasetest.RunZooKeeper(dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hbase sink tests need a real ZooKeeper: %v\n", err)
		os.Exit(1)
	}
	zkAddr = zk.Addr()
	code := m.Run()
	_ = zk.Stop()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// env is one HBase double plus a schema registry, with the converter the
// worker would use, so records look exactly as they do in the worker.
type env struct {
	t    testing.TB
	srv  *hbasetest.Server
	reg  *serdetest.Server
	ser  *serde.Serializer
	conv *converters.Avro
	// opts are the plugin options tasks start with.
	opts []hbase.Option
}

func newEnv(t testing.TB, opts ...hbasetest.Option) *env {
	t.Helper()
	e := &env{t: t, srv: hbasetest.Start(t, zkAddr, opts...), reg: serdetest.NewServer(t)}
	client, err := serde.NewClient(e.reg.URL())
	if err != nil {
		t.Fatal(err)
	}
	sch, ok := avro.ByName(avro.NameProfileUpdate)
	if !ok {
		t.Fatal("no ProfileUpdate schema")
	}
	if e.ser, err = serde.NewSerializer(client, serde.WithSchema(sch.Text)); err != nil {
		t.Fatal(err)
	}
	if e.conv, err = converters.NewAvro(client, false); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) createProfileTable() {
	e.t.Helper()
	var splits []string
	for _, k := range hbase.SaltSplitKeys(hbase.ProfileSaltBuckets) {
		splits = append(splits, string(k))
	}
	if err := e.srv.CreateTable(hbase.ProfileTable, []string{hbase.FamilyCounters, hbase.FamilyProfile, hbase.FamilyMeta}, splits...); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) props(overrides map[string]string) map[string]string {
	p := hbase.ProfileConfig("hbase-profiles", zkAddr, e.srv.ZnodeParent(), e.reg.URL())
	p[hbase.RetryTimeoutConfig] = "10000"
	maps.Copy(p, overrides)
	for k, v := range p {
		if v == "\x00" {
			delete(p, k)
		}
	}
	return p
}

func taskConfig(t testing.TB, props map[string]string) *connectors.Config {
	t.Helper()
	cfg, err := connectors.CommonSpec.Merge(connectors.SinkSpec, hbase.Spec).Parse(props)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startTask starts a task as the worker does: the connector validates and
// starts, the task starts with the parsed config.
func (e *env) startTask(props map[string]string) (connectors.SinkTask, *taskContext) {
	e.t.Helper()
	tctx := &taskContext{reporter: &reporter{tolerateAll: props[connectors.ErrorsToleranceConfig] == "all"}}
	return connectortest.StartSinkTask(e.t, hbase.Plugin(e.opts...), tctx, taskConfig(e.t, props)), tctx
}

// record converts a ProfileUpdate through the Confluent wire format and
// the Avro converter, as the worker's pipeline does.
func (e *env) record(pu *avro.ProfileUpdate, partition int32, offset int64) connectors.SinkRecord {
	e.t.Helper()
	b, err := e.ser.Serialize(context.Background(), topics.ProfileUpdates, pu)
	if err != nil {
		e.t.Fatal(err)
	}
	schema, value, err := e.conv.ToConnect(context.Background(), topics.ProfileUpdates, nil, b)
	if err != nil {
		e.t.Fatal(err)
	}
	return connectors.SinkRecord{
		Record: connectors.Record{Topic: topics.ProfileUpdates, Key: pu.UserID, KeySchema: connectors.Primitive(connectors.String),
			Value: value, ValueSchema: schema, Timestamp: pu.WindowEnd.Add(time.Second)},
		Partition: partition, Offset: offset, TimestampType: connectors.CreateTime,
		OriginalTopic: topics.ProfileUpdates, OriginalPartition: partition, OriginalOffset: offset,
	}
}

func (e *env) counter(user, qual string) int64 {
	e.t.Helper()
	v, ok := e.srv.Cell(hbase.ProfileTable, string(hbase.ProfileRowKey(user)), hbase.FamilyCounters, qual)
	if !ok {
		return 0
	}
	if len(v) != 8 {
		e.t.Fatalf("counter %s/%s is %d bytes", user, qual, len(v))
	}
	return int64(binary.BigEndian.Uint64(v))
}

// totals is the expected profile state, computed from the updates alone.
type totals map[string]map[string]int64

func (tt totals) add(pu *avro.ProfileUpdate) {
	m := tt[pu.UserID]
	if m == nil {
		m = map[string]int64{}
		tt[pu.UserID] = m
	}
	for c, n := range pu.CategoryViews {
		m["category_views."+c] += n
	}
	for c, n := range pu.CategoryPurchases {
		m["category_purchases."+c] += n
	}
	m["spend_minor"] += pu.SpendMinor
	m["purchase_count"] += pu.PurchaseCount
	m["price_view_sum_minor"] += pu.PriceViewSumMinor
	m["price_view_count"] += pu.PriceViewCount
}

// checkTotals compares every expected counter with HBase, and checks that
// HBase holds no counter the updates did not produce.
func (e *env) checkTotals(want totals) {
	e.t.Helper()
	mismatches := 0
	for user, m := range want {
		row, err := e.srv.Row(hbase.ProfileTable, string(hbase.ProfileRowKey(user)))
		if err != nil {
			e.t.Fatal(err)
		}
		for qual, n := range m {
			if got := e.counter(user, qual); got != n {
				if mismatches++; mismatches < 10 {
					e.t.Errorf("%s %s = %d, want %d", user, qual, got, n)
				}
			}
		}
		for qual := range row[hbase.FamilyCounters] {
			if _, ok := m[qual]; !ok {
				e.t.Errorf("%s has unexpected counter %s", user, qual)
			}
		}
	}
	if mismatches > 0 {
		e.t.Fatalf("%d counters differ", mismatches)
	}
}

// workload makes n deterministic updates spread over users.
func workload(n, users int, base time.Time) []*avro.ProfileUpdate {
	cats := []string{"shoes", "books", "home.kitchen", "toys", "garden"}
	out := make([]*avro.ProfileUpdate, n)
	for i := range out {
		u := i % users
		win := base.Add(time.Duration(i/users) * 30 * time.Second)
		cat := cats[(i*7+u)%len(cats)]
		pu := &avro.ProfileUpdate{
			UserID: fmt.Sprintf("user-%04d", u), WindowStart: win, WindowEnd: win.Add(30 * time.Second),
			CategoryViews:     map[string]int64{cat: int64(1 + i%3)},
			CategoryPurchases: map[string]int64{},
			PriceViewSumMinor: int64(100 * (1 + i%5)), PriceViewCount: int64(1 + i%2),
			LastSeen: win.Add(time.Duration(i%29) * time.Second),
		}
		if i%4 == 0 {
			pu.CategoryPurchases[cat] = 1
			pu.SpendMinor, pu.PurchaseCount = int64(999+i), 1
		}
		if i%3 != 0 {
			c := cat
			pu.LastCategory = &c
		}
		out[i] = pu
	}
	return out
}

// partitionOf places users on partitions as a key-hash partitioner would.
func partitionOf(user string, partitions int) int32 {
	h := uint32(2166136261)
	for i := 0; i < len(user); i++ {
		h = (h ^ uint32(user[i])) * 16777619
	}
	return int32(h % uint32(partitions))
}

// toRecords assigns offsets per partition in order.
func (e *env) toRecords(updates []*avro.ProfileUpdate, partitions int) []connectors.SinkRecord {
	next := map[int32]int64{}
	out := make([]connectors.SinkRecord, len(updates))
	for i, pu := range updates {
		p := partitionOf(pu.UserID, partitions)
		out[i] = e.record(pu, p, next[p])
		next[p]++
	}
	return out
}

func putAll(t testing.TB, task connectors.SinkTask, recs []connectors.SinkRecord, batch int) {
	t.Helper()
	for i := 0; i < len(recs); i += batch {
		if err := task.Put(context.Background(), recs[i:min(i+batch, len(recs))]); err != nil {
			t.Fatalf("put records %d..: %v", i, err)
		}
	}
}

type taskContext struct {
	reporter *reporter
	commits  int
}

func (c *taskContext) ID() connectors.TaskID                   { return connectors.TaskID{Connector: "hbase-profiles"} }
func (c *taskContext) Assignment() []connectors.TopicPartition { return nil }
func (c *taskContext) RequestCommit()                          { c.commits++ }
func (c *taskContext) ErrantRecordReporter() connectors.ErrantRecordReporter {
	return c.reporter
}

// reporter stands in for the worker's errant record reporter: with
// tolerance none it fails, with all it keeps what a DLQ would get.
type reporter struct {
	mu          sync.Mutex
	tolerateAll bool
	got         []reported
}

type reported struct {
	rec connectors.SinkRecord
	err error
}

func (r *reporter) Report(_ context.Context, rec connectors.SinkRecord, err error) error {
	if !r.tolerateAll {
		return fmt.Errorf("%w: %w", connectors.ErrToleranceExceeded, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, reported{rec, err})
	return nil
}

func (r *reporter) all() []reported {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]reported(nil), r.got...)
}

func isRecordErrors(err error) (connectors.RecordErrors, bool) {
	var re connectors.RecordErrors
	ok := errors.As(err, &re)
	return re, ok
}
