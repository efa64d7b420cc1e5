package hbasetest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// Where the Debian zookeeper package puts its jar and config directory.
const (
	DefaultZooKeeperJar     = "/usr/share/java/zookeeper.jar"
	DefaultZooKeeperConfDir = "/etc/zookeeper/conf"
	zkMainClass             = "org.apache.zookeeper.server.ZooKeeperServerMain"
	zkStartTimeout          = 30 * time.Second
	zkStopTimeout           = 10 * time.Second
)

// ZooKeeper is a real ZooKeeper server (the Debian package's jar) running as
// a child process, standalone, bound to 127.0.0.1 on a free port, with its
// data in a temporary directory.
type ZooKeeper struct {
	addr    string
	dir     string
	cmd     *exec.Cmd
	out     *bytes.Buffer
	waitErr chan error
	once    sync.Once
	stopErr error
}

// StartZooKeeper starts ZooKeeper for a test and stops it when the test
// ends. It fails the test with a clear message when java or the jar is
// missing (apt-get install -y zookeeper provides both).
func StartZooKeeper(t testing.TB) *ZooKeeper {
	t.Helper()
	z, err := RunZooKeeper(t.TempDir())
	if err != nil {
		t.Fatalf("hbasetest: %v", err)
	}
	t.Cleanup(func() { _ = z.Stop() })
	return z
}

// RunZooKeeper starts ZooKeeper with dir as its data directory, for callers
// without a testing.TB (TestMain). Stop it with Stop.
func RunZooKeeper(dir string) (*ZooKeeper, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("starting zookeeper: %w: java is not on PATH (apt-get install -y zookeeper pulls in a JRE)", ErrZooKeeperUnavailable)
	}
	jar := envOr("HBASETEST_ZOOKEEPER_JAR", DefaultZooKeeperJar)
	if _, err := os.Stat(jar); err != nil {
		return nil, fmt.Errorf("starting zookeeper: %w: %s not found (apt-get install -y zookeeper)", ErrZooKeeperUnavailable, jar)
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("starting zookeeper: %w", err)
	}
	cfg := filepath.Join(dir, "zoo.cfg")
	conf := fmt.Sprintf("tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=%d\n"+
		"clientPortAddress=127.0.0.1\nadmin.enableServer=false\nmaxClientCnxns=0\n"+
		"4lw.commands.whitelist=ruok\n", filepath.Join(dir, "data"), port)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("starting zookeeper: writing config: %w", err)
	}
	z := &ZooKeeper{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, out: &bytes.Buffer{}, waitErr: make(chan error, 1)}
	classpath := envOr("HBASETEST_ZOOKEEPER_CONF", DefaultZooKeeperConfDir) + ":" + jar
	z.cmd = exec.Command(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Dzookeeper.jmx.log4j.disable=true", "-cp", classpath, zkMainClass, cfg)
	z.cmd.Stdout, z.cmd.Stderr = &lockedWriter{w: z.out}, &lockedWriter{w: z.out}
	dieWithParent(z.cmd)
	if err := z.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting zookeeper: %w", err)
	}
	go func() { z.waitErr <- z.cmd.Wait() }()
	if err := z.waitReady(); err != nil {
		_ = z.Stop()
		return nil, err
	}
	return z, nil
}

// Addr is the client address, host:port.
func (z *ZooKeeper) Addr() string { return z.addr }

// Stop kills the server and waits for it to exit. It is safe to call more
// than once.
func (z *ZooKeeper) Stop() error {
	z.once.Do(func() {
		if z.cmd.Process == nil {
			return
		}
		_ = z.cmd.Process.Kill()
		select {
		case <-z.waitErr:
		case <-time.After(zkStopTimeout):
			z.stopErr = fmt.Errorf("stopping zookeeper: pid %d did not exit", z.cmd.Process.Pid)
		}
	})
	return z.stopErr
}

// waitReady waits until a real ZooKeeper session can be established, which
// proves the server is serving rather than just listening.
func (z *ZooKeeper) waitReady() error {
	deadline := time.Now().Add(zkStartTimeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-z.waitErr:
			z.waitErr <- err
			return fmt.Errorf("starting zookeeper: process exited (%v): %s", err, tail(z.out))
		default:
		}
		if c, err := net.DialTimeout("tcp", z.addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			if err := z.ping(); err == nil {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("starting zookeeper: not serving on %s after %s: %s", z.addr, zkStartTimeout, tail(z.out))
}

func (z *ZooKeeper) ping() error {
	conn, events, err := zk.Connect([]string{z.addr}, 4*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		return err
	}
	defer conn.Close()
	timeout := time.After(3 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				_, _, err := conn.Exists("/")
				return err
			}
		case <-timeout:
			return errors.New("no session")
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func tail(b *bytes.Buffer) string {
	s := b.String()
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 1<<20 {
		l.w.Reset()
	}
	return l.w.Write(p)
}

// quietLogger keeps go-zookeeper's connection chatter out of test output.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}
