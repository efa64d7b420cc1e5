package connectors_test

import (
	"context"
	"errors"
	"testing"

	"github.com/retailpulse/retailpulse/connectors"
)

type nopSink struct{}

func (nopSink) Start(context.Context, connectors.ConnectorContext, *connectors.Config) error {
	return nil
}
func (nopSink) TaskConfigs(int) ([]map[string]string, error) { return nil, nil }
func (nopSink) Stop() error                                  { return nil }
func (nopSink) NewTask() connectors.SinkTask                 { return nil }

func sink(class string, aliases ...string) connectors.Plugin {
	return connectors.Plugin{Class: class, Aliases: aliases, Type: connectors.PluginSink,
		NewSink: func() connectors.SinkConnector { return nopSink{} }}
}

func TestRegistryRefusesDuplicates(t *testing.T) {
	cases := map[string][]connectors.Plugin{
		"same class":           {sink("a.b.XSinkConnector"), sink("a.b.XSinkConnector")},
		"alias is a class":     {sink("a.b.XSinkConnector"), sink("c.YSinkConnector", "a.b.XSinkConnector")},
		"alias taken twice":    {sink("a.XConnector", "X"), sink("b.XConnector", "X")},
		"alias of same plugin": {sink("a.XConnector", "X", "X")},
	}
	for name, plugins := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := connectors.NewRegistry(plugins...)
			if !errors.Is(err, connectors.ErrDuplicatePlugin) {
				t.Fatalf("err = %v, want ErrDuplicatePlugin", err)
			}
		})
	}
}

func TestRegistryRefusesMalformedPlugins(t *testing.T) {
	both := sink("a.Both")
	both.NewSource = func() connectors.SourceConnector { return nil }
	wrong := sink("a.Wrong")
	wrong.Type = connectors.PluginConverter
	for name, p := range map[string]connectors.Plugin{
		"no class": sink(" "), "two constructors": both, "constructor of another type": wrong,
		"unknown type": {Class: "a.U", Type: "widget"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := connectors.NewRegistry(p); !errors.Is(err, connectors.ErrInvalidPlugin) {
				t.Fatalf("err = %v, want ErrInvalidPlugin", err)
			}
		})
	}
}

func TestRegistryLookup(t *testing.T) {
	r, err := connectors.NewRegistry(
		sink("io.x.file.FileStreamSinkConnector", "FileStreamSink", "org.apache.kafka.connect.file.FileStreamSinkConnector"),
		sink("io.x.a.TwinSinkConnector"), sink("io.x.b.TwinSinkConnector"),
		connectors.Plugin{Class: "io.x.conv.TwinSink", Type: connectors.PluginHeaderConverter},
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"io.x.file.FileStreamSinkConnector", "FileStreamSink", "FileStreamSinkConnector",
		"org.apache.kafka.connect.file.FileStreamSinkConnector", " FileStreamSink "} {
		p, err := r.Lookup(name)
		if err != nil || p.Class != "io.x.file.FileStreamSinkConnector" {
			t.Errorf("Lookup(%q) = %q, %v", name, p.Class, err)
		}
	}
	if _, err := r.Lookup("TwinSinkConnector"); !errors.Is(err, connectors.ErrAmbiguousPlugin) {
		t.Errorf("ambiguous simple name: %v", err)
	}
	// The type filter resolves what would otherwise be ambiguous.
	if p, err := r.Lookup("TwinSink", connectors.PluginHeaderConverter); err != nil || p.Class != "io.x.conv.TwinSink" {
		t.Errorf("typed lookup = %q, %v", p.Class, err)
	}
	if _, err := r.Lookup("FileStreamSink", connectors.PluginSource); !errors.Is(err, connectors.ErrUnknownPlugin) {
		t.Errorf("wrong type: %v", err)
	}
	if _, err := r.Lookup("Nope"); !errors.Is(err, connectors.ErrUnknownPlugin) {
		t.Errorf("unknown: %v", err)
	}
	if got := len(r.Plugins(connectors.PluginSink)); got != 3 {
		t.Errorf("%d sinks", got)
	}
	if r.Plugins()[0].Spec == nil {
		t.Errorf("plugins without a spec get an empty one")
	}
}
