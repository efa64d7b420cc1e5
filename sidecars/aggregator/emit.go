package aggregator

import (
	"strconv"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// emitter encodes a task's records and produces them into the open
// transaction. Output keys are plain UTF-8 strings.
type emitter struct {
	t      *task
	closed []time.Time // when each window of this transaction closed
}

func (e *emitter) Aggregate(a *avro.BehaviorAggregate) error {
	e.closed = append(e.closed, time.Now())
	r := e.t.g.output()
	r.Value = appendAggregate(r.Value[:0], e.t.g.a.codec.outID(outAggregate), a)
	return e.send(r, e.t.g.a.cfg.topics.Aggregates, a.UserID, outAggregate)
}

func (e *emitter) Profile(p *avro.ProfileUpdate) error {
	r := e.t.g.output()
	r.Value = appendProfile(r.Value[:0], e.t.g.a.codec.outID(outProfile), p)
	return e.send(r, e.t.g.a.cfg.topics.Profiles, p.UserID, outProfile)
}

func (e *emitter) Session(s *avro.SessionFeatures) error {
	out := outSession
	if s.Ended {
		out = outSessionEnd
	}
	r := e.t.g.output()
	r.Value = appendSession(r.Value[:0], e.t.g.a.codec.outID(out), s)
	return e.send(r, e.t.g.a.cfg.topics.Sessions, s.SessionID, out)
}

// send produces r, whose value is encoded, keyed by key; the partitioner
// picks the partition from the key.
func (e *emitter) send(r *kgo.Record, topic, key, output string) error {
	e.t.g.a.m.out[output].Inc()
	r.Topic, r.Key = topic, unsafeBytes(key)
	e.t.g.produce(r, e.t.g.promiseOutput)
	return nil
}

// unsafeBytes views s as bytes without copying. Only for record keys: kgo
// reads them (to hash and to encode the batch) and never writes them, and
// the record keeps the string alive until its promise.
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
// The consumed record's key and value are referenced, not copied: kgo
// never writes them and nothing else holds them.
func (t *task) dlq(msg *kgo.Record, reason, detail string) error {
	hs := make([]kgo.RecordHeader, 0, len(msg.Headers)+6)
	hs = append(hs, msg.Headers...)
	hs = append(hs,
		kgo.RecordHeader{Key: headerRule, Value: []byte(ruleName)},
		kgo.RecordHeader{Key: headerReason, Value: []byte(reason)},
		kgo.RecordHeader{Key: headerDetail, Value: []byte(detail)},
		kgo.RecordHeader{Key: headerTopic, Value: []byte(msg.Topic)},
		kgo.RecordHeader{Key: headerPartition, Value: []byte(strconv.Itoa(int(msg.Partition)))},
		kgo.RecordHeader{Key: headerOffset, Value: []byte(strconv.FormatInt(msg.Offset, 10))},
	)
	t.g.a.m.out[outDLQ].Inc()
	t.g.produce(&kgo.Record{Topic: t.g.a.cfg.topics.DLQ, Key: msg.Key, Value: msg.Value, Headers: hs}, t.g.promise)
	return nil
}
