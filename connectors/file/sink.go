package file

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/retailpulse/retailpulse/connectors"
)

// Class names and keys of the file sink.
const (
	SinkClass       = "io.retailpulse.connect.file.FileStreamSinkConnector"
	UpstreamClass   = "org.apache.kafka.connect.file.FileStreamSinkConnector"
	FileConfig      = "file"
	FormatConfig    = "format"
	FormatValue     = "value"
	FormatJSON      = "json"
	Version         = "1.0.0"
	group           = "File"
	fileMode        = 0o644
	writeBufferSize = 64 << 10
)

// SinkSpec is the file sink's config.
var SinkSpec = connectors.MustConfigSpec(
	connectors.ConfigKey{Name: FileConfig, Type: connectors.TypeString, Default: "", Importance: connectors.High,
		Documentation: "Destination filename. If not specified, the standard output will be used.",
		Group:         group, Width: connectors.WidthLong, DisplayName: "Destination file"},
	connectors.ConfigKey{Name: FormatConfig, Type: connectors.TypeString, Default: FormatValue,
		Validators: []connectors.Validator{connectors.OneOf(FormatValue, FormatJSON)}, Importance: connectors.Medium,
		Documentation: "Line format: 'value' writes the record value as text (as Kafka's file sink does); 'json' " +
			"writes {topic, partition, offset, timestamp, key, value, headers}.",
		Group: group, Width: connectors.WidthShort, DisplayName: "Line format", Recommended: []string{FormatValue, FormatJSON}},
)

// Plugin declares the file sink for the registry.
func Plugin() connectors.Plugin {
	return connectors.Plugin{
		Class: SinkClass, Aliases: []string{"FileStreamSink", UpstreamClass}, Type: connectors.PluginSink,
		Version: Version, Spec: SinkSpec, NewSink: func() connectors.SinkConnector { return &Connector{} },
	}
}

// Connector is the file sink connector. Every task writes to the same file;
// lines of one Flush are appended with one write, so tasks do not
// interleave within a line.
type Connector struct{ props map[string]string }

// Start implements connectors.Connector.
func (c *Connector) Start(_ context.Context, _ connectors.ConnectorContext, cfg *connectors.Config) error {
	c.props = cfg.Originals()
	return nil
}

// TaskConfigs implements connectors.Connector.
func (c *Connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	return connectors.SameTaskConfigs(maxTasks), nil
}

// Stop implements connectors.Connector.
func (c *Connector) Stop() error { return nil }

// NewTask implements connectors.SinkConnector.
func (c *Connector) NewTask() connectors.SinkTask { return &Task{} }

// Task appends records to the file.
type Task struct {
	path   string
	format string
	f      *os.File
	out    io.Writer
	buf    []byte
}

// Start implements connectors.SinkTask.
func (t *Task) Start(_ context.Context, _ connectors.SinkTaskContext, cfg *connectors.Config) error {
	t.path, t.format = cfg.String(FileConfig), cfg.String(FormatConfig)
	if t.path == "" {
		t.out = os.Stdout
		return nil
	}
	f, err := os.OpenFile(t.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, fileMode)
	if err != nil {
		return fmt.Errorf("opening sink file: %w", err)
	}
	t.f, t.out = f, f
	return nil
}

// Put implements connectors.SinkTask: lines are buffered until Flush.
func (t *Task) Put(_ context.Context, records []connectors.SinkRecord) error {
	for i := range records {
		line, err := t.line(&records[i])
		if err != nil {
			return connectors.RecordErrors{{Index: i, Err: err}}
		}
		t.buf = append(append(t.buf, line...), '\n')
		if len(t.buf) >= writeBufferSize {
			if err := t.write(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Flush implements connectors.SinkTask.
func (t *Task) Flush(context.Context, map[connectors.TopicPartition]int64) error {
	if err := t.write(); err != nil {
		return err
	}
	if t.f != nil {
		if err := t.f.Sync(); err != nil {
			return fmt.Errorf("syncing sink file: %w", err)
		}
	}
	return nil
}

func (t *Task) write() error {
	if len(t.buf) == 0 {
		return nil
	}
	if _, err := t.out.Write(t.buf); err != nil {
		return fmt.Errorf("writing sink file: %w", err)
	}
	t.buf = t.buf[:0]
	return nil
}

// Stop implements connectors.SinkTask. Lines not flushed are dropped: their
// offsets were not committed, so they are delivered again.
func (t *Task) Stop() error {
	t.buf = nil
	if t.f != nil {
		return t.f.Close()
	}
	return nil
}

func (t *Task) line(r *connectors.SinkRecord) ([]byte, error) {
	if t.format == FormatValue {
		return []byte(Text(r.Value)), nil
	}
	type header struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	hs := make([]header, len(r.Headers))
	for i, h := range r.Headers {
		hs[i] = header{Key: h.Key, Value: string(h.Value)}
	}
	var ts *int64
	if !r.Timestamp.IsZero() {
		ms := r.Timestamp.UnixMilli()
		ts = &ms
	}
	b, err := json.Marshal(struct {
		Topic     string   `json:"topic"`
		Partition int32    `json:"partition"`
		Offset    int64    `json:"offset"`
		Timestamp *int64   `json:"timestamp"`
		Key       any      `json:"key"`
		Value     any      `json:"value"`
		Headers   []header `json:"headers,omitempty"`
	}{r.Topic, r.Partition, r.Offset, ts, JSONValue(r.Key), JSONValue(r.Value), hs})
	if err != nil {
		return nil, fmt.Errorf("rendering record as JSON: %w", err)
	}
	return b, nil
}

// Text renders a Connect value as one line of text: strings as they are,
// bytes as text when UTF-8 (base64 otherwise), structured values as JSON.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return base64.StdEncoding.EncodeToString(x)
	case map[string]any, []any, time.Time, *big.Rat:
		b, err := json.Marshal(JSONValue(x))
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	}
	return fmt.Sprint(v)
}

// JSONValue prepares a Connect value for encoding/json: times become epoch
// milliseconds, decimals strings, UTF-8 bytes strings.
func JSONValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UnixMilli()
	case *big.Rat:
		return x.RatString()
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = JSONValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = JSONValue(e)
		}
		return out
	}
	return v
}
