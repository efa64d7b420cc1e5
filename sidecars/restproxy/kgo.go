package restproxy

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// partitioner places a record on the partition its request chose, else by
// Kafka's murmur2 of the key, as kafka-rest's Java producer and librdkafka's
// murmur2_random do, so a user's events land where any other producer would
// put them; records without a key go sticky.
type partitioner struct{}

func (partitioner) ForTopic(topic string) kgo.TopicPartitioner {
	return &topicPartitioner{byKey: kgo.StickyKeyPartitioner(nil).ForTopic(topic)}
}

type topicPartitioner struct{ byKey kgo.TopicPartitioner }

// RequiresConsistency makes kgo index all partitions, not just the writable
// ones, so that a chosen partition's index is its number.
func (p *topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || p.byKey.RequiresConsistency(r)
}

func (p *topicPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Partition >= 0 {
		return int(r.Partition)
	}
	return p.byKey.Partition(r, n)
}

// OnNewBatch lets the sticky choice for keyless records move on, as the
// wrapped partitioner expects.
func (p *topicPartitioner) OnNewBatch() {
	if nb, ok := p.byKey.(kgo.TopicPartitionerOnNewBatch); ok {
		nb.OnNewBatch()
	}
}

// brokerHook tracks whether Kafka is reachable for Ready: a failed
// connection attempt marks it down until a connection or a delivery
// succeeds.
type brokerHook struct{ pr *producer }

func (h brokerHook) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	h.pr.brokersUp.Store(err == nil)
}

// kafkaError maps a produce error to the per-record REST Proxy error.
func kafkaError(err error) *apiError {
	var ke *kerr.Error
	switch {
	case errors.Is(err, kerr.UnknownTopicOrPartition):
		return newAPIError(http.StatusNotFound, codeTopicPartitionNF, "%v", err)
	case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge):
		return newAPIError(http.StatusUnprocessableEntity, codePayload, "record is larger than the maximum message size: %v", err)
	case errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, kerr.ClusterAuthorizationFailed):
		return newAPIError(http.StatusForbidden, codeForbidden, "%v", err)
	case errors.Is(err, kerr.SaslAuthenticationFailed):
		return newAPIError(http.StatusUnauthorized, codeUnauthorized, "%v", err)
	case kerr.IsRetriable(err), errors.Is(err, kgo.ErrRecordTimeout), errors.Is(err, kgo.ErrRecordRetries),
		errors.Is(err, kgo.ErrClientClosed), isNetError(err):
		e := newAPIError(http.StatusServiceUnavailable, codeKafkaRetriable, "%v (retriable)", err)
		e.retryAfter = 1
		return e
	case errors.As(err, &ke):
		return newAPIError(http.StatusInternalServerError, codeKafka, "%v (kafka error code %d)", err, ke.Code)
	}
	return newAPIError(http.StatusInternalServerError, codeKafka, "%v", err)
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}
