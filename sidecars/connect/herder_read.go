package connect

import (
	"fmt"
	"maps"
	"sort"
	"strconv"

	"github.com/retailpulse/retailpulse/connectors"
)

// Read operations: answered by any worker from its views, which trail the
// topics by the reader's latency.

func (h *herder) connectorNames() []string {
	snap := h.store.configs.snapshot()
	out := make([]string, 0, len(snap.connectors))
	for n := range snap.connectors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func notFound(name string) error {
	return fmt.Errorf("%w: Connector %s not found", ErrNotFound, name)
}

func (h *herder) connectorType(props map[string]string) connectors.ConnectorType {
	p, err := h.lookupConnector(props[connectors.ConnectorClassConfig])
	if err != nil {
		return connectors.UnknownType
	}
	return connectors.ConnectorType(p.Type)
}

// masked returns props with secrets hidden.
func (h *herder) masked(props map[string]string) map[string]string {
	return connectors.Mask(props, h.secretKeys(props))
}

// committedTasks returns the task configs in effect: none for a STOPPED
// connector, whose tasks are shut down.
func committedTasks(snap *snapshot, name string) []map[string]string {
	if snap.targetOf(name) == TargetStopped {
		return nil
	}
	return snap.tasks[name]
}

func (h *herder) connectorInfo(name string) (connectorInfo, error) {
	snap := h.store.configs.snapshot()
	props, ok := snap.connectors[name]
	if !ok {
		return connectorInfo{}, notFound(name)
	}
	info := connectorInfo{Name: name, Config: h.masked(props), Tasks: []connectors.TaskID{}, Type: h.connectorType(props)}
	for i := range committedTasks(snap, name) {
		info.Tasks = append(info.Tasks, connectors.TaskID{Connector: name, Task: i})
	}
	return info, nil
}

func (h *herder) connectorConfig(name string) (map[string]string, error) {
	props, ok := h.store.configs.snapshot().connectors[name]
	if !ok {
		return nil, notFound(name)
	}
	return h.masked(props), nil
}

func (h *herder) status(name string) (connectorStateInfo, error) {
	snap := h.store.configs.snapshot()
	props, ok := snap.connectors[name]
	if !ok {
		return connectorStateInfo{}, fmt.Errorf("%w: No status found for connector %s", ErrNotFound, name)
	}
	_, a, _ := h.view()
	out := connectorStateInfo{Name: name, Type: h.connectorType(props), Tasks: []taskStateInfo{}}
	if st, ok := h.store.status.connector(name); ok {
		out.Connector = stateInfo{State: st.State, WorkerID: st.WorkerID, Trace: deref(st.Trace)}
	} else {
		out.Connector = stateInfo{State: StateUnassigned, WorkerID: a.connectors[name]}
	}
	for i := range committedTasks(snap, name) {
		out.Tasks = append(out.Tasks, h.taskState(a, name, i))
	}
	return out, nil
}

func (h *herder) taskState(a assignment, name string, i int) taskStateInfo {
	if st, ok := h.store.status.task(name, i); ok {
		return taskStateInfo{ID: i, State: st.State, WorkerID: st.WorkerID, Trace: deref(st.Trace)}
	}
	return taskStateInfo{ID: i, State: StateUnassigned, WorkerID: a.tasks[connectors.TaskID{Connector: name, Task: i}]}
}

func (h *herder) taskStatus(name string, task int) (taskStateInfo, error) {
	snap := h.store.configs.snapshot()
	if _, ok := snap.connectors[name]; !ok {
		return taskStateInfo{}, notFound(name)
	}
	if task < 0 || task >= len(committedTasks(snap, name)) {
		return taskStateInfo{}, fmt.Errorf("%w: No status found for task %s-%d", ErrNotFound, name, task)
	}
	_, a, _ := h.view()
	return h.taskState(a, name, task), nil
}

func (h *herder) taskConfigs(name string) ([]taskInfo, error) {
	snap := h.store.configs.snapshot()
	if _, ok := snap.connectors[name]; !ok {
		return nil, notFound(name)
	}
	out := []taskInfo{}
	for i, c := range committedTasks(snap, name) {
		out = append(out, taskInfo{ID: connectors.TaskID{Connector: name, Task: i}, Config: h.masked(c)})
	}
	return out, nil
}

func (h *herder) tasksConfigMap(name string) (map[string]map[string]string, error) {
	infos, err := h.taskConfigs(name)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, t := range infos {
		out[name+"-"+strconv.Itoa(t.ID.Task)] = t.Config
	}
	return out, nil
}

func (h *herder) topics(name string) (map[string]map[string][]string, error) {
	if _, ok := h.store.configs.snapshot().connectors[name]; !ok {
		return nil, notFound(name)
	}
	ts := h.store.status.topicsOf(name)
	sort.Strings(ts)
	return map[string]map[string][]string{name: {"topics": ts}}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func cloneProps(m map[string]string) map[string]string { return maps.Clone(m) }
