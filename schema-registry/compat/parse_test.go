package compat

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	rec := func(fields string) string { return `{"type":"record","name":"R","fields":[` + fields + `]}` }
	tests := []struct {
		name   string
		in     string
		path   string
		reason string // substring
	}{
		{"empty text", ``, "", "unexpected end of input"},
		{"not JSON", `{type: record}`, "", "line 1, column 2"},
		{"dangling content (Confluent schema8 typo)",
			`{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"}]},{"type":"string"}]}`,
			"", "dangling content after end of schema"},
		{"invalid UTF-8", "\"\xff\"", "", "not valid UTF-8"},
		{"number out of range", rec(`{"name":"a","type":"double","default":1e400}`), "", "out of range"},
		{"too deeply nested", strings.Repeat("[", 600) + strings.Repeat("]", 600), "", "nesting deeper"},
		{"number is not a schema", `42`, "/", "not the number 42"},
		{"object without type", `{"name":"x"}`, "/", `no "type"`},
		{"type is not a string", `{"type":{"type":"int"}}`, "/type", `"type" must be a string`},
		{"unknown primitive", `"integer"`, "/", `unknown type "integer"`},
		{"unknown field type", rec(`{"name":"a","type":"Address"}`), "/fields/0/type", `unknown type "Address"`},
		{"use before definition", rec(`{"name":"a","type":"E"},{"name":"b","type":{"type":"enum","name":"E","symbols":["X"]}}`),
			"/fields/0/type", `unknown type "E"`},
		{"record without name", `{"type":"record","fields":[]}`, "/", `record type has no "name"`},
		{"record name is a number", `{"type":"record","name":1,"fields":[]}`, "/name", `"name" must be a string`},
		{"invalid record name", `{"type":"record","name":"1st","fields":[]}`, "/name", `"1st" is not a valid Avro name`},
		{"invalid namespace", `{"type":"record","name":"R","namespace":"a..b","fields":[]}`, "/namespace", "not a valid namespace"},
		{"invalid namespace in a dotted name", `{"type":"record","name":"a-b.R","fields":[]}`, "/name", "not a valid namespace"},
		{"type named after a primitive", `{"type":"fixed","name":"int","size":1}`, "/name", "primitive type"},
		{"record without fields", `{"type":"record","name":"R"}`, "/", `has no "fields" array`},
		{"field is not an object", rec(`"int"`), "/fields/0", "must be a JSON object"},
		{"field without name", rec(`{"type":"int"}`), "/fields/0", `field has no "name"`},
		{"invalid field name", rec(`{"name":"a-b","type":"int"}`), "/fields/0/name", `"a-b" is not a valid Avro name`},
		{"field without type", rec(`{"name":"a"}`), "/fields/0", `field "a" has no "type"`},
		{"duplicate field", rec(`{"name":"a","type":"int"},{"name":"a","type":"long"}`), "/fields/1/name",
			`field "a" appears twice in record "R" (also at /fields/0)`},
		{"duplicate named type", rec(`{"name":"a","type":{"type":"fixed","name":"F","size":1}},{"name":"b","type":{"type":"fixed","name":"F","size":2}}`),
			"/fields/1/type/name", `type "F" is already defined`},
		{"record redefining itself", rec(`{"name":"a","type":{"type":"record","name":"R","fields":[]}}`), "/fields/0/type/name", `type "R" is already defined`},
		{"bad order", rec(`{"name":"a","type":"int","order":"up"}`), "/fields/0/order", `not "up"`},
		{"aliases not an array", `{"type":"record","name":"R","aliases":"Old","fields":[]}`, "/aliases", "must be an array"},
		{"invalid alias", `{"type":"record","name":"R","aliases":["9"],"fields":[]}`, "/aliases/0", `alias "9"`},
		{"field alias not a string", rec(`{"name":"a","type":"int","aliases":[1]}`), "/fields/0/aliases/0", "must be a string"},
		{"enum without symbols", `{"type":"enum","name":"E"}`, "/", `has no "symbols" array`},
		{"invalid enum symbol", `{"type":"enum","name":"E","symbols":["A","B-C"]}`, "/symbols/1", "not a valid Avro name"},
		{"duplicate enum symbol", `{"type":"enum","name":"E","symbols":["A","A"]}`, "/symbols/1", `lists symbol "A" twice`},
		{"enum default not a symbol (Karapace invalidEnumDefaultValue)", `{"type":"enum","name":"test_default","symbols":["A"],"default":"B"}`,
			"/default", `enum default "B" is not one of the symbols`},
		{"fixed without size", `{"type":"fixed","name":"F"}`, "/", `has no "size"`},
		{"fixed size not an integer", `{"type":"fixed","name":"F","size":1.5}`, "/size", "non-negative 32-bit integer"},
		{"negative fixed size", `{"type":"fixed","name":"F","size":-1}`, "/size", "non-negative"},
		{"array without items", `{"type":"array"}`, "/", `array type has no "items"`},
		{"map without values", `{"type":"map","values":null}`, "/values", "not null"},
		{"union in union", `["null",["int"]]`, "/1", "may not directly contain another union"},
		{"duplicate union branch", `["int","string","int"]`, "/2", "union contains int twice (branches 0 and 2)"},
		{"duplicate named union branch", `[{"type":"enum","name":"E","symbols":["A"]},"E"]`, "/1", "union contains E twice"},
		{"int default is a string", rec(`{"name":"a","type":"int","default":"1"}`), "/fields/0/default", `expected a 32-bit integer, got "1"`},
		{"int default out of range", rec(`{"name":"a","type":"int","default":2147483648}`), "/fields/0/default", "32-bit integer"},
		{"long default with a fraction", rec(`{"name":"a","type":"long","default":1.5}`), "/fields/0/default", "64-bit integer"},
		{"double default is not a number", rec(`{"name":"a","type":"double","default":"abc"}`), "/fields/0/default", `is "abc", which is not a double`},
		{"union default must match the first branch (Karapace badDefaultNullString)",
			rec(`{"type":["null","string"],"name":"f1","default":"null"}`), "/fields/0/default",
			`must match the union's first type "null": expected null, got "null"`},
		{"union default for the second branch", rec(`{"name":"a","type":["null","int"],"default":1}`), "/fields/0/default", "first type"},
		{"array default item", rec(`{"name":"a","type":{"type":"array","items":"int"},"default":[1,"x"]}`), "/fields/0/default", "item 1"},
		{"map default value", rec(`{"name":"a","type":{"type":"map","values":"boolean"},"default":{"k":1}}`), "/fields/0/default", `map value "k"`},
		{"record default lacks a field", rec(`{"name":"a","type":{"type":"record","name":"In","fields":[{"name":"x","type":"int"}]},"default":{}}`),
			"/fields/0/default", `needs field "x"`},
		{"record default refers to itself", rec(`{"name":"a","type":"R","default":{}}`), "/fields/0/default", "refers to itself"},
		{"empty union with a default", rec(`{"name":"a","type":[],"default":null}`), "/fields/0/default", "no types"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in, nil)
			if err == nil {
				t.Fatalf("Parse accepted %s", tc.in)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidSchema) {
				t.Fatalf("error %T %v is not a *ParseError wrapping ErrInvalidSchema", err, err)
			}
			if pe.Path != tc.path || !strings.Contains(pe.Reason, tc.reason) {
				t.Errorf("got path %q reason %q\nwant path %q reason containing %q", pe.Path, pe.Reason, tc.path, tc.reason)
			}
			if !strings.HasPrefix(err.Error(), "Invalid schema") {
				t.Errorf("message %q does not start like Confluent's 42201", err)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	for name, in := range map[string]string{
		"unicode names, as in Avro Java":      `{"type":"record","name":"Größe","fields":[{"name":"länge","type":"int"}]}`,
		"recursive record":                    `{"type":"record","name":"N","fields":[{"name":"next","type":["null","N"],"default":null}]}`,
		"record default completed by fields":  `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"In","fields":[{"name":"x","type":"int"},{"name":"y","type":"int","default":2}]},"default":{"x":1}}]}`,
		"enum and fixed defaults are strings": `{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A"]},"default":"A"},{"name":"f","type":{"type":"fixed","name":"F","size":2},"default":"\u0000\u00ff"}]}`,
		"double default as a Java string":     `{"type":"record","name":"R","fields":[{"name":"d","type":"double","default":" 1.5d "},{"name":"n","type":"double","default":"-Infinity"}]}`,
		"big integer default for a double":    `{"type":"record","name":"R","fields":[{"name":"d","type":"double","default":123456789012345678901234567890}]}`,
		"null namespace":                      `{"type":"record","name":"R","namespace":null,"fields":[]}`,
		"empty union":                         `[]`,
		"reference object with attributes":    `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":1}},{"name":"b","type":{"type":"F","doc":"ignored"}}]}`,
		"primitive names as field names":      `{"type":"record","name":"R","fields":[{"name":"int","type":"int"},{"name":"record","type":"string"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Parse(in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(s.Canonical(), nil); err != nil {
				t.Errorf("canonical form %s does not parse: %v", s.Canonical(), err)
			}
		})
	}
}

func TestParseReferenceErrors(t *testing.T) {
	t.Run("error inside a reference names it", func(t *testing.T) {
		_, err := Parse(`"int"`, map[string]string{"com.acme.Bad": `{"type":"enum","name":"Bad","symbols":["A","A"]}`})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Reference != "com.acme.Bad" || pe.Path != "/symbols/1" {
			t.Fatalf("got %#v", err)
		}
		if !strings.Contains(err.Error(), "reference 'com.acme.Bad'") {
			t.Errorf("message %q does not name the reference", err)
		}
	})
	t.Run("unresolvable dependency between references", func(t *testing.T) {
		_, err := Parse(`"int"`, map[string]string{"a.A": `{"type":"record","name":"a.A","fields":[{"name":"b","type":"b.B"}]}`})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Reference != "a.A" || !strings.Contains(pe.Reason, `unknown type "b.B"`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("schema redefining a referenced type", func(t *testing.T) {
		_, err := Parse(`{"type":"enum","name":"a.E","symbols":["B"]}`, map[string]string{"a.E": `{"type":"enum","name":"a.E","symbols":["A"]}`})
		if err == nil || !strings.Contains(err.Error(), "already defined by a referenced schema") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a failed schema leaves no names behind", func(t *testing.T) {
		// The first reference fails after defining Good; Good must not leak
		// into the retry of the second one, which then cannot resolve it.
		_, err := Parse(`"int"`, map[string]string{
			"1": `{"type":"record","name":"Good","fields":[{"name":"x","type":"Missing"}]}`,
			"2": `{"type":"record","name":"Uses","fields":[{"name":"g","type":"Good"}]}`,
		})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Reference != "1" {
			t.Fatalf("got %v", err)
		}
	})
}

// FuzzParse checks that Parse never panics, that its errors are always
// *ParseError, and that a parsed schema's canonical form parses back to the
// same canonical form and can read the original. The seeds are every schema
// of the vector table plus a few malformed texts.
func FuzzParse(f *testing.F) {
	cf := loadCases(f)
	for _, s := range cf.Schemas {
		f.Add(string(s))
	}
	if b, err := os.ReadFile("../avro/user_event.avsc"); err == nil {
		f.Add(string(b))
	}
	for _, s := range []string{``, `[`, `{"type":"record","name":"R","fields":[{"name":"a","type":"R","default":{}}]}`,
		`{"type":"record","name":"R","fields":[{"name":"d","type":"double","default":"NaN"},{"name":"u","type":["double","null"],"default":1e308}]}`,
		`{"type":"enum","name":"n.E","aliases":["F","m.G"],"symbols":["A"],"default":"A","x":{"b":[1,2.5e-7]}}`,
		`{"type":"record","name":"n.W","fields":[{"name":"a","type":{"type":"fixed","name":"record","namespace":"","size":1}},{"name":"b","type":"record"}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse(text, nil)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, not *ParseError: %v", err, err)
			}
			return
		}
		canonical := s.Canonical()
		again, err := Parse(canonical, nil)
		if err != nil {
			t.Fatalf("canonical form %s of %q does not parse: %v", canonical, text, err)
		}
		if again.Canonical() != canonical {
			t.Fatalf("canonical form is not a fixed point:\n%s\n%s", canonical, again.Canonical())
		}
		if s.Fingerprint() != again.Fingerprint() {
			t.Fatalf("fingerprint changed through the canonical form: %s vs %s", s.Normalized(), again.Normalized())
		}
		for _, d := range CanRead(s, again) {
			// A reader field whose alias names a sibling is ambiguous even
			// against itself; anything else means the checker is wrong.
			if d.Type != AmbiguousFieldMatch {
				t.Fatalf("schema cannot read its own canonical form: %v", d)
			}
		}
		_ = Check(LevelFullTransitive, s, []Version{{Version: 1, Schema: again}}).Summary()
	})
}
