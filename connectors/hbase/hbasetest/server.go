package hbasetest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/proto"
)

// Option configures a Server.
type Option func(*options) error

type options struct {
	parent       string
	legacyCAM    bool
	maxInFlight  int
	listenAddr   string
	zkSessionTTL time.Duration
}

var parentSeq atomic.Int64

// WithZnodeParent sets the znode under which the server registers
// (zookeeper.znode.parent). The default is a fresh /hbasetest-<pid>-<n>
// per server, so that servers can share one ZooKeeper.
func WithZnodeParent(p string) Option {
	return func(o *options) error {
		if len(p) < 2 || p[0] != '/' || p[len(p)-1] == '/' {
			return fmt.Errorf("znode parent %q: want an absolute path like /hbase", p)
		}
		o.parent = p
		return nil
	}
}

// WithLegacyCheckAndMutate makes the server behave like HBase before 2.4
// for conditional Increment and Append: the condition is ignored, the
// mutation is applied, and the response carries no processed flag.
func WithLegacyCheckAndMutate() Option {
	return func(o *options) error { o.legacyCAM = true; return nil }
}

// WithMaxInFlight bounds the requests one connection handles at once
// (default 64); 1 makes every connection strictly sequential.
func WithMaxInFlight(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("max in flight %d: want at least 1", n)
		}
		o.maxInFlight = n
		return nil
	}
}

// Server is the test double: one process-local HBase RegionServer that
// also answers as the Master, registered in ZooKeeper.
type Server struct {
	opts      options
	st        *store
	ln        net.Listener
	addr      string
	startCode uint64
	zkConn    *zk.Conn
	faults    faultList
	stats     stats

	scannerSeq atomic.Uint64
	scannersMu sync.Mutex
	scanners   map[uint64]*scanner

	procMu  sync.Mutex
	procSeq uint64
	procs   map[uint64]*pb.ForeignExceptionMessage

	connsMu sync.Mutex
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
	closed  atomic.Bool
}

// Start runs a Server registered in the ZooKeeper at zkAddr for a test and
// closes it when the test ends.
func Start(t testing.TB, zkAddr string, opts ...Option) *Server {
	t.Helper()
	s, err := New(zkAddr, opts...)
	if err != nil {
		t.Fatalf("hbasetest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New runs a Server on 127.0.0.1 (a free port) and registers it in the
// ZooKeeper at zkAddr: <parent>/master and <parent>/meta-region-server
// both name it, as ephemeral znodes in HBase's format.
func New(zkAddr string, opts ...Option) (*Server, error) {
	o := options{maxInFlight: 64, listenAddr: "127.0.0.1:0", zkSessionTTL: 10 * time.Second}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("configuring hbase test server: %w", err)
		}
	}
	if o.parent == "" {
		o.parent = fmt.Sprintf("/hbasetest-%d-%d", os.Getpid(), parentSeq.Add(1))
	}
	ln, err := net.Listen("tcp", o.listenAddr)
	if err != nil {
		return nil, fmt.Errorf("starting hbase test server: %w", err)
	}
	s := &Server{opts: o, st: newStore(), ln: ln, addr: ln.Addr().String(), startCode: uint64(time.Now().UnixMilli()),
		scanners: map[uint64]*scanner{}, procs: map[uint64]*pb.ForeignExceptionMessage{}, conns: map[net.Conn]struct{}{}}
	if err := s.register(zkAddr); err != nil {
		_ = ln.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// ZnodeParent is the zookeeper.znode.parent clients must use.
func (s *Server) ZnodeParent() string { return s.opts.parent }

// Close stops accepting, drops every connection and removes the znodes.
func (s *Server) Close() {
	if !s.closed.CompareAndSwap(false, true) {
		return
	}
	_ = s.ln.Close()
	s.connsMu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.connsMu.Unlock()
	s.wg.Wait()
	if s.zkConn != nil {
		s.zkConn.Close()
	}
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.connsMu.Lock()
		if s.closed.Load() {
			s.connsMu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.connsMu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
			s.connsMu.Lock()
			delete(s.conns, c)
			s.connsMu.Unlock()
		}()
	}
}

// register writes the master and meta location znodes: 0xFF, a 4-byte
// length, an identifier, then "PBUF" and the protobuf, as HBase's
// ZKUtil/ProtobufUtil.prependPBMagic write them.
func (s *Server) register(zkAddr string) error {
	conn, events, err := zk.Connect([]string{zkAddr}, s.opts.zkSessionTTL, zk.WithLogger(quietLogger{}))
	if err != nil {
		return fmt.Errorf("registering in zookeeper %s: %w", zkAddr, err)
	}
	if err := waitSession(events, 10*time.Second); err != nil {
		conn.Close()
		return fmt.Errorf("registering in zookeeper %s: %w", zkAddr, err)
	}
	host, portStr, _ := net.SplitHostPort(s.addr)
	port, _ := strconv.Atoi(portStr)
	sn := &pb.ServerName{HostName: proto.String(host), Port: proto.Uint32(uint32(port)), StartCode: proto.Uint64(s.startCode)}
	master, err := proto.Marshal(&pb.Master{Master: sn, RpcVersion: proto.Uint32(0), InfoPort: proto.Uint32(0)})
	if err != nil {
		conn.Close()
		return fmt.Errorf("registering in zookeeper: %w", err)
	}
	meta, err := proto.Marshal(&pb.MetaRegionServer{Server: sn, RpcVersion: proto.Uint32(0), State: pb.RegionState_OPEN.Enum()})
	if err != nil {
		conn.Close()
		return fmt.Errorf("registering in zookeeper: %w", err)
	}
	if err := ensurePath(conn, s.opts.parent); err != nil {
		conn.Close()
		return fmt.Errorf("registering in zookeeper: creating %s: %w", s.opts.parent, err)
	}
	id := fmt.Sprintf("%d@hbasetest", os.Getpid())
	for name, body := range map[string][]byte{"master": master, "meta-region-server": meta} {
		p := path.Join(s.opts.parent, name)
		if _, err := conn.Create(p, znodeData(id, body), zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
			conn.Close()
			return fmt.Errorf("registering in zookeeper: creating %s: %w", p, err)
		}
	}
	s.zkConn = conn
	return nil
}

func znodeData(id string, pbBody []byte) []byte {
	out := []byte{0xFF}
	out = binary.BigEndian.AppendUint32(out, uint32(len(id)))
	out = append(out, id...)
	out = append(out, "PBUF"...)
	return append(out, pbBody...)
}

func ensurePath(conn *zk.Conn, p string) error {
	cur := ""
	for _, part := range splitNonEmpty(p, '/') {
		cur += "/" + part
		_, err := conn.Create(cur, nil, 0, zk.WorldACL(zk.PermAll))
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return err
		}
	}
	return nil
}

func splitNonEmpty(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == sep {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func waitSession(events <-chan zk.Event, d time.Duration) error {
	timeout := time.After(d)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return nil
			}
		case <-timeout:
			return errors.New("no session established")
		}
	}
}
