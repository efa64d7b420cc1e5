package restproxy_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

type v2Reply struct {
	ErrorCode     int    `json:"error_code"`
	Message       string `json:"message"`
	KeySchemaID   *int   `json:"key_schema_id"`
	ValueSchemaID *int   `json:"value_schema_id"`
	Offsets       []struct {
		Partition *int32  `json:"partition"`
		Offset    *int64  `json:"offset"`
		ErrorCode *int    `json:"error_code"`
		Error     *string `json:"error"`
		Action    string  `json:"action"`
		Rule      string  `json:"rule"`
	} `json:"offsets"`
}

// eventJSON is a UserEvent in plain JSON (untagged unions). Fields in extra
// replace or add members; a nil value removes the member.
func eventJSON(n int, extra map[string]any) string {
	m := map[string]any{
		"event_id":   fmt.Sprintf("0f8fad5b-d9cb-469f-a165-%012d", n),
		"event_type": "PRODUCT_VIEW",
		"user_id":    fmt.Sprintf("u-%d", n%7),
		"session_id": fmt.Sprintf("s-%d", n%11),
		"event_time": 1767225600000 + int64(n),
		"item_id":    fmt.Sprintf("sku-%d", n),
		"price":      19.5,
		"user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	var b strings.Builder
	b.WriteString("{")
	first := true
	for _, k := range []string{"event_id", "event_type", "user_id", "session_id", "event_time", "storefront", "item_id",
		"category", "brand", "price", "quantity", "currency", "order_id", "search_query", "page_url", "referrer",
		"user_agent", "attributes", "colour"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		fmt.Fprintf(&b, "%q:", k)
		switch t := v.(type) {
		case string:
			fmt.Fprintf(&b, "%q", t)
		case rawJSON:
			b.WriteString(string(t))
		default:
			fmt.Fprintf(&b, "%v", t)
		}
	}
	b.WriteString("}")
	return b.String()
}

// rawJSON is inserted into eventJSON verbatim.
type rawJSON string

func TestV2AvroEventsAreValidatedKeyedAndReadable(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules())
	golden, err := os.ReadFile("../../schema-registry/avro/testdata/user_event.golden.json")
	if err != nil {
		t.Fatalf("reading golden event: %v", err)
	}
	// One event in Avro JSON with tagged unions (the upstream form), one
	// with plain values and an RFC 3339 time (beyond upstream).
	plain := eventJSON(1, map[string]any{"event_time": "2026-01-01T00:00:00.5Z", "attributes": rawJSON(`{"ab_arm":"a"}`)})
	body := fmt.Sprintf(`{"records":[{"value":%s},{"value":%s}]}`, golden, plain)
	r := e.post("/topics/user-events", ctAvro, body)
	var rep v2Reply
	r.json(t, &rep)
	if r.status != 200 || len(rep.Offsets) != 2 || rep.ValueSchemaID == nil || *rep.ValueSchemaID != e.eventID || rep.KeySchemaID != nil {
		t.Fatalf("produce: %s", r)
	}
	for i, o := range rep.Offsets {
		if o.ErrorCode != nil || o.Partition == nil || o.Offset == nil {
			t.Fatalf("record %d: %+v", i, o)
		}
	}
	got := e.readAll("user-events", 2)
	byUser := map[string]consumed{}
	for _, c := range got {
		byUser[string(c.key)] = c
	}
	g, ok := byUser["u-1001"]
	if !ok {
		t.Fatalf("golden event not keyed by its user_id; keys: %v", keys(got))
	}
	if g.partition != *rep.Offsets[0].Partition || g.offset != *rep.Offsets[0].Offset {
		t.Errorf("reported %d/%d, stored at %d/%d", *rep.Offsets[0].Partition, *rep.Offsets[0].Offset, g.partition, g.offset)
	}
	ev := e.decodeEvent(g.value)
	if ev.EventType != avro.EventPurchase || *ev.Price != 89.99 || *ev.Quantity != 2 || ev.Attributes["ab_arm"] != "ranker-b" ||
		ev.Referrer != nil || ev.EventTime.UnixMilli() != 1767225600123 {
		t.Errorf("golden event decoded as %+v", ev)
	}
	p := e.decodeEvent(byUser["u-1"].value)
	if p.EventTime.UnixMilli() != 1767225600500 || p.ItemID == nil || *p.ItemID != "sku-1" || p.Attributes["ab_arm"] != "a" {
		t.Errorf("plain event decoded as %+v", p)
	}
	// Same bytes as our own serializer produces for the golden record.
	want, _ := os.ReadFile("../../schema-registry/avro/testdata/user_event.golden.bin")
	if !bytes.Equal(g.value[5:], want) {
		t.Errorf("avro body differs from the golden encoding:\n got %x\nwant %x", g.value[5:], want)
	}
	checkPython(t, e.regURL, []consumed{g, byUser["u-1"]}, []string{"0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-000000000001"})
}

func keys(cs []consumed) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c.key))
	}
	return out
}

func TestV2BadRecordsFailAloneNamingTheField(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules())
	cases := []struct {
		value string
		code  int
		want  string
	}{
		{eventJSON(1, nil), 0, ""},
		{eventJSON(2, map[string]any{"price": "cheap"}), 42203, `records[1].value.price: expected union of [null, double], got string "cheap"`},
		{eventJSON(3, map[string]any{"user_id": nil}), 42203, `records[2].value: missing required field "user_id"`},
		{eventJSON(4, map[string]any{"colour": "red"}), 42203, `records[3].value: unknown field "colour"`},
		{eventJSON(5, map[string]any{"event_type": "TELEPORT"}), 42203, `records[4].value.event_type: "TELEPORT" is not a symbol of enum io.retailpulse.avro.EventType`},
		{eventJSON(6, map[string]any{"event_id": "not-a-uuid"}), 42203, `records[5].value.event_id: "not-a-uuid" is not a UUID`},
		{eventJSON(7, map[string]any{"quantity": 3000000000}), 42203, `records[6].value.quantity`},
		{eventJSON(8, map[string]any{"attributes": rawJSON(`{"a":1}`)}), 42203, `records[7].value.attributes.a: expected string, got number 1`},
		{eventJSON(9, nil), 0, ""},
	}
	var recs []string
	for _, c := range cases {
		recs = append(recs, `{"value":`+c.value+`}`)
	}
	r := e.post("/topics/user-events", ctAvro, `{"records":[`+strings.Join(recs, ",")+`]}`)
	var rep v2Reply
	r.json(t, &rep)
	if r.status != 200 || len(rep.Offsets) != len(cases) {
		t.Fatalf("mixed batch must be 200 with one result per record: %s", r)
	}
	for i, c := range cases {
		o := rep.Offsets[i]
		if c.code == 0 {
			if o.ErrorCode != nil || o.Offset == nil {
				t.Errorf("record %d should succeed: %+v", i, o)
			}
			continue
		}
		if o.ErrorCode == nil || *o.ErrorCode != c.code || !strings.Contains(*o.Error, c.want) || o.Offset != nil {
			t.Errorf("record %d: got %+v (%v), want code %d containing %q", i, o, deref(o.Error), c.code, c.want)
		}
	}
	if got := e.readAll("user-events", 2); len(got) != 2 {
		t.Fatalf("good records stored: %d", len(got))
	}
	// A request whose only record fails is not a 200.
	r = e.post("/topics/user-events", ctAvro, `{"records":[{"value":`+cases[1].value+`}]}`)
	r.json(t, &rep)
	if r.status != 422 || rep.ErrorCode != 42203 || !strings.Contains(rep.Message, "records[0].value.price") {
		t.Fatalf("single bad record: %s", r)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestV2RequestErrorsMatchUpstreamCodes(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules(), restproxy.WithBodyLimit(64<<10), restproxy.WithMaxKeyBytes(64))
	otherID, err := e.reg.Register(t.Context(), otherTopic+"-value", `{"type":"record","name":"Other","fields":[{"name":"x","type":"int"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	orderSchema := `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"total","type":["null","double"],"default":null}]}`
	huge := strings.Repeat("k", 65)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"records":[{"value":{"foo":"bar"}}]}`))
	_ = zw.Close()
	var bomb bytes.Buffer
	zw = gzip.NewWriter(&bomb)
	_, _ = zw.Write([]byte(`{"records":[{"value":"` + strings.Repeat("A", 200<<10) + `"}]}`))
	_ = zw.Close()

	cases := []struct {
		name, path, ct, body string
		headers              []string
		status, code         int
		contains             string
	}{
		{"malformed json", "/topics/plain", ctJSON, `{"records":[{"value":}]}`, nil, 400, 400, "line 1, column 22"},
		{"wrong content type", "/topics/plain", "text/csv", `{}`, nil, 415, 415, "Unsupported Media Type"},
		{"protobuf not supported", "/topics/plain", "application/vnd.kafka.protobuf.v2+json", `{}`, nil, 415, 415, "protobuf"},
		{"unknown topic", "/topics/nope", ctJSON, `{"records":[{"value":1}]}`, nil, 404, 40401, "nope"},
		{"unknown partition", "/topics/plain/partitions/9", ctJSON, `{"records":[{"value":1}]}`, nil, 404, 40402, "9"},
		{"records missing", "/topics/plain", ctJSON, `{"foo":"bar"}`, nil, 422, 42206, "records"},
		{"records empty", "/topics/plain", ctJSON, `{"records":[]}`, nil, 422, 42206, "empty"},
		{"records not array", "/topics/plain", ctBinary, `{"records":"x"}`, nil, 400, 400, "array"},
		{"record not object", "/topics/plain", ctBinary, `{"records":["x"]}`, nil, 400, 400, "records[0]"},
		{"record misspelt", "/topics/plain", ctJSON, `{"records":[{"valur":1}]}`, nil, 422, 42206, `"valur"`},
		{"bad base64", "/topics/plain", ctBinary, `{"records":[{"value":"not base64!"}]}`, nil, 400, 400, "records[0].value: invalid base64"},
		{"binary not string", "/topics/plain", ctBinary, `{"records":[{"value":{"a":1}}]}`, nil, 400, 400, "base64 string"},
		{"value schema missing", "/topics/orders", ctAvro, `{"records":[{"value":{"id":"o1"}}]}`, nil, 422, 42202, "value schema"},
		{"key schema missing", "/topics/orders", ctAvro, `{"value_schema":` + quote(orderSchema) + `,"records":[{"key":"k","value":{"id":"o1"}}]}`, nil, 422, 42201, "key schema"},
		{"invalid schema", "/topics/orders", ctAvro, `{"value_schema":"{\"type\":\"recrd\"}","records":[{"value":{}}]}`, nil, 422, 42205, "Invalid schema"},
		{"unknown schema id", "/topics/orders", ctAvro, `{"value_schema_id":9999,"records":[{"value":{}}]}`, nil, 422, 42205, "9999"},
		{"schema id of another subject", "/topics/orders", ctAvro, fmt.Sprintf(`{"value_schema_id":%d,"records":[{"value":{"x":1}}]}`, otherID), nil, 422, 42205, "not registered under subject orders-value"},
		{"oversize body", "/topics/plain", ctBinary, `{"records":[{"value":"` + strings.Repeat("A", 70<<10) + `"}]}`, nil, 413, 413, "limit"},
		{"huge key", "/topics/plain", ctJSON, `{"records":[{"key":"` + huge + `","value":1}]}`, nil, 422, 42206, "records[0].key: 67 bytes is over the 64-byte key limit"},
		{"gzip body", "/topics/plain", ctJSON, gz.String(), []string{"Content-Encoding", "gzip"}, 200, 0, `"offsets"`},
		{"gzip bomb", "/topics/plain", ctBinary, bomb.String(), []string{"Content-Encoding", "gzip"}, 413, 413, "limit"},
		{"unknown encoding", "/topics/plain", ctJSON, `{}`, []string{"Content-Encoding", "br"}, 415, 415, "br"},
		{"event partition refused", "/topics/user-events/partitions/1", ctAvro, `{"records":[{"value":` + eventJSON(1, nil) + `}]}`, nil, 422, 42206, "partitioned by user_id"},
		{"event key schema refused", "/topics/user-events", ctAvro, `{"key_schema":"\"string\"","records":[{"value":` + eventJSON(1, nil) + `}]}`, nil, 422, 42205, "plain string keys"},
		{"event key not the user", "/topics/user-events", ctAvro, `{"records":[{"key":"someone","value":` + eventJSON(1, nil) + `}]}`, nil, 422, 42206, `records[0].key: "someone" is not the event's user_id "u-1"`},
		{"event unregistered schema", "/topics/user-events", ctAvro, `{"value_schema":` + quote(orderSchema) + `,"records":[{"value":{"id":"o"}}]}`, nil, 422, 42205, "not registered under subject user-events-value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.post(c.path, c.ct, c.body, c.headers...)
			var rep v2Reply
			r.json(t, &rep)
			if r.status != c.status || rep.ErrorCode != c.code || !strings.Contains(rep.Message+string(r.body), c.contains) {
				t.Fatalf("got %s; want %d/%d containing %q", r, c.status, c.code, c.contains)
			}
		})
	}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func TestV2JSONBinaryAndAvroOnPlainTopics(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules())
	r := e.post("/topics/plain", ctJSON, `{"records":[{"key":"k1","value":{ "a" : [1, 2] }},{"key":"k1","value":null},{"value":"x","partition":2}]}`)
	var rep v2Reply
	r.json(t, &rep)
	if r.status != 200 || *rep.Offsets[0].Partition != *rep.Offsets[1].Partition || *rep.Offsets[2].Partition != 2 {
		t.Fatalf("json: %s", r)
	}
	payload := base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff})
	r = e.post("/topics/plain/partitions/1", ctBinary, `{"records":[{"key":"`+base64.StdEncoding.EncodeToString([]byte("bk"))+`","value":"`+payload+`"}]}`)
	r.json(t, &rep)
	if r.status != 200 || *rep.Offsets[0].Partition != 1 {
		t.Fatalf("binary: %s", r)
	}
	got := e.readAll("plain", 4)
	values := map[string]bool{}
	for _, c := range got {
		values[fmt.Sprintf("%s=%q", c.key, c.value)] = true
	}
	// json keys and values are JSON text, as upstream writes them.
	for _, want := range []string{`"k1"="{\"a\":[1,2]}"`, `"k1"=""`, `="\"x\""`, `bk="\x00\x01\x02\xff"`} {
		if !values[want] {
			t.Errorf("missing record %s in %v", want, values)
		}
	}
	// Avro with a key schema and a value schema registers both under
	// TopicNameStrategy subjects and answers their ids.
	schema := `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"total","type":["null","double"],"default":null}]}`
	r = e.post("/topics/orders", ctAvro, `{"key_schema":"\"string\"","value_schema":`+quote(schema)+`,"records":[{"key":"o1","value":{"id":"o1","total":{"double":9.5}}},{"key":"o2","value":{"id":"o2"}}]}`)
	r.json(t, &rep)
	if r.status != 200 || rep.KeySchemaID == nil || rep.ValueSchemaID == nil {
		t.Fatalf("avro: %s", r)
	}
	ids := map[string]int{}
	for _, s := range []string{"orders-key", "orders-value"} {
		id, err := e.reg.Lookup(t.Context(), s, map[string]string{"orders-key": `"string"`, "orders-value": schema}[s])
		if err != nil {
			t.Fatalf("subject %s not registered: %v", s, err)
		}
		ids[s] = id
	}
	if ids["orders-key"] != *rep.KeySchemaID || ids["orders-value"] != *rep.ValueSchemaID {
		t.Fatalf("reported ids %d/%d, registered %v", *rep.KeySchemaID, *rep.ValueSchemaID, ids)
	}
	// By id, the same schema again: no registration needed.
	r = e.post("/topics/orders", ctAvro, fmt.Sprintf(`{"value_schema_id":%d,"records":[{"value":{"id":"o3","total":1}}]}`, ids["orders-value"]))
	if r.status != 200 {
		t.Fatalf("avro by id: %s", r)
	}
	orders := e.readAll("orders", 3)
	for _, o := range orders {
		if o.value[0] != 0 || int(o.value[1])<<24|int(o.value[2])<<16|int(o.value[3])<<8|int(o.value[4]) != ids["orders-value"] {
			t.Errorf("value not framed with schema id %d: %x", ids["orders-value"], o.value)
		}
	}
}

func TestV2Metadata(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules())
	var names []string
	e.get("/topics").json(t, &names)
	if !contains(names, "user-events") || !contains(names, "plain") {
		t.Fatalf("topics: %v", names)
	}
	var topic struct {
		Name       string            `json:"name"`
		Configs    map[string]string `json:"configs"`
		Partitions []struct {
			Partition int32 `json:"partition"`
			Leader    int32 `json:"leader"`
			Replicas  []struct {
				Broker int32 `json:"broker"`
				Leader bool  `json:"leader"`
				InSync bool  `json:"in_sync"`
			} `json:"replicas"`
		} `json:"partitions"`
	}
	r := e.get("/topics/plain")
	r.json(t, &topic)
	if r.status != 200 || topic.Name != "plain" || len(topic.Partitions) != 3 || len(topic.Configs) == 0 ||
		!topic.Partitions[0].Replicas[0].Leader || !topic.Partitions[0].Replicas[0].InSync {
		t.Fatalf("topic: %s", r)
	}
	if r.header.Get("Content-Type") != "application/vnd.kafka.v2+json" {
		t.Errorf("content type %q", r.header.Get("Content-Type"))
	}
	for path, want := range map[string]string{
		"/topics/nope":                      `"error_code":40403`,
		"/topics/nope/partitions":           `"error_code":40401`,
		"/topics/plain/partitions/7":        `"error_code":40402`,
		"/topics/nope/partitions/0/offsets": `"error_code":40401`,
	} {
		if r := e.get(path); r.status != 404 || !strings.Contains(string(r.body), want) {
			t.Errorf("%s: %s, want 404 with %s", path, r, want)
		}
	}
	e.post("/topics/plain/partitions/0", ctJSON, `{"records":[{"value":1},{"value":2}]}`)
	var off map[string]int64
	e.get("/topics/plain/partitions/0/offsets").json(t, &off)
	if off["beginning_offset"] != 0 || off["end_offset"] != 2 {
		t.Fatalf("offsets: %v", off)
	}
	if r := e.get("/brokers"); r.status != 200 || !strings.Contains(string(r.body), `"brokers":[`) {
		t.Fatalf("brokers: %s", r)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

var _ = time.Second

func TestUnknownRoutesAnswerJSON(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules())
	for _, r := range []reply{e.get("/nope"), e.do("PUT", "/topics/plain", ctJSON, []byte(`{}`))} {
		if r.status != 404 || !strings.Contains(string(r.body), `"error_code":404`) {
			t.Errorf("got %s", r)
		}
	}
}
