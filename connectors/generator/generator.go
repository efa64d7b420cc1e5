// Package generator is the built-in demo and test source: each task emits
// numbered records at a configured rate and stores its position in
// connect-offsets, so a restarted task continues the sequence without gaps
// or repeats beyond at-least-once redelivery.
//
// Values are structs {task int32, seq int64, ts timestamp, payload string},
// keys the string "<task>-<seq>". The source partition of task i is
// {"task": i} and its offset {"seq": <last written seq>}.
package generator

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/retailpulse/retailpulse/connectors"
)

// Class name and keys.
const (
	Class              = "io.retailpulse.connect.generator.GeneratorSourceConnector"
	TopicConfig        = "topic"
	IntervalConfig     = "poll.interval.ms"
	BatchConfig        = "batch.size"
	MaxMessagesConfig  = "max.messages"
	PayloadBytesConfig = "payload.bytes"
	taskIndexConfig    = "generator.task.index"
	Version            = "1.0.0"
	group              = "Generator"
)

// Spec is the generator's config.
var Spec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: TopicConfig, Type: connectors.TypeString, Required: true,
		Validators: []connectors.Validator{connectors.NonEmptyString()}, Importance: connectors.High,
		Documentation: "Topic to write to.", Group: group, Width: connectors.WidthLong, DisplayName: "Topic"},
	connectors.ConfigKey{Name: IntervalConfig, Type: connectors.TypeLong, Default: int64(1000),
		Validators: []connectors.Validator{connectors.AtLeast(0)}, Importance: connectors.Medium,
		Documentation: "Milliseconds between batches.", Group: group, Width: connectors.WidthShort},
	connectors.ConfigKey{Name: BatchConfig, Type: connectors.TypeInt, Default: 1,
		Validators: []connectors.Validator{connectors.Between(1, 100000)}, Importance: connectors.Medium,
		Documentation: "Records per batch.", Group: group, Width: connectors.WidthShort},
	connectors.ConfigKey{Name: MaxMessagesConfig, Type: connectors.TypeLong, Default: int64(-1),
		Validators: []connectors.Validator{connectors.AtLeast(-1)}, Importance: connectors.Medium,
		Documentation: "Records per task before the task goes idle; -1 for no limit.", Group: group, Width: connectors.WidthShort},
	connectors.ConfigKey{Name: PayloadBytesConfig, Type: connectors.TypeInt, Default: 16,
		Validators: []connectors.Validator{connectors.Between(0, 1<<20)}, Importance: connectors.Low,
		Documentation: "Length of the payload string of each record.", Group: group, Width: connectors.WidthShort},
)

// ValueSchema is the schema of generated values.
var ValueSchema = &connectors.Schema{Type: connectors.Struct, Name: "io.retailpulse.connect.generator.Record", Fields: []connectors.Field{
	{Name: "task", Schema: connectors.Primitive(connectors.Int32)},
	{Name: "seq", Schema: connectors.Primitive(connectors.Int64)},
	{Name: "ts", Schema: &connectors.Schema{Type: connectors.Int64, Name: connectors.TimestampName, Version: 1}},
	{Name: "payload", Schema: connectors.Primitive(connectors.String)},
}}

var keySchema = connectors.Primitive(connectors.String)

// Plugin declares the generator for the registry.
func Plugin() connectors.Plugin {
	return connectors.Plugin{Class: Class, Aliases: []string{"GeneratorSource"}, Type: connectors.PluginSource,
		Version: Version, Spec: Spec, NewSource: func() connectors.SourceConnector { return &Connector{} }}
}

// Connector splits the generator into tasks.
type Connector struct{}

// Start implements connectors.Connector.
func (*Connector) Start(context.Context, connectors.ConnectorContext, *connectors.Config) error {
	return nil
}

// TaskConfigs implements connectors.Connector: task i gets its index.
func (*Connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = map[string]string{taskIndexConfig: strconv.Itoa(i)}
	}
	return out, nil
}

// Stop implements connectors.Connector.
func (*Connector) Stop() error { return nil }

// NewTask implements connectors.SourceConnector.
func (*Connector) NewTask() connectors.SourceTask { return &Task{} }

// Task emits the records of one task index.
type Task struct {
	index    int
	topic    string
	interval time.Duration
	batch    int
	max      int64
	payload  string
	next     int64
	last     time.Time
	now      func() time.Time
}

// Start implements connectors.SourceTask; it resumes after the stored
// offset.
func (t *Task) Start(ctx context.Context, tctx connectors.SourceTaskContext, cfg *connectors.Config) error {
	raw, ok := cfg.Raw(taskIndexConfig)
	if !ok {
		return errors.New("starting generator task: task config lacks " + taskIndexConfig)
	}
	idx, err := strconv.Atoi(raw)
	if err != nil || idx < 0 {
		return fmt.Errorf("starting generator task: %s=%q is not a task index", taskIndexConfig, raw)
	}
	t.index, t.topic = idx, cfg.String(TopicConfig)
	t.interval = time.Duration(cfg.Long(IntervalConfig)) * time.Millisecond
	t.batch, t.max = cfg.Int(BatchConfig), cfg.Long(MaxMessagesConfig)
	t.payload = strings.Repeat("x", cfg.Int(PayloadBytesConfig))
	t.now = time.Now
	part := t.partition()
	offs, err := tctx.Offsets(ctx, []map[string]any{part})
	if err != nil {
		return fmt.Errorf("starting generator task: reading offsets: %w", err)
	}
	if off, ok := offs[connectors.OffsetKey(part)]; ok {
		seq, ok := asInt64(off["seq"])
		if !ok {
			return fmt.Errorf("starting generator task: stored offset %v has no numeric seq", off)
		}
		t.next = seq + 1
	}
	return nil
}

func (t *Task) partition() map[string]any { return map[string]any{"task": t.index} }

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), true
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// Poll implements connectors.SourceTask.
func (t *Task) Poll(ctx context.Context) ([]connectors.SourceRecord, error) {
	if t.max >= 0 && t.next >= t.max {
		// Done: idle until stopped rather than spinning.
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
		return nil, nil
	}
	if wait := t.interval - t.now().Sub(t.last); wait > 0 && !t.last.IsZero() {
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(wait):
		}
	}
	t.last = t.now()
	n := int64(t.batch)
	if t.max >= 0 {
		n = min(n, t.max-t.next)
	}
	out := make([]connectors.SourceRecord, 0, n)
	for i := int64(0); i < n; i++ {
		seq := t.next
		t.next++
		out = append(out, connectors.SourceRecord{
			Record: connectors.Record{
				Topic: t.topic, Key: fmt.Sprintf("%d-%d", t.index, seq), KeySchema: keySchema,
				Value:       map[string]any{"task": int32(t.index), "seq": seq, "ts": t.last.UTC().Truncate(time.Millisecond), "payload": t.payload},
				ValueSchema: ValueSchema, Timestamp: t.last,
			},
			SourcePartition: t.partition(),
			SourceOffset:    map[string]any{"seq": seq},
		})
	}
	return out, nil
}

// Stop implements connectors.SourceTask.
func (*Task) Stop() error { return nil }
