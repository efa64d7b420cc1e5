package restproxy

import (
	"context"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/restproxy/rules"
)

// format is how one part (key or value) of a record is written in a request.
type format uint8

const (
	fmtBinary format = iota // base64 text
	fmtJSON                 // any JSON, forwarded as JSON text
	fmtAvro                 // Avro JSON, converted with a registry schema
	fmtString               // v3 STRING: a JSON string, forwarded as UTF-8
)

func (f format) v3Type() string {
	switch f {
	case fmtBinary:
		return "BINARY"
	case fmtJSON:
		return "JSON"
	case fmtAvro:
		return "AVRO"
	default:
		return "STRING"
	}
}

// partSpec says how to turn a key or value into bytes.
type partSpec struct {
	format format
	schema *resolvedSchema // fmtAvro only
}

// inRecord is one record of any API, normalised.
type inRecord struct {
	path               string     // "records[3]", "entries[0]" or "record"
	key, value         *jsonValue // nil when absent
	keySpec, valueSpec partSpec
	partition          int32 // kafka.PartitionAny unless the request chose one
	headers            []kafka.Header
	timestamp          time.Time
	id                 string    // v3 batch entry id
	err                *apiError // set when the record could not even be read
	// fastText is the text of an SDK event with the members the proxy
	// filled in, for the fast path; nil elsewhere (see sdkText).
	fastText []byte
}

// result is the fate of one record.
type result struct {
	partition int32
	offset    int64
	err       *apiError
	outcome   string
	rule      string // the edge rule that dropped or dead-lettered it
	keySize   int
	valueSize int
	timestamp time.Time
	// valueSchema is the schema the value was written with, when Avro.
	valueSchema *resolvedSchema
}

func (r *result) stored() bool { return r.err == nil && r.outcome == outcomeProduced }

// batch carries one request's records through preparation and production.
type batch struct {
	topic   topicInfo
	src     []byte // the request body the jsonValues point into
	recs    []inRecord
	results []result
	req     *rules.Request
	reqInfo rules.Request // what req points to when the batch describes its request
	key     *APIKey       // the request's API key, nil without keys
	// msgs are the records handed to Kafka; msgOf[i] is the index in msgs of
	// record i, or -1 when it never reaches Kafka.
	msgs      []outMsg
	msgOf     []int
	decisions []rules.Decision // Pass decisions awaiting Settle; zero elsewhere
	sent      time.Time
	// engine is the rule set this batch is judged by, fixed once so that
	// a reload mid-request cannot ask for fields the events lack.
	engine   *rules.Engine
	maskNode *avroNode
	mask     []bool
	// text is src as a string when lazy event values point into it
	// (parseJSONLazy), "" otherwise.
	text string
	// slab holds the Avro values the event fast path writes, carved into
	// one allocation per batch rather than one per record.
	slab []byte
	// ev is the event being prepared, reused record after record.
	ev eventFields
	// pre holds the events converted while the body was parsed; nil when
	// none were.
	pre *preconv
	// stamp is the last report timestamp written, and its time.
	stamp struct {
		t time.Time
		s string
	}
	// one backs results, msgOf, msgs and decisions of a one-record batch.
	one struct {
		results   [1]result
		msgOf     [1]int
		msgs      [1]outMsg
		decisions [1]rules.Decision
	}
}

// valueSlabSize is the largest slab a batch allocates at once.
const valueSlabSize = 64 << 10

func newBatch(topic topicInfo, src []byte, recs []inRecord, req *rules.Request) *batch {
	b := &batch{topic: topic, src: src, recs: recs, req: req}
	if len(recs) == 1 {
		// Single-record requests are the most numerous: no slices of one.
		b.results, b.msgOf, b.msgs = b.one.results[:], b.one.msgOf[:], b.one.msgs[:0]
	} else {
		b.results, b.msgOf, b.msgs = make([]result, len(recs)), make([]int, len(recs)), make([]outMsg, 0, len(recs))
	}
	for i := range b.msgOf {
		b.msgOf[i] = -1
	}
	return b
}

// usePreconv hands b the conversions made while parsing its body; the
// slab's spare room takes the keys.
func (b *batch) usePreconv(pre *preconv) {
	if pre != nil {
		b.pre, b.slab = pre, pre.spare()
	}
}

func (b *batch) fail(i int, err *apiError) {
	b.results[i] = result{partition: -1, offset: -1, err: err, outcome: outcomeInvalid}
}

// process prepares every record, produces the good ones and waits for
// their acknowledgements. It returns an error only when nothing could be
// attempted (the in-flight budget stayed exhausted) or the client left.
func (p *Proxy) process(ctx context.Context, b *batch) error {
	f, err := p.submit(ctx, b)
	if err != nil {
		return err
	}
	return p.await(ctx, b, f)
}

// submit prepares the records and hands the good ones to Kafka. The flight
// is nil when nothing needed producing.
func (p *Proxy) submit(ctx context.Context, b *batch) (*flight, error) {
	governed := b.topic.name == p.cfg.eventTopic
	if governed && p.rules != nil {
		b.engine = p.rules.Engine()
	}
	for i := range b.recs {
		switch {
		case b.recs[i].err != nil:
			b.fail(i, b.recs[i].err)
		case governed:
			p.prepareEvent(ctx, b, i)
		default:
			p.prepareRecord(b, i)
		}
	}
	if len(b.msgs) == 0 {
		return nil, nil
	}
	b.sent = time.Now()
	f, err := p.send(ctx, b.msgs)
	if err != nil {
		p.settle(b, nil)
		return nil, err
	}
	return f, nil
}

// await waits for f and settles b. When ctx ends first the flight still
// completes in the background, releasing its budget and settling the edge
// rules' duplicate claims.
func (p *Proxy) await(ctx context.Context, b *batch, f *flight) error {
	if f == nil {
		p.settle(b, nil)
		return nil
	}
	select {
	case <-f.done:
		p.m.latencyOf.Get(b.topic.name).Observe(time.Since(b.sent).Seconds())
		p.settle(b, f)
		return nil
	case <-ctx.Done():
		go func() {
			<-f.done
			p.settle(b, f)
		}()
		return ctx.Err()
	}
}

// settle copies delivery reports into results, tells the edge rules which
// events were stored, and counts outcomes.
func (p *Proxy) settle(b *batch, f *flight) {
	for i := range b.recs {
		r := &b.results[i]
		if mi := b.msgOf[i]; mi >= 0 {
			switch {
			case f == nil:
				r.err, r.outcome = errThrottled("Too many requests: Kafka is not keeping up; retry later"), outcomeFailed
				r.partition, r.offset = -1, -1
			case f.results[mi].err != nil:
				r.err, r.outcome = f.results[mi].err, outcomeFailed
				r.partition, r.offset = -1, -1
			case r.outcome == outcomeDLQ:
				// Stored in the dead-letter topic; its position there is not
				// the client's business.
			default:
				r.partition, r.offset = f.results[mi].partition, f.results[mi].offset
			}
		}
		if b.decisions != nil {
			b.decisions[i].Settle(r.stored(), rules.Position{Partition: r.partition, Offset: r.offset})
		}
	}
	// One counter update per outcome and batch, not per record.
	var seen [8]string
	counted := seen[:0]
	for i := range b.results {
		out := b.results[i].outcome
		if slices.Contains(counted, out) {
			continue
		}
		counted = append(counted, out)
		n := 0
		for j := i; j < len(b.results); j++ {
			if b.results[j].outcome == out {
				n++
			}
		}
		p.m.recordsOf.Get(topicOutcome{b.topic.name, out}).Add(float64(n))
	}
}

// prepareRecord encodes a record for an ungoverned topic.
func (p *Proxy) prepareRecord(b *batch, i int) {
	rec := &b.recs[i]
	key, err := p.encodePart(b, rec.path+".key", rec.keySpec, rec.key, false)
	if err != nil {
		b.fail(i, err)
		return
	}
	value, _, err := p.encodeValue(b, rec.path+".value", rec.valueSpec, rec.value, false)
	if err != nil {
		b.fail(i, err)
		return
	}
	if perr := p.checkRecord(b, rec, key); perr != nil {
		b.fail(i, perr)
		return
	}
	b.enqueue(i, outMsg{topic: b.topic.name, partition: rec.partition, key: key, value: value,
		headers: rec.headers, timestamp: rec.timestamp}, outcomeProduced)
	b.results[i].valueSchema = rec.valueSpec.schema
}

func (b *batch) enqueue(i int, m outMsg, outcome string) {
	b.msgOf[i] = len(b.msgs)
	b.msgs = append(b.msgs, m)
	b.results[i] = result{partition: -1, offset: -1, outcome: outcome, keySize: len(m.key), valueSize: len(m.value),
		timestamp: m.timestamp}
}

// checkRecord applies the limits every record obeys.
func (p *Proxy) checkRecord(b *batch, rec *inRecord, key []byte) *apiError {
	if len(key) > p.cfg.maxKeyBytes {
		return errUnprocessable(codePayload, "%s.key: %d bytes is over the %d-byte key limit", rec.path, len(key), p.cfg.maxKeyBytes)
	}
	if rec.partition != kafka.PartitionAny && !b.topic.hasPartition(rec.partition) {
		return errPartitionNotFound(b.topic.name, rec.partition)
	}
	return nil
}

// encodePart turns a key into bytes; nil means a null key.
func (p *Proxy) encodePart(b *batch, path string, spec partSpec, v *jsonValue, wantNative bool) ([]byte, *apiError) {
	out, _, err := p.encodeValue(b, path, spec, v, wantNative)
	return out, err
}

// encodeValue turns a key or value into bytes (nil for an absent or null
// part: a null key, or a tombstone value) and, for Avro with wantNative, the
// decoded map the edge rules read.
func (p *Proxy) encodeValue(b *batch, path string, spec partSpec, v *jsonValue, wantNative bool) ([]byte, any, *apiError) {
	if v == nil || v.kind == jsonNull && spec.format != fmtJSON {
		return nil, nil, nil
	}
	switch spec.format {
	case fmtBinary:
		if v.kind != jsonString {
			return nil, nil, errBadRequest("%s: binary data must be a base64 string, got %s", path, v.describe())
		}
		out, err := base64.StdEncoding.DecodeString(v.s)
		if err != nil {
			return nil, nil, errBadRequest("%s: invalid base64: %v", path, err)
		}
		return out, nil, nil
	case fmtString:
		if v.kind != jsonString {
			return nil, nil, errBadRequest("%s: STRING data must be a JSON string, got %s", path, v.describe())
		}
		return []byte(v.s), nil, nil
	case fmtJSON:
		if v.kind == jsonNull {
			return nil, nil, nil
		}
		return compactJSON(b.src[v.start:v.end]), nil, nil
	}
	if wantNative {
		return encodeAvro(spec.schema, v, path, nil)
	}
	dst := make([]byte, 0, 16+(v.end-v.start)/2)
	dst = serde.AppendHeader(dst, spec.schema.id)
	dst, _, err := spec.schema.node.encode(dst, v, false)
	if err != nil {
		err = rooted(err, path)
		return nil, nil, errUnprocessable(codeJSONConversion, "Conversion of JSON to Avro failed: %v", err)
	}
	return dst, nil, nil
}

// encodeAvro converts v with rs into a framed record and the native map of
// the fields mask selects (all when nil).
func encodeAvro(rs *resolvedSchema, v *jsonValue, path string, mask []bool) ([]byte, any, *apiError) {
	dst := make([]byte, 0, 16+(v.end-v.start)/2)
	dst = serde.AppendHeader(dst, rs.id)
	dst, nat, err := rs.node.encodeMasked(dst, v, path, mask)
	if err != nil {
		return nil, nil, errUnprocessable(codeJSONConversion, "Conversion of JSON to Avro failed: %v", err)
	}
	return dst, nat, nil
}

// statusOf decides the HTTP status of a multi-record answer as upstream
// does: 200 when any record made it, 401/403 when any failed on auth, and
// otherwise the first failure's own status, so a request whose records all
// fail is not reported as a success.
func statusOf(results []result) (int, *apiError) {
	var first *apiError
	ok := false
	for i := range results {
		e := results[i].err
		if e == nil {
			ok = true
			continue
		}
		if e.status == http.StatusUnauthorized || e.status == http.StatusForbidden {
			return e.status, e
		}
		if first == nil {
			first = e
		}
	}
	if ok || first == nil {
		return http.StatusOK, nil
	}
	return first.status, first
}

// cachedPaths is how many indexed paths of each request member are built
// once and shared by every request.
const cachedPaths = 1024

var pathTables = map[string]func() []string{
	"records": sync.OnceValue(func() []string { return buildPaths("records", cachedPaths) }),
	"entries": sync.OnceValue(func() []string { return buildPaths("entries", cachedPaths) }),
	"events":  sync.OnceValue(func() []string { return buildPaths("events", cachedPaths) }),
}

// indexedPaths returns name[0] … name[n-1]; callers must not change them.
func indexedPaths(name string, n int) []string {
	if table, ok := pathTables[name]; ok && n <= cachedPaths {
		return table()[:n:n]
	}
	return buildPaths(name, n)
}

// buildPaths returns name[0] … name[n-1], cut from one string.
func buildPaths(name string, n int) []string {
	var sb strings.Builder
	sb.Grow(n * (len(name) + 6))
	ends := make([]int, n)
	for i := range n {
		sb.WriteString(name)
		sb.WriteByte('[')
		sb.WriteString(strconv.Itoa(i))
		sb.WriteByte(']')
		ends[i] = sb.Len()
	}
	all := sb.String()
	out := make([]string, n)
	start := 0
	for i, end := range ends {
		out[i], start = all[start:end], end
	}
	return out
}
