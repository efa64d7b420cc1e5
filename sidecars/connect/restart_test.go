package connect_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestRestartRebuildsState stops the only worker and starts a new one on
// the same topics: connectors come back in their target states, tasks
// resume from the committed offsets (nothing skipped, nothing redelivered
// after a clean stop).
func TestRestartRebuildsState(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 2, "in")
	w1 := startWorker(t, b)
	base := w1.URL()
	out := tempFile(t, "run.jsonl")
	paused := tempFile(t, "paused.jsonl")
	expectStatus(t, call(t, "POST", base+"/connectors", fileSink("running", "in", out, "tasks.max", "2")), 201)
	body := fileSink("paused", "in", paused)
	body["initial_state"] = "PAUSED"
	expectStatus(t, call(t, "POST", base+"/connectors", body), 201)
	body = fileSink("stopped", "in", tempFile(t, "stopped.jsonl"))
	body["initial_state"] = "STOPPED"
	expectStatus(t, call(t, "POST", base+"/connectors", body), 201)
	waitState(t, base, "running", "RUNNING", 2)
	waitState(t, base, "paused", "PAUSED", 1)
	waitState(t, base, "stopped", "STOPPED", 0)

	produceN(t, b, "in", 0, 20)
	waitLines(t, out, 20)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w1.Stop(ctx); err != nil {
		t.Fatalf("stopping worker: %v", err)
	}
	produceN(t, b, "in", 20, 30)

	w2 := startWorker(t, b)
	base = w2.URL()
	r := call(t, "GET", base+"/connectors", nil)
	expectStatus(t, r, 200)
	var names []string
	r.json(t, &names)
	if fmt.Sprint(names) != "[paused running stopped]" {
		t.Fatalf("connectors after restart %v", names)
	}
	var cfg map[string]string
	call(t, "GET", base+"/connectors/running/config", nil).json(t, &cfg)
	if cfg["tasks.max"] != "2" || cfg["file"] != out {
		t.Fatalf("config after restart %v", cfg)
	}
	waitState(t, base, "running", "RUNNING", 2)
	waitState(t, base, "paused", "PAUSED", 1)
	waitState(t, base, "stopped", "STOPPED", 0)
	lines := waitLines(t, out, 30)
	assertExactlyOnce(t, lines, 30)
	if n := len(readLines(t, paused)); n != 0 {
		t.Fatalf("paused connector wrote %d lines", n)
	}
	expectStatus(t, call(t, "PUT", base+"/connectors/paused/resume", nil), 202)
	assertExactlyOnce(t, waitLines(t, paused, 30), 30)
}

// produceN writes records with values "v<from>".."v<to-1>".
func produceN(t *testing.T, b interface{ Addr() string }, topic string, from, to int) {
	t.Helper()
	var kvs []string
	for i := from; i < to; i++ {
		kvs = append(kvs, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i))
	}
	produceTo(t, b.Addr(), topic, kvs...)
}

func waitLines(t *testing.T, path string, n int) []fileLine {
	t.Helper()
	var lines []fileLine
	eventually(t, opTimeout, fmt.Sprintf("%d lines in %s", n, path), func() error {
		lines = readLines(t, path)
		if distinctValues(lines) < n {
			return fmt.Errorf("%d distinct of %d lines", distinctValues(lines), len(lines))
		}
		return nil
	})
	return lines
}

func distinctValues(lines []fileLine) int {
	seen := map[any]bool{}
	for _, l := range lines {
		seen[l.Value] = true
	}
	return len(seen)
}

// assertExactlyOnce checks that v0..v<n-1> each appear exactly once.
func assertExactlyOnce(t *testing.T, lines []fileLine, n int) {
	t.Helper()
	count := map[any]int{}
	for _, l := range lines {
		count[l.Value]++
	}
	for i := 0; i < n; i++ {
		if c := count[fmt.Sprintf("v%d", i)]; c != 1 {
			t.Fatalf("v%d delivered %d times (%d lines)", i, c, len(lines))
		}
	}
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
}

// assertAtLeastOnce checks that v0..v<n-1> each appear, duplicates allowed.
func assertAtLeastOnce(t *testing.T, lines []fileLine, n int) {
	t.Helper()
	count := map[any]int{}
	for _, l := range lines {
		count[l.Value]++
	}
	for i := 0; i < n; i++ {
		if count[fmt.Sprintf("v%d", i)] == 0 {
			t.Fatalf("v%d lost (%d lines)", i, len(lines))
		}
	}
}
