package connect

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// State is the runtime status of a connector or task.
type State string

// The six states of Kafka Connect.
const (
	StateUnassigned State = "UNASSIGNED"
	StateRunning    State = "RUNNING"
	StatePaused     State = "PAUSED"
	StateStopped    State = "STOPPED"
	StateFailed     State = "FAILED"
	StateRestarting State = "RESTARTING"
)

// Status-topic key prefixes: Kafka's, plus worker- for the membership
// heartbeats (see README.md).
const (
	keyStatusConnector = "status-connector-"
	keyStatusTask      = "status-task-"
	keyStatusTopic     = "status-topic-"
	keyWorker          = "worker-"
)

// statusValue is the value of status-connector- and status-task- records.
type statusValue struct {
	State      State   `json:"state"`
	Trace      *string `json:"trace"`
	WorkerID   string  `json:"worker_id"`
	Generation int64   `json:"generation"`
}

type topicValue struct {
	Topic struct {
		Name              string `json:"name"`
		Connector         string `json:"connector"`
		Task              int    `json:"task"`
		DiscoverTimestamp int64  `json:"discoverTimestamp"`
	} `json:"topic"`
}

// heartbeat is the value of worker-<id> records.
type heartbeat struct {
	WorkerID string `json:"worker_id"`
	URL      string `json:"url"`
	Time     int64  `json:"time"`
}

type member struct {
	id, url  string
	lastSeen time.Time
}

// statusView applies status-topic records.
type statusView struct {
	mu         sync.Mutex
	connectors map[string]statusValue
	tasks      map[string]map[int]statusValue
	topics     map[string]map[string]bool // connector -> topics
	members    map[string]member
	notify     chan struct{}
}

func newStatusView() *statusView {
	return &statusView{connectors: map[string]statusValue{}, tasks: map[string]map[int]statusValue{},
		topics: map[string]map[string]bool{}, members: map[string]member{}, notify: make(chan struct{}, 1)}
}

func (v *statusView) apply(key string, value []byte, ts time.Time, live bool, log *zap.Logger) {
	v.mu.Lock()
	defer v.mu.Unlock()
	bad := func(err error) { log.Warn("ignoring malformed status record", zap.String("key", key), zap.Error(err)) }
	switch {
	case strings.HasPrefix(key, keyStatusConnector):
		name := strings.TrimPrefix(key, keyStatusConnector)
		if value == nil {
			delete(v.connectors, name)
			return
		}
		var sv statusValue
		if err := json.Unmarshal(value, &sv); err != nil {
			bad(err)
			return
		}
		v.connectors[name] = sv
	case strings.HasPrefix(key, keyStatusTask):
		name, n, ok := splitTaskKey(strings.TrimPrefix(key, keyStatusTask))
		if !ok {
			bad(errors.New("key does not end in -<task number>"))
			return
		}
		if value == nil {
			delete(v.tasks[name], n)
			return
		}
		var sv statusValue
		if err := json.Unmarshal(value, &sv); err != nil {
			bad(err)
			return
		}
		if v.tasks[name] == nil {
			v.tasks[name] = map[int]statusValue{}
		}
		v.tasks[name][n] = sv
	case strings.HasPrefix(key, keyStatusTopic):
		topic, conn, ok := strings.Cut(strings.TrimPrefix(key, keyStatusTopic), ":connector-")
		if !ok {
			bad(errors.New("key is not status-topic-<topic>:connector-<name>"))
			return
		}
		if value == nil {
			delete(v.topics[conn], topic)
			return
		}
		if v.topics[conn] == nil {
			v.topics[conn] = map[string]bool{}
		}
		v.topics[conn][topic] = true
	case strings.HasPrefix(key, keyWorker):
		id := strings.TrimPrefix(key, keyWorker)
		if value == nil {
			delete(v.members, id)
			v.signal()
			return
		}
		var hb heartbeat
		if err := json.Unmarshal(value, &hb); err != nil {
			bad(err)
			return
		}
		// While replaying history the record's own time says whether the
		// worker may still be alive; afterwards the arrival time does,
		// which is immune to clock skew between hosts.
		seen := time.Now()
		if !live {
			seen = ts
		}
		_, known := v.members[id]
		v.members[id] = member{id: id, url: hb.URL, lastSeen: seen}
		if !known {
			v.signal()
		}
	}
}

func (v *statusView) signal() {
	select {
	case v.notify <- struct{}{}:
	default:
	}
}

func (v *statusView) connector(name string) (statusValue, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.connectors[name]
	return s, ok
}

func (v *statusView) task(name string, n int) (statusValue, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.tasks[name][n]
	return s, ok
}

func (v *statusView) topicsOf(name string) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]string, 0, len(v.topics[name]))
	for t := range v.topics[name] {
		out = append(out, t)
	}
	return out
}

// liveMembers returns the members heard from within timeout, dropping the
// others.
func (v *statusView) liveMembers(timeout time.Duration) map[string]member {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]member{}
	for id, m := range v.members {
		if time.Since(m.lastSeen) <= timeout {
			out[id] = m
		}
	}
	return out
}

// get returns the status record under a status-connector- or status-task-
// key.
func (v *statusView) get(key string) (statusValue, bool) {
	if name, ok := strings.CutPrefix(key, keyStatusConnector); ok {
		return v.connector(name)
	}
	if rest, ok := strings.CutPrefix(key, keyStatusTask); ok {
		if name, n, ok := splitTaskKey(rest); ok {
			return v.task(name, n)
		}
	}
	return statusValue{}, false
}

// staleMembers returns members silent for longer than age: workers that
// died without leaving, whose heartbeat keys would otherwise stay in the
// compacted topic forever.
func (v *statusView) staleMembers(age time.Duration) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []string
	for id, m := range v.members {
		if time.Since(m.lastSeen) > age {
			out = append(out, id)
		}
	}
	return out
}
