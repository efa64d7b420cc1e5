package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/retailpulse/retailpulse/connectors"
)

// Write operations run on the leader only (the REST layer forwards them),
// one at a time under writeMu, and return once this worker has read its
// own writes back, so the next request sees them.

func (h *herder) leaderOnly() error {
	if !h.isLeader() {
		return errNotLeader
	}
	return nil
}

func checkName(name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%w: Connector name is required and may not be blank", ErrBadRequest)
	}
	if name != strings.TrimSpace(name) {
		return fmt.Errorf("%w: Connector name %q may not start or end with whitespace", ErrBadRequest, name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: Connector name may not contain control characters", ErrBadRequest)
		}
	}
	return nil
}

// validateForWrite runs validation and turns errors into a 400 with
// Kafka's message.
func (h *herder) validateForWrite(props map[string]string) error {
	infos, _, _ := h.validateConfig(props)
	if infos.ErrorCount == 0 {
		return nil
	}
	var msgs []string
	for _, c := range infos.Configs {
		msgs = append(msgs, c.Value.Errors...)
	}
	return fmt.Errorf("%w: Connector configuration is invalid and contains the following %d error(s):\n%s\n"+
		"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
		ErrBadRequest, len(msgs), strings.Join(msgs, "\n"))
}

func (h *herder) writeConfig(ctx context.Context, key string, v any) error {
	var b []byte
	if v != nil {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return fmt.Errorf("encoding %s: %w", key, err)
		}
	}
	return h.store.write(ctx, h.cfg.configTopic, []byte(key), b, true)
}

func targetRecord(t TargetState) targetValue {
	v := targetValue{State: t, StateV2: t}
	if t == TargetStopped {
		// Workers that predate STOPPED read "state" and see PAUSED.
		v.State = TargetPaused
	}
	return v
}

// keepHidden restores secrets a client sent back as "[hidden]" after a
// read-modify-write of the config, instead of storing the placeholder.
func (h *herder) keepHidden(props, old map[string]string) {
	secret := h.secretKeys(props)
	for k, v := range props {
		if v == connectors.HiddenValue && secret(k) {
			if prev, ok := old[k]; ok {
				props[k] = prev
			}
		}
	}
}

func (h *herder) createConnector(ctx context.Context, name string, props map[string]string, initial *TargetState) (connectorInfo, error) {
	if err := h.leaderOnly(); err != nil {
		return connectorInfo{}, err
	}
	if err := checkName(name); err != nil {
		return connectorInfo{}, err
	}
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if _, exists := h.store.configs.snapshot().connectors[name]; exists {
		return connectorInfo{}, fmt.Errorf("%w: Connector %s already exists", ErrAlreadyExists, name)
	}
	if err := h.validateForWrite(props); err != nil {
		return connectorInfo{}, err
	}
	if initial != nil {
		if err := h.writeConfig(ctx, keyTarget+name, targetRecord(*initial)); err != nil {
			return connectorInfo{}, err
		}
	}
	if err := h.writeConfig(ctx, keyConnector+name, propsValue{Properties: props}); err != nil {
		return connectorInfo{}, err
	}
	return h.connectorInfo(name)
}

func (h *herder) putConnectorConfig(ctx context.Context, name string, props map[string]string) (connectorInfo, bool, error) {
	if err := h.leaderOnly(); err != nil {
		return connectorInfo{}, false, err
	}
	if err := checkName(name); err != nil {
		return connectorInfo{}, false, err
	}
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	old, exists := h.store.configs.snapshot().connectors[name]
	h.keepHidden(props, old)
	if err := h.validateForWrite(props); err != nil {
		return connectorInfo{}, false, err
	}
	if err := h.writeConfig(ctx, keyConnector+name, propsValue{Properties: props}); err != nil {
		return connectorInfo{}, false, err
	}
	info, err := h.connectorInfo(name)
	return info, !exists, err
}

func (h *herder) patchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (connectorInfo, error) {
	if err := h.leaderOnly(); err != nil {
		return connectorInfo{}, err
	}
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	old, exists := h.store.configs.snapshot().connectors[name]
	if !exists {
		return connectorInfo{}, notFound(name)
	}
	if n, ok := patch[connectors.NameConfig]; ok && (n == nil || *n != name) {
		return connectorInfo{}, fmt.Errorf("%w: Connector name configuration in the patch must match the connector name in the URL (%s)",
			ErrBadRequest, name)
	}
	props := cloneProps(old)
	for k, v := range patch {
		if v == nil {
			delete(props, k)
		} else {
			props[k] = *v
		}
	}
	h.keepHidden(props, old)
	if err := h.validateForWrite(props); err != nil {
		return connectorInfo{}, err
	}
	if err := h.writeConfig(ctx, keyConnector+name, propsValue{Properties: props}); err != nil {
		return connectorInfo{}, err
	}
	return h.connectorInfo(name)
}

func (h *herder) deleteConnector(ctx context.Context, name string) error {
	if err := h.leaderOnly(); err != nil {
		return err
	}
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	snap := h.store.configs.snapshot()
	if _, ok := snap.connectors[name]; !ok {
		return notFound(name)
	}
	if err := h.writeConfig(ctx, keyConnector+name, nil); err != nil {
		return err
	}
	if err := h.writeConfig(ctx, keyTarget+name, nil); err != nil {
		return err
	}
	// Statuses of a deleted connector are history; drop them so a new
	// connector of the same name starts clean.
	h.store.writeAsync(h.cfg.statusTopic, []byte(keyStatusConnector+name), nil)
	for i := range snap.tasks[name] {
		h.store.writeAsync(h.cfg.statusTopic, []byte(fmt.Sprintf("%s%s-%d", keyStatusTask, name, i)), nil)
	}
	return nil
}

func (h *herder) setTarget(ctx context.Context, name string, t TargetState) error {
	if err := h.leaderOnly(); err != nil {
		return err
	}
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if _, ok := h.store.configs.snapshot().connectors[name]; !ok {
		return notFound(name)
	}
	if err := h.writeConfig(ctx, keyTarget+name, targetRecord(t)); err != nil {
		return err
	}
	if t == TargetStopped {
		// Stopping removes the task configs (a zero-task commit), as in
		// Kafka; resuming makes the connector publish them again.
		return h.writeConfig(ctx, keyCommit+name, commitValue{Tasks: 0})
	}
	return nil
}

func (h *herder) restartConnector(ctx context.Context, name string, includeTasks, onlyFailed bool) (*connectorStateInfo, error) {
	if err := h.leaderOnly(); err != nil {
		return nil, err
	}
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	plan, err := h.status(name)
	if err != nil {
		return nil, notFound(name)
	}
	if !onlyFailed || plan.Connector.State == StateFailed {
		plan.Connector.State = StateRestarting
		plan.Connector.Trace = ""
		if err := h.writeRestarting(ctx, keyStatusConnector+name, plan.Connector.WorkerID); err != nil {
			return nil, err
		}
	}
	if includeTasks {
		for i := range plan.Tasks {
			if !onlyFailed || plan.Tasks[i].State == StateFailed {
				plan.Tasks[i].State, plan.Tasks[i].Trace = StateRestarting, ""
				key := fmt.Sprintf("%s%s-%d", keyStatusTask, name, plan.Tasks[i].ID)
				if err := h.writeRestarting(ctx, key, plan.Tasks[i].WorkerID); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := h.writeConfig(ctx, keyRestart+name, restartValue{IncludeTasks: includeTasks, OnlyFailed: onlyFailed}); err != nil {
		return nil, err
	}
	if !includeTasks && !onlyFailed {
		return nil, nil
	}
	return &plan, nil
}

// writeRestarting records RESTARTING for an instance before the restart
// request goes out, so a status read right after the request already shows
// it and the owner's RUNNING, written later, replaces it.
func (h *herder) writeRestarting(ctx context.Context, key, workerID string) error {
	b, _ := json.Marshal(statusValue{State: StateRestarting, WorkerID: workerID, Generation: h.generation.Load()})
	return h.store.write(ctx, h.cfg.statusTopic, []byte(key), b, true)
}

func (h *herder) restartTaskRequest(ctx context.Context, name string, task int) error {
	if err := h.leaderOnly(); err != nil {
		return err
	}
	st, err := h.taskStatus(name, task)
	if err != nil {
		return err
	}
	if err := h.writeRestarting(ctx, fmt.Sprintf("%s%s-%d", keyStatusTask, name, task), st.WorkerID); err != nil {
		return err
	}
	return h.writeConfig(ctx, fmt.Sprintf("%s%s-%d", keyRestartTask, name, task), struct{}{})
}

func (h *herder) putTaskConfigs(ctx context.Context, name string, configs []map[string]string) error {
	if err := h.leaderOnly(); err != nil {
		return err
	}
	return h.writeTaskConfigs(ctx, name, configs)
}

func (h *herder) setClusterLogger(ctx context.Context, namespace, level string) error {
	if err := h.leaderOnly(); err != nil {
		return err
	}
	return h.writeConfig(ctx, keyLoggerCluster+namespace, map[string]string{"level": level})
}
