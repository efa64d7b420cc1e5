package cassandra

import (
	"errors"
	"strings"
	"testing"

	"github.com/gocql/gocql"
)

func TestParseColType(t *testing.T) {
	for in, want := range map[string]string{
		"text":                            "text",
		"frozen<map<text, int>>":          "map<text,int>",
		"list<frozen<set<uuid>>>":         "list<set<uuid>>",
		"map<text, frozen<list<bigint>>>": "map<text,list<bigint>>",
	} {
		ct, err := parseColType(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := describe(ct); got != want {
			t.Errorf("%s parsed as %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"counter", "duration", "frozen<tuple<int, text>>", "map<text>", "list<int", "my_udt"} {
		if _, err := parseColType(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func describe(t *colType) string {
	switch t.kind {
	case gocql.TypeList:
		return "list<" + describe(t.elem) + ">"
	case gocql.TypeSet:
		return "set<" + describe(t.elem) + ">"
	case gocql.TypeMap:
		return "map<" + describe(t.key) + "," + describe(t.elem) + ">"
	}
	return t.text
}

func TestCheckMappingRefusesUnsupportedTypes(t *testing.T) {
	m := sessionFeaturesMeta("ks", "t")
	m.cols["spent"] = &colMeta{name: "spent", typ: &colType{text: "duration", unsupported: true}, kind: "regular"}
	mapping, err := parseMapping("session_id=key, spent=value.spent")
	if err != nil {
		t.Fatal(err)
	}
	errs := checkMapping(&tableSettings{mapping: mapping}, m)
	if len(errs) != 1 || !errors.Is(errs[0], ErrSchema) || !strings.Contains(errs[0].Error(), "column spent has type duration") {
		t.Errorf("errors = %v", errs)
	}
}
