// Package builtin lists the plugins a retailpulse worker ships with. The
// list is literal on purpose: adding a plugin is one line here, and the
// registry refuses duplicates, so two plugins cannot silently claim a
// class name.
package builtin

import (
	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/cassandra"
	"github.com/retailpulse/retailpulse/connectors/converters"
	"github.com/retailpulse/retailpulse/connectors/file"
	"github.com/retailpulse/retailpulse/connectors/generator"
	"github.com/retailpulse/retailpulse/connectors/hbase"
	"github.com/retailpulse/retailpulse/connectors/redis"
	"github.com/retailpulse/retailpulse/connectors/transforms"
)

// Plugins returns every built-in plugin declaration; opts (the worker's
// logger) go to every plugin that takes them.
func Plugins(opts ...connectors.PluginOption) []connectors.Plugin {
	out := []connectors.Plugin{
		file.Plugin(),
		generator.Plugin(),
		redis.Plugin(opts...),
		cassandra.Plugin(opts...),
		hbase.Plugin(opts...),
	}
	out = append(out, converters.Plugins()...)
	out = append(out, transforms.Plugins()...)
	return out
}

// Registry returns a registry of the built-ins plus extra (test plugins,
// for instance).
func Registry(extra ...connectors.Plugin) (*connectors.Registry, error) {
	return connectors.NewRegistry(append(Plugins(), extra...)...)
}

// RegistryWith returns a registry of the built-ins configured with opts.
func RegistryWith(opts ...connectors.PluginOption) (*connectors.Registry, error) {
	return connectors.NewRegistry(Plugins(opts...)...)
}
