package restproxy

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

func compileText(t testing.TB, text string) *avroNode {
	t.Helper()
	s, err := hamba.ParseWithCache(text, "", &hamba.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := compileAvro(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// convert parses src and encodes it with n; the result is decoded with
// hamba into a generic value for comparison.
func convert(t *testing.T, n *avroNode, schema, src string) (any, error) {
	t.Helper()
	v, err := parseJSON([]byte(src))
	if err != nil {
		return nil, err
	}
	b, _, err := n.encode(nil, &v, false)
	if err != nil {
		return nil, rooted(err, "value")
	}
	s := hamba.MustParse(schema)
	var out any
	if err := avroAPI.Unmarshal(s, b, &out); err != nil {
		t.Fatalf("hamba cannot read what the converter wrote for %s: %v", src, err)
	}
	return out, nil
}

func TestParseJSON(t *testing.T) {
	v, err := parseJSON([]byte(` {"a": [1, -2.5e3, true, null, "x\"\u00e9\ud83d\ude00\n"], "b": {}} `))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := v.member("a")
	if len(a.members) != 5 || a.members[1].value.s != "-2.5e3" || a.members[4].value.s != "x\"é😀\n" || !a.members[2].value.b || a.members[3].value.kind != jsonNull {
		t.Fatalf("parsed %+v", a.members)
	}
	if b, _ := v.member("b"); b.kind != jsonObject || string([]byte(` {"a": [1, -2.5e3, true, null, "x\"\u00e9\ud83d\ude00\n"], "b": {}} `)[b.start:b.end]) != "{}" {
		t.Fatalf("span of b: %+v", b)
	}
	for src, want := range map[string]string{
		"{\"a\":\n  01}":         "line 2, column 3: malformed number, leading zero",
		`{"a" 1}`:                "want ':'",
		`[1,]`:                   "want a value",
		`"\ud800"`:               "surrogate",
		`"\q"`:                   `invalid escape \q`,
		"\"a\x01\"":              "control character",
		`{"a":1} x`:              "after the top-level value",
		"\"\xff\"":               "not valid UTF-8",
		strings.Repeat("[", 200): "nesting deeper than 128",
		`{"a":tru}`:              "want a value",
		``:                       "unexpected end of input",
	} {
		if _, err := parseJSON([]byte(src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
}

func TestUnionsDefaultsAndLogicalTypes(t *testing.T) {
	schema := `{"type":"record","name":"R","namespace":"ns","fields":[
		{"name":"s","type":["null","string"],"default":null},
		{"name":"n","type":["null","int","long"],"default":null},
		{"name":"e","type":["null",{"type":"enum","name":"E","symbols":["A","B"]},"string"],"default":null},
		{"name":"r","type":["null",{"type":"record","name":"In","fields":[{"name":"x","type":"int"}]},{"type":"map","values":"int"}],"default":null},
		{"name":"t","type":{"type":"long","logicalType":"timestamp-millis"},"default":0},
		{"name":"d","type":{"type":"int","logicalType":"date"},"default":0},
		{"name":"b","type":"bytes","default":""},
		{"name":"f","type":{"type":"fixed","name":"F","size":2},"default":"ab"},
		{"name":"a","type":{"type":"array","items":"string"},"default":[]},
		{"name":"m","type":{"type":"map","values":"long"},"default":{"k":1}}]}`
	n := compileText(t, schema)
	ok := []struct{ src, check string }{
		{`{}`, `"m":{"k":1}`},
		{`{"s":"x","n":5}`, `"s":"x"`},
		{`{"s":{"string":"x"},"n":{"long":5}}`, `"n":5`},
		// hamba reads a three-branch union back as {"<branch>": value}.
		{`{"e":{"ns.E":"B"}}`, `"e":{"ns.E":"B"}`},
		{`{"e":{"E":"A"}}`, `"e":{"ns.E":"A"}`},
		{`{"e":{"string":"A"}}`, `"e":{"string":"A"}`},
		{`{"r":{"ns.In":{"x":1}}}`, `"x":1`},
		{`{"r":{"map":{"x":1}}}`, `"x":1`},
		{`{"t":"2026-01-01T00:00:01.5Z","d":"1970-01-11"}`, `"d":"1970-01-11`},
		{`{"b":"\u0000\u00ff","f":"xy","a":["p","q"]}`, `"a":["p","q"]`},
		{`{"n":1e2}`, `"n":100`},
	}
	for _, c := range ok {
		out, err := convert(t, n, schema, c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		js, _ := json.Marshal(out)
		if !strings.Contains(string(js), c.check) {
			t.Errorf("%s: decoded %s, want it to contain %s", c.src, js, c.check)
		}
	}
	bad := map[string]string{
		`{"e":"A"}`:               `value.e: string "A" fits several branches of union of [null, ns.E, string]; tag it as one of {"ns.E": ...} or {"string": ...}`,
		`{"r":{"x":1}}`:           "fits several branches",
		`{"n":"5"}`:               `value.n: expected union of [null, int, long], got string "5"`,
		`{"n":1.5}`:               "got number 1.5",
		`{"t":"yesterday"}`:       "RFC 3339",
		`{"b":"\u0100"}`:          "outside 0-255",
		`{"f":"abc"}`:             "needs 2 bytes, got 3",
		`{"a":["p",1]}`:           "value.a[1]: expected string, got number 1",
		`{"m":{"k":"v"}}`:         "value.m.k: expected long",
		`{"s":null,"s":null}`:     `field "s" given twice`,
		`{"r":{"ns.In":{"y":1}}}`: `value.r: unknown field "y"`,
	}
	for src, want := range bad {
		if _, err := convert(t, n, schema, src); err == nil || err.Error() != want && !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}

// TestGoldenEventMatchesOurSerde checks byte equality with the governed
// golden encoding and that the native map carries what the rules need.
func TestGoldenEventMatchesOurSerde(t *testing.T) {
	sch, _ := avro.ByName("UserEvent")
	n := compileText(t, sch.Text)
	src, err := os.ReadFile("../../schema-registry/avro/testdata/user_event.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("../../schema-registry/avro/testdata/user_event.golden.bin")
	v, err := parseJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	got, nat, err := n.encodeMasked(nil, &v, "value", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding differs:\n got %x\nwant %x", got, want)
	}
	ev := nat.(map[string]any)
	if ev["price"] != 89.99 || ev["quantity"] != int64(2) || ev["event_time"] != int64(1767225600123) || ev["referrer"] != nil {
		t.Fatalf("native event: %v", ev)
	}
	if _, has := ev["referrer"]; has {
		t.Fatal("null fields must be absent from the native event")
	}
	mask := n.fieldMask(func(f string) bool { return f == "user_id" })
	_, nat, _ = n.encodeMasked(nil, &v, "value", mask)
	if m := nat.(map[string]any); len(m) != 1 || m["user_id"] != "u-1001" {
		t.Fatalf("masked native event: %v", m)
	}
}

func TestJSONSplitter(t *testing.T) {
	in := ` {"a":"}"} [1,[2]]"s" 12 true{"b":{"c":"\""}}` + "\n"
	s := newJSONSplitter(strings.NewReader(in), 64)
	var got []string
	for {
		v, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(v))
	}
	want := []string{`{"a":"}"}`, `[1,[2]]`, `"s"`, `12`, `true`, `{"b":{"c":"\""}}`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q want %q", got, want)
	}
	if _, err := newJSONSplitter(strings.NewReader(`{"a":"`+strings.Repeat("x", 100)+`"}`), 64).next(); err == nil {
		t.Fatal("oversized value not refused")
	}
	if _, err := newJSONSplitter(strings.NewReader(`{"a":1`), 64).next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated value: %v", err)
	}
}

// FuzzRequest feeds arbitrary bodies through the parser, the v2 envelope
// reader and the converter of the governed schema and a union-heavy one:
// nothing may panic, and every conversion error names its path.
func FuzzRequest(f *testing.F) {
	golden, _ := os.ReadFile("../../schema-registry/avro/testdata/user_event.golden.json")
	f.Add([]byte(`{"records":[{"value":` + string(golden) + `}]}`))
	f.Add([]byte(`{"records":[{"key":"k","value":{"s":"x","n":{"long":5},"e":"A"}},{"value":null}]}`))
	f.Add([]byte(`{"records":[{"partition":1,"value":[1,{"a":"\ud83d\ude00"}]}]}`))
	f.Add([]byte(`{"value":{"data":{"id":"x"}},"key":{"type":"BINARY","data":"AA=="}}{"value":1}`))
	sch, _ := avro.ByName("UserEvent")
	event := compileText(f, sch.Text)
	other := compileText(f, `{"type":"record","name":"R","fields":[{"name":"s","type":["null","string"],"default":null},
		{"name":"n","type":["null","int","long","double"],"default":null},{"name":"e","type":["null",{"type":"enum","name":"E","symbols":["A"]},"string"],"default":null},
		{"name":"a","type":{"type":"array","items":{"type":"map","values":["null","bytes"]}},"default":[]}]}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		vals, err := splitJSONValues(body)
		if err != nil {
			return
		}
		for i := range vals {
			v := &vals[i]
			if v.kind == jsonObject {
				_, _ = v2Records(v, -1)
			}
			targets := []*jsonValue{v}
			if recs, ok := v.member("records"); ok && recs.kind == jsonArray {
				for j := range recs.members {
					if val, ok := recs.members[j].value.member("value"); ok {
						targets = append(targets, val)
					}
				}
			}
			for _, tv := range targets {
				for _, n := range []*avroNode{event, other} {
					_, _, err := n.encodeMasked(nil, tv, "records[0].value", nil)
					if err != nil && !strings.HasPrefix(err.Error(), "records[0].value") {
						t.Fatalf("conversion error without its path: %v", err)
					}
				}
			}
		}
	})
}
