package restproxy

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/httpx"
)

type v2Replica struct {
	Broker int32 `json:"broker"`
	Leader bool  `json:"leader"`
	InSync bool  `json:"in_sync"`
}

type v2Partition struct {
	Partition int32       `json:"partition"`
	Leader    int32       `json:"leader"`
	Replicas  []v2Replica `json:"replicas"`
}

type v2Topic struct {
	Name       string            `json:"name"`
	Configs    map[string]string `json:"configs"`
	Partitions []v2Partition     `json:"partitions"`
}

func partitionOf(pm kafka.PartitionMetadata) v2Partition {
	isr := map[int32]bool{}
	for _, b := range pm.Isrs {
		isr[b] = true
	}
	out := v2Partition{Partition: pm.ID, Leader: pm.Leader, Replicas: make([]v2Replica, 0, len(pm.Replicas))}
	for _, b := range pm.Replicas {
		out.Replicas = append(out.Replicas, v2Replica{Broker: b, Leader: b == pm.Leader, InSync: isr[b]})
	}
	return out
}

func (p *Proxy) handleListTopics(w http.ResponseWriter, r *http.Request) {
	names := make([]string, 0)
	for _, n := range p.meta.names() {
		// Kafka's own internal topics are hidden, as upstream lists them.
		if !strings.HasPrefix(n, "__") {
			names = append(names, n)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, contentTypeV2, names)
}

func (p *Proxy) handleGetTopic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("topic")
	t, ok := p.meta.topic(r.Context(), name)
	if !ok {
		// Current Confluent answers 40403 here (Kafka's
		// UnknownTopicOrPartition); Karapace asserts the same.
		writeError(w, contentTypeV2, errTopicPartitionNotFound(name))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	res, err := p.admin.DescribeConfigs(ctx, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: name}})
	if err != nil || len(res) != 1 || res[0].Error.Code() != kafka.ErrNoError {
		if err == nil && len(res) == 1 {
			err = res[0].Error
		}
		writeError(w, contentTypeV2, kafkaError(err))
		return
	}
	configs := map[string]string{}
	for k, e := range res[0].Config {
		if !e.IsSensitive {
			configs[k] = e.Value
		}
	}
	out := v2Topic{Name: name, Configs: configs, Partitions: make([]v2Partition, 0, len(t.partitions))}
	for _, pm := range t.partitions {
		out.Partitions = append(out.Partitions, partitionOf(pm))
	}
	httpx.WriteJSON(w, http.StatusOK, contentTypeV2, out)
}

func (p *Proxy) handleListPartitions(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("topic")
	t, ok := p.meta.topic(r.Context(), name)
	if !ok {
		writeError(w, contentTypeV2, errTopicNotFound(name))
		return
	}
	out := make([]v2Partition, 0, len(t.partitions))
	for _, pm := range t.partitions {
		out = append(out, partitionOf(pm))
	}
	httpx.WriteJSON(w, http.StatusOK, contentTypeV2, out)
}

// partitionFromPath resolves {topic}/{partition}, answering the error itself.
func (p *Proxy) partitionFromPath(w http.ResponseWriter, r *http.Request) (topicInfo, int32, bool) {
	name, raw := r.PathValue("topic"), r.PathValue("partition")
	n, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || n < 0 {
		writeError(w, contentTypeV2, newAPIError(http.StatusNotFound, codeNotFound, "Partition %q is not a partition number", raw))
		return topicInfo{}, 0, false
	}
	t, ok := p.meta.topic(r.Context(), name)
	if !ok {
		writeError(w, contentTypeV2, errTopicNotFound(name))
		return topicInfo{}, 0, false
	}
	if !t.hasPartition(int32(n)) {
		writeError(w, contentTypeV2, errPartitionNotFound(name, int32(n)))
		return topicInfo{}, 0, false
	}
	return t, int32(n), true
}

func (p *Proxy) handleGetPartition(w http.ResponseWriter, r *http.Request) {
	t, n, ok := p.partitionFromPath(w, r)
	if ok {
		httpx.WriteJSON(w, http.StatusOK, contentTypeV2, partitionOf(t.partitions[n]))
	}
}

func (p *Proxy) handlePartitionOffsets(w http.ResponseWriter, r *http.Request) {
	t, n, ok := p.partitionFromPath(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	var ends [2]int64
	for i, spec := range []kafka.OffsetSpec{kafka.EarliestOffsetSpec, kafka.LatestOffsetSpec} {
		tp := kafka.TopicPartition{Topic: &t.name, Partition: n}
		res, err := p.admin.ListOffsets(ctx, map[kafka.TopicPartition]kafka.OffsetSpec{tp: spec})
		if err == nil {
			for _, info := range res.ResultInfos {
				ends[i] = int64(info.Offset)
				if info.Error.Code() != kafka.ErrNoError {
					err = info.Error
				}
			}
		}
		if err != nil {
			e := newAPIError(http.StatusServiceUnavailable, codeKafkaRetriable, "listing offsets of %s partition %d: %v (retriable)", t.name, n, err)
			e.retryAfter = 1
			writeError(w, contentTypeV2, e)
			return
		}
	}
	httpx.WriteJSON(w, http.StatusOK, contentTypeV2, map[string]int64{"beginning_offset": ends[0], "end_offset": ends[1]})
}

func (p *Proxy) handleBrokers(w http.ResponseWriter, _ *http.Request) {
	_, brokers := p.meta.cluster()
	ids := make([]int32, 0, len(brokers))
	for _, b := range brokers {
		ids = append(ids, b.ID)
	}
	httpx.WriteJSON(w, http.StatusOK, contentTypeV2, map[string][]int32{"brokers": ids})
}

type v3Related struct {
	Related string `json:"related"`
}

type v3Cluster struct {
	Kind      string         `json:"kind"`
	Metadata  map[string]any `json:"metadata"`
	ClusterID string         `json:"cluster_id"`
	Topics    v3Related      `json:"topics"`
	Brokers   v3Related      `json:"brokers"`
}

func (p *Proxy) clusterDoc(r *http.Request, id string) v3Cluster {
	base := "http://" + r.Host + "/v3/clusters/" + id
	return v3Cluster{Kind: "KafkaCluster", ClusterID: id,
		Metadata: map[string]any{"self": base, "resource_name": "crn:///kafka=" + id},
		Topics:   v3Related{Related: base + "/topics"}, Brokers: v3Related{Related: base + "/brokers"}}
}

func (p *Proxy) handleV3Clusters(w http.ResponseWriter, r *http.Request) {
	id, _ := p.meta.cluster()
	data := []v3Cluster{}
	if id != "" {
		data = append(data, p.clusterDoc(r, id))
	}
	httpx.WriteJSON(w, http.StatusOK, contentTypeV3, map[string]any{
		"kind":     "KafkaClusterList",
		"metadata": map[string]any{"self": "http://" + r.Host + "/v3/clusters", "next": nil},
		"data":     data,
	})
}

func (p *Proxy) handleV3Cluster(w http.ResponseWriter, r *http.Request) {
	if aerr := p.checkCluster(r.PathValue("cluster_id")); aerr != nil {
		writeError(w, contentTypeV3, aerr)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, contentTypeV3, p.clusterDoc(r, r.PathValue("cluster_id")))
}

func (p *Proxy) checkCluster(id string) *apiError {
	if known, _ := p.meta.cluster(); id != known {
		return newAPIError(http.StatusNotFound, codeNotFound, "Cluster %s cannot be found.", id)
	}
	return nil
}

func (p *Proxy) handleRules(w http.ResponseWriter, _ *http.Request) {
	st, ok := p.RulesStatus()
	if !ok {
		httpx.WriteJSON(w, http.StatusOK, "", map[string]any{"enabled": false})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, "", map[string]any{"enabled": true, "status": st})
}
