package builtin_test

import (
	"testing"

	"github.com/retailpulse/retailpulse/connectors/builtin"
)

func TestBuiltinRegistry(t *testing.T) {
	r, err := builtin.Registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"FileStreamSink", "org.apache.kafka.connect.file.FileStreamSinkConnector",
		"GeneratorSource", "io.confluent.connect.avro.AvroConverter", "JsonConverter", "StringConverter",
		"ByteArrayConverter", "RegexRouter", "InsertField$Value", "TopicNameMatches"} {
		if _, err := r.Lookup(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := builtin.Registry(builtin.Plugins()[0]); err == nil {
		t.Fatal("registering a built-in twice succeeded")
	}
	for _, p := range r.Plugins() {
		if p.Version == "" {
			t.Errorf("%s has no version", p.Class)
		}
		for _, k := range p.Spec.Keys() {
			if k.Documentation == "" {
				t.Errorf("%s key %s has no documentation", p.Class, k.Name)
			}
		}
	}
}
