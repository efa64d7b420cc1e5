package restproxy

import (
	"context"
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// v3Part describes a written key or value in a delivery report.
type v3Part struct {
	Type          string `json:"type"`
	Subject       string `json:"subject,omitempty"`
	SchemaID      int    `json:"schema_id,omitempty"`
	SchemaVersion int    `json:"schema_version,omitempty"`
	Size          int    `json:"size"`
}

// v3Report is one record's delivery report (single, stream and batch).
type v3Report struct {
	ID          string  `json:"id,omitempty"`
	ErrorCode   int     `json:"error_code"`
	Message     string  `json:"message,omitempty"`
	ClusterID   string  `json:"cluster_id,omitempty"`
	TopicName   string  `json:"topic_name,omitempty"`
	PartitionID *int32  `json:"partition_id,omitempty"`
	Offset      *int64  `json:"offset,omitempty"`
	Timestamp   string  `json:"timestamp,omitempty"`
	Key         *v3Part `json:"key,omitempty"`
	Value       *v3Part `json:"value,omitempty"`
	// Beyond upstream: the edge rule that dropped or dead-lettered it.
	Action string `json:"action,omitempty"`
	Rule   string `json:"rule,omitempty"`
	// What PartitionID, Offset, Key and Value point to when fillReport set
	// them, so that a report costs no allocations of its own.
	partition  int32
	offset     int64
	key, value v3Part
}

// v3Target resolves and checks the cluster and topic of a v3 produce URL.
func (p *Proxy) v3Target(r *http.Request) (topicInfo, *apiError) {
	if ct := mediaType(r); ct != "application/json" && ct != "" {
		return topicInfo{}, newAPIError(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"HTTP 415 Unsupported Media Type: %q; v3 produce takes application/json", ct)
	}
	if aerr := p.checkCluster(r.PathValue("cluster_id")); aerr != nil {
		return topicInfo{}, aerr
	}
	name := r.PathValue("topic")
	if aerr := p.mayProduce(r.Context(), name); aerr != nil {
		return topicInfo{}, aerr
	}
	t, ok := p.meta.topic(r.Context(), name)
	if !ok {
		return topicInfo{}, errTopicPartitionNotFound(name)
	}
	return t, nil
}

// v3Record reads one v3 record object. Problems become the record's error
// rather than failing the request, so a stream or batch goes on.
func (p *Proxy) v3Record(ctx context.Context, topic string, obj *jsonValue, path string, received time.Time, batchEntry bool) inRecord {
	rec := inRecord{path: path, partition: kafka.PartitionAny, timestamp: received,
		keySpec: partSpec{format: fmtBinary}, valueSpec: partSpec{format: fmtBinary}}
	if obj.kind != jsonObject {
		rec.err = errBadRequest("%s must be a JSON object, got %s", path, obj.describe())
		return rec
	}
	for i := range obj.members {
		m := &obj.members[i]
		v := &m.value
		switch m.name {
		case "partition_id":
			if v.kind == jsonNull {
				continue
			}
			n, err := strconv.ParseInt(v.s, 10, 32)
			if v.kind != jsonNumber || err != nil || n < 0 || n > math.MaxInt32 {
				rec.err = errBadRequest("%s.partition_id must be a partition number, got %s", path, v.describe())
				return rec
			}
			rec.partition = int32(n)
		case "headers":
			if rec.err = v3Headers(&rec, v, path); rec.err != nil {
				return rec
			}
		case "timestamp":
			if v.kind == jsonNull {
				continue
			}
			ts, err := time.Parse(time.RFC3339Nano, v.s)
			if v.kind != jsonString || err != nil {
				rec.err = errBadRequest("%s.timestamp must be RFC 3339 text such as 2021-02-05T19:14:42Z, got %s", path, v.describe())
				return rec
			}
			rec.timestamp = ts
		case "key", "value":
			if v.kind == jsonNull {
				continue
			}
			spec, data, aerr := p.v3Part(ctx, topic, m.name, v, path)
			if aerr != nil {
				rec.err = aerr
				return rec
			}
			if m.name == "key" {
				rec.keySpec, rec.key = spec, data
			} else {
				rec.valueSpec, rec.value = spec, data
			}
		case "id":
			if !batchEntry {
				rec.err = errBadRequest("%s: unknown member \"id\" (only batch entries have ids)", path)
				return rec
			}
		default:
			rec.err = errBadRequest("%s: unknown member %q (want partition_id, headers, key, value, timestamp)", path, m.name)
			return rec
		}
	}
	return rec
}

func v3Headers(rec *inRecord, v *jsonValue, path string) *apiError {
	if v.kind == jsonNull {
		return nil
	}
	if v.kind != jsonArray {
		return errBadRequest("%s.headers must be an array of {name, value}, got %s", path, v.describe())
	}
	for i := range v.members {
		h := &v.members[i].value
		hp := path + ".headers[" + strconv.Itoa(i) + "]"
		name, ok := h.member("name")
		if h.kind != jsonObject || !ok || name.kind != jsonString || name.s == "" {
			return errBadRequest("%s must be an object with a non-empty name", hp)
		}
		kh := kafka.Header{Key: name.s}
		if val, ok := h.member("value"); ok && val.kind != jsonNull {
			if val.kind != jsonString {
				return errBadRequest("%s.value must be base64 text or null, got %s", hp, val.describe())
			}
			b, err := base64.StdEncoding.DecodeString(val.s)
			if err != nil {
				return errBadRequest("%s.value: invalid base64: %v", hp, err)
			}
			kh.Value = b
		}
		rec.headers = append(rec.headers, kh)
	}
	return nil
}

// v3Part resolves a key or value object: its format, schema and data.
// path is the record's; errors name path.part.
func (p *Proxy) v3Part(ctx context.Context, topic, part string, v *jsonValue, recPath string) (partSpec, *jsonValue, *apiError) {
	if v.kind != jsonObject {
		path := recPath + "." + part
		return partSpec{}, nil, errBadRequest("%s must be an object with type and data, got %s", path, v.describe())
	}
	var typ, subject, strategy, rawSchema string
	var id, version int
	var data *jsonValue
	for i := range v.members {
		m := &v.members[i]
		val := &m.value
		var bad bool
		switch m.name {
		case "type":
			typ, bad = val.s, val.kind != jsonString
		case "subject":
			subject, bad = val.s, val.kind != jsonString
		case "subject_name_strategy":
			strategy, bad = val.s, val.kind != jsonString
		case "schema":
			rawSchema, bad = val.s, val.kind != jsonString
		case "schema_id", "schema_version":
			n, err := strconv.Atoi(val.s)
			bad = val.kind != jsonNumber || err != nil || n <= 0
			if m.name == "schema_id" {
				id = n
			} else {
				version = n
			}
		case "data":
			data = val
		default:
			return partSpec{}, nil, errBadRequest("%s.%s: unknown member %q (want type, subject, subject_name_strategy, schema_id, schema_version, schema, data)", recPath, part, m.name)
		}
		if bad {
			return partSpec{}, nil, errBadRequest("%s.%s.%s has the wrong type: %s", recPath, part, m.name, val.describe())
		}
	}
	path := lazyPath{recPath, part}
	schemaGiven := id > 0 || version > 0 || rawSchema != "" || subject != "" || strategy != ""
	switch typ {
	case "BINARY", "JSON", "STRING":
		if schemaGiven {
			return partSpec{}, nil, errBadRequest("%s: type %s takes no schema, subject or schema_id", path, typ)
		}
		f := fmtBinary
		switch typ {
		case "JSON":
			f = fmtJSON
		case "STRING":
			f = fmtString
		}
		return partSpec{format: f}, data, nil
	case "JSONSCHEMA", "PROTOBUF":
		return partSpec{}, nil, errBadRequest("%s: type %s is not supported by this proxy; use AVRO, BINARY, JSON or STRING", path, typ)
	case "", "AVRO":
	default:
		return partSpec{}, nil, errBadRequest("%s: unknown type %q (want BINARY, JSON, STRING or AVRO)", path, typ)
	}
	governed := topic == p.cfg.eventTopic
	if governed && part == "key" {
		if typ != "" || schemaGiven {
			return partSpec{}, nil, errBadRequest("%s: topic %s has plain string keys (the user_id); send the key as {\"data\": \"<user_id>\"} or omit it", path, topic)
		}
		return partSpec{format: fmtString}, data, nil
	}
	if strategy != "" && strategy != "TOPIC_NAME" {
		return partSpec{}, nil, errBadRequest("%s: subject_name_strategy %s is not supported; give subject explicitly", path, strategy)
	}
	switch {
	case subject == "" && governed: // part is "value"
		subject = p.eventSubject()
	case subject == "":
		subject = topic + "-" + part
	default:
		// Subjects and schema texts are cached: detach them from the body.
		subject = strings.Clone(subject)
	}
	rawSchema = strings.Clone(rawSchema)
	var rs *resolvedSchema
	var err error
	switch {
	case id > 0:
		rs, err = p.schemas.byID(ctx, subject, id)
	case version > 0:
		rs, err = p.schemas.version(ctx, subject, version)
	case rawSchema != "":
		if typ == "" {
			return partSpec{}, nil, errBadRequest("%s: a raw schema needs type AVRO", path)
		}
		rs, err = p.schemas.register(ctx, subject, rawSchema, governed)
	default:
		rs, err = p.schemas.latestOf(ctx, subject)
		if err != nil && typ == "" {
			ae := asAPIError(err)
			if ae.status == http.StatusUnprocessableEntity {
				return partSpec{}, nil, errUnprocessable(codeInvalidSchema,
					"%s: no type given and subject %s has no schema; give type BINARY, JSON or STRING, or a schema", path, subject)
			}
		}
	}
	if err != nil {
		return partSpec{}, nil, asAPIError(err)
	}
	return partSpec{format: fmtAvro, schema: rs}, data, nil
}

// lazyPath prints as record.part: v3Part's error messages name it, and
// building the string for every record that has no error would cost an
// allocation each.
type lazyPath struct{ rec, part string }

func (l lazyPath) String() string { return l.rec + "." + l.part }

// reportOf turns a result into a delivery report.
func (p *Proxy) reportOf(b *batch, i int) *v3Report {
	rep := new(v3Report)
	p.fillReport(rep, b, i)
	return rep
}

// reportTime is how report timestamps are written.
const reportTime = "2006-01-02T15:04:05.000Z07:00"

// fillReport sets rep to record i's delivery report. rep may hold an
// earlier report: a batch answer reuses one.
func (p *Proxy) fillReport(rep *v3Report, b *batch, i int) {
	r := &b.results[i]
	rec := &b.recs[i]
	if r.err != nil {
		*rep = v3Report{ID: rec.id, ErrorCode: r.err.code, Message: r.err.msg}
		return
	}
	clusterID, _ := p.meta.cluster()
	// The records of a request mostly share its receive time: format it once.
	if !r.timestamp.Equal(b.stamp.t) || b.stamp.s == "" {
		b.stamp.t, b.stamp.s = r.timestamp, r.timestamp.UTC().Format(reportTime)
	}
	*rep = v3Report{ID: rec.id, ErrorCode: http.StatusOK, ClusterID: clusterID, TopicName: b.topic.name,
		Timestamp: b.stamp.s}
	if r.partition >= 0 {
		rep.partition, rep.offset = r.partition, r.offset
		rep.PartitionID, rep.Offset = &rep.partition, &rep.offset
	}
	switch r.outcome {
	case outcomeDropped:
		rep.Action, rep.Rule = "drop", r.rule
	case outcomeDLQ:
		rep.Action, rep.Rule = "dlq", r.rule
	default:
		if rec.key != nil && rec.key.kind != jsonNull || r.keySize > 0 {
			rep.key = v3Part{Type: rec.keySpec.format.v3Type(), Size: r.keySize}
			if ks := rec.keySpec.schema; ks != nil {
				rep.key.Type, rep.key.Subject, rep.key.SchemaID, rep.key.SchemaVersion = "AVRO", ks.subject, ks.id, ks.version
			}
			rep.Key = &rep.key
		}
		if rec.value != nil && rec.value.kind != jsonNull {
			rep.value = v3Part{Type: rec.valueSpec.format.v3Type(), Size: r.valueSize}
			if vs := r.valueSchema; vs != nil {
				rep.value.Type, rep.value.Subject, rep.value.SchemaID, rep.value.SchemaVersion = "AVRO", vs.subject, vs.id, vs.version
			}
			rep.Value = &rep.value
		}
	}
}
