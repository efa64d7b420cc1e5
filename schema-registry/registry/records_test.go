package registry

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestEncodeMatchesUpstream pins the bytes we write to what Confluent
// Schema Registry writes (Jackson property order) for each keytype.
func TestEncodeMatchesUpstream(t *testing.T) {
	yes := true
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"schema key", encodeSchemaKey("orders-value", 3), `{"keytype":"SCHEMA","subject":"orders-value","version":3,"magic":1}`},
		{"global config key", encodeSubjectKey(KeyConfig, ""), `{"keytype":"CONFIG","subject":null,"magic":0}`},
		{"subject config key", encodeSubjectKey(KeyConfig, "s"), `{"keytype":"CONFIG","subject":"s","magic":0}`},
		{"mode key", encodeSubjectKey(KeyMode, ""), `{"keytype":"MODE","subject":null,"magic":0}`},
		{"delete subject key", encodeSubjectKey(KeyDeleteSubject, "s"), `{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`},
		{"noop key", encodeNoopKey(), `{"keytype":"NOOP","magic":0}`},
		{"avro schema value", encodeSchemaValue(SchemaRecord{Subject: "s", Version: 1, ID: 7, SchemaType: TypeAvro, Schema: `"string"`}),
			`{"subject":"s","version":1,"id":7,"schema":"\"string\"","deleted":false}`},
		{"schema value with references", encodeSchemaValue(SchemaRecord{Subject: "s", Version: 2, ID: 8, SchemaType: TypeAvro,
			References: []Reference{{Name: "a.B", Subject: "b", Version: 1}}, Schema: `"a.B"`, Deleted: true}),
			`{"subject":"s","version":2,"id":8,"references":[{"name":"a.B","subject":"b","version":1}],"schema":"\"a.B\"","deleted":true}`},
		{"global config value", encodeConfigValue("", Config{Compatibility: "FULL"}), `{"compatibilityLevel":"FULL"}`},
		{"subject config value", encodeConfigValue("s", Config{Compatibility: "NONE", Normalize: &yes}),
			`{"subject":"s","compatibilityLevel":"NONE","normalize":true}`},
		{"mode value", encodeModeValue("s", ModeImport), `{"subject":"s","mode":"IMPORT"}`},
		{"delete subject value", encodeDeleteSubjectValue("s", 4), `{"subject":"s","version":4}`},
	}
	for _, c := range cases {
		if string(c.got) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, c.got, c.want)
		}
	}
}

// TestDecodeUpstreamRecords decodes records as Confluent and Karapace write
// them, including the variations readers must tolerate.
func TestDecodeUpstreamRecords(t *testing.T) {
	cases := []struct {
		name       string
		key, value string
		want       Entry
	}{
		{"confluent schema", `{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
			`{"subject":"s","version":1,"id":21,"schema":"{\"type\":\"string\"}","deleted":false}`,
			Entry{KeyType: KeySchema, Subject: "s", Version: 1,
				Schema: &SchemaRecord{Subject: "s", Version: 1, ID: 21, SchemaType: TypeAvro, Schema: `{"type":"string"}`}}},
		{"other property order, newer fields", `{"magic":1,"version":2,"subject":"s","keytype":"SCHEMA"}`,
			`{"schema":"\"int\"","id":3,"version":2,"subject":"s","schemaType":"PROTOBUF","metadata":{"a":1},"ruleSet":{},"md5":"x","ts":1}`,
			Entry{KeyType: KeySchema, Subject: "s", Version: 2,
				Schema: &SchemaRecord{Subject: "s", Version: 2, ID: 3, SchemaType: TypeProtobuf, Schema: `"int"`}}},
		{"hard delete", `{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, ``,
			Entry{KeyType: KeySchema, Subject: "s", Version: 1, Tombstone: true}},
		{"karapace global config", `{"keytype":"CONFIG","subject":null,"magic":0}`, `{"compatibilityLevel":"FULL"}`,
			Entry{KeyType: KeyConfig, Config: &Config{Compatibility: "FULL"}}},
		{"jackson global config omits the subject", `{"keytype":"CONFIG","magic":0}`, `{"compatibilityLevel":"backward"}`,
			Entry{KeyType: KeyConfig, Config: &Config{Compatibility: "BACKWARD"}}},
		{"subject config removed", `{"keytype":"CONFIG","subject":"s","magic":0}`, `null`,
			Entry{KeyType: KeyConfig, Subject: "s", Tombstone: true}},
		{"mode", `{"keytype":"MODE","subject":"s","magic":0}`, `{"mode":"READONLY"}`,
			Entry{KeyType: KeyMode, Subject: "s", Mode: ModeReadOnly}},
		{"delete subject", `{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`, `{"subject":"s","version":3}`,
			Entry{KeyType: KeyDeleteSubject, Subject: "s", DeleteUpTo: 3}},
		{"clear subject", `{"keytype":"CLEAR_SUBJECT","subject":"s","magic":0}`, `{"subject":"s"}`,
			Entry{KeyType: KeyClearSubject, Subject: "s"}},
		{"noop with a null value", `{"keytype":"NOOP","magic":0}`, `null`, Entry{KeyType: KeyNoop, Tombstone: true}},
	}
	for _, c := range cases {
		got, err := DecodeRecord([]byte(c.key), []byte(c.value))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", c.name, got, got.Schema, c.want, c.want.Schema)
		}
	}
}

func TestDecodeRefusesCorruptAndForeignRecords(t *testing.T) {
	cases := []struct {
		name, key, value string
		kind             error
		mentions         string
	}{
		{"not json", `garbage`, ``, ErrCorruptRecord, "not a JSON object"},
		{"json array", `[1]`, ``, ErrCorruptRecord, "not a JSON object"},
		{"no keytype", `{"subject":"s"}`, ``, ErrCorruptRecord, "keytype"},
		{"foreign keytype", `{"keytype":"KEK","name":"k"}`, `{}`, ErrForeignRecord, `"KEK"`},
		{"context keytype", `{"keytype":"CONTEXT","tenant":"default","context":".c"}`, `{}`, ErrForeignRecord, "CONTEXT"},
		{"schema key without version", `{"keytype":"SCHEMA","subject":"s","magic":1}`, `{}`, ErrCorruptRecord, "version"},
		{"schema key version 0", `{"keytype":"SCHEMA","subject":"s","version":0,"magic":1}`, `{}`, ErrCorruptRecord, "version"},
		{"schema value not json", `{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, `{"id":`, ErrCorruptRecord, "value"},
		{"schema value other subject", `{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
			`{"subject":"t","version":1,"id":1,"schema":"\"int\""}`, ErrCorruptRecord, "subject"},
		{"schema value without id", `{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
			`{"subject":"s","version":1,"schema":"\"int\""}`, ErrCorruptRecord, "id"},
		{"schema value with a string id", `{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
			`{"subject":"s","version":1,"id":"7","schema":"\"int\""}`, ErrCorruptRecord, "value"},
		{"schema value without schema", `{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
			`{"subject":"s","version":1,"id":1}`, ErrCorruptRecord, "schema"},
		{"bad reference", `{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
			`{"subject":"s","version":1,"id":1,"schema":"\"int\"","references":[{"name":"x"}]}`, ErrCorruptRecord, "references[0]"},
		{"bad level", `{"keytype":"CONFIG","subject":null,"magic":0}`, `{"compatibilityLevel":"SIDEWAYS"}`,
			ErrCorruptRecord, "SIDEWAYS"},
		{"bad mode", `{"keytype":"MODE","subject":null,"magic":0}`, `{"mode":"SIDEWAYS"}`, ErrCorruptRecord, "SIDEWAYS"},
		{"subject is a number", `{"keytype":"CONFIG","subject":5,"magic":0}`, `{}`, ErrCorruptRecord, "subject"},
		{"delete subject without value version", `{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`, `{"subject":"s"}`,
			ErrCorruptRecord, "version"},
	}
	for _, c := range cases {
		_, err := DecodeRecord([]byte(c.key), []byte(c.value))
		if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.mentions) {
			t.Errorf("%s: got %v, want %v mentioning %q", c.name, err, c.kind, c.mentions)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	seeds := [][2]string{
		{`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, `{"subject":"s","version":1,"id":1,"schema":"\"int\"","deleted":false}`},
		{`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
			`{"subject":"s","version":1,"id":2,"schema":"\"a.B\"","references":[{"name":"a.B","subject":"b","version":1}]}`},
		{`{"keytype":"CONFIG","subject":null,"magic":0}`, `{"compatibilityLevel":"FULL"}`},
		{`{"keytype":"MODE","subject":"s","magic":0}`, `{"mode":"IMPORT"}`},
		{`{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`, `{"subject":"s","version":1}`},
		{`{"keytype":"CLEAR_SUBJECT","subject":null,"magic":0}`, `{}`},
		{`{"keytype":"NOOP","magic":0}`, ``},
		{`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, ``},
	}
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	st := newState()
	f.Fuzz(func(t *testing.T, key, value []byte) {
		e, err := DecodeRecord(key, value)
		if err != nil {
			if !errors.Is(err, ErrCorruptRecord) && !errors.Is(err, ErrForeignRecord) {
				t.Fatalf("error outside the two kinds: %v", err)
			}
			return
		}
		switch {
		case e.KeyType == KeySchema && !e.Tombstone && e.Schema == nil,
			e.KeyType == KeyConfig && !e.Tombstone && e.Config == nil:
			t.Fatalf("decoded %s record lacks its value: %+v", e.KeyType, e)
		}
		// Applying anything decodable must not panic either.
		_ = st.apply(e)
	})
}
