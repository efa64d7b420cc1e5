package compat

import (
	"strings"
	"testing"
)

func TestCanonicalForm(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"primitive name", `"string"`, `"string"`},
		{"primitive object collapses to its name", `{"type":"string"}`, `"string"`},
		{"primitive object with whitespace", "{ \"type\" :\n \"int\" }", `"int"`},
		{"primitive doc is not an attribute", `{"type":"int","doc":"x"}`, `"int"`},
		{"primitive keeps custom attributes", `{"type":"long","logicalType":"timestamp-millis","x":1}`,
			`{"type":"long","logicalType":"timestamp-millis","x":1}`},
		{"Java attribute order for a record",
			`{"fields":[{"type":"int","name":"a"}],"name":"R","type":"record","doc":"d","namespace":"n"}`,
			`{"type":"record","name":"R","namespace":"n","doc":"d","fields":[{"name":"a","type":"int"}]}`},
		{"dotted name is split", `{"type":"record","name":"a.b.R","fields":[]}`,
			`{"type":"record","name":"R","namespace":"a.b","fields":[]}`},
		{"nested type in the same namespace omits it",
			`{"type":"record","name":"n.R","fields":[{"name":"e","type":{"type":"enum","name":"n.E","symbols":["X"]}}]}`,
			`{"type":"record","name":"R","namespace":"n","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}}]}`},
		{"nested type in the null namespace says so",
			`{"type":"record","name":"n.R","fields":[{"name":"e","type":{"type":"fixed","name":"F","namespace":"","size":2}}]}`,
			`{"type":"record","name":"R","namespace":"n","fields":[{"name":"e","type":{"type":"fixed","name":"F","namespace":"","size":2}}]}`},
		{"second use of a type is a short reference",
			`{"type":"record","name":"n.R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":2}},{"name":"b","type":"n.F"},{"name":"c","type":{"type":"F","ignored":true}}]}`,
			`{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":2}},{"name":"b","type":"F"},{"name":"c","type":"F"}]}`},
		{"field attribute order, order and aliases",
			`{"type":"record","name":"R","fields":[{"x":1,"aliases":["o","o"],"order":"DESCENDING","default":7,"doc":"d","type":"int","name":"a"},{"name":"b","type":"int","order":"ascending"}]}`,
			`{"type":"record","name":"R","fields":[{"name":"a","type":"int","doc":"d","default":7,"order":"descending","aliases":["o"],"x":1},{"name":"b","type":"int"}]}`},
		{"record props before aliases, aliases relative",
			`{"type":"record","name":"n.R","aliases":["n.Old","m.Older","Oldest"],"fields":[],"p":"q"}`,
			`{"type":"record","name":"R","namespace":"n","fields":[],"p":"q","aliases":["Old","m.Older","Oldest"]}`},
		{"enum with default and doc", `{"type":"enum","symbols":["A","B"],"default":"B","name":"E","doc":"e"}`,
			`{"type":"enum","name":"E","doc":"e","symbols":["A","B"],"default":"B"}`},
		{"error record", `{"type":"error","name":"Oops","fields":[]}`, `{"type":"error","name":"Oops","fields":[]}`},
		{"array and map", `{"type":"map","values":{"type":"array","items":"long","p":[1]}}`,
			`{"type":"map","values":{"type":"array","items":"long","p":[1]}}`},
		{"union", `[ "null" , {"type":"string"} ]`, `["null","string"]`},
		{"escapes are resolved and Jackson's kept", `{"type":"enum","name":"E","symbols":["A"],"doc":"\u0041\/é\u00e9\t\u0001\"\\"}`,
			`{"type":"enum","name":"E","doc":"A/éé\t\u0001\"\\","symbols":["A"]}`},
		{"numbers print as Jackson prints its nodes",
			`{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":1.50},{"name":"b","type":"double","default":1e2},{"name":"c","type":"int","default":-0},{"name":"d","type":"double","default":1E-5},{"name":"e","type":"double","default":12345678.9},{"name":"f","type":"long","default":123456789012}]}`,
			`{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":1.5},{"name":"b","type":"double","default":100.0},{"name":"c","type":"int","default":0},{"name":"d","type":"double","default":1.0E-5},{"name":"e","type":"double","default":1.23456789E7},{"name":"f","type":"long","default":123456789012}]}`},
		{"string defaults of double fields become numbers",
			`{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":"1.5"},{"name":"b","type":"float","default":"NaN"}]}`,
			`{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":1.5},{"name":"b","type":"float","default":"NaN"}]}`},
		{"default objects keep member order", `{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":"int"},"default":{"z":1,"a":2}}]}`,
			`{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":"int"},"default":{"z":1,"a":2}}]}`},
		{"repeated key: first position, last value", `{"type":"record","name":"R","x":1,"fields":[],"x":2}`,
			`{"type":"record","name":"R","fields":[],"x":2}`},
		{"type named like an Avro type is always qualified",
			`{"type":"record","name":"n.W","fields":[{"name":"a","type":{"type":"fixed","name":"record","size":1}},{"name":"b","type":"record"}]}`,
			`{"type":"record","name":"W","namespace":"n","fields":[{"name":"a","type":{"type":"fixed","name":"record","size":1}},{"name":"b","type":"n.record"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, tc.in)
			if got := s.Canonical(); got != tc.want {
				t.Fatalf("Canonical()\n got %s\nwant %s", got, tc.want)
			}
			if s.String() != tc.in {
				t.Errorf("String() does not return the original text")
			}
			if again := mustParse(t, s.Canonical()); again.Canonical() != s.Canonical() {
				t.Errorf("canonical form does not re-parse to itself: %s", again.Canonical())
			}
		})
	}
}

func TestCanonicalIdentity(t *testing.T) {
	same := func(a, b string) bool { return mustParse(t, a).Canonical() == mustParse(t, b).Canonical() }
	compact := `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}`
	pretty := "{\n  \"type\": \"record\",\n  \"name\": \"R\",\n  \"fields\": [\n    {\"name\": \"a\", \"type\": \"int\"},\n" +
		"    {\"type\": {\"type\": \"string\"}, \"name\": \"b\"}\n  ]\n}\n"
	reordered := `{"type":"record","name":"R","fields":[{"name":"b","type":"string"},{"name":"a","type":"int"}]}`
	withDoc := `{"type":"record","name":"R","doc":"x","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}`
	withProp := `{"type":"record","name":"R","fields":[{"name":"a","type":"int","x":true},{"name":"b","type":"string"}]}`

	if !same(compact, pretty) {
		t.Error("whitespace and spelling changed identity")
	}
	for name, other := range map[string]string{"field order": reordered, "doc": withDoc, "custom attribute": withProp} {
		if same(compact, other) {
			t.Errorf("%s did not change identity", name)
		}
	}
	if a, b := mustParse(t, compact), mustParse(t, pretty); a.Fingerprint() != b.Fingerprint() {
		t.Error("fingerprints differ for the same schema")
	}
	if a, b := mustParse(t, compact), mustParse(t, reordered); a.Fingerprint() == b.Fingerprint() {
		t.Error("fingerprints equal for different field orders")
	}
}

func TestNormalized(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"attributes and aliases sorted, empty record doc dropped",
			`{"type":"record","name":"R","doc":"","z":1,"a":{"y":1,"b":2},"aliases":["Z","A"],"fields":[{"name":"f","type":"int","aliases":["q","p"],"doc":"","k":1,"c":2}]}`,
			`{"type":"record","name":"R","fields":[{"name":"f","type":"int","doc":"","aliases":["p","q"],"c":2,"k":1}],"a":{"b":2,"y":1},"z":1,"aliases":["A","Z"]}`},
		{"defaults take their type's number format",
			`{"type":"record","name":"R","fields":[{"name":"d","type":"double","default":1},{"name":"f","type":"float","default":1.1},{"name":"u","type":["double","null"],"default":2},{"name":"l","type":"long","default":3}]}`,
			`{"type":"record","name":"R","fields":[{"name":"d","type":"double","default":1.0},{"name":"f","type":"float","default":1.1},{"name":"u","type":["double","null"],"default":2.0},{"name":"l","type":"long","default":3}]}`},
		{"logical type attributes first",
			`{"type":"bytes","x":1,"scale":2,"precision":4,"logicalType":"decimal"}`,
			`{"type":"bytes","logicalType":"decimal","precision":4,"scale":2,"x":1}`},
		{"invalid logical type is an ordinary attribute",
			`{"type":"string","x":1,"logicalType":"timestamp-millis"}`,
			`{"type":"string","logicalType":"timestamp-millis","x":1}`},
		{"error becomes record", `{"type":"error","name":"E","fields":[]}`, `{"type":"record","name":"E","fields":[]}`},
		{"default objects sorted", `{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":"int"},"default":{"z":1,"a":2}}]}`,
			`{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":"int"},"default":{"a":2,"z":1}}]}`},
		{"bytes defaults lose characters outside Latin-1",
			`{"type":"record","name":"R","fields":[{"name":"b","type":"bytes","default":"\u00ff\u0100"}]}`,
			`{"type":"record","name":"R","fields":[{"name":"b","type":"bytes","default":"ÿ?"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, tc.in)
			if got := s.Normalized(); got != tc.want {
				t.Fatalf("Normalized()\n got %s\nwant %s", got, tc.want)
			}
			if again := mustParse(t, s.Normalized()); again.Normalized() != s.Normalized() {
				t.Errorf("normalization is not idempotent: %s", again.Normalized())
			}
		})
	}

	a := mustParse(t, `{"type":"record","name":"R","b":1,"a":2,"fields":[{"name":"f","type":"double","default":1}]}`)
	b := mustParse(t, `{"type":"record","name":"R","a":2,"b":1,"fields":[{"name":"f","type":"double","default":1.0}]}`)
	if a.Canonical() == b.Canonical() {
		t.Error("attribute order should matter for Canonical")
	}
	if a.Normalized() != b.Normalized() || a.Fingerprint() != b.Fingerprint() {
		t.Errorf("attribute order should not matter once normalized:\n%s\n%s", a.Normalized(), b.Normalized())
	}
}

func TestReferences(t *testing.T) {
	refs := map[string]string{
		// Listed so that sorted order parses the dependent one first.
		"com.acme.Address": `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"country","type":"com.acme.Country"}]}`,
		"com.acme.Country": `{"type":"enum","name":"Country","namespace":"com.acme","symbols":["FR","DE"]}`,
	}
	s, err := Parse(`{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"home","type":"Address"},{"name":"born","type":"com.acme.Country"}]}`, refs)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"home","type":"Address"},{"name":"born","type":"Country"}]}`
	if s.Canonical() != want {
		t.Errorf("Canonical()\n got %s\nwant %s", s.Canonical(), want)
	}
	if s.Normalized() != want {
		t.Errorf("Normalized()\n got %s\nwant %s", s.Normalized(), want)
	}
	other, err := Parse(`{"type":"record","name":"o.Other","fields":[{"name":"a","type":"com.acme.Address"}]}`, refs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(other.Canonical(), `"type":"com.acme.Address"`) {
		t.Errorf("reference from another namespace is not qualified: %s", other.Canonical())
	}
	if s.Name() != "com.acme.Customer" || mustParse(t, `"int"`).Name() != "" {
		t.Errorf("Name() = %q", s.Name())
	}

	// Compatibility sees through references.
	refs2 := map[string]string{"com.acme.Country": `{"type":"enum","name":"Country","namespace":"com.acme","symbols":["FR"]}`,
		"com.acme.Address": refs["com.acme.Address"]}
	narrower, err := Parse(s.String(), refs2)
	if err != nil {
		t.Fatal(err)
	}
	d := CanRead(narrower, s)
	if len(d) != 2 || d[0].Path != "/fields/0/type/fields/0/type/symbols" || d[0].Field != "home.country" {
		t.Errorf("differences through references: %v", d)
	}
}
