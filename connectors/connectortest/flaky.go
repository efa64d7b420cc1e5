package connectortest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/retailpulse/retailpulse/connectors"
	"github.com/retailpulse/retailpulse/connectors/file"
)

// Keys and class of FlakySink.
const (
	FlakySinkClass        = "io.retailpulse.connect.test.FlakySinkConnector"
	FailFirstPutsConfig   = "fail.first.puts"
	FailValuesConfig      = "fail.values"
	FailViaReporterConfig = "fail.via.reporter"
	FailStartConfig       = "fail.start"
	FailFlushesConfig     = "fail.first.flushes"
	SecretConfig          = "secret"
)

// ErrInjected is the cause of every failure FlakySink injects.
var ErrInjected = errors.New("injected failure")

// FlakySpec is FlakySink's config: the file sink's keys plus the failure
// knobs, and a PASSWORD key for masking tests.
var FlakySpec = file.SinkSpec.Merge(connectors.MustConfigSpec(
	connectors.ConfigKey{Name: FailFirstPutsConfig, Type: connectors.TypeInt, Default: 0,
		Validators: []connectors.Validator{connectors.AtLeast(0)}, Group: "Failures",
		Documentation: "The first N Put calls of each task instance fail with a retriable error."},
	connectors.ConfigKey{Name: FailFlushesConfig, Type: connectors.TypeInt, Default: 0,
		Validators: []connectors.Validator{connectors.AtLeast(0)}, Group: "Failures",
		Documentation: "The first N Flush calls of each task instance fail with a retriable error."},
	connectors.ConfigKey{Name: FailValuesConfig, Type: connectors.TypeList, Default: []string{}, Group: "Failures",
		Documentation: "Records whose value renders as one of these strings fail permanently."},
	connectors.ConfigKey{Name: FailViaReporterConfig, Type: connectors.TypeBoolean, Default: false, Group: "Failures",
		Documentation: "Report failing records through the ErrantRecordReporter instead of returning RecordErrors."},
	connectors.ConfigKey{Name: FailStartConfig, Type: connectors.TypeBoolean, Default: false, Group: "Failures",
		Documentation: "Fail every task start."},
	connectors.ConfigKey{Name: SecretConfig, Type: connectors.TypePassword, Default: "", Group: "Failures",
		Documentation: "A secret that must never appear in responses or logs."},
))

// FlakySinkPlugin declares FlakySink (alias FlakySink).
func FlakySinkPlugin() connectors.Plugin {
	return connectors.Plugin{Class: FlakySinkClass, Aliases: []string{"FlakySink"}, Type: connectors.PluginSink,
		Version: "1.0.0", Spec: FlakySpec, NewSink: func() connectors.SinkConnector { return &flakyConnector{} }}
}

type flakyConnector struct{ file.Connector }

func (c *flakyConnector) NewTask() connectors.SinkTask { return &FlakyTask{} }

// FlakyTask wraps the file sink task with injected failures.
type FlakyTask struct {
	file.Task
	tctx        connectors.SinkTaskContext
	failPuts    int
	failFlushes int
	failValues  []string
	viaReporter bool
	// Puts counts Put calls, failed ones included.
	Puts atomic.Int64
}

// Start implements connectors.SinkTask.
func (t *FlakyTask) Start(ctx context.Context, tctx connectors.SinkTaskContext, cfg *connectors.Config) error {
	if cfg.Bool(FailStartConfig) {
		return fmt.Errorf("starting flaky task: %w", ErrInjected)
	}
	t.tctx = tctx
	t.failPuts, t.failFlushes = cfg.Int(FailFirstPutsConfig), cfg.Int(FailFlushesConfig)
	t.failValues, t.viaReporter = cfg.List(FailValuesConfig), cfg.Bool(FailViaReporterConfig)
	return t.Task.Start(ctx, tctx, cfg)
}

// Put implements connectors.SinkTask.
func (t *FlakyTask) Put(ctx context.Context, records []connectors.SinkRecord) error {
	if t.Puts.Add(1) <= int64(t.failPuts) {
		return fmt.Errorf("putting %d records: %w: %w", len(records), connectors.ErrRetriable, ErrInjected)
	}
	var failed connectors.RecordErrors
	good := make([]connectors.SinkRecord, 0, len(records))
	for i, r := range records {
		if !slices.Contains(t.failValues, file.Text(r.Value)) {
			good = append(good, r)
			continue
		}
		err := fmt.Errorf("writing value %q: %w", file.Text(r.Value), ErrInjected)
		if t.viaReporter {
			if rerr := t.tctx.ErrantRecordReporter().Report(ctx, r, err); rerr != nil {
				return rerr
			}
			continue
		}
		failed = append(failed, connectors.RecordError{Index: i, Err: err})
	}
	if err := t.Task.Put(ctx, good); err != nil {
		return err
	}
	if len(failed) > 0 {
		return failed
	}
	return nil
}

// Flush implements connectors.SinkTask.
func (t *FlakyTask) Flush(ctx context.Context, offsets map[connectors.TopicPartition]int64) error {
	if t.failFlushes > 0 {
		t.failFlushes--
		return fmt.Errorf("flushing: %w: %w", connectors.ErrRetriable, ErrInjected)
	}
	return t.Task.Flush(ctx, offsets)
}
