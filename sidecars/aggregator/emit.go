package aggregator

import (
	"strconv"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
	"github.com/retailpulse/retailpulse/sidecars/aggregator/window"
)

// emitter encodes a task's records and produces them into the open
// transaction. Output keys are plain UTF-8 strings. It is a
// window.CountsEmitter: the records' maps come as Counts, encoded straight
// from the window state; the map methods serve any other caller.
type emitter struct {
	t      *task
	closed []time.Time // when each window of this transaction closed
}

var _ window.CountsEmitter = (*emitter)(nil)

func (e *emitter) Aggregate(a *avro.BehaviorAggregate) error {
	r := e.t.g.output()
	r.Value = appendAggregate(r.Value[:0], e.t.g.a.codec.outID(outAggregate), a)
	return e.aggregate(r, a)
}

func (e *emitter) AggregateCounts(a *avro.BehaviorAggregate, views, clicks window.Counts) error {
	r := e.t.g.output()
	r.Value = appendAggregateCounts(r.Value[:0], e.t.g.a.codec.outID(outAggregate), a, views, clicks)
	return e.aggregate(r, a)
}

func (e *emitter) aggregate(r *kgo.Record, a *avro.BehaviorAggregate) error {
	e.closed = append(e.closed, e.t.now)
	return e.send(r, e.t.g.a.cfg.topics.Aggregates, a.UserID, outAggregate)
}

func (e *emitter) Profile(p *avro.ProfileUpdate) error {
	r := e.t.g.output()
	r.Value = appendProfile(r.Value[:0], e.t.g.a.codec.outID(outProfile), p)
	return e.send(r, e.t.g.a.cfg.topics.Profiles, p.UserID, outProfile)
}

func (e *emitter) ProfileCounts(p *avro.ProfileUpdate, views, purchases window.Counts) error {
	r := e.t.g.output()
	r.Value = appendProfileCounts(r.Value[:0], e.t.g.a.codec.outID(outProfile), p, views, purchases)
	return e.send(r, e.t.g.a.cfg.topics.Profiles, p.UserID, outProfile)
}

func (e *emitter) Session(s *avro.SessionFeatures) error {
	out := sessionOutput(s)
	r := e.t.g.output()
	r.Value = appendSession(r.Value[:0], e.t.g.a.codec.outID(out), s)
	return e.send(r, e.t.g.a.cfg.topics.Sessions, s.SessionID, out)
}

func (e *emitter) SessionCounts(s *avro.SessionFeatures, cart, cats window.Counts) error {
	out := sessionOutput(s)
	r := e.t.g.output()
	r.Value = appendSessionCounts(r.Value[:0], e.t.g.a.codec.outID(out), s, cart, cats)
	return e.send(r, e.t.g.a.cfg.topics.Sessions, s.SessionID, out)
}

func sessionOutput(s *avro.SessionFeatures) output {
	if s.Ended {
		return outSessionEnd
	}
	return outSession
}

// send produces r, whose value is encoded, keyed by key; the partitioner
// picks the partition from the key.
func (e *emitter) send(r *kgo.Record, topic, key string, o output) error {
	e.t.g.a.m.out[o].Inc()
	r.Topic, r.Key, r.Timestamp = topic, unsafeBytes(key), e.t.now
	e.t.g.produceOutput(r)
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
	t.g.produceRecord(&kgo.Record{Topic: t.g.a.cfg.topics.DLQ, Key: msg.Key, Value: msg.Value, Headers: hs, Timestamp: t.now})
	return nil
}
