package connect

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// Stage names where a record failed, as Kafka's errors.* context and the
// __connect.errors.stage header spell them.
const (
	stageKeyConverter   = "KEY_CONVERTER"
	stageValueConverter = "VALUE_CONVERTER"
	stageTransformation = "TRANSFORMATION"
	stageTaskPut        = "TASK_PUT"
	stageTaskPoll       = "TASK_POLL"
	stageKafkaProduce   = "KAFKA_PRODUCE"
)

// DLQ context header names, as Kafka's DeadLetterQueueReporter writes them.
const (
	hdrPrefix        = "__connect.errors."
	hdrTopic         = hdrPrefix + "topic"
	hdrPartition     = hdrPrefix + "partition"
	hdrOffset        = hdrPrefix + "offset"
	hdrConnector     = hdrPrefix + "connector.name"
	hdrTask          = hdrPrefix + "task.id"
	hdrStage         = hdrPrefix + "stage"
	hdrClass         = hdrPrefix + "class.name"
	hdrExcClass      = hdrPrefix + "exception.class.name"
	hdrExcMessage    = hdrPrefix + "exception.message"
	hdrExcStacktrace = hdrPrefix + "exception.stacktrace"
)

// rawRecord is a record as consumed, for error reports and the DLQ.
type rawRecord struct {
	topic     string
	partition int32
	offset    int64
	key       []byte
	value     []byte
	headers   []kafka.Header
	timestamp time.Time
}

// errorHandler applies a connector's errors.* settings: retries with
// backoff, tolerance, logging and the dead letter queue.
type errorHandler struct {
	id             connectors.TaskID
	tolerateAll    bool
	retryTimeout   time.Duration // <0: forever
	maxDelay       time.Duration
	logErrors      bool
	logMessages    bool
	dlqTopic       string
	contextHeaders bool
	dlq            *kafka.Producer
	log            *zap.Logger
	m              *workerMetrics
}

func newErrorHandler(id connectors.TaskID, cfg *connectors.Config, log *zap.Logger, m *workerMetrics) *errorHandler {
	h := &errorHandler{
		id:           id,
		tolerateAll:  cfg.String(connectors.ErrorsToleranceConfig) == "all",
		retryTimeout: time.Duration(cfg.Long(connectors.ErrorsRetryTimeoutConfig)) * time.Millisecond,
		maxDelay:     time.Duration(cfg.Long(connectors.ErrorsRetryMaxDelayConfig)) * time.Millisecond,
		logErrors:    cfg.Bool(connectors.ErrorsLogEnableConfig),
		logMessages:  cfg.Bool(connectors.ErrorsLogIncludeMsgsConfig),
		log:          log,
		m:            m,
	}
	if cfg.Has(connectors.DLQTopicNameConfig) {
		h.dlqTopic = cfg.String(connectors.DLQTopicNameConfig)
		h.contextHeaders = cfg.Bool(connectors.DLQContextHeadersConfig)
	}
	return h
}

// retry runs op until it succeeds, fails with a non-retriable error, or
// errors.retry.timeout passes. Backoff starts at 300 ms and doubles up to
// errors.retry.delay.max.ms, with jitter once it is capped.
func (h *errorHandler) retry(ctx context.Context, stage string, op func() error) error {
	err := op()
	if err == nil || !errors.Is(err, connectors.ErrRetriable) || h.retryTimeout == 0 {
		return err
	}
	deadline := time.Now().Add(h.retryTimeout)
	delay := 300 * time.Millisecond
	for attempt := 1; ; attempt++ {
		wait := min(delay, h.maxDelay)
		if delay >= h.maxDelay {
			wait += time.Duration(rand.Int64N(int64(wait)/5 + 1))
		}
		if h.retryTimeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return fmt.Errorf("retrying for %s (%d attempts): %w", h.retryTimeout, attempt, err)
			}
			wait = min(wait, left)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		h.m.retries.WithLabelValues(h.id.Connector, strconv.Itoa(h.id.Task), strings.ToLower(stage)).Inc()
		if err = op(); err == nil || !errors.Is(err, connectors.ErrRetriable) {
			return err
		}
		delay *= 2
	}
}

// failed handles a record that failed at stage after retries: it is
// logged (errors.log.enable), written to the DLQ when one is configured,
// and skipped when tolerance is all. The returned error, non-nil only with
// tolerance none or when the DLQ write failed, must fail the task.
func (h *errorHandler) failed(ctx context.Context, stage, class string, rec *rawRecord, cause error) error {
	task := strconv.Itoa(h.id.Task)
	h.m.recordsFailed.WithLabelValues(h.id.Connector, task, strings.ToLower(stage)).Inc()
	if h.logErrors {
		fields := []zap.Field{zap.String("connector", h.id.Connector), zap.Int("task", h.id.Task),
			zap.String("stage", stage), zap.String("class", class), zap.Error(cause)}
		if rec != nil {
			fields = append(fields, zap.String("topic", rec.topic), zap.Int32("partition", rec.partition), zap.Int64("offset", rec.offset))
			if h.logMessages {
				fields = append(fields, zap.ByteString("key", rec.key), zap.ByteString("value", rec.value))
			}
		}
		h.log.Error("error encountered in task", fields...)
	}
	if !h.tolerateAll {
		return fmt.Errorf("%w: stage %s: %w", connectors.ErrToleranceExceeded, stage, cause)
	}
	if h.dlq != nil && rec != nil {
		if err := h.toDLQ(ctx, stage, class, rec, cause); err != nil {
			return err
		}
		h.m.recordsDLQ.WithLabelValues(h.id.Connector, task).Inc()
	}
	return nil
}

// toDLQ writes the record as consumed to the DLQ topic and waits for the
// acknowledgement, so its offset may be committed afterwards.
func (h *errorHandler) toDLQ(ctx context.Context, stage, class string, rec *rawRecord, cause error) error {
	headers := append([]kafka.Header(nil), rec.headers...)
	if h.contextHeaders {
		add := func(k, v string) { headers = append(headers, kafka.Header{Key: k, Value: []byte(v)}) }
		add(hdrTopic, rec.topic)
		add(hdrPartition, strconv.Itoa(int(rec.partition)))
		add(hdrOffset, strconv.FormatInt(rec.offset, 10))
		add(hdrConnector, h.id.Connector)
		add(hdrTask, strconv.Itoa(h.id.Task))
		add(hdrStage, stage)
		add(hdrClass, class)
		add(hdrExcClass, exceptionClass(cause))
		add(hdrExcMessage, cause.Error())
		add(hdrExcStacktrace, errorChain(cause))
	}
	topic := h.dlqTopic
	dc := make(chan kafka.Event, 1)
	msg := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
		Key: rec.key, Value: rec.value, Headers: headers}
	if !rec.timestamp.IsZero() {
		msg.Timestamp = rec.timestamp
	}
	if err := h.dlq.Produce(msg, dc); err != nil {
		return fmt.Errorf("writing record to dead letter queue %q: %w", topic, err)
	}
	select {
	case ev := <-dc:
		if m, ok := ev.(*kafka.Message); ok && m.TopicPartition.Error != nil {
			return fmt.Errorf("writing record to dead letter queue %q: %w", topic, m.TopicPartition.Error)
		}
	case <-ctx.Done():
		return fmt.Errorf("writing record to dead letter queue %q: %w", topic, ctx.Err())
	}
	return nil
}

// exceptionClass names the Java exception Kafka Connect would have thrown
// for cause, so DLQ consumers that route on the header keep working.
func exceptionClass(err error) string {
	switch {
	case errors.Is(err, connectors.ErrRetriable):
		return "org.apache.kafka.connect.errors.RetriableException"
	case errors.Is(err, connectors.ErrConversion), errors.Is(err, connectors.ErrSchemaMismatch):
		return "org.apache.kafka.connect.errors.DataException"
	}
	return "org.apache.kafka.connect.errors.ConnectException"
}

// errorChain renders the wrapped errors one per line, the closest Go has
// to a stack trace.
func errorChain(err error) string {
	var b strings.Builder
	b.WriteString(exceptionClass(err) + ": " + err.Error())
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		b.WriteString("\nCaused by: " + e.Error())
	}
	return b.String()
}
