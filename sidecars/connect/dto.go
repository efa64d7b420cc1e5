package connect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/retailpulse/retailpulse/connectors"
)

// JSON shapes of the Kafka Connect REST API.

type connectorInfo struct {
	Name   string                   `json:"name"`
	Config map[string]string        `json:"config"`
	Tasks  []connectors.TaskID      `json:"tasks"`
	Type   connectors.ConnectorType `json:"type"`
}

type stateInfo struct {
	State    State  `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
}

type taskStateInfo struct {
	ID       int    `json:"id"`
	State    State  `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
}

type connectorStateInfo struct {
	Name      string                   `json:"name"`
	Connector stateInfo                `json:"connector"`
	Tasks     []taskStateInfo          `json:"tasks"`
	Type      connectors.ConnectorType `json:"type"`
}

type taskInfo struct {
	ID     connectors.TaskID `json:"id"`
	Config map[string]string `json:"config"`
}

type createRequest struct {
	Name         *string   `json:"name"`
	Config       configMap `json:"config"`
	InitialState *string   `json:"initial_state"`
}

type serverInfo struct {
	Version        string `json:"version"`
	Commit         string `json:"commit"`
	KafkaClusterID string `json:"kafka_cluster_id"`
}

type pluginInfo struct {
	Class   string `json:"class"`
	Type    string `json:"type"`
	Version string `json:"version,omitempty"`
}

type configKeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"`
	Importance    string   `json:"importance"`
	Documentation string   `json:"documentation"`
	Group         *string  `json:"group"`
	Order         int      `json:"order"`
	Width         string   `json:"width"`
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
}

type configValueInfo struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

type configInfo struct {
	Definition configKeyInfo   `json:"definition"`
	Value      configValueInfo `json:"value"`
}

type configInfos struct {
	Name       string       `json:"name"`
	ErrorCount int          `json:"error_count"`
	Groups     []string     `json:"groups"`
	Configs    []configInfo `json:"configs"`
}

type offsetEntry struct {
	Partition map[string]any  `json:"partition"`
	Offset    *map[string]any `json:"offset"`
}

type offsetsBody struct {
	Offsets []offsetEntry `json:"offsets"`
}

type offsetsReply struct {
	Offsets []offsetOut `json:"offsets"`
}

type offsetOut struct {
	Partition map[string]any `json:"partition"`
	Offset    map[string]any `json:"offset"`
}

type messageReply struct {
	Message string `json:"message"`
}

func keyInfo(k connectors.ConfigKey) configKeyInfo {
	info := configKeyInfo{Name: k.Name, Type: string(k.Type), Required: k.Required, Importance: string(k.Importance),
		Documentation: k.Documentation, Order: k.Order, Width: string(k.Width), DisplayName: k.DisplayName,
		Dependents: append([]string{}, k.Dependents...)}
	if d, ok := k.FormatDefault(); ok {
		info.DefaultValue = &d
	}
	if k.Group != "" {
		g := k.Group
		info.Group = &g
	} else {
		info.Order = -1
	}
	if info.DisplayName == "" {
		info.DisplayName = k.Name
	}
	return info
}

// configMap is a connector config as clients send it. Like Kafka Connect's
// JSON reader it accepts numbers and booleans for values ("tasks.max": 1)
// and keeps them as their JSON text.
type configMap map[string]string

func (m *configMap) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*m = nil
		return nil
	}
	out := make(configMap, len(raw))
	for k, v := range raw {
		s, isNull, err := scalarText(v)
		if err != nil {
			return fmt.Errorf("value of %q: %w", k, err)
		}
		if isNull {
			return fmt.Errorf("value of %q: null is not a valid config value", k)
		}
		out[k] = s
	}
	*m = out
	return nil
}

// patchMap is a PATCH body: null removes a key.
type patchMap map[string]*string

func (m *patchMap) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(patchMap, len(raw))
	for k, v := range raw {
		s, isNull, err := scalarText(v)
		if err != nil {
			return fmt.Errorf("value of %q: %w", k, err)
		}
		if isNull {
			out[k] = nil
		} else {
			out[k] = &s
		}
	}
	*m = out
	return nil
}

func scalarText(v json.RawMessage) (string, bool, error) {
	t := bytes.TrimSpace(v)
	switch {
	case bytes.Equal(t, []byte("null")):
		return "", true, nil
	case len(t) > 0 && t[0] == '"':
		var s string
		err := json.Unmarshal(t, &s)
		return s, false, err
	case bytes.Equal(t, []byte("true")), bytes.Equal(t, []byte("false")):
		return string(t), false, nil
	case len(t) > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9')):
		var n json.Number
		if err := json.Unmarshal(t, &n); err != nil {
			return "", false, err
		}
		return n.String(), false, nil
	}
	return "", false, errors.New("want a string, number or boolean")
}
