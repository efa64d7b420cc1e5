package server

import (
	"net/http"

	"github.com/retailpulse/retailpulse/schema-registry/registry"
)

// GET answers compatibilityLevel, PUT echoes compatibility: clients (the
// Python and Go ones among them) read exactly those keys.
type configGetJSON struct {
	CompatibilityLevel string `json:"compatibilityLevel"`
	Normalize          *bool  `json:"normalize,omitempty"`
}

type configPutJSON struct {
	Compatibility      string `json:"compatibility,omitempty"`
	CompatibilityLevel string `json:"compatibilityLevel,omitempty"`
	Normalize          *bool  `json:"normalize,omitempty"`
}

type modeJSON struct {
	Mode string `json:"mode"`
}

func (a *api) getConfig(r *http.Request, subject string) (any, error) {
	c, err := a.core.Config(subject, boolParam(r, "defaultToGlobal"))
	if err != nil {
		return nil, err
	}
	return configGetJSON{CompatibilityLevel: c.Compatibility, Normalize: c.Normalize}, nil
}

func (a *api) putConfig(r *http.Request, subject string) (any, error) {
	var b configPutJSON
	if err := readJSON(r, &b); err != nil {
		return nil, err
	}
	level := b.Compatibility
	if level == "" {
		level = b.CompatibilityLevel
	}
	c, err := a.core.SetConfig(r.Context(), subject, registry.Config{Compatibility: level, Normalize: b.Normalize})
	if err != nil {
		return nil, err
	}
	return configPutJSON{Compatibility: c.Compatibility, Normalize: b.Normalize}, nil
}

func (a *api) deleteConfig(r *http.Request, subject string) (any, error) {
	c, err := a.core.DeleteConfig(r.Context(), subject)
	if err != nil {
		return nil, err
	}
	return configGetJSON{CompatibilityLevel: c.Compatibility, Normalize: c.Normalize}, nil
}

func (a *api) getGlobalConfig(r *http.Request) (any, error)    { return a.getConfig(r, "") }
func (a *api) putGlobalConfig(r *http.Request) (any, error)    { return a.putConfig(r, "") }
func (a *api) deleteGlobalConfig(r *http.Request) (any, error) { return a.deleteConfig(r, "") }
func (a *api) getSubjectConfig(r *http.Request) (any, error)   { return a.getConfig(r, subjectParam(r)) }
func (a *api) putSubjectConfig(r *http.Request) (any, error)   { return a.putConfig(r, subjectParam(r)) }
func (a *api) deleteSubjectConfig(r *http.Request) (any, error) {
	return a.deleteConfig(r, subjectParam(r))
}

func (a *api) getMode(r *http.Request, subject string) (any, error) {
	m, err := a.core.Mode(subject, boolParam(r, "defaultToGlobal"))
	if err != nil {
		return nil, err
	}
	return modeJSON{Mode: m}, nil
}

func (a *api) putMode(r *http.Request, subject string) (any, error) {
	var b modeJSON
	if err := readJSON(r, &b); err != nil {
		return nil, err
	}
	m, err := a.core.SetMode(r.Context(), subject, b.Mode, boolParam(r, "force"))
	if err != nil {
		return nil, err
	}
	return modeJSON{Mode: m}, nil
}

func (a *api) deleteMode(r *http.Request, subject string) (any, error) {
	m, err := a.core.DeleteMode(r.Context(), subject)
	if err != nil {
		return nil, err
	}
	return modeJSON{Mode: m}, nil
}

func (a *api) getGlobalMode(r *http.Request) (any, error)    { return a.getMode(r, "") }
func (a *api) putGlobalMode(r *http.Request) (any, error)    { return a.putMode(r, "") }
func (a *api) deleteGlobalMode(r *http.Request) (any, error) { return a.deleteMode(r, "") }
func (a *api) getSubjectMode(r *http.Request) (any, error)   { return a.getMode(r, subjectParam(r)) }
func (a *api) putSubjectMode(r *http.Request) (any, error)   { return a.putMode(r, subjectParam(r)) }
func (a *api) deleteSubjectMode(r *http.Request) (any, error) {
	return a.deleteMode(r, subjectParam(r))
}
