package broker_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/retailpulse/retailpulse/sidecars/broker"
)

// helperDirEnv switches TestHelperBrokerProcess on in a child process and
// names its data directory.
const (
	helperDirEnv = "RETAILPULSE_BROKER_HELPER_DIR"
	addrLine     = "broker-addr="
)

// TestHelperBrokerProcess is not a test: TestKill9KeepsAcknowledgedData runs
// the test binary again with only this function selected, to get a broker in
// a process it can SIGKILL. It serves until killed or until stdin closes
// (the parent is gone).
func TestHelperBrokerProcess(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("helper process of TestKill9KeepsAcknowledgedData")
	}
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"), broker.WithDataDir(dir))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := b.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("%s%s\n", addrLine, b.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	// Reached only when the parent went away without killing us: exit
	// without Close, which would write a snapshot.
	os.Exit(3)
}

// brokerProcess starts the helper process on dir. It returns the address the
// broker serves on and a function that waits for the process to end.
func brokerProcess(t *testing.T, dir string) (cmd *exec.Cmd, addr string, wait func() error) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "-test.run=^TestHelperBrokerProcess$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, stdoutW := io.Pipe()
	cmd.Stdout = stdoutW
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting broker process: %v", err)
	}
	wait = sync.OnceValue(func() error {
		err := cmd.Wait()
		stdoutW.Close()
		return err
	})
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = stdin.Close()
		_ = wait()
	})

	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), addrLine); ok {
				addrc <- a
				break
			}
		}
		// Keep draining so the child never blocks writing to stdout.
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case addr = <-addrc:
		return cmd, addr, wait
	case <-time.After(opTimeout):
		_ = cmd.Process.Kill()
		_ = wait()
		t.Fatalf("broker process printed no address within %s; stderr:\n%s", opTimeout, stderr.String())
		return nil, "", nil
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A broker killed with SIGKILL, without any chance to write a snapshot, must
// come back with every acknowledged record, committed offset, topic config
// and transaction outcome; a transaction open at the crash is aborted rather
// than blocking read_committed consumers.
func TestKill9KeepsAcknowledgedData(t *testing.T) {
	dir := t.TempDir()
	cmd, addr, wait := brokerProcess(t, dir)
	s := seed(t, addr, true)

	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("killing broker process: %v", err)
	}
	err := wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("broker process ended with %v, want death by SIGKILL", err)
	}
	s.closeTxn()

	core, logs := observer.New(zap.WarnLevel)
	b := startBroker(t, broker.WithDataDir(dir), broker.WithLogger(zap.New(core)))
	if n := logs.FilterMessageSnippet("unclean shutdown").Len(); n != 1 {
		t.Errorf("restart logged %d crash recoveries, want 1: %v", n, logs.All())
	}
	// Subtest, so its clients are gone before b closes.
	t.Run("verify", func(t *testing.T) { verify(t, b, s) })
	b.Close()

	// The abort marker is on disk now: another restart has nothing to
	// recover and writes nothing.
	core, logs = observer.New(zap.WarnLevel)
	again := startBroker(t, broker.WithDataDir(dir), broker.WithLogger(zap.New(core)))
	if logs.Len() != 0 {
		t.Errorf("second restart logged %v, want nothing", logs.All())
	}
	lso, hw := latestOffsets(t, newAdmin(t, again), pTxnTopic, 0)
	// 9 records and markers before the crash, the repair marker, "end",
	// "committed-after" and its marker.
	if lso != 13 || hw != 13 {
		t.Errorf("%s[0] after second restart: last stable offset %d, high watermark %d; want 13 and 13", pTxnTopic, lso, hw)
	}
}
