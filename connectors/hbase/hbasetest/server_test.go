package hbasetest_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tsuna/gohbase"
	"github.com/tsuna/gohbase/hrpc"

	"github.com/retailpulse/retailpulse/connectors/hbase/hbasetest"
)

var zkAddr string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hbasetest-zk-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	zk, err := hbasetest.RunZooKeeper(dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hbasetest: %v\n", err)
		os.Exit(1)
	}
	zkAddr = zk.Addr()
	code := m.Run()
	_ = zk.Stop()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func setup(t *testing.T, opts ...hbasetest.Option) (*hbasetest.Server, gohbase.Client) {
	t.Helper()
	srv := hbasetest.Start(t, zkAddr, opts...)
	c := gohbase.NewClient(zkAddr, gohbase.ZookeeperRoot(srv.ZnodeParent()), gohbase.FlushInterval(time.Millisecond))
	t.Cleanup(c.Close)
	return srv, c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func put(t *testing.T, c gohbase.Client, table, row string, vals map[string]map[string][]byte, opts ...func(hrpc.Call) error) {
	t.Helper()
	p, err := hrpc.NewPutStr(ctx(t), table, row, vals, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(p); err != nil {
		t.Fatalf("put %s/%s: %v", table, row, err)
	}
}

func get(t *testing.T, c gohbase.Client, table, row string, opts ...func(hrpc.Call) error) map[string]string {
	t.Helper()
	g, err := hrpc.NewGetStr(ctx(t), table, row, opts...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Get(g)
	if err != nil {
		t.Fatalf("get %s/%s: %v", table, row, err)
	}
	out := map[string]string{}
	for _, cell := range res.Cells {
		out[string(cell.Family)+":"+string(cell.Qualifier)] = string(cell.Value)
	}
	return out
}

func TestPutGetThroughZooKeeperAndMeta(t *testing.T) {
	srv, c := setup(t)
	if err := srv.CreateTable("t1", []string{"a", "b"}, "m"); err != nil {
		t.Fatal(err)
	}
	put(t, c, "t1", "apple", map[string]map[string][]byte{"a": {"x": []byte("1")}, "b": {"y": []byte("2")}})
	put(t, c, "t1", "zebra", map[string]map[string][]byte{"a": {"x": []byte("3")}})
	if got := get(t, c, "t1", "apple"); got["a:x"] != "1" || got["b:y"] != "2" || len(got) != 2 {
		t.Fatalf("apple = %v", got)
	}
	if got := get(t, c, "t1", "zebra", hrpc.Families(map[string][]string{"a": {"x"}})); got["a:x"] != "3" {
		t.Fatalf("zebra = %v", got)
	}
	if v, ok := srv.Cell("t1", "zebra", "a", "x"); !ok || string(v) != "3" {
		t.Fatalf("server holds %q %v", v, ok)
	}
	if srv.Requests("Scan") < 2 {
		t.Fatalf("expected one meta lookup per region, saw %d scans", srv.Requests("Scan"))
	}
	regions, _ := srv.Regions("t1")
	if len(regions) != 2 {
		t.Fatalf("regions = %v", regions)
	}
}

func TestUnknownTableAndFamily(t *testing.T) {
	srv, c := setup(t)
	if err := srv.CreateTable("t", []string{"f"}); err != nil {
		t.Fatal(err)
	}
	p, _ := hrpc.NewPutStr(ctx(t), "nope", "r", map[string]map[string][]byte{"f": {"q": []byte("v")}})
	if _, err := c.Put(p); !errors.Is(err, gohbase.TableNotFound) {
		t.Fatalf("put to missing table: %v", err)
	}
	p, _ = hrpc.NewPutStr(ctx(t), "t", "r", map[string]map[string][]byte{"f": {"q": []byte("v")}, "g": {"q": []byte("v")}})
	if _, err := c.Put(p); err == nil || !strings.Contains(err.Error(), hbasetest.ExcNoSuchColumnFamily) {
		t.Fatalf("put to missing family: %v", err)
	}
	if row, _ := srv.Row("t", "r"); len(row) != 0 {
		t.Fatalf("a mutation naming a missing family was partly applied: %v", row)
	}
}

func TestVersionsAndTimestamps(t *testing.T) {
	srv, c := setup(t)
	if err := srv.CreateTable("t", []string{"f"}); err != nil {
		t.Fatal(err)
	}
	at := func(ms int64) func(hrpc.Call) error { return hrpc.Timestamp(time.UnixMilli(ms)) }
	put(t, c, "t", "r", map[string]map[string][]byte{"f": {"q": []byte("new")}}, at(2000))
	put(t, c, "t", "r", map[string]map[string][]byte{"f": {"q": []byte("old")}}, at(1000))
	if got := get(t, c, "t", "r"); got["f:q"] != "new" {
		t.Fatalf("an older timestamp written later must not win: %v", got)
	}
	put(t, c, "t", "r", map[string]map[string][]byte{"f": {"q": []byte("same-ts")}}, at(2000))
	if got := get(t, c, "t", "r"); got["f:q"] != "same-ts" {
		t.Fatalf("a later write at the same timestamp must replace: %v", got)
	}
	d, _ := hrpc.NewDelStr(ctx(t), "t", "r", map[string]map[string][]byte{"f": {"q": nil}}, at(2500))
	if _, err := c.Delete(d); err != nil {
		t.Fatal(err)
	}
	put(t, c, "t", "r", map[string]map[string][]byte{"f": {"q": []byte("masked")}}, at(2400))
	if got := get(t, c, "t", "r"); len(got) != 0 {
		t.Fatalf("a delete marker must mask older versions written after it: %v", got)
	}
	put(t, c, "t", "r", map[string]map[string][]byte{"f": {"q": []byte("visible")}}, at(3000))
	if got := get(t, c, "t", "r"); got["f:q"] != "visible" {
		t.Fatalf("after delete: %v", got)
	}
	if v, _ := srv.Versions("t", "r", "f", "q"); len(v) != 1 || v[0].Timestamp != 3000 {
		t.Fatalf("VERSIONS=1 keeps one version: %v", v)
	}
}

func TestIncrementAndCheckAndPut(t *testing.T) {
	srv, c := setup(t)
	if err := srv.CreateTable("t", []string{"c"}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		inc, _ := hrpc.NewIncStrSingle(ctx(t), "t", "r", "c", "n", 5)
		n, err := c.Increment(inc)
		if err != nil || n != int64(5*i) {
			t.Fatalf("increment %d: %d %v", i, n, err)
		}
	}
	p, _ := hrpc.NewPutStr(ctx(t), "t", "r", map[string]map[string][]byte{"c": {"lock": []byte("a")}})
	if ok, err := c.CheckAndPut(p, "c", "lock", nil); err != nil || !ok {
		t.Fatalf("check-and-put on a missing cell: %v %v", ok, err)
	}
	p, _ = hrpc.NewPutStr(ctx(t), "t", "r", map[string]map[string][]byte{"c": {"lock": []byte("b")}})
	if ok, err := c.CheckAndPut(p, "c", "lock", nil); err != nil || ok {
		t.Fatalf("check-and-put expecting absence on a present cell: %v %v", ok, err)
	}
	if ok, err := c.CheckAndPut(p, "c", "lock", []byte("a")); err != nil || !ok {
		t.Fatalf("check-and-put expecting the stored value: %v %v", ok, err)
	}
	if v, _ := srv.Cell("t", "r", "c", "lock"); string(v) != "b" {
		t.Fatalf("lock = %q", v)
	}
	bad, _ := hrpc.NewIncStrSingle(ctx(t), "t", "r", "c", "lock", 1)
	if _, err := c.Increment(bad); err == nil || !strings.Contains(err.Error(), "not a long") {
		t.Fatalf("increment of a 1-byte cell: %v", err)
	}
}

func TestScanAcrossRegionsAndBatches(t *testing.T) {
	srv, c := setup(t)
	if err := srv.CreateTable("t", []string{"f"}, "b", "d"); err != nil {
		t.Fatal(err)
	}
	var batch []hrpc.Call
	for _, k := range []string{"a1", "b1", "b2", "c1", "d1", "e1"} {
		p, _ := hrpc.NewPutStr(ctx(t), "t", k, map[string]map[string][]byte{"f": {"q": []byte(k)}})
		batch = append(batch, p)
	}
	res, ok := c.SendBatch(ctx(t), batch)
	if !ok {
		t.Fatalf("batch: %v", res)
	}
	if srv.Requests("Multi") == 0 {
		t.Fatal("SendBatch should travel as Multi")
	}
	sc, _ := hrpc.NewScanRangeStr(ctx(t), "t", "b2", "e", hrpc.NumberOfRows(1))
	s := c.Scan(sc)
	var keys []string
	for {
		r, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, string(r.Cells[0].Row))
	}
	if strings.Join(keys, ",") != "b2,c1,d1" {
		t.Fatalf("scan [b2,e) = %v", keys)
	}
}

func TestInjectedRetriableFaultsAreRetriedByGohbase(t *testing.T) {
	srv, c := setup(t)
	if err := srv.CreateTable("t", []string{"f"}); err != nil {
		t.Fatal(err)
	}
	put(t, c, "t", "warm", map[string]map[string][]byte{"f": {"q": []byte("x")}})
	scans := srv.Requests("Scan")
	// gohbase sends single puts through its Multi batcher.
	srv.Inject(hbasetest.Fault{Method: "Multi", Kind: hbasetest.RegionTooBusy, Times: 2})
	srv.Inject(hbasetest.Fault{Method: "Multi", Kind: hbasetest.NotServingRegion})
	multis := srv.Requests("Multi")
	put(t, c, "t", "r", map[string]map[string][]byte{"f": {"q": []byte("v")}})
	if got := srv.Requests("Multi") - multis; got != 4 {
		t.Fatalf("want 3 failed attempts + 1 success, saw %d Multi calls", got)
	}
	if srv.Requests("Scan") == scans {
		t.Fatal("NotServingRegion should send gohbase back to hbase:meta")
	}
	if srv.PendingFaults() != 0 {
		t.Fatalf("%d faults left", srv.PendingFaults())
	}
	srv.Inject(hbasetest.Fault{Kind: hbasetest.DoNotRetry})
	p, _ := hrpc.NewPutStr(ctx(t), "t", "r2", map[string]map[string][]byte{"f": {"q": []byte("v")}}, hrpc.SkipBatch())
	if _, err := c.Put(p); err == nil || !strings.Contains(err.Error(), hbasetest.ExcDoNotRetry) {
		t.Fatalf("DoNotRetry: %v", err)
	}
	if _, ok := srv.Cell("t", "r2", "f", "q"); ok {
		t.Fatal("a failed mutation was applied")
	}
}

// TestApplyAndDropShowsBlindIncrementRetryHazard documents why increments
// need a guard: gohbase resends a request whose connection died, and the
// server had already applied it.
func TestApplyAndDropShowsBlindIncrementRetryHazard(t *testing.T) {
	srv, c := setup(t)
	if err := srv.CreateTable("t", []string{"c"}); err != nil {
		t.Fatal(err)
	}
	put(t, c, "t", "warm", map[string]map[string][]byte{"c": {"q": make([]byte, 8)}})
	srv.Inject(hbasetest.Fault{Method: "Mutate", Kind: hbasetest.ApplyAndDrop})
	inc, _ := hrpc.NewIncStrSingle(ctx(t), "t", "r", "c", "n", 1, hrpc.SkipBatch())
	n, err := c.Increment(inc)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := srv.Cell("t", "r", "c", "n")
	if n != 2 || binary.BigEndian.Uint64(v) != 2 {
		t.Fatalf("a resent increment after a dropped answer should count twice, got %d / %d", n, binary.BigEndian.Uint64(v))
	}
}

func TestMultiRegionActionFaults(t *testing.T) {
	srv, c := setup(t)
	if err := srv.CreateTable("t", []string{"f"}, "m"); err != nil {
		t.Fatal(err)
	}
	put(t, c, "t", "a", map[string]map[string][]byte{"f": {"q": []byte("x")}})
	put(t, c, "t", "z", map[string]map[string][]byte{"f": {"q": []byte("x")}})
	srv.Inject(hbasetest.Fault{Method: "Multi", Kind: hbasetest.RegionTooBusy})
	srv.Inject(hbasetest.Fault{Method: "Multi", Kind: hbasetest.NotServingRegion})
	var batch []hrpc.Call
	for _, k := range []string{"a", "b", "y", "z"} {
		p, _ := hrpc.NewPutStr(ctx(t), "t", k, map[string]map[string][]byte{"f": {"q": []byte("v-" + k)}})
		batch = append(batch, p)
	}
	if res, ok := c.SendBatch(ctx(t), batch); !ok {
		t.Fatalf("batch with retriable region faults: %+v", res)
	}
	for _, k := range []string{"a", "b", "y", "z"} {
		if v, _ := srv.Cell("t", k, "f", "q"); string(v) != "v-"+k {
			t.Fatalf("%s = %q", k, v)
		}
	}
}

func TestAdminCreateTableWithSplits(t *testing.T) {
	srv, c := setup(t)
	admin := gohbase.NewAdminClient(zkAddr, gohbase.ZookeeperRoot(srv.ZnodeParent()))
	ct := hrpc.NewCreateTable(ctx(t), []byte("made"), map[string]map[string]string{"f": {"VERSIONS": "2"}},
		hrpc.SplitKeys([][]byte{[]byte("k")}))
	if err := admin.CreateTable(ct); err != nil {
		t.Fatal(err)
	}
	if err := admin.CreateTable(hrpc.NewCreateTable(ctx(t), []byte("made"), map[string]map[string]string{"f": nil})); err == nil ||
		!strings.Contains(err.Error(), hbasetest.ExcTableExists) {
		t.Fatalf("second create: %v", err)
	}
	lt, _ := hrpc.NewListTableNames(ctx(t))
	names, err := admin.ListTableNames(lt)
	if err != nil || len(names) != 1 || string(names[0].Qualifier) != "made" {
		t.Fatalf("tables = %v %v", names, err)
	}
	if r, _ := srv.Regions("made"); len(r) != 2 {
		t.Fatalf("regions = %v", r)
	}
	for _, ts := range []int64{1, 2, 3} {
		put(t, c, "made", "r", map[string]map[string][]byte{"f": {"q": []byte(fmt.Sprint(ts))}}, hrpc.Timestamp(time.UnixMilli(ts)))
	}
	if v, _ := srv.Versions("made", "r", "f", "q"); len(v) != 2 || string(v[0].Value) != "3" || string(v[1].Value) != "2" {
		t.Fatalf("VERSIONS=2: %v", v)
	}
}

func TestServerClosesCleanly(t *testing.T) {
	srv, err := hbasetest.New(zkAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.CreateTable("t", []string{"f"}); err != nil {
		t.Fatal(err)
	}
	c := gohbase.NewClient(zkAddr, gohbase.ZookeeperRoot(srv.ZnodeParent()))
	defer c.Close()
	put(t, c, "t", "r", map[string]map[string][]byte{"f": {"q": []byte("v")}})
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs with a live client connection")
	}
}
