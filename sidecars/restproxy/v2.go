package restproxy

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/sidecars/restproxy/rules"
)

// v2Offset is one record's result, as upstream: partition and offset, or
// error_code and error.
type v2Offset struct {
	Partition *int32  `json:"partition"`
	Offset    *int64  `json:"offset"`
	ErrorCode *int    `json:"error_code"`
	Error     *string `json:"error"`
	// Beyond upstream: the edge rule that dropped or dead-lettered the
	// record (action "drop" or "dlq"). A dropped duplicate carries the first
	// copy's partition and offset.
	Action string `json:"action,omitempty"`
	Rule   string `json:"rule,omitempty"`
}

type v2Response struct {
	// ErrorCode and Message are set when every record failed (the HTTP
	// status is then not 200), so plain REST Proxy clients see the cause.
	ErrorCode     int        `json:"error_code,omitempty"`
	Message       string     `json:"message,omitempty"`
	KeySchemaID   *int       `json:"key_schema_id"`
	ValueSchemaID *int       `json:"value_schema_id"`
	Offsets       []v2Offset `json:"offsets"`
}

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
	doc, text, err := p.parseBody(src, topicName, lazyV2Records)
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
	b := newBatch(topic, src, recs, p.requestInfo(r, "v2", received))
	b.key, b.text = apiKeyOf(r.Context()), text
	if err := p.process(r.Context(), b); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil // the client went away; nobody reads an answer
		}
		return asAPIError(err)
	}
	resp := v2Response{Offsets: make([]v2Offset, len(b.results))}
	if keySpec.schema != nil {
		resp.KeySchemaID = &keySpec.schema.id
	}
	if valueSpec.schema != nil {
		resp.ValueSchemaID = &valueSpec.schema.id
	} else {
		resp.ValueSchemaID = commonSchemaID(b.results)
	}
	for i := range b.results {
		resp.Offsets[i] = v2OffsetOf(&b.results[i])
	}
	status, first := statusOf(b.results)
	if first != nil {
		resp.ErrorCode, resp.Message = first.code, first.msg
		if first.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(first.retryAfter))
		}
	}
	writeV2(w, status, &resp)
	return nil
}

// writeV2 writes a produce answer. It is the hot path of single-event
// requests, so it appends the JSON by hand instead of reflecting over it;
// TestV2AnswerMatchesEncodingJSON keeps the two identical.
func writeV2(w http.ResponseWriter, status int, r *v2Response) {
	b := make([]byte, 0, 96+64*len(r.Offsets)+len(r.Message))
	b = append(b, '{')
	if r.ErrorCode != 0 {
		b = append(b, `"error_code":`...)
		b = strconv.AppendInt(b, int64(r.ErrorCode), 10)
		b = append(b, `,"message":`...)
		b = appendJSONString(b, r.Message)
		b = append(b, ',')
	}
	b = append(b, `"key_schema_id":`...)
	b = appendIntPtr(b, r.KeySchemaID)
	b = append(b, `,"value_schema_id":`...)
	b = appendIntPtr(b, r.ValueSchemaID)
	b = append(b, `,"offsets":[`...)
	for i := range r.Offsets {
		o := &r.Offsets[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"partition":`...)
		if o.Partition != nil {
			b = strconv.AppendInt(b, int64(*o.Partition), 10)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"offset":`...)
		if o.Offset != nil {
			b = strconv.AppendInt(b, *o.Offset, 10)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"error_code":`...)
		b = appendIntPtr(b, o.ErrorCode)
		b = append(b, `,"error":`...)
		if o.Error != nil {
			b = appendJSONString(b, *o.Error)
		} else {
			b = append(b, "null"...)
		}
		if o.Action != "" {
			b = append(b, `,"action":`...)
			b = appendJSONString(b, o.Action)
		}
		if o.Rule != "" {
			b = append(b, `,"rule":`...)
			b = appendJSONString(b, o.Rule)
		}
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	h := w.Header()
	h.Set("Content-Type", contentTypeV2)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
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

func v2OffsetOf(r *result) v2Offset {
	var o v2Offset
	if r.err != nil {
		code, msg := r.err.code, r.err.msg
		o.ErrorCode, o.Error = &code, &msg
		return o
	}
	if r.partition >= 0 {
		part, off := r.partition, r.offset
		o.Partition, o.Offset = &part, &off
	}
	switch r.outcome {
	case outcomeDropped:
		o.Action, o.Rule = string(rules.Drop), r.rule
	case outcomeDLQ:
		o.Action, o.Rule = string(rules.DLQ), r.rule
	}
	return o
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
		if valueSpec.schema, err = p.v2Schema(ctx, topic+"-value", doc, "value", true); err != nil {
			return keySpec, valueSpec, err
		}
		if valueSpec.schema == nil {
			rs, lerr := p.schemas.latestOf(ctx, topic+"-value")
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

// requestInfo is what the edge rules know about the request.
func (p *Proxy) requestInfo(r *http.Request, api string, received time.Time) *rules.Request {
	ri := &rules.Request{API: api, UserAgent: r.UserAgent(), RemoteAddr: r.RemoteAddr, Origin: r.Header.Get("Origin"),
		ContentType: mediaType(r), ReceivedAt: received}
	if k := apiKeyOf(r.Context()); k != nil {
		ri.Principal = k.Storefront
	}
	return ri
}

// parseBody parses a produce body. For the event topic the event values
// at are left lazy for the fast path, and the body's text is returned for
// the batch; other topics get the plain tree.
func (p *Proxy) parseBody(src []byte, topic string, at lazyEvents) (jsonValue, string, error) {
	if topic != p.cfg.eventTopic {
		v, err := parseJSON(src)
		return v, "", err
	}
	return parseJSONLazy(src, at)
}
