package compat

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Schemas of Confluent's AvroCompatibilityTest (schema8 without its
// trailing-content typo).
var confluentSchemas = map[string]string{
	"schema1": `{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"}]}`,
	"schema2": `{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"},{"type":"string","name":"f2","default":"foo"}]}`,
	"schema3": `{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"},{"type":"string","name":"f2"}]}`,
	"schema4": `{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1_new","aliases":["f1"]}]}`,
	"schema6": `{"type":"record","name":"myrecord","fields":[{"type":["null","string"],"name":"f1","doc":"doc of f1"}]}`,
	"schema7": `{"type":"record","name":"myrecord","fields":[{"type":["null","string","int"],"name":"f1","doc":"doc of f1"}]}`,
	"schema8": `{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"},{"type":"string","name":"f2","default":"foo"},{"type":"string","name":"f3","default":"bar"}]}`,
}

func versions(t *testing.T, names ...string) []Version {
	t.Helper()
	out := make([]Version, len(names))
	for i, n := range names {
		out[i] = Version{Version: i + 1, Schema: mustParse(t, confluentSchemas[n])}
	}
	return out
}

func TestCheckLevels(t *testing.T) {
	tests := []struct {
		name       string
		level      Level
		candidate  string
		previous   []string
		compatible bool
		oldVersion int
	}{
		{"backward: adding a field with default", LevelBackward, "schema2", []string{"schema1"}, true, 0},
		{"backward: adding a field without default", LevelBackward, "schema3", []string{"schema1"}, false, 1},
		{"backward: renaming a field with an alias", LevelBackward, "schema4", []string{"schema1"}, true, 0},
		{"backward: making a field nullable", LevelBackward, "schema6", []string{"schema1"}, true, 0},
		{"backward: removing a type from a union", LevelBackward, "schema1", []string{"schema6"}, false, 1},
		{"backward: adding a type to a union", LevelBackward, "schema7", []string{"schema6"}, true, 0},
		{"backward: removing a type from a union of three", LevelBackward, "schema6", []string{"schema7"}, false, 1},
		{"backward: only the latest version is checked", LevelBackward, "schema3", []string{"schema1", "schema2"}, true, 0},
		{"backward transitive: every version is checked", LevelBackwardTransitive, "schema3", []string{"schema1", "schema2"}, false, 1},
		{"backward transitive: iteratively adding fields with defaults", LevelBackwardTransitive, "schema8", []string{"schema1", "schema2"}, true, 0},
		{"forward: adding a field with default", LevelForward, "schema2", []string{"schema1"}, true, 0},
		{"forward: adding a field without default", LevelForward, "schema3", []string{"schema1"}, true, 0},
		{"forward: adding a default", LevelForward, "schema2", []string{"schema3"}, true, 0},
		{"forward: removing a default", LevelForward, "schema3", []string{"schema2"}, true, 0},
		{"forward: removing a field without default", LevelForward, "schema1", []string{"schema3"}, false, 1},
		{"forward: only the latest version is checked", LevelForward, "schema1", []string{"schema3", "schema2"}, true, 0},
		{"forward transitive: fails against an older version", LevelForwardTransitive, "schema1", []string{"schema3", "schema2"}, false, 1},
		{"forward transitive: schema1 after schema2 and schema3", LevelForwardTransitive, "schema1", []string{"schema2", "schema3"}, false, 2},
		{"forward transitive: iteratively removing fields with defaults", LevelForwardTransitive, "schema1", []string{"schema8", "schema2"}, true, 0},
		{"full: adding a field with default", LevelFull, "schema2", []string{"schema1"}, true, 0},
		{"full: removing a field with default", LevelFull, "schema1", []string{"schema2"}, true, 0},
		{"full: adding a field without default", LevelFull, "schema3", []string{"schema1"}, false, 1},
		{"full: removing a field without default", LevelFull, "schema1", []string{"schema3"}, false, 1},
		{"full: only the latest version is checked", LevelFull, "schema3", []string{"schema1", "schema2"}, true, 0},
		{"full transitive: every version is checked", LevelFullTransitive, "schema3", []string{"schema1", "schema2"}, false, 1},
		{"full transitive: fields with defaults come and go", LevelFullTransitive, "schema8", []string{"schema1", "schema2"}, true, 0},
		{"none: anything goes", LevelNone, "schema3", []string{"schema1"}, true, 0},
		{"none: even a different type", LevelNone, "schema1", []string{"schema7", "schema3"}, true, 0},
	}
	for _, l := range levels {
		tests = append(tests, struct {
			name       string
			level      Level
			candidate  string
			previous   []string
			compatible bool
			oldVersion int
		}{fmt.Sprintf("%s: first version is always compatible", l), l, "schema3", nil, true, 0})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := Check(tc.level, mustParse(t, confluentSchemas[tc.candidate]), versions(t, tc.previous...))
			if res.Compatible != tc.compatible || res.OldVersion != tc.oldVersion {
				t.Fatalf("Check = compatible %v, old version %d; want %v, %d\n%v",
					res.Compatible, res.OldVersion, tc.compatible, tc.oldVersion, res.Messages)
			}
			if tc.compatible {
				if len(res.Messages) != 0 || len(res.Differences) != 0 {
					t.Fatalf("compatible result carries messages: %v", res.Messages)
				}
				return
			}
			last := res.Messages[len(res.Messages)-1]
			if want := "{validateFields: 'false', compatibility: '" + string(tc.level) + "'}"; last != want {
				t.Errorf("last message %q, want %q", last, want)
			}
			if len(res.Differences) == 0 || !strings.Contains(res.Summary(), string(tc.level)) {
				t.Errorf("no differences or summary without level: %q", res.Summary())
			}
		})
	}
}

const (
	orderV1 = `{"type":"record","name":"Order","namespace":"io.retailpulse","fields":[
		{"name":"order_id","type":"string"},
		{"name":"user_id","type":"string"},
		{"name":"total","type":"double"}]}`
	orderWithOptional = `{"type":"record","name":"Order","namespace":"io.retailpulse","fields":[
		{"name":"order_id","type":"string"},
		{"name":"user_id","type":"string"},
		{"name":"total","type":"double"},
		{"name":"discount","type":["null","double"],"default":null}]}`
	orderWithRequired = `{"type":"record","name":"Order","namespace":"io.retailpulse","fields":[
		{"name":"order_id","type":"string"},
		{"name":"user_id","type":"string"},
		{"name":"total","type":"double"},
		{"name":"discount","type":"double"}]}`
	orderWithoutUser = `{"type":"record","name":"Order","namespace":"io.retailpulse","fields":[
		{"name":"order_id","type":"string"},
		{"name":"total","type":"double"}]}`
)

// TestCheckBlueprint pins down the evolution rules the blueprint promises to
// schema owners, down to the messages a client sees.
func TestCheckBlueprint(t *testing.T) {
	v1 := []Version{{Version: 1, Schema: mustParse(t, orderV1)}}

	t.Run("optional field with default is accepted under BACKWARD", func(t *testing.T) {
		if res := Check(LevelBackward, mustParse(t, orderWithOptional), v1); !res.Compatible {
			t.Fatalf("refused: %v", res.Messages)
		}
	})

	t.Run("required field without default is refused under BACKWARD naming it", func(t *testing.T) {
		res := Check(LevelBackward, mustParse(t, orderWithRequired), v1)
		want := []string{
			"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'discount' at path '/fields/3' " +
				"in the new schema has no default value and is missing in the old schema', additionalInfo:'discount'}",
			"{oldSchemaVersion: 1}",
			"{oldSchema: '" + v1[0].Schema.Canonical() + "'}",
			"{validateFields: 'false', compatibility: 'BACKWARD'}",
		}
		if strings.Join(res.Messages, "\n") != strings.Join(want, "\n") {
			t.Fatalf("messages:\n%s\nwant:\n%s", strings.Join(res.Messages, "\n"), strings.Join(want, "\n"))
		}
		wantSummary := `field "discount" (/fields/3) was added without a default: old data cannot be read by the new schema (BACKWARD)`
		if got := res.Summary(); got != wantSummary {
			t.Errorf("summary %q\nwant    %q", got, wantSummary)
		}
	})

	for _, level := range []Level{LevelForward, LevelFull, LevelForwardTransitive, LevelFullTransitive} {
		t.Run("removing a field without default is refused under "+string(level), func(t *testing.T) {
			res := Check(level, mustParse(t, orderWithoutUser), v1)
			if res.Compatible || res.OldVersion != 1 {
				t.Fatalf("accepted or wrong version: %+v", res)
			}
			d := res.Differences[0]
			if d.Type != ReaderFieldMissingDefaultValue || d.Field != "user_id" || d.Path != "/fields/1" {
				t.Fatalf("difference %+v", d)
			}
			wantDesc := "The field 'user_id' at path '/fields/1' in the old schema has no default value and is missing in the new schema"
			if d.Description != wantDesc {
				t.Errorf("description %q", d.Description)
			}
			if s := res.Summary(); !strings.HasPrefix(s, `field "user_id" (/fields/1) was removed`) ||
				!strings.Contains(s, "new data cannot be read by the old schema") {
				t.Errorf("summary %q", s)
			}
		})
	}

	t.Run("removing a field without default is fine under BACKWARD", func(t *testing.T) {
		if res := Check(LevelBackward, mustParse(t, orderWithoutUser), v1); !res.Compatible {
			t.Fatalf("refused: %v", res.Messages)
		}
	})
}

// TestCheckFullMessageOrder follows Confluent's mutual-read strategy: the
// forward half comes first and does not quote the old schema.
func TestCheckFullMessageOrder(t *testing.T) {
	old := []Version{{Version: 4, Schema: mustParse(t, orderV1)}}

	res := Check(LevelFull, mustParse(t, orderWithoutUser), old)
	if len(res.Messages) != 2 || !strings.Contains(res.Messages[0], "in the old schema has no default") ||
		res.Messages[1] != "{validateFields: 'false', compatibility: 'FULL'}" || res.OldVersion != 4 {
		t.Fatalf("forward-only failure: %q", res.Messages)
	}

	// Renaming user_id to buyer_id fails both ways.
	renamed := strings.Replace(orderV1, `"user_id"`, `"buyer_id"`, 1)
	res = Check(LevelFull, mustParse(t, renamed), old)
	want := []string{"user_id", "buyer_id", "{oldSchemaVersion: 4}", "{oldSchema: ", "{validateFields: 'false', compatibility: 'FULL'}"}
	if len(res.Messages) != len(want) {
		t.Fatalf("messages %q", res.Messages)
	}
	for i, w := range want {
		if !strings.Contains(res.Messages[i], w) {
			t.Errorf("message %d = %q, want it to contain %q", i, res.Messages[i], w)
		}
	}
	if res.Differences[0].Description[:27] != "The field 'user_id' at path" || res.Differences[1].Field != "buyer_id" {
		t.Errorf("differences %+v", res.Differences)
	}
}

func TestCheckTransitiveStopsAtNewestFailure(t *testing.T) {
	// v1 and v2 both lack f2; v3 has it. Newest first: v3 passes, v2 fails.
	prev := versions(t, "schema1", "schema1", "schema2")
	res := Check(LevelBackwardTransitive, mustParse(t, confluentSchemas["schema3"]), prev)
	if res.Compatible || res.OldVersion != 2 || len(res.Differences) != 1 {
		t.Fatalf("got %+v", res)
	}
	if !strings.Contains(res.Summary(), "against version 2") {
		t.Errorf("summary %q does not name the version", res.Summary())
	}
	// Versions without a schema (never expected, but not a reason to panic)
	// are skipped.
	prev = append(prev, Version{Version: 9})
	if res := Check(LevelBackwardTransitive, mustParse(t, confluentSchemas["schema3"]), prev); res.OldVersion != 2 {
		t.Errorf("nil schema changed the outcome: %+v", res)
	}
}

func TestCheckBadInput(t *testing.T) {
	prev := versions(t, "schema1")
	res := Check(Level("SIDEWAYS"), mustParse(t, confluentSchemas["schema1"]), prev)
	if res.Compatible || len(res.Messages) != 1 || res.Messages[0] != ErrInvalidLevel.Error() {
		t.Errorf("invalid level: %+v", res)
	}
	if res := Check(LevelBackward, nil, prev); res.Compatible || res.Summary() == "" {
		t.Errorf("nil candidate: %+v", res)
	}
	if d := CanRead(nil, prev[0].Schema); d != nil {
		t.Errorf("CanRead(nil, x) = %v", d)
	}
}

func TestCheckTruncatesLargeOldSchema(t *testing.T) {
	long := strings.Repeat("é", 12000) // two bytes in UTF-8, one UTF-16 unit
	old := fmt.Sprintf(`{"type":"record","name":"R","doc":"%s","fields":[{"name":"a","type":"int"}]}`, long)
	res := Check(LevelBackward, mustParse(t, `{"type":"record","name":"R","fields":[{"name":"b","type":"int"}]}`),
		[]Version{{Version: 1, Schema: mustParse(t, old)}})
	var quoted string
	for _, m := range res.Messages {
		if strings.HasPrefix(m, "{oldSchema: ") {
			quoted = m
		}
	}
	prefix := "{oldSchema: <truncated to 10240 characters> '"
	if !strings.HasPrefix(quoted, prefix) {
		t.Fatalf("old schema not truncated: %.80q", quoted)
	}
	body := strings.TrimSuffix(strings.TrimPrefix(quoted, prefix), "'}")
	if n := len([]rune(body)); n != 10240 {
		t.Errorf("kept %d characters, want 10240", n)
	}
}

func TestParseLevel(t *testing.T) {
	for _, in := range []string{"none", "BACKWARD", "Backward_Transitive", "forward", "FORWARD_TRANSITIVE", "full", "full_transitive"} {
		l, err := ParseLevel(in)
		if err != nil || !strings.EqualFold(string(l), in) || !l.Valid() {
			t.Errorf("ParseLevel(%q) = %q, %v", in, l, err)
		}
	}
	for _, in := range []string{"", "BACKWARDS", " full", "transitive", "NONE_TRANSITIVE"} {
		_, err := ParseLevel(in)
		if !errors.Is(err, ErrInvalidLevel) {
			t.Errorf("ParseLevel(%q) error = %v", in, err)
		}
	}
	const confluent42203 = "Invalid compatibility level. Valid values are none, backward, forward, full, " +
		"backward_transitive, forward_transitive, and full_transitive"
	if ErrInvalidLevel.Error() != confluent42203 {
		t.Errorf("42203 message is %q", ErrInvalidLevel.Error())
	}
	if !LevelFullTransitive.Transitive() || LevelFull.Transitive() {
		t.Error("Transitive() is wrong")
	}
}
