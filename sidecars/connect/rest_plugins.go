package connect

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/internal/httpx"
)

func (a *api) listPlugins(w http.ResponseWriter, r *http.Request) error {
	only := true
	if v := r.URL.Query().Get("connectorsOnly"); v != "" {
		switch strings.ToLower(v) {
		case "true":
		case "false":
			only = false
		default:
			return fmt.Errorf("%w: query parameter connectorsOnly=%q must be true or false", ErrBadRequest, v)
		}
	}
	var types []connectors.PluginType
	if only {
		types = []connectors.PluginType{connectors.PluginSink, connectors.PluginSource}
	}
	out := []pluginInfo{}
	for _, p := range a.w.cfg.registry.Plugins(types...) {
		out = append(out, pluginInfo{Class: p.Class, Type: string(p.Type), Version: p.Version})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *api) pluginConfig(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("plugin")
	p, err := a.w.cfg.registry.Lookup(name)
	if err != nil {
		return fmt.Errorf("%w: Unknown plugin %s.", ErrNotFound, name)
	}
	out := []configKeyInfo{}
	for _, k := range p.Spec.Keys() {
		out = append(out, keyInfo(k))
	}
	return writeJSON(w, http.StatusOK, out)
}

// normalizedPlugin drops a "Connector" suffix, so that FileStreamSink,
// FileStreamSinkConnector and the full class name all match.
func normalizedPlugin(s string) string { return strings.TrimSuffix(s, "Connector") }

func (a *api) validate(w http.ResponseWriter, r *http.Request) error {
	plugin := r.PathValue("plugin")
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var props configMap
	if err := decode(body, &props); err != nil {
		return err
	}
	class, ok := props[connectors.ConnectorClassConfig]
	if !ok || strings.TrimSpace(class) == "" {
		return fmt.Errorf("%w: Connector config contains no connector type (connector.class)", ErrBadRequest)
	}
	if !strings.HasSuffix(normalizedPlugin(class), normalizedPlugin(plugin)) {
		// Aliases (FileStreamSink for io.retailpulse...FileStreamSinkConnector)
		// match when they resolve to the same plugin.
		pc, errC := a.h.lookupConnector(class)
		pp, errP := a.h.lookupConnector(plugin)
		if errC != nil || errP != nil || pc.Class != pp.Class {
			return fmt.Errorf("%w: Included connector type %s does not match request type %s", ErrBadRequest, class, plugin)
		}
	}
	infos, _, _ := a.h.validateConfig(props)
	httpx.WriteJSON(w, http.StatusOK, "", infos)
	return nil
}
