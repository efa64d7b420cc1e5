package connect

import (
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"sync"

	"go.uber.org/zap"
)

// TargetState is what the user asked a connector to be.
type TargetState string

// Target states, as stored in target-state-<name> records.
const (
	TargetStarted TargetState = "STARTED"
	TargetPaused  TargetState = "PAUSED"
	TargetStopped TargetState = "STOPPED"
)

// Config-topic key prefixes (Kafka's KafkaConfigBackingStore), plus
// restart-task-, which is retailpulse's: Kafka restarts single tasks by
// forwarding to their owner instead.
const (
	keyConnector     = "connector-"
	keyTask          = "task-"
	keyCommit        = "commit-"
	keyTarget        = "target-state-"
	keyRestart       = "restart-connector-"
	keyRestartTask   = "restart-task-"
	keyLoggerCluster = "logger-cluster-"
)

// snapshot is an immutable view of the config topic. Maps are replaced,
// never mutated, once published.
type snapshot struct {
	offset     int64
	connectors map[string]map[string]string
	targets    map[string]TargetState
	tasks      map[string][]map[string]string
}

func (s *snapshot) targetOf(name string) TargetState {
	if t, ok := s.targets[name]; ok {
		return t
	}
	return TargetStarted
}

// restartRequest is a restart-connector- or restart-task- record.
type restartRequest struct {
	connector    string
	task         int // -1 for a connector restart
	includeTasks bool
	onlyFailed   bool
}

// configView applies config-topic records. Task configs are buffered until
// their commit record, as Kafka does, so a half-written set is never used.
type configView struct {
	mu       sync.Mutex
	snap     *snapshot
	deferred map[string]map[int]map[string]string
	started  bool
	restarts []restartRequest
	loggers  []loggerLevel
	notify   chan struct{}
}

type loggerLevel struct{ namespace, level string }

func newConfigView() *configView {
	return &configView{
		snap: &snapshot{offset: -1, connectors: map[string]map[string]string{}, targets: map[string]TargetState{},
			tasks: map[string][]map[string]string{}},
		deferred: map[string]map[int]map[string]string{},
		notify:   make(chan struct{}, 1),
	}
}

func (v *configView) snapshot() *snapshot {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.snap
}

// markStarted is called once the initial read is complete; restart and
// logger records read after it are acted on, older ones were history.
func (v *configView) markStarted() {
	v.mu.Lock()
	v.started = true
	v.mu.Unlock()
}

// takeRequests returns and clears pending restart and logger requests.
func (v *configView) takeRequests() ([]restartRequest, []loggerLevel) {
	v.mu.Lock()
	defer v.mu.Unlock()
	r, l := v.restarts, v.loggers
	v.restarts, v.loggers = nil, nil
	return r, l
}

func (v *configView) signal() {
	select {
	case v.notify <- struct{}{}:
	default:
	}
}

type propsValue struct {
	Properties map[string]string `json:"properties"`
}

type commitValue struct {
	Tasks int `json:"tasks"`
}

type targetValue struct {
	State   TargetState `json:"state"`
	StateV2 TargetState `json:"state.v2,omitempty"`
}

type restartValue struct {
	IncludeTasks bool `json:"include-tasks"`
	OnlyFailed   bool `json:"only-failed"`
}

func (v *configView) apply(key string, value []byte, offset int64, log *zap.Logger) {
	v.mu.Lock()
	defer v.mu.Unlock()
	next := *v.snap
	next.offset = offset
	bad := func(err error) {
		log.Warn("ignoring malformed config record", zap.String("key", key), zap.Error(err))
	}
	switch {
	case strings.HasPrefix(key, keyConnector):
		name := strings.TrimPrefix(key, keyConnector)
		next.connectors = maps.Clone(v.snap.connectors)
		if value == nil {
			delete(next.connectors, name)
			next.tasks = maps.Clone(v.snap.tasks)
			delete(next.tasks, name)
			delete(v.deferred, name)
			break
		}
		var pv propsValue
		if err := json.Unmarshal(value, &pv); err != nil || pv.Properties == nil {
			bad(errOr(err, "no properties"))
			return
		}
		next.connectors[name] = pv.Properties
	case strings.HasPrefix(key, keyTask):
		name, n, ok := splitTaskKey(strings.TrimPrefix(key, keyTask))
		if !ok {
			bad(errOr(nil, "key does not end in -<task number>"))
			return
		}
		var pv propsValue
		if value == nil {
			return
		}
		if err := json.Unmarshal(value, &pv); err != nil {
			bad(err)
			return
		}
		if v.deferred[name] == nil {
			v.deferred[name] = map[int]map[string]string{}
		}
		v.deferred[name][n] = pv.Properties
		return
	case strings.HasPrefix(key, keyCommit):
		name := strings.TrimPrefix(key, keyCommit)
		var cv commitValue
		if err := json.Unmarshal(value, &cv); err != nil || cv.Tasks < 0 {
			bad(errOr(err, "negative task count"))
			return
		}
		tasks := make([]map[string]string, cv.Tasks)
		for i := range tasks {
			t, ok := v.deferred[name][i]
			if !ok {
				log.Warn("ignoring commit record without all its task configs", zap.String("connector", name),
					zap.Int("tasks", cv.Tasks), zap.Int("missing", i))
				return
			}
			tasks[i] = t
		}
		delete(v.deferred, name)
		next.tasks = maps.Clone(v.snap.tasks)
		next.tasks[name] = tasks
	case strings.HasPrefix(key, keyTarget):
		name := strings.TrimPrefix(key, keyTarget)
		next.targets = maps.Clone(v.snap.targets)
		if value == nil {
			delete(next.targets, name)
			break
		}
		var tv targetValue
		if err := json.Unmarshal(value, &tv); err != nil {
			bad(err)
			return
		}
		state := tv.StateV2
		if state == "" {
			state = tv.State
		}
		switch state {
		case TargetStarted, TargetPaused, TargetStopped:
			next.targets[name] = state
		default:
			bad(errOr(nil, "unknown target state "+string(state)))
			return
		}
	case strings.HasPrefix(key, keyRestart), strings.HasPrefix(key, keyRestartTask):
		if !v.started || value == nil {
			return
		}
		req := restartRequest{task: -1}
		if rest, ok := strings.CutPrefix(key, keyRestartTask); ok {
			name, n, ok := splitTaskKey(rest)
			if !ok {
				bad(errOr(nil, "key does not end in -<task number>"))
				return
			}
			req.connector, req.task = name, n
		} else {
			var rv restartValue
			if err := json.Unmarshal(value, &rv); err != nil {
				bad(err)
				return
			}
			req.connector = strings.TrimPrefix(key, keyRestart)
			req.includeTasks, req.onlyFailed = rv.IncludeTasks, rv.OnlyFailed
		}
		v.restarts = append(v.restarts, req)
		v.signal()
		return
	case strings.HasPrefix(key, keyLoggerCluster):
		if !v.started || value == nil {
			return
		}
		var lv struct {
			Level string `json:"level"`
		}
		if err := json.Unmarshal(value, &lv); err != nil {
			bad(err)
			return
		}
		v.loggers = append(v.loggers, loggerLevel{strings.TrimPrefix(key, keyLoggerCluster), lv.Level})
		v.signal()
		return
	default:
		// session-key, tasks-fencing-* and future record types are not
		// used here.
		return
	}
	v.snap = &next
	v.signal()
}

// splitTaskKey splits "<name>-<n>"; names may contain '-'.
func splitTaskKey(s string) (string, int, bool) {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 0 {
		return "", 0, false
	}
	return s[:i], n, true
}
