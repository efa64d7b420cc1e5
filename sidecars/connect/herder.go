package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/internal/kclient"
)

// herder keeps this worker's share of the cluster's work running: it
// follows membership (heartbeats in the status topic) and the config topic,
// computes the assignment, and starts, stops and restarts connector and
// task runners to match. All of that happens on its one loop goroutine;
// REST operations read the views directly and, on the leader, write to the
// config topic under writeMu.
type herder struct {
	cfg      *config
	id, url  string
	store    *store
	m        *workerMetrics
	levels   *logLevels
	log      *zap.Logger
	taskLog  *zap.Logger
	memLog   *zap.Logger
	defaults map[string]string
	client   *http.Client

	mu         sync.Mutex
	members    []member
	assign     assignment
	generation atomic.Int64
	conns      map[string]*connectorRunner
	tasks      map[connectors.TaskID]*taskRunner
	failedCls  map[string]string // connector -> unknown class already reported
	retired    []*runner         // stopped runners that may still be draining
	stopped    bool

	writeMu sync.Mutex
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
}

func newHerder(cfg *config, id, url string, st *store, m *workerMetrics, levels *logLevels) *herder {
	ctx, cancel := context.WithCancel(context.Background())
	return &herder{
		cfg: cfg, id: id, url: url, store: st, m: m, levels: levels,
		log: levels.logger(loggerHerder), taskLog: levels.logger(loggerTask), memLog: levels.logger(loggerMembership),
		defaults: cfg.workerDefaults(),
		client:   &http.Client{Timeout: cfg.requestTimeout},
		conns:    map[string]*connectorRunner{}, tasks: map[connectors.TaskID]*taskRunner{}, failedCls: map[string]string{},
		wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
}

func (h *herder) run() {
	defer close(h.done)
	tick := time.NewTicker(h.cfg.heartbeat)
	defer tick.Stop()
	h.beat()
	h.reconcile()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-tick.C:
			h.beat()
		case <-h.store.configs.notify:
		case <-h.store.status.notify:
		case <-h.wake:
		}
		h.reconcile()
	}
}

// beat announces this worker in the status topic.
func (h *herder) beat() {
	b, _ := json.Marshal(heartbeat{WorkerID: h.id, URL: h.url, Time: time.Now().UnixMilli()})
	h.store.writeAsync(h.cfg.statusTopic, []byte(keyWorker+h.id), b)
}

func (h *herder) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// view returns the current members and assignment.
func (h *herder) view() ([]member, assignment, int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.members, h.assign, h.generation.Load()
}

func (h *herder) isLeader() bool {
	ms, _, _ := h.view()
	return len(ms) > 0 && ms[0].id == h.id
}

// leaderURL returns the leader's advertised URL, "" when none is known.
func (h *herder) leaderURL() string {
	ms, _, _ := h.view()
	if len(ms) == 0 {
		return ""
	}
	return ms[0].url
}

func (h *herder) reconcile() {
	live := h.store.status.liveMembers(h.cfg.sessionTimeout)
	live[h.id] = member{id: h.id, url: h.url, lastSeen: time.Now()}
	members := sortMembers(live)
	snap := h.store.configs.snapshot()
	restarts, loggers := h.store.configs.takeRequests()

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return
	}
	if !sameMembers(members, h.members) {
		gen := h.generation.Add(1)
		ids := make([]string, len(members))
		for i, m := range members {
			ids[i] = m.id
		}
		h.memLog.Info("cluster membership changed", zap.Strings("workers", ids), zap.String("leader", ids[0]),
			zap.Int64("generation", gen))
	}
	h.members = members
	h.assign = computeAssignment(members, snap)
	h.reconcileConnectors(snap)
	h.reconcileTasks(snap)
	for _, req := range restarts {
		h.restartLocal(req, snap)
	}
	for _, l := range loggers {
		if lv, ok := parseLevel(l.level); ok {
			h.levels.set(l.namespace, lv)
		}
	}
	leader := 0.0
	if members[0].id == h.id {
		leader = 1
		for _, id := range h.store.status.staleMembers(10 * h.cfg.sessionTimeout) {
			h.store.writeAsync(h.cfg.statusTopic, []byte(keyWorker+id), nil)
		}
	}
	h.m.workers.WithLabelValues(h.cfg.groupID).Set(float64(len(members)))
	h.m.leader.WithLabelValues(h.cfg.groupID).Set(leader)
	h.m.assignedTasks.WithLabelValues(h.cfg.groupID).Set(float64(len(h.tasks)))
}

// retire records a stopped runner so shutdown waits for it to drain.
func (h *herder) retire(r *runner, reason stopReason) {
	r.stop(reason)
	kept := h.retired[:0]
	for _, old := range h.retired {
		select {
		case <-old.done:
		default:
			kept = append(kept, old)
		}
	}
	h.retired = append(kept, r)
}

func (h *herder) lookupConnector(class string) (connectors.Plugin, error) {
	return h.cfg.registry.Lookup(class, connectors.PluginSink, connectors.PluginSource)
}

func (h *herder) reconcileConnectors(snap *snapshot) {
	for name, props := range snap.connectors {
		r := h.conns[name]
		if h.assign.connectors[name] != h.id {
			if r != nil {
				h.retire(r.runner, reasonMoved)
				delete(h.conns, name)
			}
			continue
		}
		plugin, err := h.lookupConnector(props[connectors.ConnectorClassConfig])
		if err != nil {
			// A config naming a class this worker lacks (written by a newer
			// worker, say) cannot run here; say so once in its status.
			if h.failedCls[name] != props[connectors.ConnectorClassConfig] {
				h.failedCls[name] = props[connectors.ConnectorClassConfig]
				h.putStatus(keyStatusConnector+name, StateFailed, err.Error())
			}
			continue
		}
		delete(h.failedCls, name)
		if r != nil && !reflect.DeepEqual(r.props, props) {
			h.retire(r.runner, reasonMoved)
			r = newConnectorRunner(h, name, props, plugin, snap.targetOf(name), r)
			h.conns[name] = r
			r.start()
		}
		if r == nil {
			r = newConnectorRunner(h, name, props, plugin, snap.targetOf(name), nil)
			h.conns[name] = r
			r.start()
		}
		r.setTarget(snap.targetOf(name))
		if tasks, ok := snap.tasks[name]; ok {
			r.tasksCommitted(tasks)
		}
	}
	for name, r := range h.conns {
		if _, ok := snap.connectors[name]; !ok {
			h.retire(r.runner, reasonMoved)
			delete(h.conns, name)
		}
	}
}

func (h *herder) reconcileTasks(snap *snapshot) {
	want := map[connectors.TaskID]map[string]string{}
	for id, owner := range h.assign.tasks {
		if owner == h.id {
			want[id] = snap.tasks[id.Connector][id.Task]
		}
	}
	prev := map[connectors.TaskID]*taskRunner{}
	for id, r := range h.tasks {
		props, ok := want[id]
		if ok && reflect.DeepEqual(r.props, props) {
			continue
		}
		h.retire(r.runner, reasonMoved)
		delete(h.tasks, id)
		if ok {
			prev[id] = r
		}
	}
	for id, props := range want {
		target := snap.targetOf(id.Connector)
		if r := h.tasks[id]; r != nil {
			r.setTarget(target)
			continue
		}
		plugin, err := h.lookupConnector(props[connectors.ConnectorClassConfig])
		if err != nil {
			continue
		}
		r := newTaskRunner(h, id, props, plugin, target, prev[id])
		h.tasks[id] = r
		r.start()
	}
}

// restartLocal carries out the part of a restart request that concerns
// instances running here.
func (h *herder) restartLocal(req restartRequest, snap *snapshot) {
	if req.task >= 0 {
		if r := h.tasks[connectors.TaskID{Connector: req.connector, Task: req.task}]; r != nil {
			h.restartTask(r, snap)
		}
		return
	}
	if r := h.conns[req.connector]; r != nil && (!req.onlyFailed || r.currentState() == StateFailed) {
		r.report(StateRestarting, nil)
		h.retire(r.runner, reasonMoved)
		nr := newConnectorRunner(h, r.name, r.props, r.plugin, snap.targetOf(r.name), r)
		h.conns[r.name] = nr
		h.m.restarts.WithLabelValues(r.name, "").Inc()
		nr.start()
		if tasks, ok := snap.tasks[r.name]; ok {
			nr.tasksCommitted(tasks)
		}
	}
	if !req.includeTasks {
		return
	}
	for id, r := range h.tasks {
		if id.Connector == req.connector && (!req.onlyFailed || r.currentState() == StateFailed) {
			h.restartTask(r, snap)
		}
	}
}

func (h *herder) restartTask(r *taskRunner, snap *snapshot) {
	r.report(StateRestarting, nil)
	h.retire(r.runner, reasonMoved)
	id := r.id()
	nr := newTaskRunner(h, id, r.props, r.plugin, snap.targetOf(id.Connector), r)
	h.tasks[id] = nr
	h.m.restarts.WithLabelValues(id.Connector, r.taskLabel()).Inc()
	nr.start()
}

// putStatus writes a status record for an instance run here.
func (h *herder) putStatus(key string, s State, trace string) {
	// Callers may hold h.mu (restarts run inside reconcile), so this must
	// not take it.
	v := statusValue{State: s, WorkerID: h.id, Generation: h.generation.Load()}
	if trace != "" {
		v.Trace = &trace
	}
	b, _ := json.Marshal(v)
	h.store.writeAsync(h.cfg.statusTopic, []byte(key), b)
}

// trackTopic records that a connector's task uses topic.
func (h *herder) trackTopic(name string, task int, topic string) {
	for _, t := range h.store.status.topicsOf(name) {
		if t == topic {
			return
		}
	}
	var v topicValue
	v.Topic.Name, v.Topic.Connector, v.Topic.Task, v.Topic.DiscoverTimestamp = topic, name, task, time.Now().UnixMilli()
	b, _ := json.Marshal(v)
	h.store.writeAsync(h.cfg.statusTopic, []byte(keyStatusTopic+topic+":connector-"+name), b)
}

// publishTaskConfigs stores a connector's task configs: directly on the
// leader, through the leader's REST API elsewhere.
func (h *herder) publishTaskConfigs(ctx context.Context, name string, configs []map[string]string) error {
	if h.isLeader() {
		return h.writeTaskConfigs(ctx, name, configs)
	}
	leader := h.leaderURL()
	if leader == "" {
		return fmt.Errorf("publishing task configs of %q: %w: no leader known", name, ErrConflict)
	}
	body, err := json.Marshal(configs)
	if err != nil {
		return fmt.Errorf("encoding task configs: %w", err)
	}
	return h.post(ctx, leader+"/connectors/"+pathEscape(name)+"/tasks?forward=true", body)
}

// writeTaskConfigs writes task-<name>-<n> records and the commit record
// that makes them visible at once.
func (h *herder) writeTaskConfigs(ctx context.Context, name string, configs []map[string]string) error {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	snap := h.store.configs.snapshot()
	if _, ok := snap.connectors[name]; !ok {
		return fmt.Errorf("publishing task configs: %w: connector %s", ErrNotFound, name)
	}
	if snap.targetOf(name) == TargetStopped {
		return nil
	}
	if cur, ok := snap.tasks[name]; ok && reflect.DeepEqual(cur, configs) {
		return nil
	}
	for i, c := range configs {
		b, err := json.Marshal(propsValue{Properties: c})
		if err != nil {
			return fmt.Errorf("encoding task config: %w", err)
		}
		if err := h.store.write(ctx, h.cfg.configTopic, []byte(fmt.Sprintf("%s%s-%d", keyTask, name, i)), b, false); err != nil {
			return err
		}
	}
	b, _ := json.Marshal(commitValue{Tasks: len(configs)})
	return h.store.write(ctx, h.cfg.configTopic, []byte(keyCommit+name), b, true)
}

// ensureDLQ creates a dead letter queue topic that does not exist yet,
// capping the replication factor at the number of brokers.
func (h *herder) ensureDLQ(ctx context.Context, topic string, rf int) error {
	admin, err := kafka.NewAdminClient(h.cfg.kafka.Admin("connect-dlq"))
	if err != nil {
		return fmt.Errorf("creating admin client: %w", err)
	}
	defer admin.Close()
	md, err := admin.GetMetadata(nil, false, timeoutMS(ctx))
	if err != nil {
		return fmt.Errorf("reading metadata for dead letter queue %q: %w", topic, err)
	}
	if rf <= 0 || rf > len(md.Brokers) {
		rf = len(md.Brokers)
	}
	if _, err := kclient.EnsureTopics(ctx, admin, []kclient.TopicSpec{{Name: topic, Partitions: 1, ReplicationFactor: rf}}); err != nil {
		return fmt.Errorf("creating dead letter queue %q: %w", topic, err)
	}
	return nil
}

// shutdown stops every runner; abandon simulates a crash (no flush, no
// commit, no status, no leave).
func (h *herder) shutdown(ctx context.Context, abandon bool) {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return
	}
	h.stopped = true
	reason := reasonShutdown
	if abandon {
		reason = reasonAbandon
	}
	var all []*runner
	for _, r := range h.conns {
		r.stop(reason)
		all = append(all, r.runner)
	}
	for _, r := range h.tasks {
		r.stop(reason)
		all = append(all, r.runner)
	}
	all = append(all, h.retired...)
	h.mu.Unlock()
	h.cancel()
	<-h.done
	for _, r := range all {
		select {
		case <-r.done:
		case <-ctx.Done():
			h.log.Warn("runner did not stop in time", zap.String("connector", r.name), zap.Int("task", r.task))
		}
	}
	if !abandon {
		// Statuses first, so the UNASSIGNED ones land before the others
		// react to the leave and report RUNNING.
		h.store.prod.Flush(2000)
		// Leaving explicitly lets the others take over at once instead of
		// after the session timeout.
		h.store.writeAsync(h.cfg.statusTopic, []byte(keyWorker+h.id), nil)
	}
}
