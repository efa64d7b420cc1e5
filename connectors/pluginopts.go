package connectors

import "go.uber.org/zap"

// PluginOption configures what a plugin package's Plugin function declares.
// Every plugin accepts the same options, so the worker (or a test) can hand
// all of them the same logger.
type PluginOption interface{ applyPlugin(*PluginOptions) }

// PluginOptions are the resolved options; plugin packages read them.
type PluginOptions struct {
	// Logger is given to the plugin's connectors and tasks. Never nil.
	Logger *zap.Logger
}

type pluginOptionFunc func(*PluginOptions)

func (f pluginOptionFunc) applyPlugin(o *PluginOptions) { f(o) }

// WithPluginLogger sets the plugin's logger. Nil keeps the default, a no-op
// logger: plugins stay quiet unless the worker wires them up.
func WithPluginLogger(l *zap.Logger) PluginOption {
	return pluginOptionFunc(func(o *PluginOptions) {
		if l != nil {
			o.Logger = l
		}
	})
}

// ResolvePluginOptions applies opts over the defaults.
func ResolvePluginOptions(opts ...PluginOption) PluginOptions {
	o := PluginOptions{Logger: zap.NewNop()}
	for _, opt := range opts {
		opt.applyPlugin(&o)
	}
	return o
}
