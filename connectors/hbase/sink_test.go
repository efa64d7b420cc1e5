package hbase_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/hbase"
	"github.com/retailpulse/retailpulse/connectors/hbase/hbasetest"
	"github.com/retailpulse/retailpulse/internal/topics"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

var base = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func TestProfileUpdateMapping(t *testing.T) {
	e := newEnv(t)
	e.createProfileTable()
	task, _ := e.startTask(e.props(nil))
	shoes := "shoes"
	pu := &avro.ProfileUpdate{UserID: "u-42", WindowStart: base, WindowEnd: base.Add(30 * time.Second),
		CategoryViews: map[string]int64{"shoes": 3, "home.kitchen": 1}, CategoryPurchases: map[string]int64{"shoes": 2},
		SpendMinor: 4998, PurchaseCount: 1, PriceViewSumMinor: 7500, PriceViewCount: 3,
		LastSeen: base.Add(25 * time.Second), LastCategory: &shoes}
	rec := e.record(pu, 3, 41)
	if err := task.Put(context.Background(), []connectors.SinkRecord{rec}); err != nil {
		t.Fatal(err)
	}
	row := string(hbase.ProfileRowKey("u-42"))
	if !strings.HasSuffix(row, "#u-42") || len(row) != len("00#u-42") || row != hbase.SaltPrefix("u-42", 16)+"#u-42" {
		t.Fatalf("row key %q: want <2 hex digits>#u-42", row)
	}
	keys, _ := e.srv.RowKeys(hbase.ProfileTable)
	if len(keys) != 1 || keys[0] != row {
		t.Fatalf("rows = %q", keys)
	}
	for qual, want := range map[string]int64{"category_views.shoes": 3, "category_views.home.kitchen": 1,
		"category_purchases.shoes": 2, "spend_minor": 4998, "purchase_count": 1, "price_view_sum_minor": 7500, "price_view_count": 3} {
		if got := e.counter("u-42", qual); got != want {
			t.Errorf("c:%s = %d, want %d", qual, got, want)
		}
	}
	got, _ := e.srv.Row(hbase.ProfileTable, row)
	if string(got["p"]["last_category"]) != "shoes" {
		t.Errorf("p:last_category = %q", got["p"]["last_category"])
	}
	if v := got["p"]["last_seen"]; len(v) != 8 || int64(binary.BigEndian.Uint64(v)) != pu.LastSeen.UnixMilli() {
		t.Errorf("p:last_seen = %x", v)
	}
	vs, _ := e.srv.Versions(hbase.ProfileTable, row, "p", "last_seen")
	if len(vs) != 1 || vs[0].Timestamp != uint64(pu.LastSeen.UnixMilli()) {
		t.Errorf("last_seen is written at its own time as cell timestamp: %+v", vs)
	}
	vs, _ = e.srv.Versions(hbase.ProfileTable, row, "p", "last_category")
	if len(vs) != 1 || vs[0].Timestamp != uint64(rec.Timestamp.UnixMilli()) {
		t.Errorf("attributes carry the record timestamp: %+v", vs)
	}
	guard := got["m"][hbase.OffsetQualifier(topics.ProfileUpdates, 3)]
	if len(guard) != 8 || binary.BigEndian.Uint64(guard) != 42 {
		t.Errorf("guard = %x, want next offset 42", guard)
	}
	if len(got["m"]) != 1 {
		t.Errorf("m holds only the guard: %v", got["m"])
	}
}

func TestReplayingProfileUpdatesLeavesCountersExact(t *testing.T) {
	e := newEnv(t)
	e.createProfileTable()
	updates := workload(600, 40, base)
	recs := e.toRecords(updates, 6)
	want := totals{}
	for _, pu := range updates {
		want.add(pu)
	}
	task, _ := e.startTask(e.props(nil))
	putAll(t, task, recs, 97)
	e.checkTotals(want)
	increments := e.srv.Requests("Mutate")

	// Consumer offsets reset: the same records, a second time, in other
	// batch sizes, through the same task and through a fresh one.
	putAll(t, task, recs, 250)
	e.checkTotals(want)
	fresh, _ := e.startTask(e.props(nil))
	putAll(t, fresh, recs, 33)
	e.checkTotals(want)
	// Replays only rewrite idempotent cells: the guards, cached or read
	// in one Multi, show every record applied, so no increment is sent.
	if n := e.srv.Requests("Mutate") - increments; n != 0 {
		t.Fatalf("replays sent %d increments", n)
	}
}

func TestLastSeenKeepsMaxAndNullCategoryKeepsValue(t *testing.T) {
	e := newEnv(t)
	e.createProfileTable()
	task, _ := e.startTask(e.props(nil))
	books, toys := "books", "toys"
	mk := func(seen time.Duration, cat *string, winEnd time.Duration) *avro.ProfileUpdate {
		return &avro.ProfileUpdate{UserID: "u", WindowStart: base, WindowEnd: base.Add(winEnd), LastSeen: base.Add(seen), LastCategory: cat,
			CategoryViews: map[string]int64{}, CategoryPurchases: map[string]int64{}}
	}
	recs := []connectors.SinkRecord{
		e.record(mk(50*time.Second, &books, 60*time.Second), 0, 0),
		e.record(mk(20*time.Second, &toys, 90*time.Second), 0, 1), // later window, earlier last_seen (late event)
		e.record(mk(10*time.Second, nil, 120*time.Second), 0, 2),  // no category this window
	}
	if err := task.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	got, _ := e.srv.Row(hbase.ProfileTable, string(hbase.ProfileRowKey("u")))
	if seen := int64(binary.BigEndian.Uint64(got["p"]["last_seen"])); seen != base.Add(50*time.Second).UnixMilli() {
		t.Errorf("last_seen = %d, want the maximum %d", seen, base.Add(50*time.Second).UnixMilli())
	}
	if c := string(got["p"]["last_category"]); c != "toys" {
		t.Errorf("last_category = %q, want toys (replaced by the newer record, kept through the null)", c)
	}
	// Replaying the first record must not bring books back.
	if err := task.Put(context.Background(), recs[:1]); err != nil {
		t.Fatal(err)
	}
	got, _ = e.srv.Row(hbase.ProfileTable, string(hbase.ProfileRowKey("u")))
	if c := string(got["p"]["last_category"]); c != "toys" {
		t.Errorf("after replaying an old record, last_category = %q", c)
	}
}

func TestTaskRestartWithoutDoubleCounting(t *testing.T) {
	e := newEnv(t)
	e.createProfileTable()
	updates := workload(300, 25, base)
	recs := e.toRecords(updates, 4)
	want := totals{}
	for _, pu := range updates {
		want.add(pu)
	}
	// The first task writes 200 records and dies before any offset
	// commit: no Flush, no Stop.
	first, _ := e.startTask(e.props(nil))
	putAll(t, first, recs[:200], 64)
	// The replacement gets everything from the last commit, i.e. all.
	second, _ := e.startTask(e.props(nil))
	putAll(t, second, recs, 64)
	if err := second.Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	e.checkTotals(want)
}

// TestConcurrentWritersOfOnePartition plays a zombie: two tasks apply the
// same records at the same time, as during a rebalance where the old
// owner has not noticed yet. The conditional increment lets one win per
// row and partition.
func TestConcurrentWritersOfOnePartition(t *testing.T) {
	e := newEnv(t)
	e.createProfileTable()
	updates := workload(400, 10, base)
	recs := e.toRecords(updates, 2)
	want := totals{}
	for _, pu := range updates {
		want.add(pu)
	}
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		task, _ := e.startTask(e.props(nil))
		wg.Add(1)
		go func() {
			defer wg.Done()
			putAll(t, task, recs, 40+w*13)
		}()
	}
	wg.Wait()
	e.checkTotals(want)
}

func TestBatchingFollowsMaxBatchSize(t *testing.T) {
	e := newEnv(t)
	e.createProfileTable()
	updates := workload(70, 70, base)
	recs := e.toRecords(updates, 1)
	want := totals{}
	for _, pu := range updates {
		want.add(pu)
	}
	task, _ := e.startTask(e.props(map[string]string{hbase.MaxBatchSizeConfig: "10"}))
	multis := e.srv.Requests("Multi")
	if err := task.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	e.checkTotals(want)
	// Each round of 10 records sends its puts as one SendBatch and reads
	// the unknown guards as another; 16 regions on one server still make
	// one Multi per round trip.
	if got := e.srv.Requests("Multi") - multis; got < 14 || got > 21 {
		t.Fatalf("70 records in batches of 10 took %d Multi calls, want about 2 per batch", got)
	}
	if got := e.srv.Requests("Mutate"); got != 70 {
		t.Fatalf("conditional increments: %d Mutate calls for 70 distinct users, want 70", got)
	}
}

func TestRetriesThroughInjectedFaults(t *testing.T) {
	e := newEnv(t)
	e.createProfileTable()
	updates := workload(120, 12, base)
	recs := e.toRecords(updates, 3)
	want := totals{}
	for _, pu := range updates {
		want.add(pu)
	}
	task, _ := e.startTask(e.props(nil))
	e.srv.Inject(hbasetest.Fault{Method: "Multi", Table: hbase.ProfileTable, Kind: hbasetest.RegionTooBusy, Times: 4})
	e.srv.Inject(hbasetest.Fault{Method: "Mutate", Table: hbase.ProfileTable, Kind: hbasetest.NotServingRegion, Times: 3})
	e.srv.Inject(hbasetest.Fault{Method: "Mutate", Table: hbase.ProfileTable, Kind: hbasetest.RegionTooBusy, Times: 3})
	// The answer to an applied increment is lost; gohbase resends it.
	e.srv.Inject(hbasetest.Fault{Method: "Mutate", Table: hbase.ProfileTable, Kind: hbasetest.ApplyAndDrop, Times: 2})
	putAll(t, task, recs, 40)
	if n := e.srv.PendingFaults(); n != 0 {
		t.Fatalf("%d injected faults never hit", n)
	}
	e.checkTotals(want)
}

func TestTimeoutIsRetriableAndSafeToRedeliver(t *testing.T) {
	e := newEnv(t)
	e.createProfileTable()
	updates := workload(60, 6, base)
	recs := e.toRecords(updates, 2)
	want := totals{}
	for _, pu := range updates {
		want.add(pu)
	}
	task, _ := e.startTask(e.props(map[string]string{hbase.RetryTimeoutConfig: "400"}))
	// Half the increments go through, then the region stays busy.
	if err := task.Put(context.Background(), recs[:30]); err != nil {
		t.Fatal(err)
	}
	e.srv.Inject(hbasetest.Fault{Method: "Mutate", Kind: hbasetest.RegionTooBusy, Times: 1 << 20})
	err := task.Put(context.Background(), recs)
	if err == nil || !strings.Contains(err.Error(), connectors.ErrRetriable.Error()) {
		t.Fatalf("a timeout under error.mode=FAIL must be retriable, got %v", err)
	}
	if _, isRec := isRecordErrors(err); isRec {
		t.Fatalf("a timeout must not be reported per record: %v", err)
	}
	e.srv.ClearFaults()
	// The worker redelivers the whole batch.
	if err := task.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	e.checkTotals(want)
}

func TestErrorModes(t *testing.T) {
	bad := func(e *env, offset int64) connectors.SinkRecord {
		rec := e.record(&avro.ProfileUpdate{UserID: "bad", WindowStart: base, WindowEnd: base, LastSeen: base,
			CategoryViews: map[string]int64{}, CategoryPurchases: map[string]int64{}}, 0, offset)
		rec.Key = nil // no row key
		return rec
	}
	good := func(e *env, offset int64) connectors.SinkRecord {
		return e.record(&avro.ProfileUpdate{UserID: "good", WindowStart: base, WindowEnd: base, LastSeen: base,
			CategoryViews: map[string]int64{"x": 1}, CategoryPurchases: map[string]int64{}}, 0, offset)
	}
	t.Run("FAIL hands bad records to the worker", func(t *testing.T) {
		e := newEnv(t)
		e.createProfileTable()
		task, _ := e.startTask(e.props(nil))
		err := task.Put(context.Background(), []connectors.SinkRecord{good(e, 0), bad(e, 1), good(e, 2)})
		re, ok := isRecordErrors(err)
		if !ok || len(re) != 1 || re[0].Index != 1 || !strings.Contains(re[0].Err.Error(), "no key") {
			t.Fatalf("want RecordErrors for index 1, got %v", err)
		}
		if got := e.counter("good", "category_views.x"); got != 2 {
			t.Fatalf("the good records are written: %d", got)
		}
	})
	t.Run("WARN with tolerance all reports to the DLQ", func(t *testing.T) {
		e := newEnv(t)
		e.createProfileTable()
		core, logs := observer.New(zap.WarnLevel)
		e.opts = []hbase.Option{hbase.WithLogger(zap.New(core))}
		task, tctx := e.startTask(e.props(map[string]string{hbase.ErrorModeConfig: hbase.ErrorModeWarn}))
		if err := task.Put(context.Background(), []connectors.SinkRecord{bad(e, 7), good(e, 8)}); err != nil {
			t.Fatal(err)
		}
		got := tctx.reporter.all()
		if len(got) != 1 || got[0].rec.Offset != 7 {
			t.Fatalf("reported %+v", got)
		}
		if w := logs.FilterMessageSnippet("skipping record").All(); len(w) != 1 || w[0].ContextMap()["offset"] != int64(7) {
			t.Fatalf("WARN logs the skipped record: %+v", w)
		}
	})
	t.Run("IGNORE with tolerance none skips quietly", func(t *testing.T) {
		e := newEnv(t)
		e.createProfileTable()
		task, tctx := e.startTask(e.props(map[string]string{hbase.ErrorModeConfig: hbase.ErrorModeIgnore,
			connectors.ErrorsToleranceConfig: "none", connectors.DLQTopicNameConfig: ""}))
		if err := task.Put(context.Background(), []connectors.SinkRecord{bad(e, 7), good(e, 8)}); err != nil {
			t.Fatal(err)
		}
		if len(tctx.reporter.all()) != 0 || e.counter("good", "category_views.x") != 1 {
			t.Fatal("IGNORE must skip the bad record and write the good one")
		}
	})
	t.Run("HBase refusals follow error.mode", func(t *testing.T) {
		e := newEnv(t)
		e.createProfileTable()
		task, tctx := e.startTask(e.props(map[string]string{hbase.ErrorModeConfig: hbase.ErrorModeWarn}))
		e.srv.Inject(hbasetest.Fault{Method: "Mutate", Kind: hbasetest.DoNotRetry})
		if err := task.Put(context.Background(), []connectors.SinkRecord{good(e, 0)}); err != nil {
			t.Fatal(err)
		}
		got := tctx.reporter.all()
		if len(got) != 1 || !strings.Contains(got[0].err.Error(), hbasetest.ExcDoNotRetry) {
			t.Fatalf("reported %+v", got)
		}
		if e.counter("good", "category_views.x") != 0 {
			t.Fatal("a refused increment was applied")
		}
	})
}

func TestLegacyServerStillCountsReplaysOnce(t *testing.T) {
	e := newEnv(t, hbasetest.WithLegacyCheckAndMutate())
	core, logs := observer.New(zap.WarnLevel)
	e.opts = []hbase.Option{hbase.WithLogger(zap.New(core))}
	e.createProfileTable()
	updates := workload(80, 8, base)
	recs := e.toRecords(updates, 2)
	want := totals{}
	for _, pu := range updates {
		want.add(pu)
	}
	task, _ := e.startTask(e.props(nil))
	putAll(t, task, recs, 30)
	fresh, _ := e.startTask(e.props(nil))
	putAll(t, fresh, recs, 30) // the guard read still skips what was applied
	e.checkTotals(want)
	if n := logs.FilterMessageSnippet("ignored the condition").Len(); n != 1 {
		t.Fatalf("want one warning from the first task (the second only skipped), got %d", n)
	}
}

func TestAutoCreateTableAndFamilies(t *testing.T) {
	e := newEnv(t)
	props := e.props(map[string]string{hbase.AutoCreateTablesConfig: "true", hbase.AutoCreateFamiliesConfig: "true"})
	task, _ := e.startTask(props)
	recs := e.toRecords(workload(20, 5, base), 1)
	if err := task.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	fams, err := e.srv.Families(hbase.ProfileTable)
	if err != nil || strings.Join(fams, ",") != "c,m,p" {
		t.Fatalf("families = %v %v", fams, err)
	}
	regions, _ := e.srv.Regions(hbase.ProfileTable)
	if len(regions) != hbase.ProfileSaltBuckets {
		t.Fatalf("%d regions, want one per salt bucket", len(regions))
	}
	for i, r := range regions[1:] {
		if !bytes.Equal(r.Start, hbase.SaltSplitKeys(16)[i]) {
			t.Fatalf("region %d starts at %q", i+1, r.Start)
		}
	}
}

func TestMissingFamilyWithoutAutoCreate(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.CreateTable(hbase.ProfileTable, []string{"c", "m"}); err != nil {
		t.Fatal(err)
	}
	task, _ := e.startTask(e.props(nil))
	err := task.Put(context.Background(), e.toRecords(workload(3, 3, base), 1))
	re, ok := isRecordErrors(err)
	if !ok || len(re) != 3 || !strings.Contains(re[0].Err.Error(), hbasetest.ExcNoSuchColumnFamily) {
		t.Fatalf("want one record error per record naming the missing family, got %v", err)
	}
	for _, u := range []string{"user-0000", "user-0001", "user-0002"} {
		if e.counter(u, "price_view_count") != 0 {
			t.Fatal("counters of a record whose attributes failed must not be applied")
		}
	}
	if _, err := e.srv.Families(hbase.ProfileTable); err != nil {
		t.Fatal(err)
	}
	if fams, _ := e.srv.Families(hbase.ProfileTable); len(fams) != 2 {
		t.Fatalf("families changed without auto creation: %v", fams)
	}
	if strings.Contains(err.Error(), hbase.ErrTableNotFound.Error()) {
		t.Fatal("wrong classification")
	}
}

func TestMissingTableIsAPermanentRecordError(t *testing.T) {
	e := newEnv(t)
	task, _ := e.startTask(e.props(nil))
	err := task.Put(context.Background(), e.toRecords(workload(2, 2, base), 1))
	re, ok := isRecordErrors(err)
	if !ok || len(re) != 2 || !errors.Is(re[0].Err, hbase.ErrTableNotFound) {
		t.Fatalf("want a table-not-found error per record, got %v", err)
	}
	task, _ = e.startTask(e.props(map[string]string{hbase.AutoCreateFamiliesConfig: "true"}))
	err = task.Put(context.Background(), e.toRecords(workload(2, 2, base), 1))
	if re, ok := isRecordErrors(err); !ok || !strings.Contains(re[0].Err.Error(), hbase.AutoCreateTablesConfig+"=false") {
		t.Fatalf("with only family creation on, the error names %s: %v", hbase.AutoCreateTablesConfig, err)
	}
}
