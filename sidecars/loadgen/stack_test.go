package loadgen_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/httpx"
	"github.com/retailpulse/retailpulse/internal/kclient"
	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/schema-registry/registry"
	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/schema-registry/server"
	"github.com/retailpulse/retailpulse/sidecars/broker"
	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

// stackEnv switches TestHelperStack on in a child process.
const stackEnv = "RETAILPULSE_LOADGEN_STACK"

// TestHelperStack is not a test: startStack runs the test binary again with
// only this function selected, to serve the broker, the real registry and
// the REST proxy (built-in edge rules) from another process, as `up` does,
// so the load generator does not share a Go runtime with the server. It
// prints the proxy URL and the broker address, and serves until stdin
// closes. RETAILPULSE_LOADGEN_STACK_CPUPROFILE=<file> profiles its CPU,
// RETAILPULSE_LOADGEN_STACK_MEMPROFILE=<file> its allocations.
func TestHelperStack(t *testing.T) {
	if os.Getenv(stackEnv) == "" {
		t.Skip("helper process of the loadgen tests and benchmarks")
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	b, err := broker.New(broker.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		fail(err)
	}
	if err := b.Start(); err != nil {
		fail(err)
	}
	kc := kclient.Config{Bootstrap: b.Addr(), ClientID: "loadgen-stack"}
	admin, err := kafka.NewAdminClient(kc.Admin("stack"))
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := kclient.EnsureTopics(ctx, admin, []kclient.TopicSpec{{Name: "user-events", Partitions: 6}, {Name: "user-events-dlq", Partitions: 6}}); err != nil {
		fail(err)
	}
	admin.Close()
	core, err := registry.New(registry.NewMemoryLog())
	if err != nil {
		fail(err)
	}
	srv, err := server.New(core, []httpx.Option{httpx.WithAddr("127.0.0.1:0")})
	if err != nil {
		fail(err)
	}
	if err := srv.Start(); err != nil {
		fail(err)
	}
	if err := core.Start(ctx); err != nil {
		fail(err)
	}
	client, err := serde.NewClient(srv.URL())
	if err != nil {
		fail(err)
	}
	s, _ := avro.ByName("UserEvent")
	if _, err := client.Register(ctx, "user-events-value", s.Text); err != nil {
		fail(err)
	}
	p, err := restproxy.New(restproxy.WithAddr("127.0.0.1:0"), restproxy.WithKafka(kc), restproxy.WithSchemaRegistry(srv.URL()))
	if err != nil {
		fail(err)
	}
	if err := p.Start(ctx); err != nil {
		fail(err)
	}
	for p.Ready(ctx) != nil {
		time.Sleep(20 * time.Millisecond)
	}
	if path := os.Getenv(stackEnv + "_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
	fmt.Printf("stack-url=%s\nstack-broker=%s\n", p.URL(), b.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	if path := os.Getenv(stackEnv + "_MEMPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fail(err)
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fail(err)
		}
		_ = f.Close()
	}
}

// stack is a running helper process.
type stack struct {
	url    string
	broker string
	pid    int
}

// cpuOf returns the CPU time (user + system, all threads) process pid has
// used, from /proc/<pid>/stat.
func cpuOf(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatalf("reading cpu time of %d: %v", pid, err)
	}
	// Fields after the parenthesised command: state is field 3, utime 14, stime 15.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / ticks
}

func startStack(tb testing.TB) stack {
	tb.Helper()
	v, pid := startChild(tb, "TestHelperStack", stackEnv, "stack-url", "stack-broker")
	return stack{url: v["stack-url"], broker: v["stack-broker"], pid: pid}
}

// startChild runs this test binary again with only test selected and env
// set, and waits until it has printed "key=value" for each key; the values
// come back with its pid. The child serves until its stdin closes, at the
// end of tb.
func startChild(tb testing.TB, test, env string, keys ...string) (map[string]string, int) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.timeout=30m")
	cmd.Env = append(os.Environ(), env+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s in a child process: %v", test, err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	vals := make(map[string]string, len(keys))
	deadline := time.After(2 * time.Minute)
	for len(vals) < len(keys) {
		select {
		case l, ok := <-lines:
			if !ok {
				tb.Fatalf("%s exited before serving", test)
			}
			for _, k := range keys {
				if v, ok := strings.CutPrefix(l, k+"="); ok {
					vals[k] = v
				}
			}
		case <-deadline:
			tb.Fatalf("%s did not start within 2 minutes", test)
		}
	}
	go func() {
		for range lines { // keep draining so the child never blocks on stdout
		}
	}()
	return vals, cmd.Process.Pid
}
