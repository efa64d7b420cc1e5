package restproxy

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/sidecars/restproxy/rules"
)

// wideSchema exercises every type the fast path handles, and unions it
// leaves to the general converter.
const wideSchema = `{"type":"record","name":"W","namespace":"t","fields":[
	{"name":"b","type":"boolean","default":false},
	{"name":"i","type":"int","default":0},
	{"name":"f","type":"float","default":0},
	{"name":"d","type":{"type":"int","logicalType":"date"},"default":0},
	{"name":"ts","type":["null",{"type":"long","logicalType":"timestamp-micros"}],"default":null},
	{"name":"raw","type":"bytes","default":""},
	{"name":"fx","type":{"type":"fixed","name":"F2","size":2},"default":"ab"},
	{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"},"default":"B"},
	{"name":"multi","type":["null","int","string"],"default":null},
	{"name":"nested","type":["null",{"type":"record","name":"N","fields":[{"name":"x","type":"long"},
		{"name":"tags","type":{"type":"array","items":"string"},"default":[]}]}],"default":null},
	{"name":"m","type":{"type":"map","values":["null","double"]},"default":{}},
	{"name":"user_id","type":"string","default":"anon"},
	{"name":"event_time","type":"long","default":7}]}`

// fastCases are event texts for the differential tests and the fuzz seeds:
// valid ones in every shape, and invalid ones the fast path must refuse.
var fastCases = []string{
	`{}`,
	`{"b":true,"i":-5,"f":1.5,"d":"2026-01-02","ts":{"long":12},"raw":"\u00ff\u0001","fx":"zz","e":"A",
	  "multi":{"string":"s"},"nested":{"t.N":{"x":3,"tags":["a","b\"c"]}},"m":{"k":{"double":1},"n":null},"user_id":"u","event_time":9}`,
	`{ "b" : false , "i" : 1e2 , "m" : { } , "nested" : null , "event_time" : 5 }`,
	`{"event_time":"2026-01-01T00:00:00Z"}`,
	`{"user_id":"z","ts":null,"multi":null,"e":"B","b":true}`,
	`{"ts":"2026-01-01T00:00:00.123456Z","multi":5}`,
	`{"nested":{"N":{"x":1}}}`,
	`{"m":{"a":2.5}}`,
	`{"i":2147483648}`,
	`{"i":1.5}`,
	`{"f":1e39}`,
	`{"fx":"abc"}`,
	`{"e":"C"}`,
	`{"b":1}`,
	`{"unknown":1}`,
	`{"i":1,"i":2}`,
	`{"user_id":"x","b":true}`,
	`{"multi":"x"}`,
	`{"multi":{"int":1,"string":"x"}}`,
	`{"nested":{"x":1}}`,
	`{"nested":{}}`,
	`{"user_id":"\ud83d\ude00 caf\u00e9","m":{"\u00e9":null}}`,
	`{"user_id":null}`,
}

var eventCases = []string{
	`{"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_type":"PURCHASE","user_id":"u-1","session_id":"s-1",
	  "event_time":1767225600123,"storefront":{"string":"web-us"},"item_id":{"string":"sku-42"},"category":null,
	  "brand":null,"price":{"double":89.99},"quantity":{"int":2},"currency":{"string":"USD"},"order_id":{"string":"o-1"},
	  "search_query":null,"page_url":null,"referrer":null,"user_agent":{"string":"Mozilla/5.0"},"attributes":{"ab":"x"}}`,
	`{"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_type":"CLICK","user_id":"u-1","session_id":"s-1",
	  "event_time":"2026-01-01T12:00:00Z","item_id":"sku-9","price":12.5,"quantity":1,"user_agent":"Googlebot"}`,
	`{"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_type":"SEARCH","user_id":"u\u002d2","session_id":"s",
	  "event_time":1,"search_query":"trail \"shoes\""}`,
	`{"event_type":"SEARCH","event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","user_id":"u","session_id":"s","event_time":1}`,
	`{"event_id":"not-a-uuid","event_type":"SEARCH","user_id":"u","session_id":"s","event_time":1}`,
	`{"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_type":"NOPE","user_id":"u","session_id":"s","event_time":1}`,
	`{"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_type":"SEARCH","user_id":"u","session_id":"s"}`,
	`{"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_type":"SEARCH","user_id":"u","session_id":"s","event_time":1,"price":"cheap"}`,
	`{"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_type":"SEARCH","user_id":"u","session_id":"s","event_time":1,"quantity":3000000000}`,
}

// checkFast runs the fast path and the general converter over one event
// text and requires that the fast path either declines or gives exactly
// the general converter's bytes and fields.
func checkFast(t *testing.T, n *avroNode, event string) (fastOK bool) {
	t.Helper()
	doc := []byte(`{"value":` + event + `}`)
	lazy, text, err := parseJSONLazy(doc, lazyEvents{depth: 1, name: "value"})
	if err != nil {
		return false
	}
	v, _ := lazy.member("value")
	if !v.lazy {
		return false
	}
	var ev eventFields
	fast, ok := encodeFast(n, doc, text, v, []byte{0xEE}, &ev)
	if len(fast) == 0 || fast[0] != 0xEE {
		t.Fatalf("%s: the fast path overwrote what dst held", event)
	}
	fast = fast[1:]

	tree, err := parseJSON(doc)
	if err != nil {
		t.Fatalf("%s: the lazy parse accepted what the tree parser refuses: %v", event, err)
	}
	tv, _ := tree.member("value")
	general, nat, gerr := n.encodeMasked(nil, tv, "value", nil)
	if !ok {
		if len(fast) != 0 {
			t.Fatalf("%s: declined but left %d bytes", event, len(fast))
		}
		return false
	}
	if gerr != nil {
		t.Fatalf("%s: fast path accepted what the general converter refuses: %v", event, gerr)
	}
	if !bytes.Equal(fast, general) {
		t.Fatalf("%s: fast path wrote\n%x\ngeneral converter wrote\n%x", event, fast, general)
	}
	want := eventFieldsOf(nat.(map[string]any))
	want.Fields, ev.Fields = nil, nil
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("%s: fast path read fields\n%+v\ngeneral converter\n%+v", event, ev, want)
	}
	return true
}

func TestFastPathMatchesGeneral(t *testing.T) {
	sch, _ := avro.ByName("UserEvent")
	event := compileText(t, sch.Text)
	wide := compileText(t, wideSchema)
	golden, err := os.ReadFile("../../schema-registry/avro/testdata/user_event.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for _, c := range append(eventCases, string(golden)) {
		if checkFast(t, event, c) {
			accepted++
		}
	}
	for _, c := range fastCases {
		if checkFast(t, wide, c) {
			accepted++
		}
	}
	// The valid, in-order cases must take the fast path, or it would be
	// tested only for declining.
	if accepted < 12 {
		t.Fatalf("the fast path took only %d of the cases", accepted)
	}
	for _, c := range []string{eventCases[0], eventCases[1], string(golden), fastCases[1], fastCases[2]} {
		if !checkFast(t, eventOrWide(c, event, wide), c) {
			t.Errorf("the fast path declined a valid event it covers: %s", c)
		}
	}
}

func eventOrWide(c string, event, wide *avroNode) *avroNode {
	if strings.Contains(c, "event_id") {
		return event
	}
	return wide
}

// FuzzFastEncode is the differential test: for any text, the fast path
// declines or agrees byte for byte with the general converter.
func FuzzFastEncode(f *testing.F) {
	for _, c := range eventCases {
		f.Add(uint8(0), c)
	}
	for _, c := range fastCases {
		f.Add(uint8(1), c)
	}
	sch, _ := avro.ByName("UserEvent")
	nodes := []*avroNode{compileText(f, sch.Text), compileText(f, wideSchema)}
	f.Fuzz(func(t *testing.T, which uint8, event string) {
		checkFast(t, nodes[int(which)%len(nodes)], event)
	})
}

// FuzzLazyParse checks the lazy parser against the tree parser: the same
// error for bad input, and for good input the same tree once the lazy
// values are materialized.
func FuzzLazyParse(f *testing.F) {
	f.Add([]byte(`{"records":[{"value":{"a":[1,{"b":"\u00e9"}]}},{"value":1}]}`))
	f.Add([]byte(`{"records":[{"value":{"a":}}]}`))
	f.Add([]byte(`{"records":[{"value":{"a":"\ud800"}}]}`))
	f.Add([]byte(`{"entries":[{"id":"1","value":{"data":{"x":[[[]]]}}}]}`))
	f.Add([]byte(`{"value":{"data":{"x":tru}}}`))
	f.Add([]byte(`{"records":[{"value":{"a":1,}}]}`))
	f.Add([]byte(`{"records":[{"value":{"a":01}}]}`))
	f.Add([]byte("{\"records\":[{\"value\":{\"a\":\"\x01\"}}]}"))
	f.Add([]byte(`{"records":[{"value":` + strings.Repeat("[", 130) + `}]}`))
	f.Add([]byte(`{"records":[{"value":{"a":` + strings.Repeat(`{"b":`, 124) + `1` + strings.Repeat("}", 124) + `}}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		want, werr := parseJSON(src)
		for _, at := range []lazyEvents{lazyV2Records, lazyV3Entries, lazyV3Record} {
			got, text, gerr := parseJSONLazy(src, at)
			if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
				t.Fatalf("%q at %+v: tree parser says %v, lazy parser %v", src, at, werr, gerr)
			}
			if werr != nil {
				continue
			}
			if err := materializeAll(&got, src, text); err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q at %+v: materialized tree differs from the tree parser's", src, at)
			}
		}
	})
}

func materializeAll(v *jsonValue, src []byte, text string) error {
	if err := v.materialize(src, text); err != nil {
		return err
	}
	for i := range v.members {
		if err := materializeAll(&v.members[i].value, src, text); err != nil {
			return err
		}
	}
	return nil
}

// fastBatch is a one-record v2 batch for the event topic, parsed as
// v2Produce parses it.
func fastBatch(t *testing.T, rs *resolvedSchema, event string) (*batch, *inRecord) {
	t.Helper()
	src := []byte(`{"records":[{"value":` + event + `}]}`)
	doc, text, err := parseJSONLazy(src, lazyV2Records)
	if err != nil {
		t.Fatal(err)
	}
	recs, aerr := v2Records(&doc, kafka.PartitionAny)
	if aerr != nil {
		t.Fatal(aerr)
	}
	recs[0].keySpec, recs[0].valueSpec, recs[0].timestamp = partSpec{format: fmtString}, partSpec{format: fmtAvro, schema: rs}, time.Now()
	b := newBatch(topicInfo{name: "user-events", partitions: make([]kafka.PartitionMetadata, 6)}, src, recs,
		&rules.Request{API: "v2", ReceivedAt: time.Now()})
	b.text = text
	return b, &b.recs[0]
}

// TestFastPathRules checks that events take the fast path under the
// built-in rules (no member tree is built), and that a when-expression
// sees the general converter's map, built only for it.
func TestFastPathRules(t *testing.T) {
	sch, _ := avro.ByName("UserEvent")
	rs := &resolvedSchema{id: 1, subject: "user-events-value", node: compileText(t, sch.Text)}
	builtins, err := rules.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	file := t.TempDir() + "/rules.yaml"
	if err := os.WriteFile(file, []byte("rules:\n  - name: cheap\n    when: has(event.price) && event.price < 1.0 && event.attributes.ab == 'x'\n    action: dlq\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cel, err := rules.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		set   *rules.Set
		price string
		want  string
		lazy  bool
	}{
		{"builtins", builtins, "0.5", outcomeProduced, true},
		{"cel match", cel, "0.5", outcomeDLQ, false},
		{"cel no match", cel, "5.0", outcomeProduced, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := strings.Replace(eventCases[0], "89.99", tc.price, 1)
			ev = strings.Replace(ev, "0f8fad5b", map[string]string{"builtins": "1f8fad5b", "cel match": "2f8fad5b", "cel no match": "3f8fad5b"}[tc.name], 1)
			b, rec := fastBatch(t, rs, ev)
			b.engine = tc.set.Engine()
			p := &Proxy{cfg: defaults(), rules: tc.set, m: newProxyMetrics(nil)}
			p.prepareEvent(t.Context(), b, 0)
			if got := b.results[0].outcome; got != tc.want || b.results[0].err != nil {
				t.Fatalf("outcome %s (%v), want %s", got, b.results[0].err, tc.want)
			}
			if rec.value.lazy != tc.lazy {
				t.Fatalf("event value lazy=%v after preparing, want %v", rec.value.lazy, tc.lazy)
			}
			if m := b.msgs[0]; string(m.key) != "u-1" || tc.want == outcomeProduced && (len(m.value) < 5 || m.value[0] != 0) {
				t.Fatalf("record key %q value %x", m.key, m.value)
			}
			if b.decisions != nil {
				b.decisions[0].Settle(false, rules.Position{})
			}
		})
	}
}

// TestPlainBytes checks the eight-byte string scan against a byte loop:
// the lowest flagged byte must be the first quote, backslash or control
// character, and no flag may appear when there is none.
func TestPlainBytes(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{'"', '\\', 0, 0x1f, ' ', 'a', 0x7f, 0x80, 0xc3, 0xff, '!', '#', '[', ']'}
	for range 200000 {
		var b [8]byte
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = byte(r.Uint32())
			}
		}
		want := -1
		for i, c := range b {
			if special(c) {
				want = i
				break
			}
		}
		m := plainBytes(binary.LittleEndian.Uint64(b[:]))
		got := -1
		if m != 0 {
			got = bits.TrailingZeros64(m) / 8
		}
		if got != want {
			t.Fatalf("% x: first special byte at %d, scan says %d", b, want, got)
		}
	}
}
