package transforms_test

import (
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/transforms"
)

func plugin(t *testing.T, class string) connectors.Plugin {
	t.Helper()
	r, err := connectors.NewRegistry(transforms.Plugins()...)
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Lookup(class)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func transform(t *testing.T, class string, props map[string]string) connectors.Transformation {
	t.Helper()
	p := plugin(t, class)
	cfg, err := p.Spec.Parse(props)
	if err != nil {
		t.Fatal(err)
	}
	tr := p.NewTransform()
	if err := tr.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	return tr
}

var userSchema = &connectors.Schema{Type: connectors.Struct, Name: "User", Fields: []connectors.Field{
	{Name: "id", Schema: connectors.Primitive(connectors.String)},
	{Name: "secret", Schema: connectors.Primitive(connectors.String)},
}}

func rec() connectors.Record {
	return connectors.Record{Topic: "user-events", Value: map[string]any{"id": "u1", "secret": "s"}, ValueSchema: userSchema,
		Timestamp: time.UnixMilli(42)}
}

func TestRegexRouter(t *testing.T) {
	tr := transform(t, "RegexRouter", map[string]string{"regex": "user-(.*)", "replacement": "archive-$1"})
	out, keep, err := tr.Apply(rec())
	if err != nil || !keep || out.Topic != "archive-events" {
		t.Fatalf("%q %v %v", out.Topic, keep, err)
	}
	r := rec()
	r.Topic = "xuser-events"
	if out, _, _ := tr.Apply(r); out.Topic != "xuser-events" {
		t.Fatalf("partial match renamed to %q", out.Topic)
	}
}

func TestInsertReplaceExtract(t *testing.T) {
	ins := transform(t, "org.apache.kafka.connect.transforms.InsertField$Value",
		map[string]string{"topic.field": "src!", "timestamp.field": "ts", "static.field": "env", "static.value": "prod"})
	out, _, err := ins.Apply(rec())
	if err != nil {
		t.Fatal(err)
	}
	v := out.Value.(map[string]any)
	if v["src"] != "user-events" || v["env"] != "prod" || !v["ts"].(time.Time).Equal(time.UnixMilli(42)) {
		t.Fatalf("inserted %v", v)
	}
	if err := out.ValueSchema.Validate(out.Value); err != nil || out.ValueSchema.Field("src").Schema.Optional ||
		!out.ValueSchema.Field("env").Schema.Optional {
		t.Fatalf("schema after insert: %v %+v", err, out.ValueSchema)
	}
	if rec().Value.(map[string]any)["src"] != nil || len(userSchema.Fields) != 2 {
		t.Fatal("insert mutated its input")
	}

	rep := transform(t, "ReplaceField$Value", map[string]string{"exclude": "secret", "renames": "id:user_id"})
	out, _, _ = rep.Apply(rec())
	if v := out.Value.(map[string]any); len(v) != 1 || v["user_id"] != "u1" {
		t.Fatalf("replaced %v", v)
	}
	if len(out.ValueSchema.Fields) != 1 || out.ValueSchema.Fields[0].Name != "user_id" {
		t.Fatalf("schema %+v", out.ValueSchema)
	}

	ext := transform(t, "ExtractField$Value", map[string]string{"field": "id"})
	out, _, _ = ext.Apply(rec())
	if out.Value != "u1" || out.ValueSchema.Type != connectors.String {
		t.Fatalf("extracted %v %+v", out.Value, out.ValueSchema)
	}
	r := rec()
	r.Value = "not a struct"
	if _, _, err := ext.Apply(r); err == nil {
		t.Fatal("extract from a string succeeded")
	}
	if _, err := plugin(t, "ReplaceField$Value").Spec.Parse(map[string]string{"renames": "a"}); err == nil {
		t.Fatal("bad rename accepted")
	}
}

func TestPredicates(t *testing.T) {
	p := plugin(t, "TopicNameMatches")
	cfg, _ := p.Spec.Parse(map[string]string{"pattern": "user-.*"})
	pred := p.NewPredicate()
	if err := pred.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	if !pred.Test(rec()) {
		t.Fatal("topic should match")
	}
	h := plugin(t, "HasHeaderKey")
	cfg, _ = h.Spec.Parse(map[string]string{"name": "trace"})
	hp := h.NewPredicate()
	_ = hp.Configure(cfg)
	r := rec()
	if hp.Test(r) {
		t.Fatal("no header yet")
	}
	r.Headers = []connectors.Header{{Key: "trace", Value: []byte("1")}}
	if !hp.Test(r) {
		t.Fatal("header present")
	}
	tomb := plugin(t, "RecordIsTombstone").NewPredicate()
	r.Value = nil
	if !tomb.Test(r) {
		t.Fatal("tombstone")
	}
	if _, keep, _ := plugin(t, "Filter").NewTransform().Apply(r); keep {
		t.Fatal("Filter kept a record")
	}
}
