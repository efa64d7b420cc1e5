package connect_test

import (
	"fmt"
	"testing"
	"time"
)

func TestFileSinkDeliversRecords(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 3, "orders")
	w := startWorker(t, b)
	out := tempFile(t, "out.jsonl")
	r := call(t, "POST", w.URL()+"/connectors", fileSink("files", "orders", out, "tasks.max", "2"))
	expectStatus(t, r, 201)
	waitState(t, w.URL(), "files", "RUNNING", 2)
	var kvs []string
	for i := 0; i < 50; i++ {
		kvs = append(kvs, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i))
	}
	produce(t, b, "orders", kvs...)
	eventually(t, 30*time.Second, "50 lines", func() error {
		if n := len(readLines(t, out)); n < 50 {
			return fmt.Errorf("%d lines", n)
		}
		return nil
	})
}
