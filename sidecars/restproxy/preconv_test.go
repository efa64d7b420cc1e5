package restproxy

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
)

// recursiveSchema nests without bound, to test the nesting limit.
const recursiveSchema = `{"type":"record","name":"R","fields":[
	{"name":"a","type":["null","long"],"default":null},{"name":"b","type":["null","R"],"default":null}]}`

// preconvSchemas are the schemas FuzzPreconv converts with.
func preconvSchemas(t testing.TB) []*resolvedSchema {
	sch, _ := avro.ByName("UserEvent")
	return []*resolvedSchema{
		{id: 1, node: compileText(t, sch.Text)},
		{id: 2, node: compileText(t, wideSchema)},
		{id: 3, node: compileText(t, recursiveSchema)},
	}
}

// FuzzPreconv is the differential test of converting while parsing: the
// parse fails exactly as the tree parser's, the tree is the same once
// materialized, and an event is converted while parsing exactly when the
// fast path converts it afterwards, to the same bytes and fields.
func FuzzPreconv(f *testing.F) {
	envelopes := []struct {
		open, close string
		at          lazyEvents
	}{
		{`{"records":[{"value":`, `}]}`, lazyV2Records},
		{`{"entries":[{"id":"1","value":{"data":`, `}}]}`, lazyV3Entries},
		{`{"value":{"data":`, `}}`, lazyV3Record},
	}
	for i, c := range eventCases {
		e := envelopes[i%len(envelopes)]
		f.Add(uint8(0), []byte(e.open+c+e.close))
	}
	for i, c := range fastCases {
		e := envelopes[i%len(envelopes)]
		f.Add(uint8(1), []byte(e.open+c+e.close))
	}
	for n := 60; n <= 64; n++ {
		f.Add(uint8(2), deepEvent(n))
	}
	f.Add(uint8(2), []byte(`{"records":[{"value":{"b":{"R":{"b":{"R":{"a":1}}}}}},{"value":{"b":{"R":{"a":"x"}}}},{"value":{"a":null}}]}`))
	f.Add(uint8(1), []byte(`{"records":[{"value":{"i":1}},{"value":{"i":1,}},{"value":{"i":1}}]}`))
	schemas := preconvSchemas(f)
	f.Fuzz(func(t *testing.T, which uint8, src []byte) {
		rs := schemas[int(which)%len(schemas)]
		want, werr := parseJSON(src)
		for _, at := range []lazyEvents{lazyV2Records, lazyV3Entries, lazyV3Record} {
			pre := newPreconv(rs, len(src))
			got, text, gerr := parseJSONLazyText(src, string(src), at, pre)
			if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
				t.Fatalf("%q at %+v: tree parser says %v, converting parser %v", src, at, werr, gerr)
			}
			if werr != nil {
				continue
			}
			checkConversions(t, src, text, &got, rs, pre)
			if err := materializeAll(&got, src, text); err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q at %+v: materialized tree differs from the tree parser's", src, at)
			}
		}
	})
}

// checkConversions compares every lazy value's conversion with the fast
// path's.
func checkConversions(t *testing.T, src []byte, text string, v *jsonValue, rs *resolvedSchema, pre *preconv) {
	t.Helper()
	if v.lazy {
		var ev eventFields
		fast, ok := encodeFast(rs.node, src, text, v, serde.AppendHeader(nil, rs.id), &ev)
		pv, got, pok := pre.value(v, rs)
		switch {
		case ok != pok:
			t.Fatalf("%q: converted while parsing: %v, by the fast path: %v", src[v.start:v.end], pok, ok)
		case !ok:
		case !bytes.Equal(got, fast):
			t.Fatalf("%q: converted while parsing to\n%x\nby the fast path to\n%x", src[v.start:v.end], got, fast)
		case !reflect.DeepEqual(pv.ev, ev):
			t.Fatalf("%q: fields read while parsing\n%+v\nby the fast path\n%+v", src[v.start:v.end], pv.ev, ev)
		}
		other := &resolvedSchema{id: rs.id + 1, node: rs.node}
		if _, _, ok := pre.value(v, other); ok {
			t.Fatal("a conversion was offered for another schema id")
		}
		return
	}
	for i := range v.members {
		checkConversions(t, src, text, &v.members[i].value, rs, pre)
	}
}

// TestPreconvConverts: the converting parse does convert what it should,
// so FuzzPreconv does not pass by converting nothing.
func TestPreconvConverts(t *testing.T) {
	schemas := preconvSchemas(t)
	src := []byte(`{"records":[{"value":` + eventCases[0] + `},{"value":` + eventCases[1] + `}]}`)
	pre := newPreconv(schemas[0], len(src))
	if _, _, err := parseJSONLazyText(src, string(src), lazyV2Records, pre); err != nil {
		t.Fatal(err)
	}
	if len(pre.vals) != 2 {
		t.Fatalf("converted %d of 2 events", len(pre.vals))
	}
	var deepOK, deepFailed bool
	for n := 60; n <= 64; n++ {
		body := deepEvent(n)
		pre := newPreconv(schemas[2], len(body))
		_, _, err := parseJSONLazyText(body, string(body), lazyV2Records, pre)
		_, terr := parseJSON(body)
		if (err == nil) != (terr == nil) {
			t.Fatalf("nesting %d: converting parser says %v, tree parser %v", n, err, terr)
		}
		if err == nil && len(pre.vals) != 1 {
			t.Fatalf("nesting %d: not converted", n)
		}
		deepOK, deepFailed = deepOK || err == nil, deepFailed || err != nil
	}
	if !deepOK || !deepFailed {
		t.Fatalf("the nesting cases do not straddle the limit (within: %v, beyond: %v)", deepOK, deepFailed)
	}
}

// deepEvent is a v2 body with one event of recursiveSchema nested n times.
func deepEvent(n int) []byte {
	return []byte(`{"records":[{"value":` + strings.Repeat(`{"b":{"R":`, n) + `{"a":{"long":1}}` + strings.Repeat("}}", n) + `}]}`)
}
