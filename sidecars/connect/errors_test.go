package connect_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/sidecars/connect"
)

func headers(m *kafka.Message) map[string]string {
	out := map[string]string{}
	for _, h := range m.Headers {
		out[h.Key] = string(h.Value)
	}
	return out
}

func waitDLQ(t *testing.T, b interface{ Addr() string }, topic string, n int, read func(testing.TB, string) []*kafka.Message) []*kafka.Message {
	t.Helper()
	var msgs []*kafka.Message
	eventually(t, opTimeout, fmt.Sprintf("%d records in %s", n, topic), func() error {
		msgs = read(t, topic)
		if len(msgs) < n {
			return fmt.Errorf("%d records", len(msgs))
		}
		return nil
	})
	return msgs
}

// TestDeadLetterQueue routes records the sink rejects, and records the
// converter cannot read, to the DLQ with Kafka's context headers; with
// tolerance all the other records flow on.
func TestDeadLetterQueue(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 1, "in", "json-in")
	w := startWorker(t, b)
	base := w.URL()
	read := func(tb testing.TB, topic string) []*kafka.Message { return readTopic(tb, b, topic) }

	for _, viaReporter := range []string{"false", "true"} {
		name := "dlq-reporter-" + viaReporter
		out := tempFile(t, name)
		dlq := "dlq-" + viaReporter
		expectStatus(t, call(t, "POST", base+"/connectors", fileSink(name, "in", out,
			"connector.class", connectortest.FlakySinkClass, "fail.values", "v3,v7", "fail.via.reporter", viaReporter,
			"errors.tolerance", "all", "errors.log.enable", "true", "errors.deadletterqueue.topic.name", dlq,
			"errors.deadletterqueue.context.headers.enable", "true")), 201)
		waitState(t, base, name, "RUNNING", 1)
		if viaReporter == "false" {
			produceN(t, b, "in", 0, 10)
		}
		lines := waitLines(t, out, 8)
		msgs := waitDLQ(t, b, dlq, 2, read)
		if len(lines) != 8 || len(msgs) != 2 {
			t.Fatalf("%s: %d lines, %d DLQ records", name, len(lines), len(msgs))
		}
		for i, m := range msgs {
			want := []string{"v3", "v7"}[i]
			h := headers(m)
			if string(m.Value) != want || string(m.Key) != "k"+want[1:] {
				t.Fatalf("DLQ record %d = %s/%s, want the original record", i, m.Key, m.Value)
			}
			checks := map[string]string{
				"__connect.errors.topic": "in", "__connect.errors.partition": "0", "__connect.errors.offset": want[1:],
				"__connect.errors.connector.name": name, "__connect.errors.task.id": "0", "__connect.errors.stage": "TASK_PUT",
				"__connect.errors.class.name":           connectortest.FlakySinkClass,
				"__connect.errors.exception.class.name": "org.apache.kafka.connect.errors.ConnectException",
			}
			for k, v := range checks {
				if h[k] != v {
					t.Errorf("%s: header %s = %q, want %q", name, k, h[k], v)
				}
			}
			if !strings.Contains(h["__connect.errors.exception.message"], "injected failure") ||
				!strings.Contains(h["__connect.errors.exception.stacktrace"], "injected failure") {
				t.Errorf("%s: exception headers %v", name, h)
			}
		}
	}

	// A converter failure goes to the DLQ at stage VALUE_CONVERTER.
	expectStatus(t, call(t, "POST", base+"/connectors", fileSink("conv", "json-in", tempFile(t, "conv"),
		"value.converter", "org.apache.kafka.connect.json.JsonConverter", "errors.tolerance", "all",
		"errors.deadletterqueue.topic.name", "dlq-conv", "errors.deadletterqueue.context.headers.enable", "true")), 201)
	produce(t, b, "json-in", "k", "not json", "k2", `{"schema":null,"payload":{"a":1}}`)
	msgs := waitDLQ(t, b, "dlq-conv", 1, read)
	h := headers(msgs[0])
	if string(msgs[0].Value) != "not json" || h["__connect.errors.stage"] != "VALUE_CONVERTER" ||
		h["__connect.errors.class.name"] != "org.apache.kafka.connect.json.JsonConverter" ||
		h["__connect.errors.exception.class.name"] != "org.apache.kafka.connect.errors.DataException" {
		t.Fatalf("converter DLQ record %s %v", msgs[0].Value, h)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(readTopic(t, b, "dlq-conv")); n != 1 {
		t.Fatalf("valid JSON went to the DLQ too: %d records", n)
	}
}

// TestRetryThenSucceed: Put fails with a retriable error three times;
// errors.retry.timeout covers it and every record arrives once.
func TestRetryThenSucceed(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 1, "in")
	w := startWorker(t, b)
	out := tempFile(t, "out")
	expectStatus(t, call(t, "POST", w.URL()+"/connectors", fileSink("retry", "in", out,
		"connector.class", "FlakySink", "fail.first.puts", "3", "fail.first.flushes", "2",
		"errors.retry.timeout", "30000", "errors.retry.delay.max.ms", "100")), 201)
	waitState(t, w.URL(), "retry", "RUNNING", 1)
	produceN(t, b, "in", 0, 10)
	assertExactlyOnce(t, waitLines(t, out, 10), 10)
	waitState(t, w.URL(), "retry", "RUNNING", 1)
	if m := metric(t, w, `retailpulse_connect_retries_total{connector="retry",stage="task_put",task="0"}`); m < 5 {
		t.Fatalf("retries metric %v, want >= 5", m)
	}
}

// TestToleranceNoneFailsTask: with errors.tolerance=none a failing record
// fails the task with its trace; nothing after it is committed, so fixing
// the config and restarting delivers everything.
func TestToleranceNoneFailsTask(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 1, "in")
	w := startWorker(t, b, connect.WithTaskAutoRestart(false, 0, 0))
	base := w.URL()
	out := tempFile(t, "out")
	expectStatus(t, call(t, "POST", base+"/connectors", fileSink("strict", "in", out,
		"connector.class", "FlakySink", "fail.values", "v5")), 201)
	waitState(t, base, "strict", "RUNNING", 1)
	produceN(t, b, "in", 0, 10)
	var trace string
	eventually(t, opTimeout, "task FAILED", func() error {
		var st map[string]any
		call(t, "GET", base+"/connectors/strict/tasks/0/status", nil).json(t, &st)
		if st["state"] != "FAILED" {
			return fmt.Errorf("task %v", st)
		}
		trace, _ = st["trace"].(string)
		return nil
	})
	if !strings.Contains(trace, "injected failure") || !strings.Contains(trace, "Tolerance exceeded") && !strings.Contains(trace, "tolerance exceeded") {
		t.Fatalf("trace %q", trace)
	}
	// The connector itself keeps running.
	var st map[string]any
	call(t, "GET", base+"/connectors/strict/status", nil).json(t, &st)
	if st["connector"].(map[string]any)["state"] != "RUNNING" {
		t.Fatalf("connector %v", st["connector"])
	}
	r := call(t, "POST", base+"/connectors/strict/restart?includeTasks=true&onlyFailed=true", nil)
	expectStatus(t, r, 202)
	var plan map[string]any
	r.json(t, &plan)
	if plan["connector"].(map[string]any)["state"] != "RUNNING" || plan["tasks"].([]any)[0].(map[string]any)["state"] != "RESTARTING" {
		t.Fatalf("plan %s", r.body)
	}
	expectStatus(t, call(t, "PATCH", base+"/connectors/strict/config", `{"fail.values": null}`), 200)
	waitState(t, base, "strict", "RUNNING", 1)
	assertAtLeastOnce(t, waitLines(t, out, 10), 10)
}

// TestAutoRestartFailedTask: a task whose start fails shows FAILED with its
// trace and is restarted with backoff until it runs.
func TestAutoRestartFailedTask(t *testing.T) {
	b := startBroker(t)
	createTopics(t, b, 1, "in")
	w := startWorker(t, b)
	base := w.URL()
	expectStatus(t, call(t, "POST", base+"/connectors", fileSink("crashy", "in", tempFile(t, "o"),
		"connector.class", "FlakySink", "fail.start", "true")), 201)
	eventually(t, opTimeout, "FAILED with trace", func() error {
		var st map[string]any
		call(t, "GET", base+"/connectors/crashy/tasks/0/status", nil).json(t, &st)
		if st["state"] != "FAILED" || !strings.Contains(fmt.Sprint(st["trace"]), "injected failure") {
			return fmt.Errorf("task %v", st)
		}
		return nil
	})
	eventually(t, opTimeout, "automatic restarts", func() error {
		if n := metric(t, w, `retailpulse_connect_restarts_total{connector="crashy",task="0"}`); n < 2 {
			return fmt.Errorf("%v restarts", n)
		}
		return nil
	})
	expectStatus(t, call(t, "PATCH", base+"/connectors/crashy/config", map[string]any{"fail.start": "false"}), 200)
	waitState(t, base, "crashy", "RUNNING", 1)
}

// metric reads one sample from the worker's /metrics.
func metric(t *testing.T, w *connect.Worker, series string) float64 {
	t.Helper()
	r := call(t, "GET", w.URL()+"/metrics", nil)
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` ([0-9.e+]+)$`)
	m := re.FindSubmatch(r.body)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}
