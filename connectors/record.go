package connectors

import (
	"encoding/json"
	"fmt"
	"time"
)

// Header is one Kafka record header. Values stay raw bytes: the worker does
// not convert headers (Kafka Connect's SimpleHeaderConverter would guess
// types from the text; sinks that need typed headers parse them).
type Header struct {
	Key   string
	Value []byte
}

// TopicPartition names a partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (tp TopicPartition) String() string { return fmt.Sprintf("%s-%d", tp.Topic, tp.Partition) }

// TaskID names one task of a connector.
type TaskID struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

func (id TaskID) String() string { return fmt.Sprintf("%s-%d", id.Connector, id.Task) }

// Record is what sink and source records share and what transformations
// rewrite.
type Record struct {
	Topic       string
	Key         any
	KeySchema   *Schema
	Value       any
	ValueSchema *Schema
	// Timestamp is the record time; the zero time means none.
	Timestamp time.Time
	Headers   []Header
}

// Header returns the last header called key, if any.
func (r *Record) Header(key string) ([]byte, bool) {
	for i := len(r.Headers) - 1; i >= 0; i-- {
		if r.Headers[i].Key == key {
			return r.Headers[i].Value, true
		}
	}
	return nil, false
}

// TimestampType says where a consumed record's timestamp came from.
type TimestampType string

// Kafka's timestamp types.
const (
	NoTimestampType TimestampType = "NoTimestampType"
	CreateTime      TimestampType = "CreateTime"
	LogAppendTime   TimestampType = "LogAppendTime"
)

// SinkRecord is a record consumed from Kafka and handed to SinkTask.Put,
// with key and value decoded by the connector's converters and rewritten by
// its transformations.
type SinkRecord struct {
	Record
	Partition     int32
	Offset        int64
	TimestampType TimestampType
	// OriginalTopic, OriginalPartition and OriginalOffset locate the record
	// as consumed, before transformations could change the topic. Error
	// reports and the dead letter queue use them.
	OriginalTopic     string
	OriginalPartition int32
	OriginalOffset    int64
}

// TopicPartition returns where the record is now (after transformations).
func (r *SinkRecord) TopicPartition() TopicPartition {
	return TopicPartition{Topic: r.Topic, Partition: r.Partition}
}

// SourceRecord is a record a SourceTask produced, to be converted and
// written to Kafka.
type SourceRecord struct {
	Record
	// Partition pins the Kafka partition; nil lets the producer pick by key
	// hash (or spread records without a key).
	Partition *int32
	// SourcePartition identifies the stream position space in the source
	// system (a file, a table shard); SourceOffset is the position after this
	// record. The worker stores the latest offset per source partition in
	// connect-offsets, keyed ["<connector>", SourcePartition], once the
	// record is acknowledged by Kafka. Both must marshal to JSON objects.
	SourcePartition map[string]any
	SourceOffset    map[string]any
}

// RecordMetadata is what Kafka acknowledged for a produced source record.
type RecordMetadata struct {
	Topic     string
	Partition int32
	Offset    int64
}

// canonicalJSON renders v as JSON with sorted map keys (encoding/json sorts
// them), so equal partitions from Go literals and from decoded JSON match.
func canonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}
