package hbase_test

import (
	"context"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/hbase"
)

// genericProps is a Confluent-style config: ${topic} tables and families,
// auto creation, no profile layout.
func genericProps(e *env, extra map[string]string) map[string]string {
	p := map[string]string{
		connectors.NameConfig: "generic", connectors.ConnectorClassConfig: hbase.Alias, connectors.TopicsConfig: "orders",
		hbase.ZookeeperQuorumConfig: zkAddr, hbase.ZnodeParentConfig: e.srv.ZnodeParent(),
		hbase.AutoCreateTablesConfig: "true", hbase.AutoCreateFamiliesConfig: "true", hbase.RetryTimeoutConfig: "10000",
	}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

var orderSchema = &connectors.Schema{Type: connectors.Struct, Name: "Order", Fields: []connectors.Field{
	{Name: "id", Schema: connectors.Primitive(connectors.Int64)},
	{Name: "status", Schema: connectors.OptionalOf(connectors.Primitive(connectors.String))},
	{Name: "qty", Schema: connectors.Primitive(connectors.Int32)},
	{Name: "paid", Schema: connectors.Primitive(connectors.Boolean)},
	{Name: "price", Schema: connectors.Primitive(connectors.Float64)},
	{Name: "at", Schema: &connectors.Schema{Type: connectors.Int64, Name: connectors.TimestampName}},
	{Name: "shipping", Schema: &connectors.Schema{Type: connectors.Struct, Optional: true, Fields: []connectors.Field{
		{Name: "city", Schema: connectors.Primitive(connectors.String)},
		{Name: "zip", Schema: connectors.Primitive(connectors.Int16)},
	}}},
}}

func order(id int64, status any, shipping any) map[string]any {
	return map[string]any{"id": id, "status": status, "qty": int32(3), "paid": true, "price": 12.5,
		"at": time.UnixMilli(1700000000123).UTC(), "shipping": shipping}
}

func sinkRecord(topic string, key any, keySchema *connectors.Schema, value any, valueSchema *connectors.Schema, offset int64) connectors.SinkRecord {
	return connectors.SinkRecord{Record: connectors.Record{Topic: topic, Key: key, KeySchema: keySchema, Value: value,
		ValueSchema: valueSchema, Timestamp: time.UnixMilli(1700000001000)}, Offset: offset,
		OriginalTopic: topic, OriginalOffset: offset}
}

func TestConfluentColumnModelWithAutoCreation(t *testing.T) {
	e := newEnv(t)
	task, _ := e.startTask(genericProps(e, map[string]string{
		hbase.TableNameFormatConfig:  "sink_${topic}",
		hbase.RowKeyDefinitionConfig: "region,value.id",
		hbase.RowKeyDelimiterConfig:  "|",
	}))
	keySchema := &connectors.Schema{Type: connectors.Struct, Fields: []connectors.Field{{Name: "region", Schema: connectors.Primitive(connectors.String)}}}
	key := map[string]any{"region": "eu"}
	recs := []connectors.SinkRecord{
		sinkRecord("orders", key, keySchema, order(7, "new", map[string]any{"city": "Lyon", "zip": int16(9001)}), orderSchema, 0),
		sinkRecord("orders", key, keySchema, order(8, nil, nil), orderSchema, 1),
	}
	if err := task.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	fams, err := e.srv.Families("sink_orders")
	if err != nil || strings.Join(fams, ",") != "orders,shipping" {
		t.Fatalf("families = %v %v: flat fields go to the ${topic} family, a nested struct is its own family", fams, err)
	}
	row, _ := e.srv.Row("sink_orders", "eu|7")
	o, s := row["orders"], row["shipping"]
	checks := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"id", o["id"], binary.BigEndian.AppendUint64(nil, 7)},
		{"status", o["status"], []byte("new")},
		{"qty", o["qty"], binary.BigEndian.AppendUint32(nil, 3)},
		{"paid", o["paid"], []byte{0xFF}},
		{"price", o["price"], binary.BigEndian.AppendUint64(nil, math.Float64bits(12.5))},
		{"at", o["at"], binary.BigEndian.AppendUint64(nil, 1700000000123)},
		{"city", s["city"], []byte("Lyon")},
		{"zip", s["zip"], binary.BigEndian.AppendUint16(nil, uint16(9001))},
	}
	for _, c := range checks {
		if string(c.got) != string(c.want) {
			t.Errorf("%s = %x, want %x", c.name, c.got, c.want)
		}
	}
	row8, _ := e.srv.Row("sink_orders", "eu|8")
	if _, ok := row8["orders"]["status"]; ok || row8["shipping"] != nil {
		t.Errorf("null fields are not written under IGNORE: %v", row8)
	}
}

func TestNullDeleteAndMapping(t *testing.T) {
	e := newEnv(t)
	task, _ := e.startTask(genericProps(e, map[string]string{
		hbase.NullValueHandlingConfig:   hbase.NullDelete,
		hbase.ColumnMappingConfig:       "status=s,shipping=s",
		hbase.DefaultColumnFamilyConfig: "d",
		hbase.RowKeyDefinitionConfig:    "value.id",
	}))
	first := sinkRecord("orders", nil, nil, order(1, "new", map[string]any{"city": "Oslo", "zip": int16(150)}), orderSchema, 0)
	if err := task.Put(context.Background(), []connectors.SinkRecord{first}); err != nil {
		t.Fatal(err)
	}
	row, _ := e.srv.Row("orders", "1")
	if string(row["s"]["status"]) != "new" || string(row["s"]["shipping.city"]) != "Oslo" || len(row["d"]) != 5 {
		t.Fatalf("mapped fields: %v", row)
	}
	second := sinkRecord("orders", nil, nil, order(1, nil, nil), orderSchema, 1)
	second.Timestamp = first.Timestamp.Add(time.Second)
	if err := task.Put(context.Background(), []connectors.SinkRecord{second}); err != nil {
		t.Fatal(err)
	}
	row, _ = e.srv.Row("orders", "1")
	if _, ok := row["s"]["status"]; ok {
		t.Fatalf("a null field under DELETE removes the cell: %v", row["s"])
	}
	if string(row["s"]["shipping.city"]) != "Oslo" {
		t.Fatalf("a null struct keeps its entries (their columns are unknown): %v", row["s"])
	}
}

func TestSchemalessValuesCountersAndPrimitives(t *testing.T) {
	e := newEnv(t)
	task, _ := e.startTask(genericProps(e, map[string]string{
		hbase.IncrementFieldsConfig: "clicks,by_page",
		hbase.ColumnMappingConfig:   "clicks=k,by_page=k",
	}))
	json := map[string]any{"clicks": float64(2), "by_page": map[string]any{"home": float64(1), "cart": float64(4)}, "name": "ann"}
	recs := []connectors.SinkRecord{
		sinkRecord("clicks", "ann", nil, json, nil, 0),
		sinkRecord("clicks", "ann", nil, json, nil, 1),
		sinkRecord("labels", "k1", nil, "plain text", nil, 0),
	}
	if err := task.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	row, _ := e.srv.Row("clicks", "ann")
	for q, want := range map[string]uint64{"clicks": 4, "by_page.home": 2, "by_page.cart": 8} {
		if v := row["k"][q]; len(v) != 8 || binary.BigEndian.Uint64(v) != want {
			t.Errorf("k:%s = %x, want %d", q, v, want)
		}
	}
	if string(row["clicks"]["name"]) != "ann" {
		t.Errorf("flat field in the ${topic} family: %v", row)
	}
	plain, _ := e.srv.Row("labels", "k1")
	if string(plain["labels"][hbase.ValueQualifier]) != "plain text" {
		t.Errorf("primitive value: %v", plain)
	}
	bad := sinkRecord("clicks", "ann", nil, map[string]any{"clicks": "many"}, nil, 2)
	err := task.Put(context.Background(), []connectors.SinkRecord{bad})
	if re, ok := isRecordErrors(err); !ok || !strings.Contains(re[0].Err.Error(), `field "clicks"`) {
		t.Fatalf("a non-integer delta names its field: %v", err)
	}
}

func TestRowKeyErrorsNameTheEntry(t *testing.T) {
	e := newEnv(t)
	task, _ := e.startTask(genericProps(e, map[string]string{hbase.RowKeyDefinitionConfig: "value.customer.id"}))
	recs := []connectors.SinkRecord{
		sinkRecord("t", nil, nil, map[string]any{"customer": map[string]any{"id": "c1"}}, nil, 0),
		sinkRecord("t", nil, nil, map[string]any{"customer": map[string]any{"name": "x"}}, nil, 1),
		sinkRecord("t", nil, nil, map[string]any{"customer": nil}, nil, 2),
	}
	err := task.Put(context.Background(), recs)
	re, ok := isRecordErrors(err)
	if !ok || len(re) != 2 || re[0].Index != 1 || re[1].Index != 2 {
		t.Fatalf("want errors for records 1 and 2, got %v", err)
	}
	for _, r := range re {
		if !strings.Contains(r.Err.Error(), `"value.customer.id"`) {
			t.Errorf("error does not name the entry: %v", r.Err)
		}
	}
	if keys, _ := e.srv.RowKeys("t"); !slices.Equal(keys, []string{"c1"}) {
		t.Fatalf("rows = %v", keys)
	}
}

func TestSaltedRowKeys(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		k := string(hbase.SaltedRowKey("user-"+string(rune('a'+i%26))+strings.Repeat("x", i%7), 16, "#"))
		seen[k[:2]] = true
		if k[2] != '#' {
			t.Fatalf("%q: salt, then the delimiter", k)
		}
	}
	if len(seen) != 16 {
		t.Fatalf("salts used: %d of 16", len(seen))
	}
	if got := string(hbase.SaltedRowKey("abc", 0, "#")); got != "abc" {
		t.Fatalf("no salting with 0 buckets: %q", got)
	}
	if a, b := hbase.SaltPrefix("same", 16), hbase.SaltPrefix("same", 16); a != b {
		t.Fatal("salt must be deterministic")
	}
	if n := len(hbase.SaltSplitKeys(16)); n != 15 {
		t.Fatalf("%d split keys for 16 buckets", n)
	}
}
