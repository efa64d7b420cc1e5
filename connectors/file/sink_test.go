package file_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/connectortest"
	"github.com/retailpulse/retailpulse/connectors/file"
)

func start(t *testing.T, path, format string) connectors.SinkTask {
	t.Helper()
	p := file.Plugin()
	cfg := connectortest.Parse(t, p, map[string]string{"name": "f", "connector.class": p.Class, "topics": "t",
		"file": path, "format": format})
	task := p.NewSink().NewTask()
	if err := task.Start(context.Background(), &connectortest.SinkContext{}, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	return task
}

func TestSinkWritesOnlyOnFlush(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	task := start(t, path, "value")
	ctx := context.Background()
	recs := []connectors.SinkRecord{
		{Record: connectors.Record{Topic: "t", Value: "plain"}},
		{Record: connectors.Record{Topic: "t", Value: map[string]any{"a": int64(1), "at": time.UnixMilli(7)}}},
		{Record: connectors.Record{Topic: "t", Value: nil}},
		{Record: connectors.Record{Topic: "t", Value: []byte{0xff}}},
	}
	if err := task.Put(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("written before flush: %q", b)
	}
	if err := task.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if got := string(b); got != "plain\n{\"a\":1,\"at\":7}\nnull\n/w==\n" {
		t.Fatalf("file = %q", got)
	}
}

func TestSinkJSONFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	task := start(t, path, "json")
	ctx := context.Background()
	err := task.Put(ctx, []connectors.SinkRecord{{Record: connectors.Record{Topic: "t", Key: "k", Value: "v",
		Timestamp: time.UnixMilli(5), Headers: []connectors.Header{{Key: "h", Value: []byte("x")}}}, Partition: 2, Offset: 9}})
	if err != nil {
		t.Fatal(err)
	}
	_ = task.Flush(ctx, nil)
	b, _ := os.ReadFile(path)
	want := `{"topic":"t","partition":2,"offset":9,"timestamp":5,"key":"k","value":"v","headers":[{"key":"h","value":"x"}]}`
	if strings.TrimSpace(string(b)) != want {
		t.Fatalf("line %s", b)
	}
}

func TestSinkBadPath(t *testing.T) {
	p := file.Plugin()
	cfg := connectortest.Parse(t, p, map[string]string{"name": "f", "connector.class": p.Class, "topics": "t",
		"file": filepath.Join(t.TempDir(), "missing", "dir", "out")})
	if err := p.NewSink().NewTask().Start(context.Background(), &connectortest.SinkContext{}, cfg); err == nil {
		t.Fatal("start with an unwritable path succeeded")
	}
}
