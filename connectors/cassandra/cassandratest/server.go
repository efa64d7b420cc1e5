package cassandratest

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
)

// What the server claims to be in system.local and SUPPORTED.
const (
	cqlVersion     = "3.4.6"
	releaseVersion = "4.1.5"
)

// Option configures New.
type Option func(*options)

type options struct {
	listen      string
	user, pass  string
	cluster     string
	datacenter  string
	rack        string
	clock       func() time.Time
	maxMutation int
	batchFail   int
	log         *zap.Logger
}

// WithListenAddr sets the listen address. Default 127.0.0.1:0.
func WithListenAddr(addr string) Option { return func(o *options) { o.listen = addr } }

// WithCredentials requires PasswordAuthenticator (SASL PLAIN) login.
func WithCredentials(user, password string) Option {
	return func(o *options) { o.user, o.pass = user, password }
}

// WithDatacenter sets the data_center and rack in system.local. Default
// datacenter1, rack1.
func WithDatacenter(dc, rack string) Option {
	return func(o *options) { o.datacenter, o.rack = dc, rack }
}

// WithClusterName sets cluster_name. Default "Test Cluster".
func WithClusterName(name string) Option { return func(o *options) { o.cluster = name } }

// WithClock sets the clock for TTL expiry and server-side timestamps, so
// tests can move time forward. Default time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// WithMaxMutationBytes rejects requests that write more than n bytes to
// one partition, as Cassandra rejects mutations over half a commit log
// segment (8 MiB by default). Default 16 MiB.
func WithMaxMutationBytes(n int) Option { return func(o *options) { o.maxMutation = n } }

// WithBatchSizeFailThreshold rejects batches spanning several partitions
// that write more than n bytes (batch_size_fail_threshold). Default 50 KiB.
func WithBatchSizeFailThreshold(n int) Option { return func(o *options) { o.batchFail = n } }

// WithLogger logs connections and protocol errors. Default zap.NewNop().
func WithLogger(l *zap.Logger) Option { return func(o *options) { o.log = l } }

// Server is an in-memory, single-node CQL server speaking native protocol
// v4. See the package documentation for what it models.
type Server struct {
	opts options
	ln   net.Listener

	mu            sync.Mutex
	keyspaces     map[string]*keyspace
	prepared      map[string]*prepared
	journal       []Statement
	faults        []*faultState
	conns         map[*conn]struct{}
	hostID        string
	schemaVersion string
	closed        bool
	wg            sync.WaitGroup
}

// New starts a server listening on the configured address.
func New(opts ...Option) (*Server, error) {
	o := options{listen: "127.0.0.1:0", cluster: "Test Cluster", datacenter: "datacenter1", rack: "rack1",
		clock: time.Now, maxMutation: 16 << 20, batchFail: 50 << 10, log: zap.NewNop()}
	for _, opt := range opts {
		opt(&o)
	}
	if o.clock == nil || o.log == nil || o.maxMutation <= 0 || o.batchFail <= 0 {
		return nil, errors.New("creating cql test server: clock and logger must be set, size limits positive")
	}
	s := &Server{opts: o, keyspaces: map[string]*keyspace{}, prepared: map[string]*prepared{},
		conns: map[*conn]struct{}{}, hostID: newUUID(), schemaVersion: newUUID()}
	if err := s.installSystemTables(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return nil, fmt.Errorf("creating cql test server: %w", err)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Start is New for tests: it fails tb on error and closes the server when
// the test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := New(opts...)
	if err != nil {
		tb.Fatalf("starting cql test server: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is the listen IP, which system.local reports as rpc_address.
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the listen port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Close stops accepting, drops every connection and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for c := range s.conns {
		_ = c.nc.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

// DropConnections closes every client connection (the listener stays),
// as a node restart would.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.nc.Close()
	}
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		c := &conn{s: s, nc: nc}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			c.serve()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// Statements returns the recorded requests on non-system tables and
// schema statements, oldest first. Requests made through Exec and Query
// are not recorded.
func (s *Server) Statements() []Statement {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.journal {
		s.journal[i].resolve()
	}
	return append([]Statement(nil), s.journal...)
}

// ResetStatements forgets the recorded requests.
func (s *Server) ResetStatements() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.journal = nil
}

// InjectFault adds a fault; faults are tried in the order added.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: f.Times})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// ForgetPrepared drops every prepared statement, as a restarted node
// does; clients get UNPREPARED and prepare again.
func (s *Server) ForgetPrepared() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prepared = map[string]*prepared{}
}

// Exec runs one statement in-process, outside any session keyspace, with
// args bound to its markers. Args are Go values: string (text, ascii, and
// timestamps, UUIDs and inets in their text form), any Go integer in range
// (int, bigint, smallint, tinyint, and timestamps as epoch milliseconds),
// float32/float64, bool, time.Time, []byte (blob), [16]byte UUIDs, net.IP,
// slices for lists and sets, maps for maps, nil for null, Unset.
func (s *Server) Exec(cql string, args ...any) error {
	_, err := s.Query(cql, args...)
	return err
}

// Query runs one statement in-process like Exec and returns its rows,
// each column decoded: string, int32, int64, int16, int8, bool, float32,
// float64, time.Time (UTC), UUIDs and inets as strings, []byte, []any for
// lists and sets, map[string]any for maps with text keys, map[any]any for
// other maps; nil for null.
func (s *Server) Query(cql string, args ...any) ([]map[string]any, error) {
	st, err := parse(cql)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	p, err := s.prepareLocked(st, "")
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if len(args) != len(p.markers) {
		s.mu.Unlock()
		return nil, invalidf("there were %d markers(?) in CQL but %d bound variables", len(p.markers), len(args))
	}
	vals := make([]boundValue, len(args))
	for i, a := range args {
		if a == Unset {
			vals[i] = boundValue{unset: true}
			continue
		}
		b, err := p.markers[i].typ.encode(a)
		if err != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("binding value %d: %w", i, err)
		}
		vals[i] = boundValue{b: b, null: b == nil}
	}
	res, err := s.executeLocked(p, vals, execEnv{now: s.opts.clock()})
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if res.change != nil {
		s.broadcast(res.change)
	}
	out := make([]map[string]any, len(res.rows))
	for i, r := range res.rows {
		m := map[string]any{}
		for j, rc := range p.result {
			m[rc.name] = rc.typ.mustDecode(r[j])
		}
		out[i] = m
	}
	return out, nil
}

// execResult is the outcome of one statement.
type execResult struct {
	rows        [][][]byte
	change      *schemaChange
	setKeyspace string
	partitions  int
}

// executeLocked runs one prepared statement. s.mu must be held.
func (s *Server) executeLocked(p *prepared, vals []boundValue, env execEnv) (execResult, error) {
	if len(vals) != len(p.markers) {
		return execResult{}, invalidf("there were %d markers(?) in CQL but %d bound variables", len(p.markers), len(vals))
	}
	switch p.st.kind {
	case stSelect:
		rows, err := s.selectLocked(p, vals, env.now)
		return execResult{rows: rows}, err
	case stInsert, stUpdate, stDelete:
		m, err := s.mutationOf(p, vals, env)
		if err != nil {
			return execResult{}, err
		}
		if m.t.virtual != nil {
			return execResult{}, &Error{Code: 0x2100, Message: "system tables are not modifiable"}
		}
		if m.size > s.opts.maxMutation {
			return execResult{}, oversized(m.size, s.opts.maxMutation, m.t)
		}
		s.applyLocked(m, env.now)
		return execResult{partitions: 1}, nil
	case stUse:
		if _, ok := s.keyspaces[p.st.keyspace]; !ok {
			return execResult{}, invalidf("keyspace '%s' does not exist", p.st.keyspace)
		}
		return execResult{setKeyspace: p.st.keyspace}, nil
	}
	change, err := s.ddlLocked(p)
	return execResult{change: change}, err
}

func oversized(size, limit int, t *table) error {
	return invalidf("Rejected an oversized mutation (%d/%d) for keyspace: %s. Top keys are: %s.%s", size, limit, t.ks, t.ks, t.name)
}

func (s *Server) broadcast(c *schemaChange) {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, cn := range conns {
		cn.schemaEvent(c)
	}
}
