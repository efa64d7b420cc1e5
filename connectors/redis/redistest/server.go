package redistest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Binary is the redis-server executable looked up on PATH.
const Binary = "redis-server"

const readyTimeout = 10 * time.Second

// Server is a redis-server child process.
type Server struct {
	bin      string
	dir      string
	port     int
	user     string
	password string
	tls      *TLSFiles
	cluster  bool
	cmd      *exec.Cmd
	exited   chan struct{}
}

// Option configures Start.
type Option func(*Server)

// WithUser adds an ACL user with every permission and turns the default
// user off, so that only authenticated clients get in.
func WithUser(name, password string) Option {
	return func(s *Server) { s.user, s.password = name, password }
}

// WithTLS makes the server listen with TLS only, with a server certificate
// for 127.0.0.1 and localhost signed by a CA generated for the test.
func WithTLS() Option { return func(s *Server) { s.tls = &TLSFiles{} } }

// Start launches redis-server and waits until it answers PING. It is
// stopped when the test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		tb.Fatalf("%s not found on PATH: the Redis sink tests need a real Redis; install it with "+
			"'apt-get install -y redis-server' (scripts/test.sh does)", Binary)
	}
	s := &Server{bin: bin, dir: tb.TempDir()}
	for _, o := range opts {
		o(s)
	}
	if s.tls != nil {
		files, err := writeTLSFiles(s.dir)
		if err != nil {
			tb.Fatalf("generating TLS files for redis-server: %v", err)
		}
		s.tls = files
	}
	tb.Cleanup(s.Stop)
	// The port is picked by binding :0 and released for redis-server, so
	// another process may take it in between; a few attempts cover that.
	for attempt := 1; ; attempt++ {
		if s.port, err = s.freePort(); err == nil {
			if err = s.launch(); err == nil {
				return s
			}
		}
		if attempt == 3 {
			tb.Fatalf("starting redis-server: %v", err)
		}
	}
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// TLS returns the certificate files, nil without WithTLS.
func (s *Server) TLS() *TLSFiles { return s.tls }

// Client returns a client for assertions, authenticated when the server
// has a user; it is closed when the test ends.
func (s *Server) Client(tb testing.TB) *goredis.Client {
	tb.Helper()
	c := s.newClient()
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func (s *Server) newClient() *goredis.Client {
	opts := &goredis.Options{Addr: s.Addr(), Username: s.user, Password: s.password, DisableIdentity: true,
		DialTimeout: time.Second, MaxRetries: -1}
	if s.tls != nil {
		pool := x509.NewCertPool()
		pem, _ := os.ReadFile(s.tls.CA)
		pool.AppendCertsFromPEM(pem)
		opts.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return goredis.NewClient(opts)
}

// Stop kills the server (SIGKILL: nothing is persisted anyway) and waits
// for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

// Restart stops the server and starts a fresh, empty one on the same port.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.Stop()
	var err error
	for deadline := time.Now().Add(readyTimeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = s.launch(); err == nil {
			return
		}
	}
	tb.Fatalf("restarting redis-server on port %d: %v", s.port, err)
}

func (s *Server) launch() error {
	args := []string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", s.dir,
		"--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning"}
	if s.tls != nil {
		args = append(args, "--port", "0", "--tls-port", strconv.Itoa(s.port), "--tls-cert-file", s.tls.Cert,
			"--tls-key-file", s.tls.Key, "--tls-ca-cert-file", s.tls.CA, "--tls-auth-clients", "no")
	} else {
		args = append(args, "--port", strconv.Itoa(s.port))
	}
	if s.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(s.dir, "nodes.conf"))
	}
	if s.user != "" {
		args = append(args, "--user", "default", "off", "--user", s.user, "on", ">"+s.password, "~*", "&*", "+@all")
	}
	logPath := filepath.Join(s.dir, "redis.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("creating redis log: %w", err)
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("running %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited
	if err := s.waitReady(); err != nil {
		s.Stop()
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("%w; redis-server log:\n%s", err, lastLines(string(log), 10))
	}
	return nil
}

func (s *Server) waitReady() error {
	c := s.newClient()
	defer c.Close()
	deadline := time.Now().Add(readyTimeout)
	var err error
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return errors.New("redis-server exited during start-up")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redis-server not answering PING after %s: %w", readyTimeout, err)
}

// freePort finds a free port; a cluster node also needs its bus port,
// port+10000, to be valid and free.
func (s *Server) freePort() (int, error) {
	for tries := 0; tries < 50; tries++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("finding a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !s.cluster {
			return port, nil
		}
		if port+10000 > 65535 {
			continue
		}
		if bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000))); err == nil {
			_ = bus.Close()
			return port, nil
		}
	}
	return 0, errors.New("finding a free port pair for a cluster node: none after 50 tries")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
