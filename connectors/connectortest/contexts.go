package connectortest

import (
	"context"
	"fmt"
	"sync"

	"github.com/retailpulse/retailpulse/connectors"
)

// SinkContext is a SinkTaskContext for driving a sink task in a unit test.
// Reported records are collected instead of going to a dead letter queue;
// with Strict set, Report fails as errors.tolerance=none would.
type SinkContext struct {
	Task       connectors.TaskID
	Partitions []connectors.TopicPartition
	Strict     bool

	mu         sync.Mutex
	reported   []Reported
	commitReqs int
}

// Reported is one record a task sent to the ErrantRecordReporter.
type Reported struct {
	Record connectors.SinkRecord
	Err    error
}

var _ connectors.SinkTaskContext = (*SinkContext)(nil)

// ID implements connectors.SinkTaskContext.
func (c *SinkContext) ID() connectors.TaskID { return c.Task }

// Assignment implements connectors.SinkTaskContext.
func (c *SinkContext) Assignment() []connectors.TopicPartition {
	return append([]connectors.TopicPartition(nil), c.Partitions...)
}

// RequestCommit implements connectors.SinkTaskContext.
func (c *SinkContext) RequestCommit() {
	c.mu.Lock()
	c.commitReqs++
	c.mu.Unlock()
}

// CommitRequests returns how often the task asked for a commit.
func (c *SinkContext) CommitRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commitReqs
}

// ErrantRecordReporter implements connectors.SinkTaskContext.
func (c *SinkContext) ErrantRecordReporter() connectors.ErrantRecordReporter {
	return reporterFunc(c.report)
}

func (c *SinkContext) report(_ context.Context, rec connectors.SinkRecord, err error) error {
	c.mu.Lock()
	c.reported = append(c.reported, Reported{Record: rec, Err: err})
	c.mu.Unlock()
	if c.Strict {
		// As the worker's reporter: the tolerance error, wrapping the cause.
		return fmt.Errorf("%w: %w", connectors.ErrToleranceExceeded, err)
	}
	return nil
}

// Reported returns the records reported so far.
func (c *SinkContext) Reported() []Reported {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Reported(nil), c.reported...)
}

type reporterFunc func(context.Context, connectors.SinkRecord, error) error

func (f reporterFunc) Report(ctx context.Context, rec connectors.SinkRecord, err error) error {
	return f(ctx, rec, err)
}

// SourceContext is a SourceTaskContext backed by a map of stored offsets,
// keyed by connectors.OffsetKey of the source partition.
type SourceContext struct {
	Task   connectors.TaskID
	Stored map[string]map[string]any
}

var _ connectors.SourceTaskContext = (*SourceContext)(nil)

// ID implements connectors.SourceTaskContext.
func (c *SourceContext) ID() connectors.TaskID { return c.Task }

// Offsets implements connectors.SourceTaskContext.
func (c *SourceContext) Offsets(_ context.Context, partitions []map[string]any) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	for _, p := range partitions {
		k := connectors.OffsetKey(p)
		if o, ok := c.Stored[k]; ok {
			out[k] = o
		}
	}
	return out, nil
}

// Parse parses props against p's spec plus the standard keys of its type,
// as the worker does before Start. It fails the test on error.
func Parse(tb interface {
	Helper()
	Fatalf(string, ...any)
}, p connectors.Plugin, props map[string]string) *connectors.Config {
	tb.Helper()
	spec := connectors.CommonSpec.Merge(connectors.SourceSpec, p.Spec)
	if p.Type == connectors.PluginSink {
		spec = connectors.CommonSpec.Merge(connectors.SinkSpec, p.Spec)
	}
	cfg, err := spec.Parse(props)
	if err != nil {
		tb.Fatalf("parsing config of %s: %v", p.Class, err)
	}
	return cfg
}
