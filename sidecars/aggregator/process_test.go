package aggregator_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/aggregator"
)

// TestHelperAggregatorProcess is not a test: the process tests run the test
// binary again with only this function selected, to get an aggregator in a
// process they can SIGKILL. It runs until SIGTERM (clean stop: commit and
// exit) or until stdin closes (the parent is gone).
func TestHelperAggregatorProcess(t *testing.T) {
	instance := os.Getenv(helperEnv)
	if instance == "" {
		t.Skip("helper process of the process tests")
	}
	reg, err := serde.NewClient(os.Getenv(helperRegistryEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	logger, _ := zap.NewDevelopment()
	opts := append(testOptions(os.Getenv(helperBootstrapEnv), reg, instance), aggregator.WithLogger(logger))
	if d, err := time.ParseDuration(os.Getenv(helperTxnTimeoutEnv)); err == nil {
		opts = append(opts, aggregator.WithTransactionTimeout(d))
	}
	a, err := aggregator.New(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	if err := a.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// child is an aggregator in its own process.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.Closer
	stderr *syncBuffer
	wait   func() error
}

func startChild(t *testing.T, e *env, instance string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAggregatorProcess$", "-test.timeout=5m")
	cmd.Env = append(append(os.Environ(),
		helperEnv+"="+instance,
		helperBootstrapEnv+"="+e.broker.Addr(),
		helperRegistryEnv+"="+e.registry,
	), env...)
	c := &child{name: instance, cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = c.stderr
	cmd.Stdout = c.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting aggregator %s: %v", instance, err)
	}
	c.wait = sync.OnceValue(cmd.Wait)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = stdin.Close()
		_ = c.wait()
		if t.Failed() {
			t.Logf("aggregator %s output:\n%s", instance, tail(c.stderr.String(), 4000))
		}
	})
	return c
}

// kill9 kills the child without any chance to commit or close.
func (c *child) kill9(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatalf("killing %s: %v", c.name, err)
	}
	_ = c.wait()
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("aggregator %s ended with %v, want death by SIGKILL", c.name, c.cmd.ProcessState)
	}
}

// stop asks the child to commit and exit, and checks that it did.
func (c *child) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signalling %s: %v", c.name, err)
	}
	done := make(chan error, 1)
	go func() { done <- c.wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("aggregator %s exited with %v:\n%s", c.name, err, tail(c.stderr.String(), 4000))
		}
	case <-time.After(opTimeout):
		t.Fatalf("aggregator %s did not stop within %s", c.name, opTimeout)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
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

// chunks splits recs into n nearly equal consecutive parts.
func chunks(recs []record, n int) [][]record {
	out := make([][]record, n)
	for i := range out {
		out[i] = recs[i*len(recs)/n : (i+1)*len(recs)/n]
	}
	return out
}

// waitCommitted waits until the group has committed at least n input
// records in total, so a kill lands after real progress.
func (e *env) waitCommitted(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(opTimeout)
	for time.Now().Before(deadline) {
		tps := make([]kafka.TopicPartition, numPartitions)
		topic := "user-events"
		for i := range tps {
			tps[i] = kafka.TopicPartition{Topic: &topic, Partition: int32(i)}
		}
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		res, err := e.admin.ListConsumerGroupOffsets(ctx, []kafka.ConsumerGroupTopicPartitions{{Group: aggregator.DefaultGroup, Partitions: tps}})
		cancel()
		if err == nil {
			var sum int64
			for _, g := range res.ConsumerGroupsTopicPartitions {
				for _, tp := range g.Partitions {
					if tp.Offset >= 0 {
						sum += int64(tp.Offset)
					}
				}
			}
			if sum >= n {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("group did not commit %d records within %s", n, opTimeout)
}
