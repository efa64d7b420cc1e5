package connect_test

import (
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/sidecars/connect"
)

// TestTwoWorkers forms a cluster of two workers: a connector created
// through one is visible and controllable through the other, its tasks
// spread over both, writes through the follower reach the leader, and
// when one worker dies the other takes over without losing records.
func TestTwoWorkers(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 4, "stream")
	a := startWorker(t, b)
	c := startWorker(t, b)
	leader, follower := a, c
	if c.ID() < a.ID() {
		leader, follower = c, a
	}
	out := tempFile(t, "stream.jsonl")
	// The connector instance of "spreader" lands on the second member (the
	// follower), so its task configs travel to the leader over HTTP.
	if h := fnv.New32a(); func() uint32 { h.Write([]byte("spreader")); return h.Sum32() }()%2 != 1 {
		t.Fatal("test assumption broken: pick a connector name whose hash is odd")
	}

	// Create through the follower: forwarded to the leader.
	r := call(t, "POST", follower.URL()+"/connectors", fileSink("spreader", "stream", out, "tasks.max", "2"))
	expectStatus(t, r, 201)
	if r.header.Get("Location") != "/connectors/spreader" {
		t.Fatalf("forwarded create lost its Location header: %v", r.header)
	}
	// Status through either worker shows the tasks on both.
	var st map[string]any
	eventually(t, opTimeout, "tasks on both workers", func() error {
		for _, w := range []*connect.Worker{a, c} {
			r := call(t, "GET", w.URL()+"/connectors/spreader/status", nil)
			if r.status != 200 {
				return fmt.Errorf("%s: %d", w.ID(), r.status)
			}
			st = nil
			r.json(t, &st)
			owners := map[any]bool{}
			for _, tk := range st["tasks"].([]any) {
				m := tk.(map[string]any)
				if m["state"] != "RUNNING" {
					return fmt.Errorf("task %v", m)
				}
				owners[m["worker_id"]] = true
			}
			if !owners[a.ID()] || !owners[c.ID()] {
				return fmt.Errorf("via %s: task owners %v", w.ID(), owners)
			}
		}
		return nil
	})

	// A forwarded request that would need another hop is refused with 409.
	r = call(t, "PUT", follower.URL()+"/connectors/spreader/pause?forward=false", nil)
	expectStatus(t, r, 409)
	if _, msg := r.errBody(t); !strings.Contains(msg, "conflicting operation") {
		t.Fatalf("409 message %q", msg)
	}
	// Control through the follower.
	expectStatus(t, call(t, "PUT", follower.URL()+"/connectors/spreader/pause", nil), 202)
	waitState(t, leader.URL(), "spreader", "PAUSED", 2)
	expectStatus(t, call(t, "PUT", follower.URL()+"/connectors/spreader/resume", nil), 202)
	waitState(t, leader.URL(), "spreader", "RUNNING", 2)

	// Keep producing while the leader dies.
	const total = 400
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < total; i += 20 {
			produceN(t, b, "stream", i, i+20)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	time.Sleep(150 * time.Millisecond)
	connect.Kill(leader)
	wg.Wait()

	// The survivor runs everything and every record arrives.
	eventually(t, opTimeout, "survivor owns all work", func() error {
		r := call(t, "GET", follower.URL()+"/connectors/spreader/status", nil)
		st = nil
		r.json(t, &st)
		if st["connector"].(map[string]any)["worker_id"] != follower.ID() {
			return fmt.Errorf("connector on %v", st["connector"])
		}
		for _, tk := range st["tasks"].([]any) {
			m := tk.(map[string]any)
			if m["worker_id"] != follower.ID() || m["state"] != "RUNNING" {
				return fmt.Errorf("task %v", m)
			}
		}
		return nil
	})
	lines := waitLines(t, out, total)
	assertAtLeastOnce(t, lines, total)
	// The survivor is now the leader: writes work through it.
	expectStatus(t, call(t, "PUT", follower.URL()+"/connectors/spreader/pause", nil), 202)
	waitState(t, follower.URL(), "spreader", "PAUSED", 2)
}
