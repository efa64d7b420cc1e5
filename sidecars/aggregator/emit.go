package aggregator

import (
	"strconv"
	"time"
	"unsafe"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// emitter encodes a task's records and produces them into the open
// transaction. Output keys are plain UTF-8 strings.
type emitter struct {
	t      *task
	buf    []byte      // reused: Produce copies the value
	closed []time.Time // when each window of this transaction closed
}

func (e *emitter) Aggregate(a *avro.BehaviorAggregate) error {
	e.closed = append(e.closed, time.Now())
	e.buf = appendAggregate(e.buf[:0], e.t.g.a.codec.outID(outAggregate), a)
	return e.send(&e.t.g.a.cfg.topics.Aggregates, a.UserID, outAggregate)
}

func (e *emitter) Profile(p *avro.ProfileUpdate) error {
	e.buf = appendProfile(e.buf[:0], e.t.g.a.codec.outID(outProfile), p)
	return e.send(&e.t.g.a.cfg.topics.Profiles, p.UserID, outProfile)
}

func (e *emitter) Session(s *avro.SessionFeatures) error {
	out := outSession
	if s.Ended {
		out = outSessionEnd
	}
	e.buf = appendSession(e.buf[:0], e.t.g.a.codec.outID(out), s)
	return e.send(&e.t.g.a.cfg.topics.Sessions, s.SessionID, out)
}

func (e *emitter) send(topic *string, key string, output string) error {
	e.t.g.a.m.out[output].Inc()
	return e.t.g.produce(topic, kafka.PartitionAny, unsafeBytes(key), e.buf, nil)
}

// unsafeBytes views s as bytes without copying. Only for Produce, which
// hands librdkafka RD_KAFKA_MSG_F_COPY: the bytes are copied before it
// returns and never written.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// DLQ headers. reason is late, invalid or undecodable; detail says why in
// words; the source headers say where the record came from.
const (
	headerRule      = "rule"
	headerReason    = "reason"
	headerDetail    = "detail"
	headerTopic     = "source-topic"
	headerPartition = "source-partition"
	headerOffset    = "source-offset"
	ruleName        = "aggregator"
)

// dlq forwards msg as received (key, value, headers) to the dead-letter
// topic inside the transaction, adding headers that name the reason.
func (t *task) dlq(msg *kafka.Message, reason, detail string) error {
	hs := make([]kafka.Header, 0, len(msg.Headers)+6)
	hs = append(hs, msg.Headers...)
	hs = append(hs,
		kafka.Header{Key: headerRule, Value: []byte(ruleName)},
		kafka.Header{Key: headerReason, Value: []byte(reason)},
		kafka.Header{Key: headerDetail, Value: []byte(detail)},
		kafka.Header{Key: headerTopic, Value: []byte(*msg.TopicPartition.Topic)},
		kafka.Header{Key: headerPartition, Value: []byte(strconv.Itoa(int(msg.TopicPartition.Partition)))},
		kafka.Header{Key: headerOffset, Value: []byte(strconv.FormatInt(int64(msg.TopicPartition.Offset), 10))},
	)
	t.g.a.m.out[outDLQ].Inc()
	return t.g.produce(&t.g.a.cfg.topics.DLQ, kafka.PartitionAny, msg.Key, msg.Value, hs)
}
