package restproxy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	hamba "github.com/hamba/avro/v2"

	"github.com/retailpulse/retailpulse/schema-registry/serde"
	"github.com/retailpulse/retailpulse/sidecars/restproxy/rules"
)

// Headers of dead-letter records, naming why the edge refused the event.
const (
	HeaderDLQRule        = "dlq.rule"
	HeaderDLQReason      = "dlq.reason"
	HeaderDLQTopic       = "dlq.source.topic"
	HeaderDLQAPI         = "dlq.api"
	HeaderDLQContentType = "dlq.content.type"
	HeaderDLQReceived    = "dlq.received.ms"
	// TagHeaderPrefix prefixes the headers that carry edge-rule tags.
	TagHeaderPrefix = "edge.tag."
)

// eventSubject is the registry subject of the event topic's values.
func (p *Proxy) eventSubject() string { return p.cfg.eventSubject }

// prepareEvent handles a record for the governed event topic: the value must
// be a valid record of the subject's schema (the given id, or the latest),
// the key is the user_id, and the edge rules decide whether it is stored,
// dropped or dead-lettered.
func (p *Proxy) prepareEvent(ctx context.Context, b *batch, i int) {
	rec := &b.recs[i]
	if rec.value == nil || rec.value.kind == jsonNull {
		b.fail(i, errUnprocessable(codePayload, "%s.value: topic %s needs an event record, got none", rec.path, p.cfg.eventTopic))
		return
	}
	if rec.partition != kafka.PartitionAny {
		b.fail(i, errUnprocessable(codePayload, "%s.partition: topic %s is partitioned by user_id; explicit partitions are not accepted",
			rec.path, p.cfg.eventTopic))
		return
	}
	// One eventFields per batch: the rules read it only during Evaluate.
	ev := &b.ev
	*ev = eventFields{}
	value, rs, err := p.encodeEvent(ctx, b, rec, ev)
	if err != nil {
		b.fail(i, err)
		return
	}
	if b.key != nil && ev.hasStorefront && ev.storefront != b.key.Storefront {
		b.fail(i, newAPIError(http.StatusForbidden, codeForbidden, "%s.value.storefront: the API key of storefront %s may not send events of storefront %s",
			rec.path, b.key.Storefront, ev.storefront))
		return
	}
	key, err := p.eventKey(b, rec, ev.UserID)
	rec.keySpec = partSpec{format: fmtString} // what the topic holds, whatever the request used
	if err == nil {
		err = p.checkRecord(b, rec, key)
	}
	if err != nil {
		b.fail(i, err)
		return
	}
	m := outMsg{topic: b.topic.name, partition: kafka.PartitionAny, key: key, value: value,
		headers: rec.headers, timestamp: rec.timestamp}
	if b.engine == nil {
		b.enqueue(i, m, outcomeProduced)
		b.results[i].valueSchema = rs
		return
	}
	d := b.engine.EvaluateEvent(&ev.Event, b.req)
	switch d.Action {
	case rules.Drop:
		b.results[i] = result{partition: -1, offset: -1, outcome: outcomeDropped, rule: d.Rule, timestamp: rec.timestamp}
		if d.Original != nil {
			b.results[i].partition, b.results[i].offset = d.Original.Partition, d.Original.Offset
		}
	case rules.Retry:
		e := errUnavailable(codeKafkaRetriable, "%s: %s", rec.path, d.Reason)
		b.results[i] = result{partition: -1, offset: -1, err: e, outcome: outcomeRetry}
	case rules.DLQ:
		b.enqueue(i, p.dlqMessage(b, rec, key, &d), outcomeDLQ)
		b.results[i].rule = d.Rule
	default:
		for k, v := range d.Tags {
			m.headers = append(m.headers, kafka.Header{Key: TagHeaderPrefix + k, Value: []byte(v)})
		}
		if b.decisions == nil {
			if len(b.recs) == 1 {
				b.decisions = b.one.decisions[:]
			} else {
				b.decisions = make([]rules.Decision, len(b.recs))
			}
		}
		b.decisions[i] = d
		b.enqueue(i, m, outcomeProduced)
		b.results[i].valueSchema = rs
	}
}

// encodeEvent validates and encodes an event value, fills ev with what
// the proxy and the edge rules read of it, and returns the schema it was
// written with.
func (p *Proxy) encodeEvent(ctx context.Context, b *batch, rec *inRecord, ev *eventFields) ([]byte, *resolvedSchema, *apiError) {
	if rec.valueSpec.format == fmtBinary {
		value, m, rs, err := p.decodeEventBinary(ctx, rec.path+".value", rec.value)
		if err == nil {
			*ev = eventFieldsOf(m)
		}
		return value, rs, err
	}
	spec, src, v := rec.valueSpec, b.src, rec.value
	if spec.format != fmtAvro {
		// JSON and STRING payloads are converted with the subject's latest
		// schema, so whatever the client sends, the topic holds Avro.
		latest, err := p.schemas.latestOf(ctx, p.eventSubject())
		if err != nil {
			return nil, nil, asAPIError(err)
		}
		spec = partSpec{format: fmtAvro, schema: latest}
		if rec.valueSpec.format == fmtString && v.kind == jsonString {
			// STRING carries the event as JSON text.
			src = []byte(v.s)
			parsed, err := parseJSONText(src, v.s)
			if err != nil {
				return nil, nil, errUnprocessable(codeJSONConversion, "%s.value: STRING data is not a JSON event: %v", rec.path, err)
			}
			v = &parsed
		}
	}
	if v.lazy {
		if pv, value, ok := b.pre.value(v, spec.schema); ok {
			*ev = pv.ev
			if b.engine != nil && b.engine.HasExpressions() {
				ev.Fields = func() map[string]any { return b.eventMap(spec.schema, v, rec.path+".value") }
			}
			return value, spec.schema, nil
		}
		if value, ok := b.encodeFast(spec.schema, b.src, b.text, v, ev); ok {
			if b.engine != nil && b.engine.HasExpressions() {
				ev.Fields = func() map[string]any { return b.eventMap(spec.schema, v, rec.path+".value") }
			}
			return value, spec.schema, nil
		}
		*ev = eventFields{}
		if err := v.materialize(src, b.text); err != nil {
			return nil, nil, errUnprocessable(codeJSONConversion, "%s.value: %v", rec.path, err)
		}
	}
	if rec.fastText != nil && !v.lazy {
		// An SDK event: its text with what the proxy filled in (sdkText).
		lv := jsonValue{kind: jsonObject, lazy: true, end: int32(len(rec.fastText))}
		if value, ok := b.encodeFast(spec.schema, rec.fastText, frozenText(rec.fastText), &lv, ev); ok {
			if b.engine != nil && b.engine.HasExpressions() {
				ev.Fields = func() map[string]any { return b.eventMap(spec.schema, v, rec.path+".value") }
			}
			return value, spec.schema, nil
		}
		*ev = eventFields{}
	}
	path := rec.path + ".value"
	value, nat, err := encodeAvro(spec.schema, v, path, b.fieldMask(spec.schema.node))
	if err != nil {
		return nil, nil, err
	}
	m, ok := nat.(map[string]any)
	if !ok {
		return nil, nil, errUnprocessable(codeInvalidSchema, "%s: the event topic's schema is not a record", path)
	}
	*ev = eventFieldsOf(m)
	return value, spec.schema, nil
}

// eventFieldsOf reads an event map the general converter built.
func eventFieldsOf(m map[string]any) eventFields {
	ev := eventFields{Event: rules.EventOf(m)}
	ev.storefront, ev.hasStorefront = m["storefront"].(string)
	return ev
}

// encodeFast converts a lazy event with the fast path into the batch's
// value slab; ok is false when the general converter must run.
func (b *batch) encodeFast(rs *resolvedSchema, src []byte, text string, v *jsonValue, ev *eventFields) ([]byte, bool) {
	// Avro is rarely longer than its JSON; when it is, append grows the
	// slab and the values carved before keep the old one.
	need := int(v.end-v.start) + 64 // and room for the key
	if cap(b.slab)-len(b.slab) < need {
		b.slab = appendBuffer(max(need, min(valueSlabSize, len(b.src))))
	}
	start := len(b.slab)
	dst := serde.AppendHeader(b.slab, rs.id)
	dst, ok := encodeFast(rs.node, src, text, v, dst, ev)
	if !ok {
		b.slab = dst[:start]
		return nil, false
	}
	b.slab = dst
	return dst[start:len(dst):len(dst)], true
}

// carve copies s into the batch's slab.
func (b *batch) carve(s string) []byte {
	if cap(b.slab)-len(b.slab) < len(s) {
		b.slab = appendBuffer(max(len(s), min(valueSlabSize, len(b.src))))
	}
	start := len(b.slab)
	b.slab = append(b.slab, s...)
	return b.slab[start:len(b.slab):len(b.slab)]
}

// eventMap is the event as CEL rules read it, built only when one runs:
// the general converter's native map of the fields the rules need.
func (b *batch) eventMap(rs *resolvedSchema, v *jsonValue, path string) map[string]any {
	if err := v.materialize(b.src, b.text); err != nil {
		return nil
	}
	dst := make([]byte, 0, 16+(v.end-v.start)/2)
	_, nat, err := rs.node.encodeMasked(dst, v, path, b.fieldMask(rs.node))
	if err != nil {
		return nil
	}
	m, _ := nat.(map[string]any)
	return m
}

// fieldMask selects the event fields the proxy and the batch's rules read.
func (b *batch) fieldMask(n *avroNode) []bool {
	if b.maskNode != n {
		b.maskNode = n
		b.mask = n.fieldMask(func(name string) bool {
			return name == "user_id" || name == "storefront" || b.engine != nil && b.engine.Needs(name)
		})
	}
	return b.mask
}

// decodeEventBinary checks a base64 Confluent-framed Avro value against the
// subject and decodes it for the rules.
func (p *Proxy) decodeEventBinary(ctx context.Context, path string, v *jsonValue) ([]byte, map[string]any, *resolvedSchema, *apiError) {
	if v.kind != jsonString {
		return nil, nil, nil, errBadRequest("%s: binary data must be a base64 string, got %s", path, v.describe())
	}
	raw, err := base64.StdEncoding.DecodeString(v.s)
	if err != nil {
		return nil, nil, nil, errBadRequest("%s: invalid base64: %v", path, err)
	}
	id, body, err := serde.ParseHeader(raw)
	if err != nil {
		return nil, nil, nil, errUnprocessable(codeSerialization, "%s: events must be Confluent-framed Avro: %v", path, err)
	}
	rs, err := p.schemas.byID(ctx, p.eventSubject(), id)
	if err != nil {
		return nil, nil, nil, asAPIError(err)
	}
	parsed, _, err := p.registry.SchemaByID(ctx, id)
	if err != nil {
		return nil, nil, nil, registryError(fmt.Sprintf("fetching schema id %d", id), err)
	}
	var out any
	r := hamba.NewReader(bytes.NewReader(nil), 0, hamba.WithReaderConfig(avroAPI)).Reset(body)
	r.ReadVal(parsed, &out)
	if r.Error != nil && !errors.Is(r.Error, io.EOF) {
		return nil, nil, nil, errUnprocessable(codeSerialization, "%s: payload is not a valid record of schema id %d: %v", path, rs.id, r.Error)
	}
	if r.Error != nil {
		return nil, nil, nil, errUnprocessable(codeSerialization, "%s: payload is truncated for schema id %d", path, rs.id)
	}
	if r.Peek(); r.Error == nil {
		return nil, nil, nil, errUnprocessable(codeSerialization, "%s: trailing bytes after the record of schema id %d", path, rs.id)
	}
	ev, ok := normalizeNative(out).(map[string]any)
	if !ok {
		return nil, nil, nil, errUnprocessable(codeInvalidSchema, "%s: the event topic's schema is not a record", path)
	}
	return raw, ev, rs, nil
}

// normalizeNative brings hamba's generic decoding to the shape the JSON
// converter gives the rules: no nulls, int64, float64, epoch millis.
func normalizeNative(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if e != nil {
				out[k] = normalizeNative(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalizeNative(e)
		}
		return out
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case float32:
		return float64(t)
	case time.Time:
		return t.UnixMilli()
	}
	return v
}

// eventKey is the user_id; a key the client sends must be that user_id, or
// the topic's per-user ordering would break.
func (p *Proxy) eventKey(b *batch, rec *inRecord, userID string) ([]byte, *apiError) {
	if rec.key == nil || rec.key.kind == jsonNull {
		return b.carve(userID), nil
	}
	var key string
	switch {
	case rec.keySpec.format == fmtBinary && rec.key.kind == jsonString:
		b, err := base64.StdEncoding.DecodeString(rec.key.s)
		if err != nil {
			return nil, errBadRequest("%s.key: invalid base64: %v", rec.path, err)
		}
		key = string(b)
	case rec.key.kind == jsonString:
		key = rec.key.s
	default:
		return nil, errUnprocessable(codeJSONConversion, "%s.key: topic %s takes plain string keys, got %s",
			rec.path, p.cfg.eventTopic, rec.key.describe())
	}
	if key != userID {
		return nil, errUnprocessable(codePayload, "%s.key: %q is not the event's user_id %q; topic %s is keyed by user_id (omit the key to have it set)",
			rec.path, key, userID, p.cfg.eventTopic)
	}
	return []byte(key), nil
}

// dlqMessage builds the dead-letter record: the value exactly as received,
// the key as received (or the user_id), and headers naming the rule.
func (p *Proxy) dlqMessage(b *batch, rec *inRecord, key []byte, d *rules.Decision) outMsg {
	var value []byte
	if rec.valueSpec.format == fmtBinary && rec.value.kind == jsonString {
		value, _ = base64.StdEncoding.DecodeString(rec.value.s)
	} else if int(rec.value.end) <= len(b.src) {
		value = bytes.Clone(b.src[rec.value.start:rec.value.end])
	}
	ct := "application/json"
	if rec.valueSpec.format == fmtBinary {
		ct = "application/octet-stream"
	}
	headers := append([]kafka.Header(nil), rec.headers...)
	headers = append(headers,
		kafka.Header{Key: HeaderDLQRule, Value: []byte(d.Rule)},
		kafka.Header{Key: HeaderDLQReason, Value: []byte(d.Reason)},
		kafka.Header{Key: HeaderDLQTopic, Value: []byte(p.cfg.eventTopic)},
		kafka.Header{Key: HeaderDLQAPI, Value: []byte(b.req.API)},
		kafka.Header{Key: HeaderDLQContentType, Value: []byte(ct)},
		kafka.Header{Key: HeaderDLQReceived, Value: []byte(strconv.FormatInt(b.req.ReceivedAt.UnixMilli(), 10))},
	)
	return outMsg{topic: p.cfg.dlqTopic, partition: kafka.PartitionAny, key: key, value: value,
		headers: headers, timestamp: rec.timestamp}
}

// compactJSON returns the JSON text without insignificant whitespace, as
// upstream (Jackson) re-serialises embedded json values.
func compactJSON(raw []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := json.Compact(&buf, raw); err != nil {
		return bytes.Clone(raw)
	}
	return buf.Bytes()
}
