package restproxy

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/sidecars/restproxy/rules"
)

func (p *Proxy) handleV2Produce(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	if err := p.v2Produce(w, r, received); err != nil {
		writeError(w, contentTypeV2, err)
	}
}

func (p *Proxy) v2Produce(w http.ResponseWriter, r *http.Request, received time.Time) *apiError {
	fmtOf, aerr := v2Format(mediaType(r))
	if aerr != nil {
		return aerr
	}
	topicName := r.PathValue("topic")
	if aerr := p.mayProduce(r.Context(), topicName); aerr != nil {
		return aerr
	}
	partition := int32(kafka.PartitionAny)
	if raw := r.PathValue("partition"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 32)
		if err != nil || n < 0 {
			return newAPIError(http.StatusNotFound, codeNotFound, "Partition %q is not a partition number", raw)
		}
		partition = int32(n)
	}
	topic, ok := p.meta.topic(r.Context(), topicName)
	if !ok {
		return errTopicNotFound(topicName)
	}
	if partition != kafka.PartitionAny && !topic.hasPartition(partition) {
		return errPartitionNotFound(topicName, partition)
	}
	src, aerr := p.readBody(w, r)
	if aerr != nil {
		return aerr
	}
	// Binary values are base64 text, never objects to convert.
	doc, text, pre, err := p.parseBody(src, topicName, lazyV2Records, fmtOf != fmtBinary)
	if err != nil {
		return errBadRequest("%v", err)
	}
	if doc.kind != jsonObject {
		return errUnprocessable(codePayload, "Request body must be a JSON object with a records array, got %s", doc.describe())
	}
	recs, aerr := v2Records(&doc, partition)
	if aerr != nil {
		return aerr
	}
	keySpec, valueSpec, aerr := p.v2Specs(r.Context(), topicName, fmtOf, &doc, recs)
	if aerr != nil {
		return aerr
	}
	for i := range recs {
		recs[i].keySpec, recs[i].valueSpec, recs[i].timestamp = keySpec, valueSpec, received
	}
	b := newBatch(topic, src, recs, nil)
	b.describe(r, "v2", received)
	b.key, b.text = apiKeyOf(r.Context()), text
	b.usePreconv(pre)
	if err := p.process(r.Context(), b); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil // the client went away; nobody reads an answer
		}
		return asAPIError(err)
	}
	var keyID, valueID *int
	if keySpec.schema != nil {
		keyID = &keySpec.schema.id
	}
	if valueSpec.schema != nil {
		valueID = &valueSpec.schema.id
	} else {
		valueID = commonSchemaID(b.results)
	}
	status, first := statusOf(b.results)
	if first != nil && first.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(first.retryAfter))
	}
	writeV2(w, status, first, keyID, valueID, b.results)
	return nil
}

// answerBufs recycles the buffers produce answers are written in.
var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxPooledAnswer bounds the buffers answerBufs keeps.
const maxPooledAnswer = 256 << 10

// v2ContentType is the Content-Type header value of v2 answers, shared:
// nothing changes a header value in place.
var v2ContentType = []string{contentTypeV2}

// smallAnswer is the size up to which net/http computes Content-Length
// itself (its chunking buffer), so a handler need not format it.
const smallAnswer = 2048

// writeV2 writes a produce answer, as upstream shapes it:
//
//	{"error_code":…,"message":…,      only when every record failed
//	 "key_schema_id":…,"value_schema_id":…,
//	 "offsets":[{"partition":…,"offset":…,"error_code":…,"error":…},…]}
//
// where each offset has partition and offset, or error_code and error, and
// beyond upstream the "action" and "rule" of the edge rule that dropped or
// dead-lettered the record (a dropped duplicate carries the first copy's
// partition and offset). It is the hot path of single-event requests, so
// it appends the JSON by hand into a recycled buffer;
// TestV2AnswerMatchesEncodingJSON keeps it identical to encoding/json.
func writeV2(w http.ResponseWriter, status int, first *apiError, keyID, valueID *int, results []result) {
	ref := answerBufs.Get().(*[]byte)
	b := (*ref)[:0]
	b = append(b, '{')
	if first != nil && first.code != 0 {
		b = append(b, `"error_code":`...)
		b = strconv.AppendInt(b, int64(first.code), 10)
		b = append(b, `,"message":`...)
		b = appendJSONString(b, first.msg)
		b = append(b, ',')
	}
	b = append(b, `"key_schema_id":`...)
	b = appendIntPtr(b, keyID)
	b = append(b, `,"value_schema_id":`...)
	b = appendIntPtr(b, valueID)
	b = append(b, `,"offsets":[`...)
	for i := range results {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendV2Offset(b, &results[i])
	}
	b = append(b, "]}\n"...)
	h := w.Header()
	h["Content-Type"] = v2ContentType
	if len(b) > smallAnswer {
		h.Set("Content-Length", strconv.Itoa(len(b)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
	if cap(b) <= maxPooledAnswer {
		*ref = b
		answerBufs.Put(ref)
	}
}

// appendV2Offset appends one record's entry of the offsets array.
func appendV2Offset(b []byte, r *result) []byte {
	if r.err != nil {
		b = append(b, `{"partition":null,"offset":null,"error_code":`...)
		b = strconv.AppendInt(b, int64(r.err.code), 10)
		b = append(b, `,"error":`...)
		b = appendJSONString(b, r.err.msg)
		return append(b, '}')
	}
	b = append(b, `{"partition":`...)
	if r.partition >= 0 {
		b = strconv.AppendInt(b, int64(r.partition), 10)
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, r.offset, 10)
	} else {
		b = append(b, `null,"offset":null`...)
	}
	b = append(b, `,"error_code":null,"error":null`...)
	switch r.outcome {
	case outcomeDropped:
		b = append(b, `,"action":"`+string(rules.Drop)+`"`...)
	case outcomeDLQ:
		b = append(b, `,"action":"`+string(rules.DLQ)+`"`...)
	default:
		return append(b, '}')
	}
	if r.rule != "" {
		b = append(b, `,"rule":`...)
		b = appendJSONString(b, r.rule)
	}
	return append(b, '}')
}

func appendIntPtr(b []byte, p *int) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*p), 10)
}

// commonSchemaID is the id every Avro value of the answer was written with,
// when the request named none (json and binary events on the event topic).
func commonSchemaID(results []result) *int {
	var id *int
	for i := range results {
		if vs := results[i].valueSchema; vs != nil {
			if id != nil && *id != vs.id {
				return nil
			}
			id = &vs.id
		}
	}
	return id
}

// v2Records reads the records array. A malformed envelope fails the
// request; a malformed record fails only itself (its error names it).
func v2Records(doc *jsonValue, urlPartition int32) ([]inRecord, *apiError) {
	list, ok := doc.member("records")
	switch {
	case !ok:
		return nil, errUnprocessable(codePayload, "Payload error. The request has no records array.")
	case list.kind != jsonArray:
		return nil, errBadRequest("records must be an array, got %s", list.describe())
	case len(list.members) == 0:
		return nil, errUnprocessable(codePayload, "Payload error. records must not be empty.")
	}
	recs := make([]inRecord, len(list.members))
	paths := indexedPaths("records", len(recs))
	for i := range list.members {
		item := &list.members[i].value
		rec := &recs[i]
		rec.path = paths[i]
		rec.partition = urlPartition
		if item.kind != jsonObject {
			return nil, errBadRequest("%s must be an object with key and/or value, got %s", rec.path, item.describe())
		}
		for j := range item.members {
			m := &item.members[j]
			switch m.name {
			case "key":
				rec.key = &m.value
			case "value":
				rec.value = &m.value
			case "partition":
				if urlPartition != kafka.PartitionAny || m.value.kind == jsonNull {
					continue
				}
				n, err := strconv.ParseInt(m.value.s, 10, 32)
				if m.value.kind != jsonNumber || err != nil || n < 0 || n > math.MaxInt32 {
					return nil, errUnprocessable(codePayload, "%s.partition must be a partition number, got %s", rec.path, m.value.describe())
				}
				rec.partition = int32(n)
			default:
				return nil, errUnprocessable(codePayload, "%s: unknown member %q (want key, value, partition)", rec.path, m.name)
			}
		}
		if rec.key == nil && rec.value == nil {
			return nil, errUnprocessable(codePayload, "%s has neither key nor value", rec.path)
		}
	}
	return recs, nil
}

// v2Specs resolves the request-level key and value schemas.
func (p *Proxy) v2Specs(ctx context.Context, topic string, f format, doc *jsonValue, recs []inRecord) (partSpec, partSpec, *apiError) {
	keySpec, valueSpec := partSpec{format: f}, partSpec{format: f}
	if f != fmtAvro {
		return keySpec, valueSpec, nil
	}
	governed := topic == p.cfg.eventTopic
	var hasKey, hasValue bool
	for i := range recs {
		hasKey = hasKey || recs[i].key != nil && recs[i].key.kind != jsonNull
		hasValue = hasValue || recs[i].value != nil && recs[i].value.kind != jsonNull
	}
	var err *apiError
	if governed {
		if _, ok := doc.member("key_schema"); ok {
			return keySpec, valueSpec, errUnprocessable(codeInvalidSchema,
				"Invalid schema: topic %s has plain string keys (the user_id); omit key_schema", topic)
		}
		if _, ok := doc.member("key_schema_id"); ok {
			return keySpec, valueSpec, errUnprocessable(codeInvalidSchema,
				"Invalid schema: topic %s has plain string keys (the user_id); omit key_schema_id", topic)
		}
		keySpec = partSpec{format: fmtString}
		if valueSpec.schema, err = p.v2Schema(ctx, p.eventSubject(), doc, "value", true); err != nil {
			return keySpec, valueSpec, err
		}
		if valueSpec.schema == nil {
			rs, lerr := p.schemas.latestOf(ctx, p.eventSubject())
			if lerr != nil {
				return keySpec, valueSpec, asAPIError(lerr)
			}
			valueSpec.schema = rs
		}
		return keySpec, valueSpec, nil
	}
	if keySpec.schema, err = p.v2Schema(ctx, topic+"-key", doc, "key", false); err != nil {
		return keySpec, valueSpec, err
	}
	if valueSpec.schema, err = p.v2Schema(ctx, topic+"-value", doc, "value", false); err != nil {
		return keySpec, valueSpec, err
	}
	if hasKey && keySpec.schema == nil {
		return keySpec, valueSpec, errUnprocessable(codeKeySchemaMissing, "Request includes keys but does not include key schema")
	}
	if hasValue && valueSpec.schema == nil {
		return keySpec, valueSpec, errUnprocessable(codeValueSchemaMissing, "Request includes values but does not include value schema")
	}
	return keySpec, valueSpec, nil
}

// v2Schema resolves <part>_schema_id or <part>_schema; nil when neither.
func (p *Proxy) v2Schema(ctx context.Context, subject string, doc *jsonValue, part string, lookupOnly bool) (*resolvedSchema, *apiError) {
	if v, ok := doc.member(part + "_schema_id"); ok && v.kind != jsonNull {
		id, err := schemaIDOf(v)
		if err != nil {
			return nil, errUnprocessable(codeInvalidSchema, "Invalid schema: %s_schema_id: %v", part, err)
		}
		rs, serr := p.schemas.byID(ctx, subject, id)
		if serr != nil {
			return nil, asAPIError(serr)
		}
		return rs, nil
	}
	if v, ok := doc.member(part + "_schema"); ok && v.kind != jsonNull {
		if v.kind != jsonString {
			return nil, errUnprocessable(codeInvalidSchema, "Invalid schema: %s_schema must be the schema as a JSON string, got %s", part, v.describe())
		}
		// The registry client caches the text: detach it from the body.
		rs, err := p.schemas.register(ctx, subject, strings.Clone(v.s), lookupOnly)
		if err != nil {
			return nil, asAPIError(err)
		}
		return rs, nil
	}
	return nil, nil
}

// schemaIDOf accepts a number or, as Karapace does, a numeric string.
func schemaIDOf(v *jsonValue) (int, error) {
	if v.kind != jsonNumber && v.kind != jsonString {
		return 0, errors.New("must be a schema id, got " + v.describe())
	}
	id, err := strconv.ParseInt(v.s, 10, 32)
	if err != nil || id <= 0 {
		return 0, errors.New("must be a positive schema id, got " + v.describe())
	}
	return int(id), nil
}

// describe sets b.req to what the edge rules know about the request, kept
// in the batch itself.
func (b *batch) describe(r *http.Request, api string, received time.Time) {
	b.reqInfo = rules.Request{API: api, UserAgent: r.UserAgent(), RemoteAddr: r.RemoteAddr, Origin: r.Header.Get("Origin"),
		ContentType: mediaType(r), ReceivedAt: received}
	if k := apiKeyOf(r.Context()); k != nil {
		b.reqInfo.Principal = k.Storefront
	}
	b.req = &b.reqInfo
}

// parseBody parses a produce body src that is the proxy's own copy (read by
// readBody, or copied from a stream), which nothing writes to again, so
// its strings can share its memory. For the event topic the event values
// at are left lazy for the fast path, and the body's text is returned for
// the batch; other topics get the plain tree. With convert, the events
// are converted while parsed when the subject's latest schema is at hand;
// the conversions are returned for the batch (see preconv).
func (p *Proxy) parseBody(src []byte, topic string, at lazyEvents, convert bool) (jsonValue, string, *preconv, error) {
	if topic != p.cfg.eventTopic {
		v, err := parseJSONText(src, frozenText(src))
		return v, "", nil, err
	}
	var pre *preconv
	if convert {
		if rs := p.schemas.cachedLatest(p.eventSubject()); rs != nil {
			pre = newPreconv(rs, len(src))
		}
	}
	v, text, err := parseJSONLazyText(src, frozenText(src), at, pre)
	return v, text, pre, err
}
