package schemacli

import (
	"strings"
	"testing"
)

const v1 = `{"type":"record","name":"UserEvent","namespace":"io.retailpulse.avro","fields":[
 {"name":"user_id","type":"string","doc":"who"},
 {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["VIEW","CLICK"]}},
 {"name":"price","type":["null","double"],"default":null},
 {"name":"cart","type":{"type":"record","name":"Cart","fields":[{"name":"items","type":"int"}]}},
 {"name":"old_name","type":"string"},
 {"name":"gone","type":"long"}]}`

const v2 = `{"type":"record","name":"UserEvent","namespace":"io.retailpulse.avro","fields":[
 {"name":"user_id","type":"string","doc":"a different doc is not a change"},
 {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["VIEW","CLICK","SEARCH"]}},
 {"name":"price","type":["null","double"],"default":null},
 {"name":"cart","type":{"type":"record","name":"Cart","fields":[{"name":"items","type":"long"},{"name":"value","type":"double","default":0}]}},
 {"name":"new_name","type":"string","aliases":["old_name"]},
 {"name":"discount","type":"double"},
 {"name":"coupon","type":["null","string"],"default":null}]}`

func TestDiffFindsEveryKindOfChange(t *testing.T) {
	cs, err := Diff(v1, v2)
	if err != nil {
		t.Fatal(err)
	}
	got := String(cs)
	for _, want := range []string{
		"~ kind: enum symbols +[SEARCH] -[]",
		"~ cart.items: type int → long",
		"+ cart.value: double, default 0",
		"~ new_name: renamed from \"old_name\" (alias)",
		"+ discount: double, no default",
		"+ coupon: [null,string], default null",
		"- gone: long (had no default)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q; got:\n%s", want, got)
		}
	}
	if strings.Contains(got, "user_id") || strings.Contains(got, "price") {
		t.Errorf("unchanged fields reported:\n%s", got)
	}
	if len(cs) != 7 {
		t.Errorf("got %d changes, want 7:\n%s", len(cs), got)
	}
}

func TestDiffIdenticalAndRecursive(t *testing.T) {
	rec := `{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"],"default":null}]}`
	cs, err := Diff(rec, rec)
	if err != nil || len(cs) != 0 {
		t.Fatalf("identical recursive schema: %v %v", cs, err)
	}
	if _, err := Diff("{", rec); err == nil {
		t.Fatal("want parse error")
	}
}
